"""Which class implements which kind of connection: dotted paths, imported on first use.

The web process imports only the connectors it actually talks to; deployments may add a kind through
``INTEGRATIONS_EXTRA_CONNECTORS`` without touching this package.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from integrations.base import Connector
    from integrations.models import Connection

CONNECTORS: dict[str, str] = {
    "wordpress": "integrations.wordpress.connector.WordPressConnector",
    "shopify": "integrations.shopify.connector.ShopifyConnector",
    "contentful": "integrations.contentful.connector.ContentfulConnector",
}


def paths() -> dict[str, str]:
    return {**CONNECTORS, **getattr(settings, "INTEGRATIONS_EXTRA_CONNECTORS", {})}


def kinds() -> list[str]:
    return sorted(paths())


@cache
def _import(path: str) -> type[Connector]:
    return import_string(path)


def connector_class(kind: str) -> type[Connector]:
    try:
        return _import(paths()[kind])
    except KeyError:
        raise LookupError(f"no connector for kind {kind!r}") from None


def connector_for(connection: Connection) -> Connector:
    """A ready connector for ``connection``, with its secrets decrypted (keep it out of logs)."""
    cls = connector_class(connection.kind)
    return cls(
        base_url=connection.base_url,
        config=connection.config,
        credentials=connection.credentials,
        webhook_secret=connection.webhook_secret,
    )
