"""Shared test configuration. Fixture modules are listed in ``pytest_plugins``."""

from __future__ import annotations

pytest_plugins = [
    "tests.plugins.services",
    "tests.plugins.outbound",  # loopback allowed through PHOTAI_OUTBOUND_ALLOWED_NETWORKS (invariant I8)
    "tests.plugins.cast",
    "tests.plugins.worker",
    "tests.plugins.inference",  # tiny diffusers models
    "tests.plugins.reviews",
    "tests.plugins.provenance",  # a signing chain per session
    "tests.plugins.integrations",  # real WordPress, contract servers
]
