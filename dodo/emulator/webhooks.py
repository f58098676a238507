"""Webhook delivery for the emulator, signed as Dodo signs them (Standard Webhooks).

Each event becomes one message with its own ``webhook-id`` and a JSON body
``{business_id, type, timestamp, data}``. It is POSTed from a background thread, so the
checkout page that caused it answers at once, and retried after each non-2xx answer or
connection error. The waits between attempts are Dodo's own schedule
(:data:`DODO_RETRY_SCHEDULE`: 8 attempts over about 27.6 hours) multiplied by a time
scale (0.0001 makes it about 10 s), unless explicit delays are given, which win; both
can be changed at run time (:meth:`WebhookSender.set_schedule`). Every attempt carries the same
``webhook-id`` and body, with a fresh ``webhook-timestamp`` and signature, as Standard
Webhooks senders do. Redirects are not followed: a 3xx is a failed attempt, as it is for
Dodo (a Django ``APPEND_SLASH`` redirect would otherwise hide a wrong URL).

Deliveries are recorded in the environment's :attr:`Store.deliveries` (status
``pending``, ``delivered``, ``failed`` or ``skipped`` when no URL or secret is
configured, plus every attempt), so tests and the dashboard can see what was sent.
:meth:`WebhookSender.redeliver` sends a recorded message once more, as Dodo's "resend"
does: the same ``webhook-id`` and body, a fresh timestamp and signature.
"""

from __future__ import annotations

import copy
import http.client
import json
import logging
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from standardwebhooks import Webhook

from .store import Store, new_id, now_iso
from .validation import ApiError, not_found

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


#: Dodo's waits between webhook attempts, in seconds: 5 s, 5 min, 30 min, 2 h, 5 h,
#: 10 h, 10 h (8 attempts in all, about 27.6 hours from first to last).
DODO_RETRY_SCHEDULE: tuple[float, ...] = (5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600)


def scaled_schedule(time_scale: float) -> tuple[float, ...]:
    """Dodo's retry schedule compressed (or stretched) by ``time_scale``."""
    return tuple(delay * time_scale for delay in DODO_RETRY_SCHEDULE)


@dataclass(frozen=True)
class Schedule:
    """Where the waits between attempts come from: explicit ``delays`` win over Dodo's
    schedule times ``time_scale``."""

    delays: tuple[float, ...] | None = None
    time_scale: float = 1.0

    def waits(self) -> tuple[float, ...]:
        """The waits between attempts (one fewer than the attempts)."""
        return self.delays if self.delays is not None else scaled_schedule(self.time_scale)

    def as_dict(self) -> dict[str, Any]:
        """For ``/_emulator/state`` and the schedule control route."""
        waits = self.waits()
        return {
            "source": "delays" if self.delays is not None else "dodo",
            "time_scale": self.time_scale,
            "delays": list(waits),
            "attempts": len(waits) + 1,
        }


class WebhookSender:
    """Signs, sends and retries the events of one or more stores in background threads."""

    def __init__(
        self,
        *,
        url: str,
        secret: str,
        retry_delays: Sequence[float] | None = None,
        time_scale: float = 1.0,
        timeout: float,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """Deliver to ``url`` with ``secret``. ``retry_delays`` are the waits between
        attempts (three delays = four attempts); without them, Dodo's schedule times
        ``time_scale``."""
        self.default_url = url
        self.url = url
        self.secret = secret
        self.default_schedule = Schedule(tuple(retry_delays) if retry_delays is not None else None, time_scale)
        self.schedule = self.default_schedule
        self.timeout = timeout
        self.sleep = sleep

    @property
    def retry_delays(self) -> tuple[float, ...]:
        """The waits between attempts now in force."""
        return self.schedule.waits()

    def set_schedule(self, *, delays: Sequence[float] | None = None, time_scale: float | None = None) -> None:
        """Use explicit ``delays``, or Dodo's schedule times ``time_scale``, from now on."""
        if delays is not None:
            self.schedule = Schedule(tuple(delays), self.schedule.time_scale)
        else:
            self.schedule = Schedule(None, self.default_schedule.time_scale if time_scale is None else time_scale)

    def reset(self) -> None:
        """The configured URL and schedule again."""
        self.url = self.default_url
        self.schedule = self.default_schedule

    def attach(self, store: Store) -> None:
        """Deliver ``store``'s events from now on."""
        store.on_event = lambda event_type, data: self.enqueue(store, event_type, data)

    def enqueue(self, store: Store, event_type: str, data: dict[str, Any]) -> dict[str, Any]:
        """Record a message for ``event_type`` in ``store`` and start delivering it."""
        payload = {
            "business_id": store.business_id,
            "type": event_type,
            "timestamp": now_iso(),
            "data": data,
        }
        with store.lock:
            record: dict[str, Any] = {
                "webhook_id": new_id("msg_"),
                "type": event_type,
                "url": self.url,
                "status": "pending",
                "attempts": [],
                "payload": payload,
            }
            generation = store.generation
            store.deliveries.append(record)
            if not (self.url and self.secret):
                record["status"] = "skipped"
                logger.warning("Webhook %s %s not sent: no URL or secret", record["webhook_id"], event_type)
                return copy.deepcopy(record)
            result = copy.deepcopy(record)
        # The message keeps the schedule in force when it was sent, as a queued job would.
        thread = threading.Thread(
            target=self._deliver,
            args=(store, record, json.dumps(payload), generation, self.retry_delays),
            name=f"webhook-{record['webhook_id']}",
            daemon=True,
        )
        thread.start()
        return result

    def _deliver(
        self, store: Store, record: dict[str, Any], body: str, generation: int, delays: tuple[float, ...]
    ) -> None:
        msg_id = record["webhook_id"]
        for attempt in range(len(delays) + 1):
            if attempt:
                self.sleep(delays[attempt - 1])
            with store.lock:
                if store.generation != generation:
                    return  # the emulator was reset: this message no longer exists
            status_code, error = self._post(record["url"], msg_id, body)
            ok = status_code is not None and 200 <= status_code < 300
            with store.lock:
                record["attempts"].append({"at": now_iso(), "status_code": status_code, "error": error})
                last = attempt == len(delays)
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

    def redeliver(self, store: Store, webhook_id: str) -> dict[str, Any]:
        """Send a recorded message once more, now: same ``webhook-id`` and body, fresh
        timestamp and signature, to the current URL. Answers the attempt."""
        record = store.find_delivery(webhook_id)
        if record is None:
            raise not_found("Webhook message", webhook_id)
        if not (self.url and self.secret):
            raise ApiError(409, "NO_WEBHOOK_URL", "no webhook URL or secret is configured")
        with store.lock:
            body = json.dumps(record["payload"])
        status_code, error = self._post(self.url, webhook_id, body)
        ok = status_code is not None and 200 <= status_code < 300
        attempt = {"at": now_iso(), "status_code": status_code, "error": error, "redelivery": True}
        with store.lock:
            record["attempts"].append(attempt)
            if ok:
                record["status"] = "delivered"
        logger.info("Webhook %s %s redelivered -> %s", webhook_id, record["type"], status_code or error)
        return {"webhook_id": webhook_id, **attempt}

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
