from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _fast(fast_integrations: Any) -> None:
    """Every integrations test runs with millisecond backoff and polling (tests/plugins/integrations.py)."""
