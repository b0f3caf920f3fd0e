"""The outbound-request policy in tests: loopback is allowed explicitly, never by turning the policy off.

Contract servers, the real WordPress and webhook receivers all listen on 127.0.0.1, which the policy
refuses by default (invariant I8). Every test therefore runs with ``127.0.0.0/8`` in
``PHOTAI_OUTBOUND_ALLOWED_NETWORKS`` (the ``outbound_allows_loopback`` fixture, autouse); everything else
(private networks, link-local, ::1, …) stays refused. Servers and workers a test starts as subprocesses
read the environment instead: give them ``LOOPBACK_ALLOWED_ENV``. A test of the policy itself narrows
the setting again (``settings.OUTBOUND_ALLOWED_NETWORKS = [...]``).
"""

from __future__ import annotations

from typing import Any

import pytest

LOOPBACK = "127.0.0.0/8"
LOOPBACK_ALLOWED_ENV = {"PHOTAI_OUTBOUND_ALLOWED_NETWORKS": LOOPBACK}


@pytest.fixture(autouse=True)
def outbound_allows_loopback(settings: Any) -> list[str]:
    settings.OUTBOUND_ALLOWED_NETWORKS = [LOOPBACK]
    return list(settings.OUTBOUND_ALLOWED_NETWORKS)
