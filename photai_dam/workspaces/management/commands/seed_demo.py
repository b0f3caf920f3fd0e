"""Create (idempotently) the demo workspace with one user per role, and print its tokens as JSON."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from rest_framework.authtoken.models import Token

from photai_dam.workspaces import actions
from photai_dam.workspaces.choices import Role
from photai_dam.workspaces.models import Workspace

DEMO_SLUG = "demo"


class Command(BaseCommand):
    help = "Seed the demo workspace with one user per role and print their API tokens as JSON."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--password", help="Set this password on every demo user (for the web pages).")

    def handle(self, *args: Any, **options: Any) -> None:
        User = get_user_model()
        tokens: dict[str, str] = {}
        with transaction.atomic():
            workspace = Workspace.objects.filter(slug=DEMO_SLUG).first() or actions.create_workspace(
                slug=DEMO_SLUG, name="Demo workspace"
            )
            for role in Role.values:
                user, created = User.objects.get_or_create(
                    username=f"demo-{role.replace('_', '-')}", defaults={"email": f"{role}@demo.invalid"}
                )
                if options.get("password"):
                    user.set_password(options["password"])
                    user.save()
                elif created:
                    user.set_unusable_password()
                    user.save()
                if role == Role.ADMIN and not user.is_staff:
                    user.is_staff = True
                    user.save(update_fields=["is_staff"])
                actions.set_membership(workspace=workspace, user=user, roles=[role])
                tokens[role] = Token.objects.get_or_create(user=user)[0].key
        self.stdout.write(json.dumps({"workspace": DEMO_SLUG, "tokens": tokens}))
