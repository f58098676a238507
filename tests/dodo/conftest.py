"""Fixtures for the Dodo client and emulator tests (the emulator fixtures themselves,
``dodo_emulator``, ``dodo_settings`` and ``dodo_retry_sleeps``, are in tests/conftest.py).

- ``webhook_receiver``: a tiny HTTP server that records the emulator's webhooks and
  answers the statuses queued in ``.statuses`` (then 200).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


class WebhookReceiver(ThreadingHTTPServer):
    """Records each POST (headers, raw body) and answers the next queued status."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _ReceiverHandler)
        self.url = f"http://127.0.0.1:{self.server_address[1]}/dodo/webhook/"
        self.messages: list[tuple[dict[str, str], bytes]] = []
        self.statuses: list[int] = []
        self.lock = threading.Lock()

    def wait(self, count: int, timeout: float = 5.0) -> list[tuple[dict[str, str], bytes]]:
        """The first ``count`` messages, once they have arrived."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            time.sleep(0.01)
        raise TimeoutError(f"{count} webhooks expected, {len(self.messages)} received")


class _ReceiverHandler(BaseHTTPRequestHandler):
    server: WebhookReceiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with self.server.lock:
            # Header names are case-insensitive; keep them lower-case for easy lookups.
            self.server.messages.append(({k.lower(): v for k, v in self.headers.items()}, body))
            status = self.server.statuses.pop(0) if self.server.statuses else 200
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format, *args) -> None:  # keep test output quiet
        pass


@pytest.fixture
def webhook_receiver(dodo_settings, dodo_emulator) -> Iterator[WebhookReceiver]:
    """A receiver the (freshly reset) emulator sends its webhooks to."""
    receiver = WebhookReceiver()
    thread = threading.Thread(target=receiver.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    dodo_emulator.set_webhook_url(receiver.url)
    yield receiver
    receiver.shutdown()
    receiver.server_close()
    thread.join()


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run ``fn`` and then its on-commit callbacks (task enqueues, emails), as a request would."""

    def run(fn):
        with django_capture_on_commit_callbacks(execute=True):
            return fn()

    return run


@pytest.fixture
def dodo_api(dodo_settings, dodo_emulator):
    """Call the emulator's Dodo API directly (as Dodo's dashboard would), e.g. to make a
    discount code: ``dodo_api("POST", "/discounts", {...})``."""
    import requests

    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {dodo_emulator.api_key}"

    def call(method, path, body=None):
        response = session.request(method, dodo_emulator.base_url + path, json=body, timeout=10)
        response.raise_for_status()
        return response.json() if response.content else None

    yield call
    session.close()
