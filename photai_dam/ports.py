"""Ports: what a lower layer needs from the layers above it, declared as typed function slots.

Dependencies point down (docs/architecture.md): the DAM core (workspaces, assets, jobs) imports nothing
above it, governance imports only the core, and inference and integrations sit on top. Where a lower layer
needs something only an upper package can do (record an audit event, run policy, enqueue a job), it
declares a port with :func:`port` on a function signature and calls the port like that function. The upper
package registers its implementation in its ``AppConfig.ready()``; mypy checks the implementation against
the declared signature. A port nobody registered fails loudly: the system check ``photai.E010`` at start-up,
and :class:`PortNotRegistered` when called (see photai_dam.checks). Nothing falls back silently.

This module holds the mechanism and the core's ports; governance declares its own in ``governance.ports``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Generic, ParamSpec, Protocol, TypeVar

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User
    from django.db.models import Model, Prefetch, QuerySet

    from photai_dam.assets.models import Asset
    from photai_dam.jobs.models import Job
    from photai_dam.values import FinalisedOutput, OutputSpec, Reason
    from photai_dam.workspaces.models import Workspace

P = ParamSpec("P")
R = TypeVar("R")


class PortNotRegistered(RuntimeError):
    """A port was called before (or without) an upper package registering its implementation."""


class Port(Generic[P, R]):
    """One function a lower layer calls and an upper layer provides; call it like the declared function."""

    def __init__(self, declaration: Callable[P, R], *, provider: str) -> None:
        self.name = f"{declaration.__module__}.{declaration.__name__}"
        self.provider = provider
        self.__doc__ = declaration.__doc__
        # Set by register(); tests may swap it (monkeypatch) to observe what a lower layer asks for.
        self.implementation: Callable[P, R] | None = None
        _DECLARED.append(self)

    def __repr__(self) -> str:
        return f"<Port {self.name} ({'registered' if self.registered else 'missing'}, from {self.provider})>"

    @property
    def registered(self) -> bool:
        return self.implementation is not None

    def register(self, implementation: Callable[P, R]) -> None:
        """Install the implementation (an upper package's ``AppConfig.ready()`` calls this)."""
        self.implementation = implementation

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        implementation = self.implementation
        if implementation is None:
            raise PortNotRegistered(
                f"{self.name} has no implementation: {self.provider} registers it in its AppConfig.ready()"
            )
        return implementation(*args, **kwargs)


_DECLARED: list[Port[..., Any]] = []


def port(*, provider: str) -> Callable[[Callable[P, R]], Port[P, R]]:
    """Declare a port on a function signature (its body never runs); ``provider`` implements it."""

    def declare(declaration: Callable[P, R]) -> Port[P, R]:
        return Port(declaration, provider=provider)

    return declare


def declared_ports() -> list[Port[..., Any]]:
    return list(_DECLARED)


# --- the core's ports ------------------------------------------------------------------------------------


class OperationSpec(Protocol):
    """What job creation needs to know about an operation of the catalog (inference's ``Operation``)."""

    @property
    def name(self) -> str: ...

    @property
    def kind(self) -> str: ...  # "classical" | "generative"

    @property
    def queue(self) -> str: ...

    def validate(
        self, *, params: object, inputs: Sequence[Asset], prompt: str, workspace: Workspace | None = None
    ) -> dict[str, Any]: ...

    def input_roles(self, count: int) -> list[str]: ...

    # Whether a job with these (validated) parameters makes AI content: every generative operation, and a
    # classical one asked for a model stage (restore's refinement).
    def makes_ai_content(self, params: dict[str, Any]) -> bool: ...

    # Every registry entry (model, adapter, model stage) a job with these parameters runs on.
    def model_keys(self, params: dict[str, Any]) -> list[str]: ...


@port(provider="governance.audit")
def record_audit(
    target: Model,
    action: str,
    /,
    *,
    actor: User | AnonymousUser | None = None,
    data: Mapping[str, Any] | None = None,
    workspace: Workspace | None = None,
) -> object:
    """Append an audit event about ``target`` in the caller's transaction (see governance.audit.record)."""


@port(provider="inference")
def find_operation(name: str) -> OperationSpec | None:
    """The catalog's operation called ``name``, or None."""


@port(provider="inference")
def operation_names() -> list[str]:
    """Every operation of the catalog (for the error naming what exists)."""


@port(provider="inference")
def enqueue_job(job: Job) -> None:
    """Send a saved job to its operation's queue (called after commit)."""


@port(provider="governance.policy")
def check_job_request(
    *,
    workspace: Workspace,
    operation: OperationSpec,
    inputs: Sequence[Asset],
    params: dict[str, Any],
    prompt: str,
) -> list[Reason]:
    """Every reason the workspace's policy refuses this job; empty when it may be queued."""


@port(provider="governance.licensing")
def validate_licence(data: object) -> dict[str, Any]:
    """The normalised licence, or 400 ``invalid_licence`` with field errors (``None`` means unknown)."""


@port(provider="governance.licensing")
def record_licence(*, asset: Asset, data: dict[str, Any] | None, actor: User | None, source: str) -> object:
    """Make ``data`` the asset's current licence, keeping the previous one (in the caller's transaction)."""


@port(provider="governance.licensing")
def current_licence_prefetch() -> Prefetch[str, QuerySet[Any], str]:
    """A prefetch that loads each asset's current licence with a list of assets (read by current_licence)."""


@port(provider="governance.licensing")
def current_licence(asset: Asset) -> dict[str, Any] | None:
    """The asset's current licence as stored (None without one of its own), from the prefetch if loaded."""


@port(provider="governance.provenance")
def record_provenance(*, asset: Asset, spec: OutputSpec, result: FinalisedOutput) -> object:
    """Persist what finalisation put into a stored output (inside the store transaction)."""


@port(provider="governance.reviews")
def workspace_shares_prompts(workspace: Workspace) -> bool:
    """Whether every member of ``workspace`` may read job prompts (its review settings' ``share_prompts``);
    photai_dam.jobs.prompts adds the requester and the admins, who always may."""
