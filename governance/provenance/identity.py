"""Signing identities for C2PA manifests: a PEM certificate chain and its key, or a KMS/HSM callback.

Where the identity comes from, in order:
1. a workspace's own :class:`~governance.provenance.models.WorkspaceSigningIdentity` (paths to PEM files),
2. the global settings ``C2PA_SIGN_CERT_PATH`` / ``C2PA_SIGN_KEY_PATH`` (or the PEM text itself in
   ``C2PA_SIGN_CERT`` / ``C2PA_SIGN_KEY``, which also accept ``*_FILE`` through photai_dam.env),
3. ``C2PA_SIGNER_CALLBACK``: the dotted path of a callable ``(workspace) -> Signer`` that builds a
   ``c2pa.Signer.from_callback(...)`` whose key never leaves the KMS/HSM.

``manage.py ensure_signing_identity`` writes a local root CA and an ES256 leaf under ``var/`` (the files
the default settings point at) on first run; their root is a trust anchor by default, so the service's
own outputs read as Trusted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings
from django.utils.module_loading import import_string

from governance.provenance.models import WorkspaceSigningIdentity

if TYPE_CHECKING:
    import c2pa

    from photai_dam.workspaces.models import Workspace


class SigningUnavailable(Exception):
    """No usable signing identity: outputs cannot be finalised (the job fails with ``code``)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class PemIdentity:
    """A certificate chain (leaf first) and its private key, both PEM."""

    chain_pem: bytes
    key_pem: bytes
    alg: str = "es256"
    source: str = "settings"

    def signer(self) -> c2pa.Signer:
        import c2pa  # a native library: loaded by the processes that sign

        info = c2pa.C2paSignerInfo(
            alg=self.alg.encode(), sign_cert=self.chain_pem, private_key=self.key_pem, ta_url=_tsa_url()
        )
        return c2pa.Signer.from_info(info)

    def leaf_subject(self) -> str:
        return x509.load_pem_x509_certificate(self.chain_pem).subject.rfc4514_string()


@dataclass(frozen=True)
class CallbackIdentity:
    """A signer built by a callback (KMS/HSM): the key is never in this process."""

    factory: Callable[[Any], c2pa.Signer]
    workspace: Any
    source: str = "callback"

    def signer(self) -> c2pa.Signer:
        return self.factory(self.workspace)


def _tsa_url() -> bytes | None:
    url = getattr(settings, "C2PA_TSA_URL", None)
    return url.encode() if url else None


def _read(path: str | Path, what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise SigningUnavailable(
            "signing_identity_unreadable", f"{what} {path} cannot be read: {exc}"
        ) from exc


def identity_for(workspace: Workspace | None) -> PemIdentity | CallbackIdentity:
    """The identity that signs outputs of ``workspace``; raises SigningUnavailable when none is usable."""
    if workspace is not None:
        own = WorkspaceSigningIdentity.objects.filter(workspace=workspace, enabled=True).first()
        if own is not None:
            return PemIdentity(
                chain_pem=_read(own.cert_chain_path, "certificate chain"),
                key_pem=_read(own.private_key_path, "private key"),
                alg=own.alg,
                source=f"workspace:{workspace.slug}",
            )
    callback = getattr(settings, "C2PA_SIGNER_CALLBACK", None)
    if callback:
        return CallbackIdentity(factory=import_string(callback), workspace=workspace)
    chain = settings.C2PA_SIGN_CERT.encode() if settings.C2PA_SIGN_CERT else None
    key = settings.C2PA_SIGN_KEY.encode() if settings.C2PA_SIGN_KEY else None
    if chain is None and settings.C2PA_SIGN_CERT_PATH:
        chain = _read(settings.C2PA_SIGN_CERT_PATH, "certificate chain")
    if key is None and settings.C2PA_SIGN_KEY_PATH:
        key = _read(settings.C2PA_SIGN_KEY_PATH, "private key")
    if not chain or not key:
        raise SigningUnavailable(
            "signing_identity_missing",
            "No C2PA signing identity: run `manage.py ensure_signing_identity` or set C2PA_SIGN_CERT(_PATH) "
            "and C2PA_SIGN_KEY(_PATH).",
        )
    return PemIdentity(chain_pem=chain, key_pem=key, alg=settings.C2PA_SIGNING_ALG)


def trust_anchors_pem() -> str:
    """Every configured trust anchor, concatenated PEM ("" when none)."""
    parts: list[str] = []
    if settings.C2PA_TRUST_ANCHORS:
        parts.append(settings.C2PA_TRUST_ANCHORS)
    for path in settings.C2PA_TRUST_ANCHOR_PATHS:
        try:
            parts.append(Path(path).read_text())
        except OSError:
            # A missing anchor file (e.g. before ensure_signing_identity ran) only means fewer anchors:
            # outputs then read as Valid but untrusted, which verification reports honestly.
            continue
    return "\n".join(p.strip() for p in parts if p.strip())


def c2pa_context(*, trust: bool = True) -> c2pa.Context:
    """A c2pa Context with our builder settings (small or no thumbnail) and the trust anchors."""
    import c2pa  # a native library: loaded by the processes that sign or read manifests

    config: dict[str, Any] = {"builder": {"thumbnail": {"enabled": False}}}
    if settings.C2PA_THUMBNAIL_LONG_EDGE:
        config["builder"]["thumbnail"] = {
            "enabled": True,
            "format": "jpeg",
            "long_edge": settings.C2PA_THUMBNAIL_LONG_EDGE,
        }
    anchors = trust_anchors_pem() if trust else ""
    if anchors:
        config["trust"] = {"user_anchors": anchors}
    return c2pa.Context.from_dict(config)


# --- Creating a local identity (ensure_signing_identity, and test fixtures) -------------------------------


@dataclass(frozen=True)
class GeneratedChain:
    """PEM texts of a freshly generated root CA and ES256 leaf."""

    root_pem: bytes
    leaf_pem: bytes
    leaf_key_pem: bytes

    @property
    def chain_pem(self) -> bytes:
        return self.leaf_pem + self.root_pem


def _key_usage(*, ca: bool) -> Any:
    """Digital signature for the signer; a CA also signs certificates and CRLs."""
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def generate_chain(
    common_name: str = "PhotAI DAM local signer",
    *,
    organisation: str = "PhotAI DAM (local)",
    valid_days: int = 3650,
    leaf_eku: bool = True,
) -> GeneratedChain:
    """A root CA + ES256 leaf acceptable to c2pa-rs: CA:FALSE, digitalSignature, EKU emailProtection, AKI/SKI.

    ``leaf_eku=False`` produces a leaf that c2pa refuses at signing (used to test signing failures).
    """
    now = dt.datetime.now(dt.UTC)
    root_key = ec.generate_private_key(ec.SECP256R1())
    root_name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, f"{common_name} root"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
        ]
    )
    root = (
        x509.CertificateBuilder()
        .subject_name(root_name)
        .issuer_name(root_name)
        .public_key(root_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=valid_days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(ca=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False)
        .sign(root_key, hashes.SHA256())
    )
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    builder = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
                ]
            )
        )
        .issuer_name(root_name)
        .public_key(leaf_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=valid_days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(ca=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(leaf_key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), critical=False
        )
    )
    if leaf_eku:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
        )
    leaf = builder.sign(root_key, hashes.SHA256())
    return GeneratedChain(
        root_pem=root.public_bytes(serialization.Encoding.PEM),
        leaf_pem=leaf.public_bytes(serialization.Encoding.PEM),
        leaf_key_pem=leaf_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
    )


def write_chain(chain: GeneratedChain, *, cert_path: Path, key_path: Path, root_path: Path) -> None:
    """Write the chain (leaf + root), the leaf key (mode 0600) and the root (the trust anchor)."""
    for path in (cert_path, key_path, root_path):
        path.parent.mkdir(parents=True, exist_ok=True)
    key_path.touch(mode=0o600, exist_ok=True)
    key_path.chmod(0o600)
    key_path.write_bytes(chain.leaf_key_pem)
    cert_path.write_bytes(chain.chain_pem)
    root_path.write_bytes(chain.root_pem)
