"""``python manage.py dodo_emulator``: run the local Dodo emulator for development.

The same server as ``python -m dodo.emulator``, with defaults taken from the settings
the marketplace itself uses, so the two agree without copying keys around:

- ``--api-key``: ``DODO_PAYMENTS_API_KEY``
- ``--webhook-secret``: ``DODO_PAYMENTS_WEBHOOK_KEY``
- ``--webhook-url``: ``SITE_URL`` + ``/dodo/webhook/``

Everything else is Dodo's own behaviour unless a flag says otherwise: 10 requests a
second and 100 a minute per key (``--rate-limit-per-*``), webhook retries on Dodo's
27.6-hour schedule (``--webhook-time-scale``), and no live mode unless
``--live-api-key`` is given.

Point the marketplace at it with ``DODO_PAYMENTS_BASE_URL=http://127.0.0.1:8010``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from dodo.emulator.cli import add_arguments, run


class Command(BaseCommand):
    """Serve the Dodo emulator on loopback until interrupted."""

    help = "Run the local Dodo Payments emulator (API, hosted checkout, signed webhooks)."

    # The emulator touches neither the database nor the app registry's checks.
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: Any) -> None:
        """The emulator's flags, defaulting to this project's Dodo settings."""
        add_arguments(
            parser,
            api_key=settings.DODO_PAYMENTS_API_KEY,
            webhook_url=settings.SITE_URL.rstrip("/") + "/dodo/webhook/",
            webhook_secret=settings.DODO_PAYMENTS_WEBHOOK_KEY,
        )

    def handle(self, *args: Any, **options: Any) -> None:
        """Start the server; ``Ctrl-C`` stops it."""
        try:
            run(
                host=options["host"],
                port=options["port"],
                api_key=options["api_key"],
                webhook_url=options["webhook_url"],
                webhook_secret=options["webhook_secret"],
                webhook_retry_delays=options["webhook_retry_delays"],
                webhook_timeout=options["webhook_timeout"],
                quiet=options["quiet"],
                stop_on_stdin_eof=options["stop_on_stdin_eof"],
                state_file=options["state_file"],
                live_api_key=options["live_api_key"],
                webhook_time_scale=options["webhook_time_scale"],
                rate_limit_per_second=options["rate_limit_per_second"],
                rate_limit_per_minute=options["rate_limit_per_minute"],
                write=self._announce,
            )
        except (ValueError, OSError) as exc:  # not loopback, port taken
            raise CommandError(f"dodo emulator: {exc}") from exc

    def _announce(self, line: str) -> None:
        # Flushed at once: the ready line must appear while the server blocks.
        self.stdout.write(line)
        self.stdout.flush()
