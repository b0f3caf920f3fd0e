"""The operation catalog: each operation's name, kind, queue, inputs, parameters (JSON Schema) and runner.

Operations register themselves from ``inference.operations.*``; the API lists them at
``GET /api/v1/operations`` and job parameters are validated against their schemas at creation.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import jsonschema

from photai_dam.api.errors import Unprocessable

if TYPE_CHECKING:
    from inference.context import RunContext, RunOutput
    from photai_dam.assets.models import Asset
    from photai_dam.workspaces.models import Workspace

# Modules that define operations; imported lazily on first use of the catalog.
OPERATION_MODULES = [
    "inference.operations.classical",
    "inference.operations.generative",
    "inference.operations.restoration",
]

# (params, inputs, prompt, workspace) -> field errors. The workspace is the job's: registry entries another
# workspace owns must look exactly like ones that do not exist.
Validator = Callable[[dict[str, Any], Sequence["Asset"], str, "Workspace | None"], dict[str, list[str]]]


@dataclass(frozen=True)
class InputSpec:
    role: Literal["source", "mask", "style"]
    required: bool = True
    description: str = ""


@dataclass(frozen=True)
class Operation:
    name: str
    kind: Literal["classical", "generative"]
    queue: Literal["cpu", "gpu"]
    description: str
    params_schema: dict[str, Any]
    run: Callable[[RunContext], list[RunOutput]]
    inputs: tuple[InputSpec, ...] = ()
    prompt: Literal["none", "optional", "required"] = "none"
    extra_validation: Validator | None = field(default=None, compare=False)
    # Fills in what the schema cannot default (e.g. the default model's key), after validation passed,
    # so the saved job says exactly what will run.
    complete_params: Callable[[dict[str, Any], Sequence[Asset], Workspace | None], dict[str, Any]] | None = (
        field(default=None, compare=False)
    )
    # A classical operation whose parameters ask for a model stage (restore's diffusion refinement) makes
    # AI content: policy then asks for the AI-editing right and provenance says so.
    generative_when: Callable[[dict[str, Any]], bool] | None = field(default=None, compare=False)

    def makes_ai_content(self, params: dict[str, Any]) -> bool:
        return self.kind == "generative" or (
            self.generative_when is not None and isinstance(params, dict) and self.generative_when(params)
        )

    def model_keys(self, params: dict[str, Any]) -> list[str]:
        """Every registry entry a job with these (completed) parameters runs on: model, adapters, stages."""
        from inference import registry

        return registry.job_model_keys(self.name, params)

    def input_roles(self, count: int) -> list[str]:
        return [spec.role for spec in self.inputs[:count]]

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "queue": self.queue,
            "description": self.description,
            "inputs": [
                {"role": s.role, "required": s.required, "description": s.description} for s in self.inputs
            ],
            "prompt": self.prompt,
            "params_schema": self.params_schema,
        }

    def validate(
        self, *, params: Any, inputs: Sequence[Asset], prompt: str, workspace: Workspace | None = None
    ) -> dict[str, Any]:
        """Return the parameters with defaults filled in, or raise 422 with every field error."""
        errors: dict[str, list[str]] = {}
        if not isinstance(params, dict):
            raise Unprocessable(
                "invalid_params",
                "params must be an object.",
                details={"fields": {"params": ["not an object"]}},
            )
        validator = jsonschema.Draft202012Validator(self.params_schema)
        for error in validator.iter_errors(params):
            key = ".".join(str(p) for p in error.absolute_path) or "params"
            errors.setdefault(key, []).append(error.message)
        required = [s for s in self.inputs if s.required]
        if len(inputs) < len(required) or len(inputs) > len(self.inputs):
            errors.setdefault("inputs", []).append(
                f"{self.name} takes {len(required)}"
                + (f" to {len(self.inputs)}" if len(self.inputs) != len(required) else "")
                + f" input(s): {', '.join(s.role for s in self.inputs) or 'none'}"
            )
        if self.prompt == "required" and not prompt.strip():
            errors.setdefault("prompt", []).append("this operation needs a prompt")
        if not errors and self.extra_validation is not None:
            errors.update(self.extra_validation(params, inputs, prompt, workspace))
        if errors:
            raise Unprocessable(
                "invalid_params", f"The parameters for {self.name} are not valid.", details={"fields": errors}
            )
        filled = _with_defaults(self.params_schema, params)
        if self.complete_params is not None:
            return self.complete_params(filled, inputs, workspace)
        return filled


def _with_defaults(schema: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    filled = dict(params)
    for name, prop in schema.get("properties", {}).items():
        if name not in filled and "default" in prop:
            filled[name] = prop["default"]
    return filled


_REGISTRY: dict[str, Operation] = {}
_loaded = False


def register(operation: Operation) -> Operation:
    _REGISTRY[operation.name] = operation
    return operation


def _load() -> None:
    global _loaded
    if not _loaded:
        for module in OPERATION_MODULES:
            importlib.import_module(module)
        _loaded = True


def get_operation(name: str) -> Operation | None:
    _load()
    return _REGISTRY.get(name)


def all_operations() -> list[Operation]:
    _load()
    return sorted(_REGISTRY.values(), key=lambda op: (op.kind, op.name))


def operation_names() -> list[str]:
    return [op.name for op in all_operations()]
