"""``manage.py rotate_secrets``: re-encrypt every stored secret under the first FIELD_ENCRYPTION_KEY.

Run it after putting a new key first (``FIELD_ENCRYPTION_KEY="new,old"``), before removing the old one.
Values already under the first key are left alone; a value no configured key opens is reported (and the
command exits non-zero) but never overwritten. Safe to run again, and while the service runs: each row
is replaced only if it still holds the token that was read (compare-and-swap), with one audit event
(``secrets.rotate``, naming the column, never the value) per value re-encrypted.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from photai_dam import crypto, ports


class Command(BaseCommand):
    help = "Re-encrypt every stored secret under the first key of FIELD_ENCRYPTION_KEY."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Count, change nothing.")

    def handle(self, *args: Any, dry_run: bool = False, **options: Any) -> None:
        unreadable = 0
        for entry in crypto.registered_fields():
            counts = {"re-encrypted": 0, "current": 0, "unreadable": 0}
            manager = entry.model._default_manager
            for row in manager.exclude(**{entry.field: ""}).iterator(chunk_size=500):
                token = getattr(row, entry.field)
                if crypto.is_current(entry.purpose, token):
                    counts["current"] += 1
                    continue
                try:
                    fresh = crypto.rotate(entry.purpose, token)
                except crypto.SecretUnreadable:
                    counts["unreadable"] += 1
                    self.stderr.write(f"{entry.model._meta.label}.{entry.field} of {row.pk}: no key opens it")
                    continue
                if not dry_run:
                    with transaction.atomic():
                        if manager.filter(pk=row.pk, **{entry.field: token}).update(**{entry.field: fresh}):
                            ports.record_audit(row, "secrets.rotate", data={"field": entry.field})
                counts["re-encrypted"] += 1
            name = f"{entry.model._meta.label}.{entry.field}"
            unreadable += counts["unreadable"]
            self.stdout.write(
                f"{name}: {counts['re-encrypted']} re-encrypted, {counts['current']} current, "
                f"{counts['unreadable']} unreadable" + (" (dry run)" if dry_run else "")
            )
        if unreadable:
            raise CommandError(
                f"{unreadable} stored secrets cannot be decrypted with FIELD_ENCRYPTION_KEY; "
                "add the key they were stored under and run again."
            )
