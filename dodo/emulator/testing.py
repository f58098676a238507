"""Start an emulator in a separate process and drive it, for tests.

::

    emulator = run_in_subprocess(webhook_url="http://127.0.0.1:8000/dodo/webhook/")
    try:
        emulator.fail(1)
        ...
    finally:
        emulator.stop()

The process runs ``python -m dodo.emulator --port 0``; the handle learns the port from
its ready line, so there is no race for a free port. The emulator's log goes to a
temporary file (``.log_path``), shown in the error if it fails to start.

Tests get a live-mode key too (``.live_api_key``), short webhook retry delays, and no
rate limit (the suite shares one key across many fast calls); a test that wants Dodo's
limits or retry schedule turns them on with :meth:`EmulatorProcess.set_rate_limit` or
:meth:`EmulatorProcess.set_webhook_schedule`, and ``reset()`` turns them off again.
Helpers that touch objects take ``mode="live_mode"`` to act on live mode's.
"""

from __future__ import annotations

import os
import queue
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import requests

from .cli import generate_api_key, generate_webhook_secret

READY_RE = re.compile(r"listening on (http://\S+)")
PROJECT_ROOT = Path(__file__).resolve().parents[2]


class EmulatorProcess:
    """A running emulator process and helpers for its control routes."""

    def __init__(
        self,
        process: subprocess.Popen[str],
        *,
        base_url: str,
        api_key: str,
        webhook_secret: str,
        log_path: Path,
        live_api_key: str = "",
    ) -> None:
        """Wrap an already started and ready process."""
        self.process = process
        self.base_url = base_url
        self.api_key = api_key
        self.live_api_key = live_api_key
        self.webhook_secret = webhook_secret
        self.log_path = log_path
        self.http = requests.Session()

    def _control(self, method: str, path: str, body: dict[str, Any] | None = None, *, mode: str = "test_mode") -> Any:
        params = {"mode": mode} if mode != "test_mode" else None
        response = self.http.request(method, f"{self.base_url}/_emulator/{path}", json=body, params=params, timeout=10)
        response.raise_for_status()
        return response.json()

    def state(self, mode: str = "test_mode") -> dict[str, Any]:
        """``GET /_emulator/state``: every object and webhook delivery of one environment,
        plus the switches, rate limit and webhook schedule."""
        return self._control("GET", "state", mode=mode)

    def requests(self, mode: str = "test_mode") -> list[dict[str, Any]]:
        """``GET /_emulator/requests``: the API requests received since the last reset."""
        return self._control("GET", "requests", mode=mode)

    def reset(self) -> None:
        """Clear both environments, switches, the request log, the rate limit and the
        webhook schedule and URL override."""
        self._control("POST", "reset")

    def fail(self, n: int = 1, status: int = 503, retry_after: float | None = None) -> None:
        """Answer ``status`` to the next ``n`` API calls (with ``Retry-After`` if given)."""
        self._control("POST", "fail", {"status": status, "count": n, "retry_after": retry_after})

    def hang(self, seconds: float, n: int = 1) -> None:
        """Wait ``seconds`` before answering each of the next ``n`` API calls."""
        self._control("POST", "hang", {"seconds": seconds, "count": n})

    def latency(self, ms: float) -> None:
        """Add ``ms`` milliseconds to every API call."""
        self._control("POST", "latency", {"ms": ms})

    def down(self) -> None:
        """Drop every API connection without an answer until :meth:`up`."""
        self._control("POST", "down")

    def up(self) -> None:
        """Answer API calls again."""
        self._control("POST", "up")

    def set_rate_limit(self, per_second: int | None = None, per_minute: int | None = None) -> dict[str, Any]:
        """Limit API requests per key (``None`` keeps a limit, 0 turns it off); counting
        starts afresh. Answers the limits in force."""
        return self._control("POST", "rate_limit", {"per_second": per_second, "per_minute": per_minute})

    def set_webhook_url(self, url: str) -> None:
        """Send webhooks to ``url`` until the next reset."""
        self._control("POST", "webhook", {"url": url})

    def set_webhook_schedule(
        self, *, time_scale: float | None = None, delays: Sequence[float] | None = None
    ) -> dict[str, Any]:
        """Retry webhooks on Dodo's schedule times ``time_scale`` (no arguments: the
        unscaled schedule), or with explicit ``delays``, until the next reset."""
        body: dict[str, Any] = {"delays": list(delays)} if delays is not None else {"time_scale": time_scale}
        return self._control("POST", "webhook_schedule", body)

    def pay(
        self,
        session_id: str,
        *,
        email: str = "",
        name: str = "",
        country: str = "",
        discount_code: str = "",
        mode: str = "test_mode",
    ) -> dict[str, Any]:
        """Pay a session as its Pay button does: ``{"payment", "redirect_url"}``.
        ``country`` is the billing country, ``discount_code`` one the buyer enters."""
        body = {"email": email, "name": name, "country": country, "discount_code": discount_code}
        return self._control("POST", f"checkouts/{session_id}/pay", body, mode=mode)

    def decline(
        self,
        session_id: str,
        *,
        email: str = "",
        name: str = "",
        country: str = "",
        discount_code: str = "",
        mode: str = "test_mode",
    ) -> dict[str, Any]:
        """Decline a session as its Decline button does: ``{"payment", "redirect_url"}``."""
        body = {"email": email, "name": name, "country": country, "discount_code": discount_code}
        return self._control("POST", f"checkouts/{session_id}/decline", body, mode=mode)

    def refund(
        self, payment_id: str, reason: str = "", amount: int | None = None, *, mode: str = "test_mode"
    ) -> dict[str, Any]:
        """Refund a succeeded payment: ``amount`` (minor units of the charged currency,
        tax included) or all that is left. Answers the ``Refund``."""
        return self._control("POST", f"payments/{payment_id}/refund", {"reason": reason, "amount": amount}, mode=mode)

    def age_payment(self, payment_id: str, days: float = 31, *, mode: str = "test_mode") -> dict[str, Any]:
        """Move a payment's ``created_at`` ``days`` back (past Dodo's 30-day refund window)."""
        return self._control("POST", f"payments/{payment_id}/age", {"days": days}, mode=mode)

    def open_dispute(
        self,
        payment_id: str,
        *,
        amount: int | None = None,
        reason: str = "",
        remarks: str = "",
        mode: str = "test_mode",
    ) -> dict[str, Any]:
        """Open a dispute on a succeeded payment (``dispute.opened``); answers the ``Dispute``."""
        body = {"amount": amount, "reason": reason, "remarks": remarks}
        return self._control("POST", f"payments/{payment_id}/dispute", body, mode=mode)

    def resolve_dispute(self, dispute_id: str, outcome: str, *, mode: str = "test_mode") -> dict[str, Any]:
        """Move a dispute to ``won``, ``lost``, ``cancelled``, ``expired``, ``accepted`` or
        ``challenged`` (``dispute.<outcome>``); answers the ``Dispute``."""
        return self._control("POST", f"disputes/{dispute_id}/{outcome}", mode=mode)

    def redeliver(self, webhook_id: str) -> dict[str, Any]:
        """Send a recorded webhook message again now (same id and body, fresh signature);
        answers the attempt (``status_code``, ``error``)."""
        return self._control("POST", f"webhooks/{webhook_id}/redeliver")

    def send_example_event(self, event_type: str = "payment.succeeded", *, mode: str = "test_mode") -> dict[str, Any]:
        """Send a signed example event that matches no order; answers its delivery record."""
        return self._control("POST", "webhooks/example", {"type": event_type}, mode=mode)

    def webhooks(self, mode: str = "test_mode") -> list[dict[str, Any]]:
        """The webhook deliveries recorded so far (``state()["webhooks"]``)."""
        return self.state(mode)["webhooks"]

    def wait_for_webhooks(
        self,
        count: int,
        *,
        timeout: float = 5.0,
        done: Callable[[dict[str, Any]], bool] = lambda d: d["status"] != "pending",
        mode: str = "test_mode",
    ) -> list[dict[str, Any]]:
        """Poll until ``count`` deliveries satisfy ``done`` (default: finished)."""
        deadline = time.monotonic() + timeout
        while True:
            deliveries = self.webhooks(mode)
            if sum(1 for delivery in deliveries if done(delivery)) >= count:
                return deliveries
            if time.monotonic() > deadline:
                raise TimeoutError(f"expected {count} finished webhook deliveries, got {deliveries!r}")
            time.sleep(0.02)

    def wait_until(
        self, condition: Callable[[dict[str, Any]], bool], *, timeout: float = 5.0, mode: str = "test_mode"
    ) -> dict[str, Any]:
        """Poll ``state()`` until ``condition(state)`` holds; answers that state."""
        deadline = time.monotonic() + timeout
        while True:
            state = self.state(mode)
            if condition(state):
                return state
            if time.monotonic() > deadline:
                raise TimeoutError(f"emulator state never met the condition: {state!r}")
            time.sleep(0.02)

    def stop(self) -> None:
        """Stop the process: close its stdin, then terminate, then kill if need be."""
        self.http.close()
        if self.process.stdin:
            self.process.stdin.close()  # --stop-on-stdin-eof: a clean exit
        for end in (lambda: None, self.process.terminate, self.process.kill):
            end()
            try:
                self.process.wait(timeout=3)
                break
            except subprocess.TimeoutExpired:
                continue
        self.log_path.unlink(missing_ok=True)


def run_in_subprocess(
    *,
    api_key: str = "",
    webhook_url: str = "",
    webhook_secret: str = "",
    host: str = "127.0.0.1",
    port: int = 0,
    webhook_retry_delays: Sequence[float] | None = (0.05, 0.1, 0.2),
    webhook_time_scale: float | None = None,
    webhook_timeout: float = 2.0,
    startup_timeout: float = 15.0,
    state_file: str = "",
    live_api_key: str | None = None,
    rate_limit_per_second: int = 0,
    rate_limit_per_minute: int = 0,
) -> EmulatorProcess:
    """Start ``python -m dodo.emulator`` and return once it answers.

    A missing ``api_key``, ``live_api_key`` (``""``: no live mode) or ``webhook_secret``
    is generated. ``port=0`` lets the OS pick a free port. The default webhook retry
    delays are short, for tests; ``webhook_retry_delays=None`` uses Dodo's schedule
    times ``webhook_time_scale``. The rate limit is off unless given (Dodo's: 10, 100).
    """
    api_key = api_key or generate_api_key()
    if live_api_key is None:
        live_api_key = generate_api_key()
    webhook_secret = webhook_secret or generate_webhook_secret()
    # Not a context manager: the process writes to it until stop() deletes it.
    log_file = tempfile.NamedTemporaryFile(prefix="dodo-emulator-", suffix=".log", delete=False)
    command = [
        sys.executable,
        "-m",
        "dodo.emulator",
        "--host",
        host,
        "--port",
        str(port),
        "--api-key",
        api_key,
        "--webhook-secret",
        webhook_secret,
        "--webhook-timeout",
        str(webhook_timeout),
        "--rate-limit-per-second",
        str(rate_limit_per_second),
        "--rate-limit-per-minute",
        str(rate_limit_per_minute),
        "--stop-on-stdin-eof",
    ]
    if webhook_retry_delays is not None:
        command += ["--webhook-retry-delays", ",".join(str(delay) for delay in webhook_retry_delays)]
    if webhook_time_scale is not None:
        command += ["--webhook-time-scale", str(webhook_time_scale)]
    if live_api_key:
        command += ["--live-api-key", live_api_key]
    if webhook_url:
        command += ["--webhook-url", webhook_url]
    if state_file:
        command += ["--state-file", state_file]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")]))
    process = subprocess.Popen(  # noqa: S603 - a fixed command line of our own module
        command,
        stdin=subprocess.PIPE,  # closed when this process ends, however it ends
        stdout=subprocess.PIPE,
        stderr=log_file,
        text=True,
        cwd=PROJECT_ROOT,
        env=env,
    )
    log_file.close()
    log_path = Path(log_file.name)
    base_url = _wait_for_ready_line(process, startup_timeout, log_path)
    emulator = EmulatorProcess(
        process,
        base_url=base_url,
        api_key=api_key,
        webhook_secret=webhook_secret,
        log_path=log_path,
        live_api_key=live_api_key,
    )
    emulator._control("GET", "health")
    return emulator


def _wait_for_ready_line(process: subprocess.Popen[str], timeout: float, log_path: Path) -> str:
    """The base URL from the process's ready line; kills it and raises if none comes."""
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        # Keeps reading until EOF so the pipe never fills and blocks the emulator.
        for line in process.stdout or ():
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, name="dodo-emulator-stdout", daemon=True).start()
    deadline = time.monotonic() + timeout
    while True:
        try:
            line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            break
        if line is None:  # EOF: the process exited
            break
        match = READY_RE.search(line)
        if match:
            return match.group(1)
    process.kill()
    process.wait(timeout=5)
    log = log_path.read_text(errors="replace")[-2000:]
    raise RuntimeError(f"the Dodo emulator did not start (exit {process.returncode}):\n{log}")
