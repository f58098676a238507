"""Command-line options shared by ``python -m dodo.emulator`` and ``manage.py dodo_emulator``.

Both take the same flags; only their defaults differ (the environment for the module,
Django settings for the management command). A missing API key or webhook secret is
generated and printed, so the emulator always starts and the values can be copied into
``.env``. By default the emulator behaves like Dodo: webhooks are retried on Dodo's own
schedule (``--webhook-time-scale`` compresses it), and each API key may make 10
requests a second and 100 a minute (``--rate-limit-per-second/-minute``, 0 = off).
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

from .ratelimit import DEFAULT_PER_MINUTE, DEFAULT_PER_SECOND
from .server import EmulatorConfig, serve

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


def _non_negative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError("must be >= 0")
    return value


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError("must be >= 0")
    return value


def add_arguments(
    parser: argparse.ArgumentParser,
    *,
    api_key: str = "",
    webhook_url: str = "",
    webhook_secret: str = "",
    live_api_key: str = "",
) -> None:
    """Add the emulator's flags to ``parser`` with the given defaults."""
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="port (0 = any free port)")
    parser.add_argument("--api-key", default=api_key, help="bearer key the API accepts (test mode)")
    parser.add_argument(
        "--live-api-key",
        default=live_api_key,
        help="a second bearer key that reaches live mode's separate objects (default: no live mode)",
    )
    parser.add_argument("--webhook-url", default=webhook_url, help="where webhooks are POSTed")
    parser.add_argument("--webhook-secret", default=webhook_secret, help="whsec_... signing secret")
    parser.add_argument(
        "--webhook-retry-delays",
        type=parse_delays,
        default=None,
        help="comma-separated seconds between webhook attempts; overrides Dodo's schedule",
    )
    parser.add_argument(
        "--webhook-time-scale",
        type=_non_negative_float,
        default=1.0,
        help="multiply Dodo's webhook retry schedule (5 s ... 10 h, about 27.6 h) by this; 0.0001 = about 10 s",
    )
    parser.add_argument(
        "--rate-limit-per-second",
        type=_non_negative_int,
        default=DEFAULT_PER_SECOND,
        help=f"API requests per key in any second before 429 (default {DEFAULT_PER_SECOND}, 0 = off)",
    )
    parser.add_argument(
        "--rate-limit-per-minute",
        type=_non_negative_int,
        default=DEFAULT_PER_MINUTE,
        help=f"API requests per key in any minute before 429 (default {DEFAULT_PER_MINUTE}, 0 = off)",
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
    webhook_retry_delays: Sequence[float] | None,
    webhook_timeout: float,
    quiet: bool,
    stop_on_stdin_eof: bool = False,
    state_file: str = "",
    live_api_key: str = "",
    webhook_time_scale: float = 1.0,
    rate_limit_per_second: int = DEFAULT_PER_SECOND,
    rate_limit_per_minute: int = DEFAULT_PER_MINUTE,
    write: Callable[[str], None],
) -> None:
    """Start the emulator with these options and serve until interrupted.

    ``webhook_retry_delays=None`` means Dodo's schedule times ``webhook_time_scale``.
    """
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
    if live_api_key and live_api_key == api_key:
        raise ValueError("--live-api-key must differ from --api-key: they reach different environments")
    config = EmulatorConfig(
        api_key=api_key,
        webhook_url=webhook_url,
        webhook_secret=webhook_secret,
        webhook_retry_delays=tuple(webhook_retry_delays) if webhook_retry_delays is not None else None,
        webhook_time_scale=webhook_time_scale,
        webhook_timeout=webhook_timeout,
        state_file=state_file,
        live_api_key=live_api_key,
        rate_limit_per_second=rate_limit_per_second,
        rate_limit_per_minute=rate_limit_per_minute,
    )
    serve(host, port, config, announce=write)
