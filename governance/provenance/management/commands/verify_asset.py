"""manage.py verify_asset PATH: the same JSON as POST /api/v1/verify, for a file on disk."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from governance.provenance import verify
from photai_dam.api.errors import ApiError
from photai_dam.assets.imaging import inspect_image


class Command(BaseCommand):
    help = "Verify an image file: C2PA manifest, watermark, and the record it belongs to."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path")
        parser.add_argument(
            "--as-user",
            help="username whose workspace memberships decide whether 'record' is shown "
            "(default: an operator on this server sees every record)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc}") from exc
        try:
            inspect_image(data, tolerate_damage=True)
        except ApiError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from exc
        if options.get("as_user"):
            user = get_user_model().objects.filter(username=options["as_user"]).first()
            if user is None:
                raise CommandError(f"no user {options['as_user']!r}")
            result = verify.verify_bytes(data, user=user)
        else:
            # Whoever can run manage.py on the server can read the database anyway.
            result = verify.verify_bytes(data, member_of=lambda workspace: True)
        self.stdout.write(json.dumps(result, indent=2, default=str))
