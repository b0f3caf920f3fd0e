"""``manage.py rotate_secrets``: re-encrypt every stored secret under the first FIELD_ENCRYPTION_KEY.

Run it after putting a new key first (``FIELD_ENCRYPTION_KEY="new,old"``), before removing the old one.
Values already under the first key are left alone; a value no configured key opens is reported (and the
command exits non-zero) but never overwritten. Safe to run again, and while the service runs: each row
is replaced only if it still holds the token that was read (compare-and-swap).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from governance import audit
from photai_dam import crypto


class Command(BaseCommand):
    help = "Re-encrypt every stored secret under the first key of FIELD_ENCRYPTION_KEY."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Count, change nothing.")

    def handle(self, *args: Any, dry_run: bool = False, **options: Any) -> None:
        summary: dict[str, dict[str, int]] = {}
        unreadable = 0
        for entry in crypto.registered_fields():
            counts = {"re-encrypted": 0, "current": 0, "unreadable": 0}
            manager = entry.model._default_manager
            rows = manager.exclude(**{entry.field: ""}).values_list("pk", entry.field)
            for pk, token in rows.iterator(chunk_size=500):
                if crypto.is_current(entry.purpose, token):
                    counts["current"] += 1
                    continue
                try:
                    fresh = crypto.rotate(entry.purpose, token)
                except crypto.SecretUnreadable:
                    counts["unreadable"] += 1
                    self.stderr.write(f"{entry.model._meta.label}.{entry.field} of {pk}: no key opens it")
                    continue
                if not dry_run:
                    manager.filter(pk=pk, **{entry.field: token}).update(**{entry.field: fresh})
                counts["re-encrypted"] += 1
            name = f"{entry.model._meta.label}.{entry.field}"
            summary[name] = counts
            unreadable += counts["unreadable"]
            self.stdout.write(
                f"{name}: {counts['re-encrypted']} re-encrypted, {counts['current']} current, "
                f"{counts['unreadable']} unreadable" + (" (dry run)" if dry_run else "")
            )
        if not dry_run:
            with transaction.atomic():
                audit.record("secrets.rotate", object_type="secrets", data={"fields": summary})
        if unreadable:
            raise CommandError(
                f"{unreadable} stored secrets cannot be decrypted with FIELD_ENCRYPTION_KEY; "
                "add the key they were stored under and run again."
            )
