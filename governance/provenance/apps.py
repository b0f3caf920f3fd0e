from __future__ import annotations

from django.apps import AppConfig


class ProvenanceConfig(AppConfig):
    name = "governance.provenance"
    label = "provenance"
    verbose_name = "Provenance and watermark"
