"""manage.py ensure_signing_identity: create a local root CA + ES256 leaf under var/ on first run.

Does nothing when an identity is configured (PEM text, files that exist, or a KMS/HSM callback).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from governance.provenance.identity import generate_chain, write_chain


class Command(BaseCommand):
    help = "Create a local C2PA signing identity (root CA + ES256 leaf) if none is configured."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="replace an existing local identity")
        parser.add_argument("--common-name", default="PhotAI DAM local signer")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.C2PA_SIGNER_CALLBACK or (settings.C2PA_SIGN_CERT and settings.C2PA_SIGN_KEY):
            self.stdout.write("A signing identity is configured; nothing to create.")
            return
        cert_path = Path(settings.C2PA_SIGN_CERT_PATH or settings.C2PA_IDENTITY_DIR / "chain.pem")
        key_path = Path(settings.C2PA_SIGN_KEY_PATH or settings.C2PA_IDENTITY_DIR / "signer.key")
        root_path = Path(settings.C2PA_IDENTITY_DIR) / "root.pem"
        if cert_path.exists() and key_path.exists() and not options["force"]:
            self.stdout.write(f"Signing identity present: {cert_path}")
            return
        chain = generate_chain(options["common_name"])
        write_chain(chain, cert_path=cert_path, key_path=key_path, root_path=root_path)
        anchored = str(root_path) in settings.C2PA_TRUST_ANCHOR_PATHS
        self.stdout.write(
            f"Created a local signing identity: {cert_path} (key {key_path}, root {root_path}"
            + (", a trust anchor)" if anchored else "; add it to C2PA_TRUST_ANCHOR_PATHS to read as Trusted)")
        )
