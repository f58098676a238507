"""Webhook delivery for the emulator, signed as Dodo signs them (Standard Webhooks).

Each event becomes one message with its own ``webhook-id`` and a JSON body
``{business_id, type, timestamp, data}``. It is POSTed from a background thread, so the
checkout page that caused it answers at once, and retried after each non-2xx answer or
connection error with the configured delays. Every attempt carries the same
``webhook-id`` and body, with a fresh ``webhook-timestamp`` and signature, as Standard
Webhooks senders do. Redirects are not followed: a 3xx is a failed attempt, as it is for
Dodo (a Django ``APPEND_SLASH`` redirect would otherwise hide a wrong URL).

Deliveries are recorded in :attr:`Store.deliveries` (status ``pending``, ``delivered``,
``failed`` or ``skipped`` when no URL or secret is configured, plus every attempt), so
tests and the dashboard can see what was sent.
"""

from __future__ import annotations

import http.client
import json
import logging
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from standardwebhooks import Webhook

from .store import Store, new_id, now_iso

logger = logging.getLogger(__name__)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Report a redirect as the attempt's answer instead of following it."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        """Refuse every redirect, so urllib raises HTTPError with the 3xx code."""
        return None


# No proxy: the marketplace is on this machine, whatever *_proxy variables say.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())


def sign_headers(secret: str, msg_id: str, body: str, when: datetime | None = None) -> dict[str, str]:
    """The three Standard Webhooks headers for ``body``, signed with ``secret``."""
    # Whole seconds: the header carries Unix seconds and the signature must match it.
    when = when or datetime.fromtimestamp(int(time.time()), UTC)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(when.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id, when, body),
    }


class WebhookSender:
    """Signs, sends and retries the store's events in background threads."""

    def __init__(
        self,
        store: Store,
        *,
        url: str,
        secret: str,
        retry_delays: Sequence[float],
        timeout: float,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """Deliver to ``url`` with ``secret``; ``retry_delays`` are the waits between
        attempts (three delays = four attempts)."""
        self.store = store
        self.default_url = url
        self.url = url
        self.secret = secret
        self.retry_delays = tuple(retry_delays)
        self.timeout = timeout
        self.sleep = sleep
        store.on_event = self.enqueue

    def enqueue(self, event_type: str, data: dict[str, Any]) -> dict[str, Any]:
        """Record a message for ``event_type`` and start delivering it."""
        payload = {
            "business_id": self.store.business_id,
            "type": event_type,
            "timestamp": now_iso(),
            "data": data,
        }
        with self.store.lock:
            record: dict[str, Any] = {
                "webhook_id": new_id("msg_"),
                "type": event_type,
                "url": self.url,
                "status": "pending",
                "attempts": [],
                "payload": payload,
            }
            generation = self.store.generation
            self.store.deliveries.append(record)
            if not (self.url and self.secret):
                record["status"] = "skipped"
                logger.warning("Webhook %s %s not sent: no URL or secret", record["webhook_id"], event_type)
                return record
        thread = threading.Thread(
            target=self._deliver,
            args=(record, json.dumps(payload), generation),
            name=f"webhook-{record['webhook_id']}",
            daemon=True,
        )
        thread.start()
        return record

    def _deliver(self, record: dict[str, Any], body: str, generation: int) -> None:
        msg_id = record["webhook_id"]
        for attempt in range(len(self.retry_delays) + 1):
            if attempt:
                self.sleep(self.retry_delays[attempt - 1])
            with self.store.lock:
                if self.store.generation != generation:
                    return  # the emulator was reset: this message no longer exists
            status_code, error = self._post(record["url"], msg_id, body)
            ok = status_code is not None and 200 <= status_code < 300
            with self.store.lock:
                record["attempts"].append({"at": now_iso(), "status_code": status_code, "error": error})
                last = attempt == len(self.retry_delays)
                if ok or last:
                    record["status"] = "delivered" if ok else "failed"
            logger.info(
                "Webhook %s %s attempt %d -> %s",
                msg_id,
                record["type"],
                attempt + 1,
                status_code if status_code is not None else error,
            )
            if ok:
                return

    def _post(self, url: str, msg_id: str, body: str) -> tuple[int | None, str | None]:
        if urlsplit(url).scheme not in ("http", "https"):
            return None, f"not an http(s) URL: {url!r}"
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "dodo-emulator",
            **sign_headers(self.secret, msg_id, body),
        }
        # S310: the scheme is checked above, and the URL is the operator's own setting.
        request = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")  # noqa: S310
        try:
            with _opener.open(request, timeout=self.timeout) as response:
                response.read()
                return response.status, None
        except urllib.error.HTTPError as exc:
            exc.close()
            return exc.code, None
        except (OSError, http.client.HTTPException) as exc:
            # Refused, reset, timed out (URLError and TimeoutError are OSErrors).
            return None, f"{type(exc).__name__}: {exc}"
