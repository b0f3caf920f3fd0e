"""C2PA provenance and invisible watermark for AI outputs (issue 4)."""

from __future__ import annotations

from typing import Any


def record_output(*, asset: Any, spec: Any, result: Any) -> None:
    """Persist what finalisation learned about a stored output (manifest summary, watermark id)."""
    from governance.provenance.actions import record_output as _record

    _record(asset=asset, spec=spec, result=result)
