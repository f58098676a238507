"""The emulator's HTTP server: Dodo's API, the hosted checkout, and test switches.

Routes (all JSON unless noted):

Dodo API (``Authorization: Bearer <api key>``, else 401)
    ``POST|GET /customers``, ``GET|PATCH /customers/{id}``,
    ``POST|GET /products``, ``GET|PATCH|DELETE /products/{id}`` (a second ``DELETE`` of
    an archived product is 410 ``GONE``), ``POST /products/{id}/unarchive``,
    ``POST|GET /discounts``, ``GET|PATCH|DELETE /discounts/{id}``,
    ``GET /discounts/code/{code}``, ``POST /checkouts``, ``GET /checkouts/{id}``,
    ``GET /payments`` (newest first), ``GET /payments/{id}``,
    ``POST|GET /refunds`` (newest first), ``GET /refunds/{id}``,
    ``GET /disputes`` (newest first), ``GET /disputes/{id}``,
    ``GET|PATCH /license_keys/{id}`` (``{"disabled": true}`` disables a key),
    ``GET /invoices/payments/{id}`` (``application/pdf``; no key needed, as on Dodo).
    A paid product with ``license_key_enabled`` gets a key per payment, announced by
    ``license_key.created`` after ``payment.succeeded`` (they may arrive in any order).

Dodo's public license API (no key; the key string names the environment)
    ``POST /licenses/activate`` ``{license_key, name}`` -> 201 instance (403 disabled or
    expired, 422 at the activation limit, 404 unknown key), ``POST /licenses/validate``
    ``{license_key, license_key_instance_id?}`` -> ``{"valid": bool}``,
    ``POST /licenses/deactivate`` ``{license_key, license_key_instance_id}`` -> empty 200.
    Lists answer ``{"items": [...]}`` (``page_size`` at most 100, ``page_number`` from
    0). Errors are ``{"code", "message"}`` with Dodo's statuses: 400 not JSON, 401 bad
    key, 404 unknown id, 409 conflict, 410 gone, 422 invalid field or a refund/discount
    rule, 429 rate limited (with ``Retry-After``).

    Two environments: the ``api_key`` reaches ``test_mode``, the optional
    ``live_api_key`` reaches ``live_mode``; each has its own objects, so an id made in
    one is a 404 in the other.

Hosted checkout (HTML, what ``checkout_url`` points at)
    ``GET /checkout/{session_id}`` (``?country=GB&discount_code=X`` previews another
    billing country or code); its Pay and Decline buttons post to
    ``/checkout/{session_id}/pay|decline`` (form fields ``email``, ``name``,
    ``country``, ``discount_code``), which record a payment, send
    ``payment.succeeded`` / ``payment.failed`` and redirect (303) to the session's
    ``return_url`` plus ``?payment_id=...&status=...``, as Dodo does. A session with a
    ``cancel_url`` shows a Cancel link to it.

Emulator control (no key; refused unless the Host header is a loopback name). Routes
that touch objects act on ``test_mode`` unless the query string says ``?mode=live_mode``.
    ``GET /_emulator/`` (HTML dashboard: refund, partial refund, dispute buttons),
    ``GET /_emulator/health``, ``GET /_emulator/state``,
    ``GET /_emulator/requests`` (every API request: method, path, query, json, status),
    ``POST /_emulator/fail`` ``{"status": 503, "count": 1, "retry_after": null}``,
    ``POST /_emulator/hang`` ``{"seconds": 2, "count": 1}``,
    ``POST /_emulator/latency`` ``{"ms": 200}``, ``POST /_emulator/down|up``,
    ``POST /_emulator/rate_limit`` ``{"per_second": 10, "per_minute": 100}`` (0 = off),
    ``POST /_emulator/reset``, ``POST /_emulator/webhook`` ``{"url": "..."}``,
    ``POST /_emulator/webhook_schedule`` ``{"time_scale": 0.0001}`` or ``{"delays": [..]}``,
    ``POST /_emulator/webhooks/{webhook_id}/redeliver``,
    ``POST /_emulator/webhooks/example`` ``{"type": "payment.succeeded"}``,
    ``POST /_emulator/checkouts/{id}/pay|decline``
    (``{"email", "name", "country", "discount_code"}`` optional),
    ``POST /_emulator/payments/{id}/refund`` (``{"reason", "amount"}`` optional),
    ``POST /_emulator/payments/{id}/age`` ``{"days": 31}``,
    ``POST /_emulator/payments/{id}/dispute`` (``{"amount", "reason", "remarks"}`` optional),
    ``POST /_emulator/disputes/{id}/won|lost|cancelled|expired|accepted|challenged``.

Switch semantics: each API request is logged first; then, if it carries a key, it is
counted against that key's rate limit (at most ``per_second`` in any one second and
``per_minute`` in any minute; beyond that it is answered 429 with ``Retry-After`` and
not processed, nor does it consume a switch); then it waits ``latency`` plus, while
``hang`` has calls left, ``seconds`` more (and is then processed normally: a create the
client gave up on still creates, as on the real Dodo); then ``down`` drops the
connection without an answer (the client sees a connection error, as when Dodo is
unreachable); then ``fail`` answers its status (with ``Retry-After`` when given)
without processing. ``reset`` clears both environments, the switches, the request log,
the rate-limit counters (back to the configured limits), the webhook schedule and the
webhook URL override. Only the API routes are affected by the switches and the limit.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit, urlunsplit

from . import pages
from .ratelimit import DEFAULT_PER_MINUTE, DEFAULT_PER_SECOND, RateLimiter
from .store import MODES, Environments, Store, now_iso
from .validation import ApiError
from .webhooks import WebhookSender

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 1_000_000


@dataclass
class EmulatorConfig:
    """How one emulator instance behaves."""

    api_key: str
    webhook_url: str = ""
    webhook_secret: str = ""
    # Explicit waits between webhook attempts; None means Dodo's own schedule (8 attempts
    # over about 27.6 h) multiplied by webhook_time_scale.
    webhook_retry_delays: tuple[float, ...] | None = None
    webhook_time_scale: float = 1.0
    webhook_timeout: float = 10.0
    business_id: str = "bus_EmulatorBusiness00001"
    brand_id: str = "bnd_EmulatorBrand000000001"
    # Where to keep both environments' objects across restarts (``make run`` uses one,
    # as real Dodo does not forget); empty keeps them in memory only.
    state_file: str = ""
    # A second key that reaches live_mode's separate objects; empty: no live mode.
    live_api_key: str = ""
    # Dodo's limits per API key; 0 turns one off.
    rate_limit_per_second: int = DEFAULT_PER_SECOND
    rate_limit_per_minute: int = DEFAULT_PER_MINUTE


@dataclass
class CallPlan:
    """What the switches do to one API request."""

    delay: float = 0.0
    drop: bool = False
    fail_status: int | None = None
    retry_after: float | None = None


@dataclass
class Switches:
    """Failure injection for API requests, consumed call by call under a lock."""

    fail_count: int = 0
    fail_status: int = 503
    fail_retry_after: float | None = None
    hang_count: int = 0
    hang_seconds: float = 0.0
    latency_ms: float = 0.0
    down: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def reset(self) -> None:
        """Back to a healthy, fast Dodo."""
        with self.lock:
            self.fail_count = self.hang_count = 0
            self.fail_status, self.fail_retry_after = 503, None
            self.hang_seconds = self.latency_ms = 0.0
            self.down = False

    def plan(self) -> CallPlan:
        """Take this request's share of the switches (counters go down by one)."""
        with self.lock:
            plan = CallPlan(delay=self.latency_ms / 1000, drop=self.down)
            if self.hang_count > 0:
                self.hang_count -= 1
                plan.delay += self.hang_seconds
            if not plan.drop and self.fail_count > 0:
                self.fail_count -= 1
                plan.fail_status = self.fail_status
                plan.retry_after = self.fail_retry_after
            return plan

    def as_dict(self) -> dict[str, Any]:
        """The current switches, for ``/_emulator/state``."""
        with self.lock:
            return {
                "fail": {
                    "count": self.fail_count,
                    "status": self.fail_status,
                    "retry_after": self.fail_retry_after,
                },
                "hang": {"count": self.hang_count, "seconds": self.hang_seconds},
                "latency_ms": self.latency_ms,
                "down": self.down,
            }


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or an IP) is this machine's loopback interface."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class EmulatorServer(ThreadingHTTPServer):
    """A threaded HTTP server holding one emulated Dodo (both of its environments)."""

    daemon_threads = True
    # socketserver's default backlog of 5 drops new connections beyond it, and the
    # client waits a second before trying again: many checkouts at once open more.
    request_queue_size = 128
    # Restarting the emulator on the same port right after a stop should just work.
    allow_reuse_address = True

    def __init__(self, host: str, port: int, config: EmulatorConfig) -> None:
        """Bind to a loopback ``host``/``port`` (0 picks a free port) and set up state."""
        if not is_loopback(host):
            # The control routes have no authentication: never expose them.
            raise ValueError(f"the Dodo emulator only listens on loopback, not {host!r}")
        if ":" in host:
            self.address_family = socket.AF_INET6
        super().__init__((host.strip("[]"), port), EmulatorHandler)
        bound_port = self.server_address[1]
        shown_host = f"[{host.strip('[]')}]" if ":" in host else host
        self.base_url = f"http://{shown_host}:{bound_port}"
        self.config = config
        self.switches = Switches()
        self.rate_limiter = RateLimiter(config.rate_limit_per_second, config.rate_limit_per_minute)
        self.environments = Environments(
            business_id=config.business_id,
            brand_id=config.brand_id,
            checkout_base_url=self.base_url,
            state_file=config.state_file,
        )
        self.webhooks = WebhookSender(
            url=config.webhook_url,
            secret=config.webhook_secret,
            retry_delays=config.webhook_retry_delays,
            time_scale=config.webhook_time_scale,
            timeout=config.webhook_timeout,
        )
        for store in self.environments:
            self.webhooks.attach(store)

    @property
    def store(self) -> Store:
        """The ``test_mode`` environment."""
        return self.environments["test_mode"]

    def mode_for_key(self, authorization: str) -> str | None:
        """The environment an ``Authorization`` header reaches, or ``None`` (a 401)."""
        given = authorization.encode()
        keys = {"test_mode": self.config.api_key, "live_mode": self.config.live_api_key}
        # Compare against every key, so the time taken does not tell which one matched.
        matches = [mode for mode, key in keys.items() if key and hmac.compare_digest(given, f"Bearer {key}".encode())]
        return matches[0] if matches else None

    def reset(self) -> None:
        """Forget all objects and requests; clear the switches, rate-limit counters,
        webhook schedule and webhook URL override."""
        self.environments.reset()
        self.switches.reset()
        self.rate_limiter.reset()
        self.webhooks.reset()


def _with_query(url: str, **params: str) -> str:
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True) + list(params.items())
    return urlunsplit(parts._replace(query=urlencode(query)))


def _number(body: dict[str, Any], key: str, default: float, *, low: float, high: float) -> float:
    value = body.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise ApiError(400, "BAD_SWITCH", f"`{key}` must be a number from {low} to {high}")
    return value


Route = tuple[str, re.Pattern[str], Callable[..., Any]]
_ID = r"([^/]+)"
# API routes Dodo answers without an API key (``security: []`` in its spec).
PUBLIC_API = re.compile(r"/licenses/(activate|validate|deactivate)|/invoices/payments/[^/]+")


@dataclass(frozen=True)
class Answer:
    """An API answer that is not a plain 200 JSON body (a 201, a PDF)."""

    status: int
    body: bytes
    content_type: str

    @classmethod
    def json(cls, status: int, data: Any) -> Answer:
        return cls(status, json.dumps(data).encode(), "application/json")


class EmulatorHandler(BaseHTTPRequestHandler):
    """Answers one connection's requests; the routing tables are at the bottom."""

    server: EmulatorServer
    protocol_version = "HTTP/1.1"  # keep-alive, as the client's connection pool expects
    # Headers and body go out in two writes; without this, Nagle's algorithm and the
    # client's delayed ACK add about 40 ms to every answer.
    disable_nagle_algorithm = True
    server_version = "DodoEmulator/1"

    # -- plumbing --------------------------------------------------------------------

    def log_message(self, format: str, *args: Any) -> None:
        """Route the access log through :mod:`logging` instead of raw stderr."""
        logger.info("%s %s", self.address_string(), format % args)

    def do_GET(self) -> None:
        """Dispatch a GET."""
        self._dispatch()

    do_POST = do_PATCH = do_DELETE = do_PUT = do_GET

    def _dispatch(self) -> None:
        parts = urlsplit(self.path)
        try:
            raw = self._read_body()
            if parts.path.startswith("/_emulator"):
                self._control(parts.path, parts.query, raw)
            elif parts.path.startswith("/checkout/"):
                self._browser(parts.path, parts.query, raw)
            else:
                self._api(parts.path, parts.query, raw)
        except ApiError as exc:
            self._send_json(exc.status, exc.body())
        except Exception:
            # A bug in the emulator: answer like a server would, keep serving others.
            logger.exception("Emulator error on %s %s", self.command, self.path)
            self._send_json(500, {"code": "INTERNAL_SERVER_ERROR", "message": "emulator error"})
        if self.command != "GET":
            self.server.environments.persist()

    def _read_body(self) -> bytes:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            raise ApiError(400, "MALFORMED_REQUEST", "bad Content-Length") from None
        if length > MAX_BODY_BYTES:
            self.close_connection = True
            raise ApiError(413, "PAYLOAD_TOO_LARGE", "request body too large")
        return self.rfile.read(length) if length > 0 else b""

    def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        if self.command != "GET":
            # On disk before the client hears back, as Dodo's answer means it is stored: a
            # client may stop the emulator right after (``make run`` restarts it often).
            # ``_dispatch`` writes again for anything the handler does after answering.
            self.server.environments.persist()
        try:
            self.send_response(status)
            if body:
                self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up (its read timeout during a hang): nothing to answer.
            self.close_connection = True

    def _send_json(self, status: int, data: Any, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(data).encode(), "application/json", headers)

    def _send_empty(self, status: int = 200) -> None:
        self._send(status, b"", "")

    def _send_html(self, status: int, html: str) -> None:
        self._send(status, html.encode(), "text/html; charset=utf-8")

    def _redirect(self, location: str) -> None:
        self._send(303, b"", "", {"Location": location})

    @staticmethod
    def _json_body(raw: bytes) -> Any:
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError as exc:
            raise ApiError(400, "MALFORMED_REQUEST", f"body is not valid JSON: {exc}") from None

    def _form(self, raw: bytes) -> dict[str, str]:
        return dict(parse_qsl(raw.decode("utf-8", "replace")))

    def _is_form(self) -> bool:
        return (self.headers.get("Content-Type") or "").startswith("application/x-www-form-urlencoded")

    @staticmethod
    def _route(routes: list[Route], method: str, path: str) -> tuple[Callable[..., Any], tuple[str, ...]] | None:
        path_known = False
        for route_method, pattern, handler in routes:
            match = pattern.fullmatch(path)
            if match:
                path_known = True
                if route_method == method:
                    return handler, match.groups()
        if path_known:
            raise ApiError(405, "METHOD_NOT_ALLOWED", f"{method} is not allowed on {path}")
        return None

    # -- Dodo API --------------------------------------------------------------------

    def _api(self, path: str, query: str, raw: bytes) -> None:
        server = self.server
        authorization = self.headers.get("Authorization") or ""
        mode = server.mode_for_key(authorization)
        # Requests with an unknown key are logged with test mode's, as before live mode.
        store = server.environments[mode or "test_mode"]
        try:
            logged_body: Any = json.loads(raw) if raw else None
        except ValueError:
            logged_body = raw.decode("utf-8", "replace")
        entry, generation = store.log_request(
            {
                "at": now_iso(),
                "method": self.command,
                "path": path,
                "query": query,
                "json": logged_body,
                "status": None,
            }
        )
        key = authorization.removeprefix("Bearer ").strip() if authorization.startswith("Bearer ") else ""
        retry_after = server.rate_limiter.hit(key) if key else None
        if retry_after is not None:
            entry["status"] = 429
            self._send_json(
                429,
                {"code": "TOO_MANY_REQUESTS", "message": "rate limit exceeded for this API key"},
                {"Retry-After": str(retry_after)},
            )
            return
        plan = server.switches.plan()
        if plan.delay:
            time.sleep(plan.delay)
        if plan.drop or store.generation != generation:
            # Down: close without a word, like a dead upstream. Reset while this request
            # hung: drop it too, so it cannot create objects in the next test's state.
            entry["status"] = "dropped"
            self.close_connection = True
            return
        if plan.fail_status is not None:
            entry["status"] = plan.fail_status
            headers = {}
            if plan.retry_after is not None:
                headers["Retry-After"] = f"{plan.retry_after:g}"
            self._send_json(
                plan.fail_status,
                {"code": "EMULATED_FAILURE", "message": f"emulated {plan.fail_status}"},
                headers,
            )
            return
        try:
            if mode is None:
                if not PUBLIC_API.fullmatch(path):
                    raise ApiError(401, "UNAUTHORIZED", "missing or invalid API key")
                # Dodo's license routes and invoice links need no key: the object they
                # name tells the environment.
                store = server.environments.store_for_public_call(path, self._json_body(raw) if raw else None)
            result = self._api_call(store, path, query, raw)
        except ApiError as exc:
            entry["status"] = exc.status
            raise
        if isinstance(result, Answer):
            entry["status"] = result.status
            self._send(result.status, result.body, result.content_type)
            return
        # Logged before answering, so a client that reads the log next sees the status.
        entry["status"] = 200
        if result is None:
            self._send_empty()
        else:
            self._send_json(200, result)

    def _api_call(self, store: Store, path: str, query: str, raw: bytes) -> Any:
        found = self._route(API_ROUTES, self.command, path)
        if found is None:
            raise ApiError(404, "NOT_FOUND", f"no route for {path}")
        handler, args = found
        body = self._json_body(raw) if self.command in ("POST", "PATCH") else None
        return handler(store, *args, body=body, query=parse_qs(query))

    # -- hosted checkout (browser) ---------------------------------------------------

    def _browser(self, path: str, query: str, raw: bytes) -> None:
        match = re.fullmatch(r"/checkout/([^/]+)(?:/(pay|decline))?/?", path)
        if match is None:
            self._send_html(404, pages.error_page(404, "No such page."))
            return
        session_id, action = match.groups()
        try:
            # The page serves sessions of both environments, as Dodo's checkout domain does.
            store = self.server.environments.store_with_session(session_id)
            if action is None and self.command == "GET":
                params = dict(parse_qsl(query))
                view = store.checkout_view(
                    session_id, country=params.get("country", ""), discount_code=params.get("discount_code", "")
                )
                self._send_html(200, pages.checkout_page(view))
                return
            if action is None or self.command != "POST":
                self._send_html(405, pages.error_page(405, "Method not allowed."))
                return
            form = self._form(raw)
            try:
                payment = store.complete_checkout(
                    session_id,
                    succeeded=action == "pay",
                    email=form.get("email", ""),
                    name=form.get("name", ""),
                    country=form.get("country", ""),
                    discount_code=form.get("discount_code", ""),
                )
            except ApiError as exc:
                if exc.status == 422:
                    # A code or country the buyer typed: show the page again, with why.
                    view = store.checkout_view(
                        session_id, country=form.get("country", ""), discount_code=form.get("discount_code", "")
                    )
                    self._send_html(422, pages.checkout_page(view))
                    return
                if exc.status != 409:
                    raise
                # Already paid (a second tab, a double click): show the finished page.
                self._redirect(f"/checkout/{session_id}")
                return
        except ApiError as exc:
            self._send_html(exc.status, pages.error_page(exc.status, exc.message))
            return
        return_url = store.return_url(session_id)
        if return_url:
            self._redirect(_with_query(return_url, payment_id=payment["payment_id"], status=payment["status"]))
        else:
            self._send_html(200, pages.result_page(payment))

    # -- emulator control ------------------------------------------------------------

    def _control(self, path: str, query: str, raw: bytes) -> None:
        host = urlsplit(f"//{self.headers.get('Host', '')}").hostname or ""
        if host and not is_loopback(host):
            # A page on another site that rebinds its name to 127.0.0.1 must not reset
            # or drive the emulator.
            raise ApiError(403, "FORBIDDEN", "control routes answer loopback hosts only")
        mode = dict(parse_qsl(query)).get("mode") or "test_mode"
        if mode not in MODES:
            raise ApiError(400, "BAD_SWITCH", f"`mode` must be one of {', '.join(MODES)}")
        store = self.server.environments[mode]
        if path in ("/_emulator", "/_emulator/") and self.command == "GET":
            self._send_html(200, pages.dashboard_page(_state(self.server, store, {})))
            return
        found = self._route(CONTROL_ROUTES, self.command, path)
        if found is None:
            raise ApiError(404, "NOT_FOUND", f"no emulator route {path}")
        handler, args = found
        if self._is_form():
            body: Any = self._form(raw)
        else:
            body = self._json_body(raw) or {}
        if not isinstance(body, dict):
            raise ApiError(400, "BAD_SWITCH", "body must be a JSON object")
        result = handler(self.server, store, *args, body=body)
        if self._is_form():
            # A dashboard button: back to the dashboard (post/redirect/get).
            self._redirect("/_emulator/" if mode == "test_mode" else f"/_emulator/?mode={mode}")
        else:
            self._send_json(200, result if result is not None else {"ok": True})


# -- route tables ------------------------------------------------------------------------
# API handlers take (store of the key's environment, *path ids, body, query) and return
# the JSON answer, or None for Dodo's empty 200.


def _api_routes() -> list[Route]:
    def route(method: str, path: str, handler: Callable[..., Any]) -> Route:
        return method, re.compile(path.replace("{id}", _ID)), handler

    return [
        route("POST", "/customers", lambda s, body, query: s.create_customer(body)),
        route("GET", "/customers", lambda s, body, query: s.list_customers(query)),
        route("GET", "/customers/{id}", lambda s, i, body, query: s.get_customer(i)),
        route("PATCH", "/customers/{id}", lambda s, i, body, query: s.update_customer(i, body)),
        route("POST", "/products", lambda s, body, query: s.create_product(body)),
        route("GET", "/products", lambda s, body, query: s.list_products(query)),
        route("GET", "/products/{id}", lambda s, i, body, query: s.get_product(i)),
        route("PATCH", "/products/{id}", lambda s, i, body, query: s.update_product(i, body)),
        route("DELETE", "/products/{id}", lambda s, i, body, query: s.archive_product(i)),
        route("POST", "/products/{id}/unarchive", lambda s, i, body, query: s.unarchive_product(i)),
        route("POST", "/discounts", lambda s, body, query: s.create_discount(body)),
        route("GET", "/discounts", lambda s, body, query: s.list_discounts(query)),
        route("GET", "/discounts/code/{id}", lambda s, code, body, query: s.get_discount_by_code(code)),
        route("GET", "/discounts/{id}", lambda s, i, body, query: s.get_discount(i)),
        route("PATCH", "/discounts/{id}", lambda s, i, body, query: s.update_discount(i, body)),
        route("DELETE", "/discounts/{id}", lambda s, i, body, query: s.delete_discount(i)),
        route("POST", "/checkouts", lambda s, body, query: s.create_checkout(body)),
        route("GET", "/checkouts/{id}", lambda s, i, body, query: s.get_checkout_status(i)),
        route("GET", "/payments", lambda s, body, query: s.list_payments(query)),
        route("GET", "/payments/{id}", lambda s, i, body, query: s.get_payment(i)),
        route("POST", "/refunds", lambda s, body, query: s.create_refund(body)),
        route("GET", "/refunds", lambda s, body, query: s.list_refunds(query)),
        route("GET", "/refunds/{id}", lambda s, i, body, query: s.get_refund(i)),
        route("GET", "/disputes", lambda s, body, query: s.list_disputes(query)),
        route("GET", "/disputes/{id}", lambda s, i, body, query: s.get_dispute(i)),
        route("GET", "/license_keys/{id}", lambda s, i, body, query: s.get_license_key(i)),
        route("PATCH", "/license_keys/{id}", lambda s, i, body, query: s.update_license_key(i, body)),
        route("POST", "/licenses/activate", lambda s, body, query: Answer.json(201, s.activate_license(body))),
        route("POST", "/licenses/validate", lambda s, body, query: s.validate_license(body)),
        route("POST", "/licenses/deactivate", lambda s, body, query: s.deactivate_license(body)),
        route(
            "GET",
            "/invoices/payments/{id}",
            lambda s, i, body, query: Answer(200, s.payment_invoice(i), "application/pdf"),
        ),
    ]


# Control handlers take (server, store of ?mode=, *path ids, body) and return the JSON
# answer, or None for {"ok": true}.


def _int_field(body: dict[str, Any], key: str, *, low: int, high: int) -> int | None:
    """An optional whole number from JSON or from a dashboard form (a string)."""
    value = body.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ApiError(400, "BAD_SWITCH", f"`{key}` must be a whole number from {low} to {high}")
    return value


def _switch_fail(server: EmulatorServer, store: Store, body: dict[str, Any]) -> dict[str, Any]:
    status = int(_number(body, "status", 503, low=400, high=599))
    count = int(_number(body, "count", 1, low=0, high=10_000))
    retry_after = body.get("retry_after")
    if retry_after is not None:
        retry_after = _number(body, "retry_after", 0, low=0, high=3600)
    with server.switches.lock:
        server.switches.fail_status, server.switches.fail_count = status, count
        server.switches.fail_retry_after = retry_after
    return server.switches.as_dict()


def _switch_hang(server: EmulatorServer, store: Store, body: dict[str, Any]) -> dict[str, Any]:
    seconds = _number(body, "seconds", 1, low=0, high=300)
    count = int(_number(body, "count", 1, low=0, high=10_000))
    with server.switches.lock:
        server.switches.hang_seconds, server.switches.hang_count = seconds, count
    return server.switches.as_dict()


def _switch_latency(server: EmulatorServer, store: Store, body: dict[str, Any]) -> dict[str, Any]:
    ms = _number(body, "ms", 0, low=0, high=60_000)
    with server.switches.lock:
        server.switches.latency_ms = ms
    return server.switches.as_dict()


def _switch_down(server: EmulatorServer, store: Store, body: dict[str, Any], *, down: bool) -> dict[str, Any]:
    with server.switches.lock:
        server.switches.down = down
    return server.switches.as_dict()


def _set_rate_limit(server: EmulatorServer, store: Store, body: dict[str, Any]) -> dict[str, Any]:
    server.rate_limiter.configure(
        per_second=_int_field(body, "per_second", low=0, high=1_000_000),
        per_minute=_int_field(body, "per_minute", low=0, high=1_000_000),
    )
    return server.rate_limiter.as_dict()


def _set_webhook_url(server: EmulatorServer, store: Store, body: dict[str, Any]) -> dict[str, Any]:
    url = body.get("url")
    if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https"):
        raise ApiError(400, "BAD_SWITCH", "`url` must be an http(s) URL")
    server.webhooks.url = url
    return {"webhook_url": url}


def _set_webhook_schedule(server: EmulatorServer, store: Store, body: dict[str, Any]) -> dict[str, Any]:
    if "delays" in body and "time_scale" in body:
        raise ApiError(400, "BAD_SWITCH", "send either `delays` or `time_scale`, not both")
    if "delays" in body:
        delays = body["delays"]
        if not isinstance(delays, list) or not all(
            isinstance(d, int | float) and not isinstance(d, bool) and 0 <= d <= 86_400 for d in delays
        ):
            raise ApiError(400, "BAD_SWITCH", "`delays` must be a list of seconds from 0 to 86400")
        server.webhooks.set_schedule(delays=[float(d) for d in delays])
    else:
        time_scale = body.get("time_scale")
        if time_scale is not None:
            time_scale = _number(body, "time_scale", 1, low=0, high=1000)
        server.webhooks.set_schedule(time_scale=time_scale)
    return server.webhooks.schedule.as_dict()


def _state(server: EmulatorServer, store: Store, body: dict[str, Any]) -> dict[str, Any]:
    state = store.snapshot()
    state["switches"] = server.switches.as_dict()
    state["rate_limit"] = server.rate_limiter.as_dict()
    state["webhook_url"] = server.webhooks.url
    state["webhook_schedule"] = server.webhooks.schedule.as_dict()
    state["business_id"] = server.config.business_id
    state["live_mode_enabled"] = bool(server.config.live_api_key)
    return state


def _requests(server: EmulatorServer, store: Store, body: dict[str, Any]) -> list[dict[str, Any]]:
    with store.lock:
        return json.loads(json.dumps(store.requests))


def _reset(server: EmulatorServer, store: Store, body: dict[str, Any]) -> None:
    server.reset()


def _text(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if value is not None and not isinstance(value, str):
        raise ApiError(400, "BAD_SWITCH", f"`{key}` must be a string")
    return value or ""


def _complete(
    server: EmulatorServer, store: Store, session_id: str, body: dict[str, Any], *, succeeded: bool
) -> dict[str, Any]:
    payment = store.complete_checkout(
        session_id,
        succeeded=succeeded,
        email=_text(body, "email"),
        name=_text(body, "name"),
        country=_text(body, "country"),
        discount_code=_text(body, "discount_code"),
    )
    return_url = store.return_url(session_id)
    redirect = (
        _with_query(return_url, payment_id=payment["payment_id"], status=payment["status"]) if return_url else None
    )
    return {"payment": payment, "redirect_url": redirect}


def _refund(server: EmulatorServer, store: Store, payment_id: str, body: dict[str, Any]) -> dict[str, Any]:
    amount = _int_field(body, "amount", low=1, high=2**63)
    return store.refund_payment(payment_id, reason=_text(body, "reason"), amount=amount)


def _age(server: EmulatorServer, store: Store, payment_id: str, body: dict[str, Any]) -> dict[str, Any]:
    return store.age_payment(payment_id, _number(body, "days", 31, low=0, high=36_500))


def _open_dispute(server: EmulatorServer, store: Store, payment_id: str, body: dict[str, Any]) -> dict[str, Any]:
    return store.open_dispute(
        payment_id,
        amount=_int_field(body, "amount", low=1, high=2**63),
        reason=_text(body, "reason"),
        remarks=_text(body, "remarks"),
    )


def _redeliver(server: EmulatorServer, store: Store, webhook_id: str, body: dict[str, Any]) -> dict[str, Any]:
    # Message ids are unique across environments: find it wherever it was sent from.
    owner = next((s for s in server.environments if s.find_delivery(webhook_id) is not None), store)
    return server.webhooks.redeliver(owner, webhook_id)


def _example(server: EmulatorServer, store: Store, body: dict[str, Any]) -> dict[str, Any] | None:
    return store.send_example(_text(body, "type") or "payment.succeeded")


def _control_routes() -> list[Route]:
    def route(method: str, path: str, handler: Callable[..., Any]) -> Route:
        return method, re.compile("/_emulator" + path.replace("{id}", _ID)), handler

    return [
        route("GET", "/health", lambda server, store, body: {"ok": True}),
        route("GET", "/state", _state),
        route("GET", "/requests", _requests),
        route("POST", "/reset", _reset),
        route("POST", "/fail", _switch_fail),
        route("POST", "/hang", _switch_hang),
        route("POST", "/latency", _switch_latency),
        route("POST", "/down", lambda server, store, body: _switch_down(server, store, body, down=True)),
        route("POST", "/up", lambda server, store, body: _switch_down(server, store, body, down=False)),
        route("POST", "/rate_limit", _set_rate_limit),
        route("POST", "/webhook", _set_webhook_url),
        route("POST", "/webhook_schedule", _set_webhook_schedule),
        route("POST", "/webhooks/example", _example),
        route("POST", "/webhooks/{id}/redeliver", _redeliver),
        route(
            "POST",
            "/checkouts/{id}/pay",
            lambda server, store, i, body: _complete(server, store, i, body, succeeded=True),
        ),
        route(
            "POST",
            "/checkouts/{id}/decline",
            lambda server, store, i, body: _complete(server, store, i, body, succeeded=False),
        ),
        route("POST", "/payments/{id}/refund", _refund),
        route("POST", "/payments/{id}/age", _age),
        route("POST", "/payments/{id}/dispute", _open_dispute),
        route(
            "POST",
            "/disputes/{id}/{id}",
            lambda server, store, i, outcome, body: store.resolve_dispute(i, outcome),
        ),
    ]


API_ROUTES = _api_routes()
CONTROL_ROUTES = _control_routes()


def make_server(host: str, port: int, config: EmulatorConfig) -> EmulatorServer:
    """Bind an emulator (``port=0`` picks a free one); call ``serve_forever()`` on it."""
    return EmulatorServer(host, port, config)


def serve(host: str, port: int, config: EmulatorConfig, *, announce: Callable[[str], None] = print) -> None:
    """Run an emulator until interrupted; ``announce`` receives the ready line.

    The ready line, ``Dodo emulator listening on <base url>``, is what
    :func:`dodo.emulator.testing.run_in_subprocess` waits for.
    """
    server = make_server(host, port, config)
    announce(f"Dodo emulator listening on {server.base_url}")
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
