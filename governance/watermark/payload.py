"""The watermark payload: a 48-bit id, a check value and Reed-Solomon parity, whitened.

Layout of the 24-byte codeword (192 bits, the carrier repeats it over the whole image):
``id (6 bytes) | check (4 bytes) | RS parity (14 bytes)``, XOR-ed with a fixed pseudo-random mask so a
flat or empty image never reads as a codeword of zeros.

The decoder works on *soft* bit scores (the fraction of blocks voting 1 for each bit position): it first
tries plain error correction, then marks the least confident bytes as erasures. A result is accepted only
when the check value matches **and** the corrected codeword agrees with what was read on most bits, so
noise reads as "no watermark", never as a wrong id.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Sequence

import numpy as np
from reedsolo import ReedSolomonError, RSCodec

ID_BITS = 48
ID_BYTES = ID_BITS // 8
CHECK_BYTES = 4
# 14 parity bytes: up to 7 wrong bytes, or 14 doubtful ones, are repaired. Measured on real photos,
# lossy chroma coding (WebP) damages whole bits systematically, so parity helps more than the extra
# votes per bit a shorter codeword would get (docs/benchmarks.md).
PARITY_BYTES = 14
CODEWORD_BYTES = ID_BYTES + CHECK_BYTES + PARITY_BYTES
CODEWORD_BITS = CODEWORD_BYTES * 8
# Domain separation: a payload from another scheme (or version) never passes our check value.
_CHECK_DOMAIN = b"photai-dam/watermark/v1"
# Random bits read back agree with any codeword on ~50% +- 3.6% of 192 bits; a real read agrees on
# far more, even after the corrections. 0.6 is ~2.8 sigma above chance, on top of the 32-bit check.
MIN_AGREEMENT = 0.60

_MASK = np.unpackbits(
    np.frombuffer(hashlib.sha256(_CHECK_DOMAIN + b"/mask").digest()[:CODEWORD_BYTES], dtype=np.uint8)
)
_RS = RSCodec(PARITY_BYTES)


def _check(id_bytes: bytes) -> bytes:
    return zlib.crc32(_CHECK_DOMAIN + id_bytes).to_bytes(CHECK_BYTES, "big")


def encode_id(watermark_id: int) -> list[int]:
    """The codeword bits (whitened) for ``watermark_id`` (0 < id < 2**48)."""
    if not 0 < watermark_id < 2**ID_BITS:
        raise ValueError(f"watermark id must be in 1..2**{ID_BITS}-1")
    id_bytes = watermark_id.to_bytes(ID_BYTES, "big")
    codeword = bytes(_RS.encode(id_bytes + _check(id_bytes)))
    bits = np.unpackbits(np.frombuffer(codeword, dtype=np.uint8)) ^ _MASK
    return [int(b) for b in bits]


def decode_scores(scores: Sequence[float] | np.ndarray) -> int | None:
    """The id whose codeword these per-bit scores (fraction of votes for 1) carry, or None."""
    soft = np.asarray(scores, dtype=float)
    if soft.shape != (CODEWORD_BITS,) or not np.all(np.isfinite(soft)):
        return None
    # Undo the whitening: where the mask is 1 a vote for 1 means a codeword 0.
    soft = np.where(_MASK == 1, 1.0 - soft, soft)
    hard = (soft > 0.5).astype(np.uint8)
    received = np.packbits(hard).tobytes()
    confidence = np.abs(soft - 0.5).reshape(CODEWORD_BYTES, 8).min(axis=1)
    by_doubt = [int(i) for i in np.argsort(confidence, kind="stable")]
    for erasures in range(PARITY_BYTES + 1):
        found = _try(received, hard, by_doubt[:erasures])
        if found is not None:
            return found
    return None


def _try(received: bytes, hard: np.ndarray, erase: list[int]) -> int | None:
    try:
        message, codeword, _ = _RS.decode(received, erase_pos=erase or None)
    except ReedSolomonError:
        return None
    message = bytes(message)
    id_bytes, check = message[:ID_BYTES], message[ID_BYTES:]
    if check != _check(id_bytes):
        return None
    agreement = float(np.mean(np.unpackbits(np.frombuffer(bytes(codeword), dtype=np.uint8)) == hard))
    if agreement < MIN_AGREEMENT:
        return None
    value = int.from_bytes(id_bytes, "big")
    return value or None
