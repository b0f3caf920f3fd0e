from __future__ import annotations

from django.apps import AppConfig


class InferenceConfig(AppConfig):
    name = "inference"
    label = "inference"
    verbose_name = "Inference"

    def ready(self) -> None:
        from inference import embedded_worker

        embedded_worker.start_if_configured()
