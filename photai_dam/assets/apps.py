from __future__ import annotations

from django.apps import AppConfig


class AssetsConfig(AppConfig):
    name = "photai_dam.assets"
    label = "assets"
    verbose_name = "Assets"
