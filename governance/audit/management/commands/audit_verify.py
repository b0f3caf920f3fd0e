"""``manage.py audit_verify``: walk the audit hash chain; exit 1 naming the first event that does not fit."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from governance.audit.chain import verify_chain
from governance.audit.models import AuditEvent


class Command(BaseCommand):
    help = "Verify the audit log's hash chain. Exits non-zero and names the first bad event."

    def handle(self, *args: Any, **options: Any) -> None:
        count = AuditEvent.objects.count()
        problem = verify_chain()
        if problem is not None:
            raise CommandError(
                f"audit chain broken at event #{problem.event_id}: {problem.reason}", returncode=1
            )
        last = AuditEvent.objects.order_by("-id").values_list("id", "hash").first()
        head = f"; head #{last[0]} {last[1]}" if last else ""
        self.stdout.write(f"audit chain OK: {count} events{head}")
