"""What an operation receives (RunContext) and returns (RunOutput)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PIL import Image

from inference.errors import JobCancelled
from photai_dam.values import ModelInfo


@dataclass
class InputImage:
    asset_id: str
    role: str
    image: Image.Image
    mime_type: str


@dataclass
class RunOutput:
    image: Image.Image
    format: str  # Pillow format name: "PNG", "JPEG", "WEBP"
    quality: int | None = None
    model: ModelInfo | None = None
    seed: int | None = None
    # "generative" when a classical operation ran a model stage on this output (restore's refinement): its
    # pixels are then AI-made, whatever the operation's usual kind.
    kind: str | None = None
    # Per-output parameters worth recording (e.g. the variant's seed).
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class RunContext:
    job_id: str
    operation: str
    params: dict[str, Any]
    prompt: str
    inputs: list[InputImage]
    report: Callable[[int, str | None], None]
    cancelled: Callable[[], bool]
    # The job's workspace: registry entries it names are looked up as that workspace sees them.
    workspace_id: int | None = None
    # time.monotonic() after which the job's time limit has passed (None: no limit known); native steps
    # run through run_native are stopped there.
    deadline: float | None = None

    def source(self) -> InputImage:
        return next(i for i in self.inputs if i.role == "source")

    def mask(self) -> InputImage | None:
        return next((i for i in self.inputs if i.role == "mask"), None)

    def style(self) -> InputImage | None:
        return next((i for i in self.inputs if i.role == "style"), None)

    def check_cancelled(self) -> None:
        if self.cancelled():
            raise JobCancelled(self.job_id)

    def progress(self, percent: int, message: str | None = None) -> None:
        self.report(percent, message)

    def run_native(self, step: Callable[..., Any], *args: Any, what: str) -> Any:
        """Run a native step whose cost its input does not bound where the deadline can stop it
        (``inference.isolation``); a step that fails raises isolation.StepFailed."""
        from inference.isolation import run_isolated

        return run_isolated(
            step,
            *args,
            deadline=math.inf if self.deadline is None else self.deadline,
            what=what,
            check_cancelled=self.check_cancelled,
        )
