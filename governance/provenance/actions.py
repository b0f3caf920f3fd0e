"""State changes of provenance records."""

from __future__ import annotations

from typing import TYPE_CHECKING

from governance.provenance.models import ProvenanceRecord

if TYPE_CHECKING:
    from photai_dam.assets.models import Asset
    from photai_dam.values import FinalisedOutput, OutputSpec


def record_output(*, asset: Asset, spec: OutputSpec, result: FinalisedOutput) -> ProvenanceRecord:
    """Persist what finalisation put into ``asset``; runs inside store_output's transaction.

    The store action audits the new asset (with its sha256) in the same transaction, so this writes no
    event of its own; the record's unique watermark id makes a colliding id roll the whole store back.
    """
    facts = result.provenance
    if not facts:
        raise ValueError("the output was not finalised (no provenance facts)")
    return ProvenanceRecord.objects.create(
        asset=asset,
        job_id=spec.job_id,
        watermark_id=facts["watermark_id"],
        watermark_status=facts["watermark_status"],
        ai_lineage=facts["ai_lineage"],
        manifest_label=facts["manifest_label"][:200],
        manifest=facts["manifest"],
        digital_source_type=facts["digital_source_type"] or "",
        signer=facts["signer"][:500],
        signer_source=facts["signer_source"][:100],
        validation_state=facts["validation_state"],
    )
