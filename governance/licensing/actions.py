"""State changes of licence records."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from governance import audit
from governance.licensing.models import LicenceRecord


def set_licence(*, asset: Any, data: dict[str, Any] | None, actor: Any, source: str = "upload") -> LicenceRecord:
    with transaction.atomic():
        LicenceRecord.objects.filter(asset=asset, is_current=True).update(is_current=False)
        record = LicenceRecord.objects.create(
            asset=asset, data=data or {"kind": "unknown"}, source=source, created_by=actor
        )
        audit.record(
            "licence.set",
            actor=actor,
            workspace=asset.workspace,
            object_type="asset",
            object_id=asset.pk,
            data={"licence": record.data, "source": source},
        )
    return record
