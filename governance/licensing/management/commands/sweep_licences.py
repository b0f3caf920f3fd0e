"""``manage.py sweep_licences``: enforce expired/revoked licences now (cron-friendly), or start the
periodic actor's chain with ``--schedule``."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from governance.licensing.enforcement import sweep
from governance.licensing.tasks import sweep_licences_periodically


class Command(BaseCommand):
    help = "Unpublish and mark assets whose effective licence expired or was revoked; warn before expiry."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--schedule",
            action="store_true",
            help="Send the self-rescheduling sweep actor to the broker instead of sweeping here "
            "(safe to repeat: a second chain stops at its first run).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["schedule"]:
            sweep_licences_periodically.send()
            self.stdout.write("Scheduled the periodic licence sweep.")
            return

        result = sweep()
        self.stdout.write(json.dumps(result.as_dict(), indent=2))
