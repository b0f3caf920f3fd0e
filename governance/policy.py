"""Policy checks at job creation: licences of the inputs, the model's licence, the prompt rules.

Returns every reason a request is refused (an empty list means it may proceed). Issue 5 fills the rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from inference.catalog import Operation
    from photai_dam.assets.models import Asset
    from photai_dam.workspaces.models import Workspace


@dataclass(frozen=True)
class Reason:
    code: str
    message: str
    source: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message, "source": self.source}


def check_job_request(
    *,
    workspace: Workspace,
    operation: Operation,
    inputs: Sequence[Asset],
    params: dict[str, Any],
    prompt: str,
) -> list[Reason]:
    return []
