from __future__ import annotations

from django.apps import AppConfig

from photai_dam import crypto, ports


class ReviewsConfig(AppConfig):
    name = "governance.reviews"
    label = "reviews"
    verbose_name = "Reviews"

    def ready(self) -> None:
        # Imported in ready(): the models exist only once the apps are loaded.
        from governance.reviews.models import WEBHOOK_SECRET, WorkflowSettings, shares_prompts

        ports.workspace_shares_prompts.register(shares_prompts)

        # Written by governance/reviews/secrets.py before photai_dam.crypto: still read, re-encrypted by
        # `manage.py rotate_secrets`.
        crypto.register_field(
            WorkflowSettings, "webhook_secret_encrypted", WEBHOOK_SECRET, legacy=("reviews-v1",)
        )
