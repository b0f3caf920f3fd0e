from __future__ import annotations

from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "photai_dam.jobs"
    label = "jobs"
    verbose_name = "Jobs"
