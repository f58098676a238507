"""``python -m dodo.emulator``: run the Dodo emulator without Django.

Defaults come from the environment variables Dodo's SDKs read
(``DODO_PAYMENTS_API_KEY``, ``DODO_PAYMENTS_WEBHOOK_KEY``) plus
``DODO_EMULATOR_WEBHOOK_URL`` and ``DODO_EMULATOR_LIVE_API_KEY``. Example::

    python -m dodo.emulator --port 8010 --api-key dev-key \\
        --webhook-url http://127.0.0.1:8000/dodo/webhook/ --webhook-secret whsec_...
"""

from __future__ import annotations

import argparse
import os
import sys

from .cli import add_arguments, run


def main(argv: list[str] | None = None) -> None:
    """Parse ``argv`` and serve until interrupted."""
    parser = argparse.ArgumentParser(
        prog="python -m dodo.emulator", description="Run the local Dodo Payments emulator (no Django needed)."
    )
    add_arguments(
        parser,
        api_key=os.environ.get("DODO_PAYMENTS_API_KEY", ""),
        webhook_url=os.environ.get("DODO_EMULATOR_WEBHOOK_URL", ""),
        webhook_secret=os.environ.get("DODO_PAYMENTS_WEBHOOK_KEY", ""),
        live_api_key=os.environ.get("DODO_EMULATOR_LIVE_API_KEY", ""),
    )
    options = vars(parser.parse_args(argv))
    try:
        run(**options, write=lambda line: print(line, flush=True))
    except (ValueError, OSError) as exc:  # not loopback, port taken
        parser.exit(2, f"dodo emulator: {exc}\n")


if __name__ == "__main__":
    main(sys.argv[1:])
