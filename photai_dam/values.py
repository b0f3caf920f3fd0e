"""Value types every layer passes around: plain dataclasses, no models and no project imports at run time.

- :class:`Reason` — why something is refused (policy at job creation, the publish gate, provenance).
- :class:`ModelInfo` — the model that produced an output, recorded on the job and in the manifest.
- :class:`OutputSpec` / :class:`FinalisedOutput` — one output before and after finalisation: inference
  builds the spec, governance finalises it, the core stores the result.

They live at the bottom of the layers so that the core, governance and inference can all name them without
importing each other.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from PIL import Image

if TYPE_CHECKING:
    from photai_dam.assets.models import Asset
    from photai_dam.workspaces.models import Workspace


@dataclass(frozen=True)
class Reason:
    """One reason a request, a publication or a stored file is refused, and what caused it."""

    code: str
    message: str
    source: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message, "source": self.source}


@dataclass
class ModelInfo:
    """The model that produced an output, recorded on the job and in the manifest."""

    key: str
    name: str
    revision: str
    weights_hash: str
    licence: str = ""


@dataclass
class OutputSpec:
    """Everything known about an output before it is stored."""

    asset_id: uuid.UUID
    workspace: Workspace
    image: Image.Image
    format: str  # Pillow format: JPEG, PNG, WEBP
    quality: int | None
    operation: str
    kind: str  # "classical" (a rendition) or "generative" (an AI output)
    job_id: uuid.UUID | None
    model: ModelInfo | None
    seed: int | None
    prompt: str
    sources: list[tuple[Asset, str]]  # (asset, role: "source" | "mask")
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class FinalisedOutput:
    """The exact bytes to store, and what finalisation learned about them.

    ``provenance`` holds what :func:`governance.provenance.record_output` persists: ``watermark_id``,
    ``watermark_status``, ``ai_lineage``, ``manifest_label``, ``manifest`` (summary), ``validation_state``,
    ``digital_source_type``, ``signer`` and ``signer_source``.
    """

    data: bytes
    mime_type: str
    width: int
    height: int
    provenance: dict[str, Any] = field(default_factory=dict)
