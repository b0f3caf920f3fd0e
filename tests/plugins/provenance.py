"""Every test run signs with a throwaway local chain whose root is a trust anchor (like `make run`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fixtures.certs import ChainFiles, write_test_chain


@pytest.fixture(scope="session", autouse=True)
def signing_chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChainFiles]:
    """Point the C2PA settings at a chain made for this session, never at var/ (restored afterwards)."""
    from django.conf import settings

    files = write_test_chain(Path(tmp_path_factory.mktemp("signing")), "service")
    names = (
        "C2PA_SIGN_CERT",
        "C2PA_SIGN_KEY",
        "C2PA_SIGN_CERT_PATH",
        "C2PA_SIGN_KEY_PATH",
        "C2PA_TRUST_ANCHORS",
    )
    saved = {
        name: getattr(settings, name) for name in (*names, "C2PA_TRUST_ANCHOR_PATHS", "C2PA_SIGNER_CALLBACK")
    }
    for name in ("C2PA_SIGN_CERT", "C2PA_SIGN_KEY", "C2PA_TRUST_ANCHORS", "C2PA_SIGNER_CALLBACK"):
        setattr(settings, name, None)
    settings.C2PA_SIGN_CERT_PATH = str(files.cert_path)
    settings.C2PA_SIGN_KEY_PATH = str(files.key_path)
    settings.C2PA_TRUST_ANCHOR_PATHS = [str(files.root_path)]
    yield files
    for name, value in saved.items():
        setattr(settings, name, value)
