"""A stand-in for a KMS/HSM: the key lives here, c2pa only ever sees a signing callback."""

from __future__ import annotations

from typing import Any

import c2pa
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

# Set by the test: (chain PEM, key PEM) of a generated identity, and a counter of remote signatures.
IDENTITY: dict[str, Any] = {"chain": b"", "key": b"", "calls": 0}


def signer_for(workspace: Any) -> c2pa.Signer:
    key = serialization.load_pem_private_key(IDENTITY["key"], password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)

    def sign(data: bytes) -> bytes:
        IDENTITY["calls"] += 1
        r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
        # COSE ES256 signatures are r || s, 32 bytes each (not DER)
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")

    return c2pa.Signer.from_callback(sign, c2pa.C2paSigningAlg.ES256, IDENTITY["chain"].decode(), None)
