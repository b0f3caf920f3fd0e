"""What governance needs from the packages above it (integrations, inference), declared as ports.

Governance imports the DAM core and nothing above it. The sweep and a revoked approval must take an asset
down wherever it is published, review pages and evidence list where it is published, the publishability
check reads a connection's channel and territory, and licence derivation and policy need a model's licence.
integrations and inference register the implementations in their ``AppConfig.ready()``; see
:mod:`photai_dam.ports` for the mechanism and the start-up check.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, TypedDict

from photai_dam.ports import port

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

    from photai_dam.assets.models import Asset
    from photai_dam.workspaces.models import Workspace


class ConnectionRef(TypedDict):
    id: str
    kind: str
    name: str


class PublicationSummary(TypedDict):
    """One place an asset is, was or is about to be published."""

    id: str
    connection: ConnectionRef
    channel: str
    territory: str
    status: str
    remote_id: str
    remote_url: str
    sha256: str
    published_at: str | None
    unpublished_at: str | None
    unpublish_reason: str
    error_code: str


class ModelLicence(Protocol):
    """The licence facts of a registered model (inference's ``ModelRecord``)."""

    @property
    def key(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def kind(self) -> str: ...  # "base", "lora", "ip_adapter", "segmentation"

    @property
    def licence_id(self) -> str: ...

    @property
    def commercial_use_allowed(self) -> bool: ...


@port(provider="integrations")
def withdraw_everywhere(asset: Asset, *, reason: str, actor: User | AnonymousUser | None = None) -> int:
    """Take ``asset`` down from every connection it is (or is about to be) published to; how many.

    Runs synchronously inside the caller's transaction, so the withdrawal commits (or rolls back) with the
    state change that caused it; the remote calls themselves run after commit.
    """


@port(provider="integrations")
def publications_of(asset: Asset) -> list[PublicationSummary]:
    """Where ``asset`` is, was or is about to be published."""


@port(provider="integrations")
def connection_target(workspace: Workspace, connection_id: str) -> tuple[str, str] | None:
    """The (channel, territory) a connection of ``workspace`` publishes to; None when there is no such one."""


@port(provider="inference")
def model_licence(key: str) -> ModelLicence | None:
    """The registered model ``key`` (enabled or not) with its licence facts, or None when unknown."""


@port(provider="inference")
def job_model_keys(operation: str, params: dict[str, Any], recorded: str) -> list[str]:
    """Every registry key a job ran on: the model the worker ``recorded``, then the base or segmentation
    model, style adapters and model stages its parameters name (licences derive through each)."""
