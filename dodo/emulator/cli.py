"""Command-line options shared by ``python -m dodo.emulator`` and ``manage.py dodo_emulator``.

Both take the same flags; only their defaults differ (the environment for the module,
Django settings for the management command). A missing API key or webhook secret is
generated and printed, so the emulator always starts and the values can be copied into
``.env``.
"""

from __future__ import annotations

import _thread
import argparse
import base64
import logging
import secrets
import sys
import threading
from collections.abc import Callable, Sequence

from .server import DEFAULT_WEBHOOK_RETRY_DELAYS, EmulatorConfig, serve

DEFAULT_PORT = 8010


def parse_delays(text: str) -> tuple[float, ...]:
    """``"0.5,1,2"`` -> ``(0.5, 1.0, 2.0)``: the waits between webhook attempts."""
    try:
        delays = tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a comma-separated list of seconds: {text!r}") from None
    if any(delay < 0 for delay in delays):
        raise argparse.ArgumentTypeError("delays must be >= 0")
    return delays


def add_arguments(
    parser: argparse.ArgumentParser,
    *,
    api_key: str = "",
    webhook_url: str = "",
    webhook_secret: str = "",
) -> None:
    """Add the emulator's flags to ``parser`` with the given defaults."""
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="port (0 = any free port)")
    parser.add_argument("--api-key", default=api_key, help="bearer key the API accepts")
    parser.add_argument("--webhook-url", default=webhook_url, help="where webhooks are POSTed")
    parser.add_argument("--webhook-secret", default=webhook_secret, help="whsec_... signing secret")
    parser.add_argument(
        "--webhook-retry-delays",
        type=parse_delays,
        default=DEFAULT_WEBHOOK_RETRY_DELAYS,
        help="comma-separated seconds between webhook attempts (default 1,2,4,8)",
    )
    parser.add_argument("--webhook-timeout", type=float, default=10.0, help="seconds per webhook attempt")
    parser.add_argument("--quiet", action="store_true", help="log warnings only")
    parser.add_argument("--state-file", default="", help="keep objects in this JSON file across restarts")
    parser.add_argument(
        "--stop-on-stdin-eof",
        action="store_true",
        help="exit when standard input closes (tests use it so no emulator outlives them)",
    )


def generate_api_key() -> str:
    """A random key for an emulator started without one."""
    return "emu_" + secrets.token_urlsafe(24)


def generate_webhook_secret() -> str:
    """A random ``whsec_`` secret in the Standard Webhooks format."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def _interrupt_on_stdin_eof() -> None:
    # The parent holds the other end of our stdin: EOF means it exited, even if it
    # crashed without stopping us, so stop serving as if Ctrl-C had been pressed.
    sys.stdin.read()
    _thread.interrupt_main()


def run(
    *,
    host: str,
    port: int,
    api_key: str,
    webhook_url: str,
    webhook_secret: str,
    webhook_retry_delays: Sequence[float],
    webhook_timeout: float,
    quiet: bool,
    stop_on_stdin_eof: bool = False,
    state_file: str = "",
    write: Callable[[str], None],
) -> None:
    """Start the emulator with these options and serve until interrupted."""
    if stop_on_stdin_eof:
        threading.Thread(target=_interrupt_on_stdin_eof, name="stdin-watch", daemon=True).start()
    logging.basicConfig(
        level=logging.WARNING if quiet else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not api_key:
        api_key = generate_api_key()
        write(f"Generated API key (set DODO_PAYMENTS_API_KEY): {api_key}")
    if not webhook_secret:
        webhook_secret = generate_webhook_secret()
        write(f"Generated webhook secret (set DODO_PAYMENTS_WEBHOOK_KEY): {webhook_secret}")
    if not webhook_url:
        write("No --webhook-url: webhooks are recorded but not sent")
    config = EmulatorConfig(
        api_key=api_key,
        webhook_url=webhook_url,
        webhook_secret=webhook_secret,
        webhook_retry_delays=tuple(webhook_retry_delays),
        webhook_timeout=webhook_timeout,
        state_file=state_file,
    )
    serve(host, port, config, announce=write)
