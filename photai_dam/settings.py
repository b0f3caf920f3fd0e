"""Settings for PhotAI DAM, read from the environment (see README "Configuration").

Without any environment the service runs in its *embedded default*: SQLite and media under ``var/``, the
Dramatiq stub broker with a worker inside the web process, and a development signing identity.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

from photai_dam.env import (
    ConfigurationError,
    broker_from_url,
    cache_from_url,
    env_bool,
    env_int,
    env_list,
    env_str,
    parse_database_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("PHOTAI_VAR_DIR", str(BASE_DIR / "var")) or BASE_DIR / "var")

DEBUG = env_bool("DEBUG", False)
TESTING = env_bool("PHOTAI_TESTING", False)


def _secret_key() -> str:
    configured = env_str("SECRET_KEY")
    if configured:
        if len(configured) < 32:
            raise ConfigurationError("SECRET_KEY must be at least 32 characters")
        return configured
    # Embedded default: a key generated once and kept under var/, never a constant in the source.
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# Public base URL of this service, used in links we send out (review e-mails, webhooks).
PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "django_dramatiq",
    "photai_dam.workspaces",
    "photai_dam.assets",
    "photai_dam.jobs",
    "governance.audit",
    "governance.licensing",
    "governance.provenance",
    "governance.reviews",
    "inference",
    "integrations",
]

MIDDLEWARE = [
    # First: every error under /api/ and /hooks/ leaves as the JSON envelope, whoever produced it.
    "photai_dam.middleware.ApiErrorEnvelopeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "photai_dam.middleware.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "photai_dam.urls"
WSGI_APPLICATION = "photai_dam.wsgi.application"
ASGI_APPLICATION = "photai_dam.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": parse_database_url(DATABASE_URL)}
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "photai.sqlite3",
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
            # A file, not Django's shared-cache in-memory default: worker threads in tests write
            # concurrently, and shared-cache SQLite answers that with "table is locked" at once.
            "TEST": {"NAME": str(Path(tempfile.gettempdir()) / f"photai-test-{os.getpid()}.sqlite3")},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache --------------------------------------------------------------------------------------------
# Rate limits (sign-in, verify) and the audit's failure counters live here, so it must be shared by every
# process that serves the web: Redis in production (PHOTAI_CACHE_URL=redis://…), the database
# (db://, its table made by `migrate`), or, in the embedded default, files under var/cache (every process
# on this machine). A per-process cache would make every limit N times as high with N workers.
CACHES = {
    "default": cache_from_url(
        env_str("PHOTAI_CACHE_URL", f"file://{VAR_DIR / 'cache'}") or f"file://{VAR_DIR / 'cache'}",
        env_str("PHOTAI_CACHE_KEY_PREFIX", "photai") or "photai",
    )
}

# --- Broker and workers -------------------------------------------------------------------------------
BROKER_URL = env_str("BROKER_URL", "stub://") or "stub://"
DRAMATIQ_BROKER = {
    # The Redis key namespace lets several deployments (or test runs) share one Redis.
    **broker_from_url(BROKER_URL, env_str("BROKER_NAMESPACE", "dramatiq") or "dramatiq"),
    "MIDDLEWARE": [
        "dramatiq.middleware.AgeLimit",
        "dramatiq.middleware.TimeLimit",
        "dramatiq.middleware.Callbacks",
        "dramatiq.middleware.Retries",
        "dramatiq.middleware.CurrentMessage",
        "django_dramatiq.middleware.DbConnectionsMiddleware",
    ],
}
DRAMATIQ_TASKS_DATABASE = "default"
DRAMATIQ_AUTODISCOVER_MODULES = ["tasks"]
# How long an idle worker waits for a message before polling again (ms). Dramatiq's default of 1000 ms
# makes enqueue -> start ~0.5 s on Redis; 100 ms keeps an idle worker responsive at negligible cost.
DRAMATIQ_WORKER_TIMEOUT_MS = env_int("DRAMATIQ_WORKER_TIMEOUT_MS", 100, minimum=10)
# Run a Dramatiq worker inside the web process (the embedded default, `make run`).
EMBEDDED_WORKER = env_bool("PHOTAI_EMBEDDED_WORKER", BROKER_URL.startswith("stub"))
JOB_TIME_LIMIT_S = env_int("PHOTAI_JOB_TIME_LIMIT_S", 900, minimum=1)

# --- Storage ------------------------------------------------------------------------------------------
STORAGE_BACKEND = env_str("PHOTAI_STORAGE", "local")
if STORAGE_BACKEND == "local":
    MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")) or VAR_DIR / "media")
    _default_storage: dict[str, object] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT, "file_permissions_mode": 0o640},
    }
elif STORAGE_BACKEND == "s3":
    MEDIA_ROOT = VAR_DIR / "media"
    _bucket = env_str("AWS_STORAGE_BUCKET_NAME")
    if not _bucket:
        raise ConfigurationError("PHOTAI_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME")
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": _bucket,
            "endpoint_url": env_str("AWS_S3_ENDPOINT_URL"),
            "region_name": env_str("AWS_S3_REGION_NAME"),
            "access_key": env_str("AWS_ACCESS_KEY_ID"),
            "secret_key": env_str("AWS_SECRET_ACCESS_KEY"),
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    raise ConfigurationError(f"PHOTAI_STORAGE={STORAGE_BACKEND!r} is not one of: local, s3")
MEDIA_URL = "/media/"
STORAGES = {
    "default": _default_storage,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"

# --- Upload limits ------------------------------------------------------------------------------------
UPLOAD_MAX_BYTES = env_int("PHOTAI_UPLOAD_MAX_BYTES", 50 * 1024 * 1024, minimum=1024)
UPLOAD_MAX_PIXELS = env_int("PHOTAI_UPLOAD_MAX_PIXELS", 50_000_000, minimum=1)
# Django refuses request bodies above this before our code runs; leave headroom for multipart framing.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_PERMISSIONS = 0o640
# Deepest nesting of arrays/objects accepted in any JSON the service reads (API bodies, the upload's
# licence field, webhooks); deeper documents get 400 json_too_deep instead of a RecursionError.
JSON_MAX_DEPTH = env_int("PHOTAI_JSON_MAX_DEPTH", 32, minimum=4)

# --- Auth, API ----------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/reviews/"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "photai_dam.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "photai_dam.api.schema.AutoSchema",  # documents the error responses too
    "EXCEPTION_HANDLER": "photai_dam.api.errors.exception_handler",
    "DEFAULT_PARSER_CLASSES": [
        "photai_dam.api.parsers.JSONParser",  # depth limit, finite numbers only
        "rest_framework.parsers.MultiPartParser",
    ],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "PhotAI DAM API",
    "DESCRIPTION": "Governed AI image editing and generation for marketing teams.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "photai_dam.api.schema.add_error_component",
    ],
}

# --- Security -----------------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "photai_dam.api.http_errors.csrf_failure"  # the JSON envelope under /api/ and /hooks/
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY") else None
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)
# Outbound requests (invariant I8, photai_dam/outbound.py): networks that may be called although the
# policy refuses them by default (loopback, private, link-local…), e.g. an on-premise CMS; CIDRs,
# comma-separated. Addresses in them may be called on any port, all others only on these ports.
OUTBOUND_ALLOWED_NETWORKS = env_list("PHOTAI_OUTBOUND_ALLOWED_NETWORKS")
OUTBOUND_ALLOWED_PORTS = env_list("PHOTAI_OUTBOUND_ALLOWED_PORTS", ["80", "443"])
# Key for credentials encrypted at rest (connections). Derived from SECRET_KEY unless set explicitly.
FIELD_ENCRYPTION_KEY = env_str("FIELD_ENCRYPTION_KEY")

# --- E-mail -------------------------------------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "photai-dam@localhost")

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Governance: provenance and watermark -------------------------------------------------------------
# Signing identity: PEM chain (leaf first) + key, as files (the default: written by
# `manage.py ensure_signing_identity` under var/signing/) or as PEM text in C2PA_SIGN_CERT / C2PA_SIGN_KEY
# (both also read from C2PA_SIGN_CERT_FILE / C2PA_SIGN_KEY_FILE). A workspace may have its own identity
# (provenance.WorkspaceSigningIdentity); C2PA_SIGNER_CALLBACK names a callable (workspace) -> c2pa.Signer
# for keys held in a KMS/HSM (built with c2pa.Signer.from_callback).
C2PA_IDENTITY_DIR = Path(env_str("C2PA_IDENTITY_DIR", str(VAR_DIR / "signing")) or VAR_DIR / "signing")
C2PA_SIGN_CERT = env_str("C2PA_SIGN_CERT")
C2PA_SIGN_KEY = env_str("C2PA_SIGN_KEY")
C2PA_SIGN_CERT_PATH = env_str("C2PA_SIGN_CERT_PATH", str(C2PA_IDENTITY_DIR / "chain.pem"))
C2PA_SIGN_KEY_PATH = env_str("C2PA_SIGN_KEY_PATH", str(C2PA_IDENTITY_DIR / "signer.key"))
C2PA_SIGNING_ALG = env_str("C2PA_SIGNING_ALG", "es256") or "es256"
C2PA_SIGNER_CALLBACK = env_str("C2PA_SIGNER_CALLBACK")
C2PA_TSA_URL = env_str("C2PA_TSA_URL")
# Trust anchors (PEM text and/or files): manifests signed by a chain ending at one read as Trusted.
C2PA_TRUST_ANCHORS = env_str("C2PA_TRUST_ANCHORS")
C2PA_TRUST_ANCHOR_PATHS = env_list("C2PA_TRUST_ANCHOR_PATHS", [str(C2PA_IDENTITY_DIR / "root.pem")])
# The publish gate refuses manifests that are only Valid (signer not a trust anchor) when this is on.
C2PA_REQUIRE_TRUSTED = env_bool("C2PA_REQUIRE_TRUSTED", False)
# 0 = no thumbnail in the manifest (the default thumbnail is ~95% of the signing cost and +1.2 MB on WebP).
C2PA_THUMBNAIL_LONG_EDGE = env_int("C2PA_THUMBNAIL_LONG_EDGE", 0, minimum=0)
# POST /api/v1/verify also searches for the watermark in cropped copies (seconds of CPU per megapixel
# when no mark is found); off on servers where verify is exposed widely.
WATERMARK_VERIFY_CROP_SEARCH = env_bool("WATERMARK_VERIFY_CROP_SEARCH", True)
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {"verify": env_str("PHOTAI_VERIFY_RATE", "30/min")}

# --- Governance: licences and policy ------------------------------------------------------------------
# Warn editors this many days before the licence behind an asset expires (once per asset per expiry).
LICENCE_EXPIRY_WARNING_DAYS = env_int("PHOTAI_LICENCE_EXPIRY_WARNING_DAYS", 14, minimum=0)
# Interval of the self-rescheduling sweep actor (start it with `manage.py sweep_licences --schedule`).
LICENCE_SWEEP_INTERVAL_S = env_int("PHOTAI_LICENCE_SWEEP_INTERVAL_S", 3600, minimum=60)
# Channels a non-commercial licence or model removes
# (a workspace may override them: licensing.commercial_channels).
LICENCE_COMMERCIAL_CHANNELS = env_list(
    "PHOTAI_LICENCE_COMMERCIAL_CHANNELS", ["advertising", "ecommerce", "email"]
)
# How long one prompt-rule regular expression may run before the request is refused (seconds).
PROMPT_PATTERN_TIMEOUT_S = 0.05

# --- Governance: reviews and audit --------------------------------------------------------------------
# Stages every review passes unless a workspace configures its own (PUT …/review-settings).
REVIEW_DEFAULT_STAGES = [
    {"key": "brand", "role": "brand_reviewer", "approvals": 1},
    {"key": "legal", "role": "legal_reviewer", "approvals": 1},
]
REVIEW_WEBHOOK_TIMEOUT_S = env_int("PHOTAI_REVIEW_WEBHOOK_TIMEOUT_S", 10, minimum=1)
REVIEW_WEBHOOK_MAX_RETRIES = env_int("PHOTAI_REVIEW_WEBHOOK_MAX_RETRIES", 8, minimum=0)
REVIEW_WEBHOOK_MIN_BACKOFF_MS = env_int("PHOTAI_REVIEW_WEBHOOK_MIN_BACKOFF_MS", 5_000, minimum=1)
# Reviewer and audit web pages (templates and static CSS live in this app).
INSTALLED_APPS += ["governance.web"]
# Token authentication that writes an audit event for every refused token (failed authentication, I3).
REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"] = [
    "governance.audit.auth.AuditedTokenAuthentication",
    "rest_framework.authentication.SessionAuthentication",
]
# Sign-in throttling (/login/ and the admin's): failed attempts allowed per account and per client address
# within a window ("N/<n>s|m|h|d", e.g. 5/15m); past either, sign-in answers 429 until the window ends.
# Checked before the password, so a throttled guess learns nothing. Audited as auth.login_throttled.
LOGIN_RATE_ACCOUNT = env_str("PHOTAI_LOGIN_RATE_ACCOUNT", "5/15m") or "5/15m"
LOGIN_RATE_ADDRESS = env_str("PHOTAI_LOGIN_RATE_ADDRESS", "20/15m") or "20/15m"
AUTHENTICATION_BACKENDS = [
    "governance.audit.auth.SignInThrottleBackend",  # first: refuses throttled attempts before any check
    "django.contrib.auth.backends.ModelBackend",
]
# Failed sign-ins / tokens audited individually per client address and minute (then one summary event).
AUDIT_AUTH_FAILURES_PER_MINUTE = env_int("PHOTAI_AUDIT_AUTH_FAILURES_PER_MINUTE", 30, minimum=1)

# --- Inference ----------------------------------------------------------------------------------------
# Where pipelines run: "auto" (CUDA when present, else CPU), "cpu", "cuda" or "cuda:N".
INFERENCE_DEVICE = env_str("PHOTAI_INFERENCE_DEVICE", "auto") or "auto"
# Memory budget of each worker process's pipeline cache in MiB; 0 = 85% of the GPU's memory (CUDA) or
# 8 GiB (CPU). The least recently used pipelines are dropped to stay inside it.
INFERENCE_CACHE_BUDGET_MB = env_int("PHOTAI_MODEL_CACHE_MB", 0, minimum=0)
# Registered models with a local folder must live under one of these (no arbitrary paths from the API).
INFERENCE_MODEL_ROOTS = env_list("PHOTAI_MODEL_ROOTS", [str(VAR_DIR / "models")])
# The model a generative operation uses when a job names none: PHOTAI_DEFAULT_MODELS="op=key,op=key".
INFERENCE_DEFAULT_MODELS = {
    "text_to_image": "sd15",
    "image_to_image": "sd15",
    "variants": "sd15",
    "inpaint": "sd15-inpainting",
    "upscale_x4": "sd-x4-upscaler",
    "style_transfer": "sd15",
    **dict(item.split("=", 1) for item in env_list("PHOTAI_DEFAULT_MODELS") if "=" in item),
}
# torch's intra-op threads on CPU workers; 0 keeps torch's default (one per core). Several worker threads
# or processes on one machine each spinning a thread per core slow every job down several times.
INFERENCE_CPU_THREADS = env_int("PHOTAI_INFERENCE_CPU_THREADS", 0, minimum=0)
# Longest side (px) a generative operation works at; larger sources are scaled down first.
INFERENCE_MAX_SIDE = env_int("PHOTAI_INFERENCE_MAX_SIDE", 1024, minimum=64)
# Style adapters (LoRA) kept loaded in one warm base pipeline; switching between them costs no load.
INFERENCE_MAX_LORAS_PER_PIPELINE = env_int("PHOTAI_MAX_LORAS_PER_PIPELINE", 8, minimum=1)
# restore works in tiles, so no single native call grows with the photo; larger photos are refused.
INFERENCE_RESTORE_MAX_PIXELS = env_int("PHOTAI_RESTORE_MAX_PIXELS", 40_000_000, minimum=1)
# Largest output (pixels) of the upscale operations; by default what an upload may have, so that every
# output can be used as an input again.
INFERENCE_MAX_OUTPUT_PIXELS = env_int("PHOTAI_INFERENCE_MAX_OUTPUT_PIXELS", UPLOAD_MAX_PIXELS, minimum=1)

# --- Integrations -------------------------------------------------------------------------------------
# Connectors call remote CMSs with this timeout; a timeout is retried like a 5xx.
INTEGRATIONS_HTTP_TIMEOUT_S = env_int("PHOTAI_INTEGRATIONS_HTTP_TIMEOUT_S", 30, minimum=1)
# Polling for Shopify READY / Contentful processing inside one attempt; past the timeout the attempt is
# retried later from its checkpoint (never re-uploaded).
INTEGRATIONS_POLL_INTERVAL_S = env_int("PHOTAI_INTEGRATIONS_POLL_INTERVAL_MS", 1000, minimum=10) / 1000
INTEGRATIONS_POLL_TIMEOUT_S = env_int("PHOTAI_INTEGRATIONS_POLL_TIMEOUT_S", 60, minimum=1)
# Publish/unpublish attempts before a publication fails, and the exponential backoff between them (the
# vendor's own wait, Retry-After / X-Contentful-RateLimit-Reset / Shopify's bucket refill, wins if longer).
INTEGRATIONS_MAX_ATTEMPTS = env_int("PHOTAI_INTEGRATIONS_MAX_ATTEMPTS", 8, minimum=1)
INTEGRATIONS_MIN_BACKOFF_MS = env_int("PHOTAI_INTEGRATIONS_MIN_BACKOFF_MS", 2000, minimum=1)
INTEGRATIONS_MAX_BACKOFF_MS = env_int("PHOTAI_INTEGRATIONS_MAX_BACKOFF_MS", 15 * 60 * 1000, minimum=1)
# Webhook bodies above this are refused with 413 before any parsing.
INTEGRATIONS_WEBHOOK_MAX_BYTES = env_int("PHOTAI_INTEGRATIONS_WEBHOOK_MAX_BYTES", 256 * 1024, minimum=1024)
# The disclosure set as caption/description (alt text suffix on Shopify) of AI images we publish.
INTEGRATIONS_AI_DISCLOSURE = (
    env_str(
        "PHOTAI_INTEGRATIONS_AI_DISCLOSURE",
        "AI disclosure: {origin} image. Content Credentials (C2PA) are embedded in the file.",
    )
    or ""
)
# Extra connector kinds, {"kind": "dotted.path.Connector"}, merged into integrations.registry.
INTEGRATIONS_EXTRA_CONNECTORS: dict[str, str] = {}
