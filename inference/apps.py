from __future__ import annotations

from django.apps import AppConfig


class InferenceConfig(AppConfig):
    name = "inference"
    label = "inference"
    verbose_name = "Inference"

    def ready(self) -> None:
        # Imported in ready(): these modules import models, which exist only once the apps are loaded.
        from governance import ports as governance_ports
        from inference import catalog, embedded_worker, registry, tasks
        from photai_dam import ports

        ports.find_operation.register(catalog.get_operation)
        ports.operation_names.register(catalog.operation_names)
        ports.enqueue_job.register(tasks.enqueue_job)
        governance_ports.model_licence.register(registry.get_model)
        governance_ports.job_model_keys.register(registry.job_model_keys)
        embedded_worker.start_if_configured()
