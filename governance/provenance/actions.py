"""State changes of provenance records."""

from __future__ import annotations

from typing import Any


def record_output(*, asset: Any, spec: Any, result: Any) -> None:
    # Issue 4 stores a ProvenanceRecord here (manifest summary, watermark id) in the same transaction.
    return None
