"""System checks of the signing settings (``manage.py check``): misconfiguration shows at start-up,
not as the first failed job."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks
from django.core.checks import CheckMessage, Error
from django.utils.module_loading import import_string

from governance.provenance.identity import SigningUnavailable, identity_for, trust_anchors_pem

SUPPORTED_ALGS = ("es256", "es384", "es512", "ps256", "ps384", "ps512", "ed25519")


def check_signing_settings(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    problems: list[CheckMessage] = []
    if settings.C2PA_SIGNING_ALG not in SUPPORTED_ALGS:
        problems.append(
            Error(
                f"C2PA_SIGNING_ALG={settings.C2PA_SIGNING_ALG!r} is not supported.",
                hint=f"Use one of: {', '.join(SUPPORTED_ALGS)}.",
                id="provenance.E001",
            )
        )
    if settings.C2PA_SIGNER_CALLBACK:
        try:
            import_string(settings.C2PA_SIGNER_CALLBACK)
        except ImportError as exc:
            problems.append(
                Error(
                    f"C2PA_SIGNER_CALLBACK={settings.C2PA_SIGNER_CALLBACK!r} cannot be imported: {exc}",
                    id="provenance.E002",
                )
            )
        return problems
    try:
        identity_for(None)
    except SigningUnavailable as exc:
        # A warning, not an error: `make run` migrates first and creates the identity right after.
        problems.append(
            checks.Warning(
                f"No usable C2PA signing identity ({exc.code}): every AI output and rendition will fail.",
                hint="Run `manage.py ensure_signing_identity`, or set C2PA_SIGN_CERT(_PATH) and "
                "C2PA_SIGN_KEY(_PATH).",
                id="provenance.W001",
            )
        )
    if not trust_anchors_pem():
        problems.append(
            checks.Warning(
                "No C2PA trust anchors are readable: the service's own outputs read as Valid, not Trusted.",
                hint="Set C2PA_TRUST_ANCHORS or C2PA_TRUST_ANCHOR_PATHS to the root of the signing chain.",
                id="provenance.W002",
            )
        )
    return problems
