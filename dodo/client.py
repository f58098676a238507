"""HTTP client for Dodo Payments: the only module in the project that talks to Dodo.

Usage::

    from dodo.client import get_client

    product = get_client().create_product(
        name="Icons", description="", price_cents=1999, currency="USD",
        tax_category="digital_products", metadata={"marketplace_product_id": "42"},
    )

What it guarantees:

- Settings are read on every call, never at import time (``DODO_PAYMENTS_API_KEY``,
  ``DODO_PAYMENTS_ENVIRONMENT``, ``DODO_PAYMENTS_BASE_URL``, ``DODO_CONNECT_TIMEOUT``,
  ``DODO_READ_TIMEOUT``, ``DODO_MAX_RETRIES``); a missing key or unknown environment
  raises :class:`~dodo.exceptions.DodoNotConfigured` before any request is sent.
- Every request has an explicit ``(connect, read)`` timeout.
- ``GET``, ``PATCH`` and ``DELETE`` are retried on connection errors, timeouts, 429 and
  5xx with exponential backoff and jitter (0.5 s doubling, capped at 8 s; a 429's
  ``Retry-After`` is honoured up to the same cap). ``POST`` is never retried, the
  unarchive ``POST`` included: Dodo has no idempotency keys, so a retried create after a
  timeout can make a second object. Callers keep their own id in ``metadata`` and use
  :meth:`DodoClient.find_product_by_metadata` to find an object a lost answer created.
- Failures are raised as the types in :mod:`dodo.exceptions`, never as ``requests``
  exceptions.
- It returns Dodo's JSON as plain dicts and knows nothing of our models: deciding
  *what* to send lives in the ``dodo`` services.

Logging: each request at DEBUG, each retry at WARNING. The final error is raised, not
logged, because the caller can name the object it concerns ("Order #12: ..."). Neither
the API key nor request bodies (customer emails) are ever logged.
"""

from __future__ import annotations

import email.utils
import logging
import random
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

import requests
from django.conf import settings

from .exceptions import (
    DodoNotConfigured,
    DodoNotFound,
    DodoRejected,
    DodoUnavailable,
)

logger = logging.getLogger(__name__)

#: Base URL per ``DODO_PAYMENTS_ENVIRONMENT``; there is deliberately no default entry.
ENVIRONMENT_BASE_URLS = {
    "test_mode": "https://test.dodopayments.com",
    "live_mode": "https://live.dodopayments.com",
}

# Used when a timeout/retry setting is absent; the project's settings define all three.
DEFAULT_CONNECT_TIMEOUT = 5.0
DEFAULT_READ_TIMEOUT = 30.0
DEFAULT_MAX_RETRIES = 2

BACKOFF_BASE_SECONDS = 0.5
BACKOFF_CAP_SECONDS = 8.0

#: Methods that are safe to repeat: reading, setting fields, archiving.
RETRYABLE_METHODS = frozenset({"GET", "PATCH", "DELETE"})

#: Dodo's largest page for ``GET /products``.
MAX_PAGE_SIZE = 100
# find_product_by_metadata stops here even if every page comes back full, so a server
# that ignores page_number cannot keep it looping (100 pages x 100 = 10,000 products).
MAX_PAGES_SCANNED = 100

CUSTOMER_UPDATE_FIELDS = frozenset({"name", "email", "phone_number", "metadata"})

#: The sleep used between retries when a client is built without one. Tests replace it
#: (``monkeypatch.setattr(dodo.client, "sleep", fake)``) so that no test waits.
sleep: Callable[[float], None] = time.sleep


@dataclass(frozen=True)
class ClientSettings:
    """The validated Dodo settings for one call."""

    api_key: str
    environment: str
    base_url: str
    connect_timeout: float
    read_timeout: float
    max_retries: int


def load_settings() -> ClientSettings:
    """Read and validate the Dodo settings now.

    Raises :class:`DodoNotConfigured` with a message naming the setting to fix.
    """
    api_key = getattr(settings, "DODO_PAYMENTS_API_KEY", "") or ""
    if not api_key:
        raise DodoNotConfigured("DODO_PAYMENTS_API_KEY is empty: Dodo calls are disabled")
    environment = getattr(settings, "DODO_PAYMENTS_ENVIRONMENT", "") or ""
    if environment not in ENVIRONMENT_BASE_URLS:
        # No fallback: guessing "live_mode" could charge real cards by accident.
        raise DodoNotConfigured(
            f"DODO_PAYMENTS_ENVIRONMENT must be one of {sorted(ENVIRONMENT_BASE_URLS)}, not {environment!r}"
        )
    base_url = getattr(settings, "DODO_PAYMENTS_BASE_URL", "") or ENVIRONMENT_BASE_URLS[environment]
    base_url = base_url.rstrip("/")
    if not is_http_url(base_url):
        raise DodoNotConfigured(f"DODO_PAYMENTS_BASE_URL must be an http(s) URL, not {base_url!r}")
    return ClientSettings(
        api_key=api_key,
        environment=environment,
        base_url=base_url,
        connect_timeout=seconds_setting("DODO_CONNECT_TIMEOUT", DEFAULT_CONNECT_TIMEOUT),
        read_timeout=seconds_setting("DODO_READ_TIMEOUT", DEFAULT_READ_TIMEOUT),
        max_retries=retries_setting(),
    )


def is_http_url(url: str) -> bool:
    """Whether ``url`` is an absolute http or https URL with a host."""
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def seconds_setting(name: str, default: float) -> float:
    """A timeout setting as positive seconds; DodoNotConfigured if it is not one."""
    value = getattr(settings, name, default)
    # bool is an int subclass; True seconds is a typo, not a timeout.
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise DodoNotConfigured(f"{name} must be a positive number of seconds, not {value!r}")
    return float(value)


def retries_setting() -> int:
    """``DODO_MAX_RETRIES`` as an int >= 0; DodoNotConfigured if it is not one."""
    value = getattr(settings, "DODO_MAX_RETRIES", DEFAULT_MAX_RETRIES)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise DodoNotConfigured(f"DODO_MAX_RETRIES must be an integer >= 0, not {value!r}")
    return value


def backoff_delay(attempt: int, retry_after: float | None = None) -> float:
    """Seconds to wait before retry number ``attempt + 1`` (``attempt`` counts from 0).

    A server-given ``Retry-After`` wins but is capped, so a web request never stalls
    for long; otherwise 0.5 s, 1 s, 2 s ... up to 8 s, less up to 25 % jitter so that
    many workers do not retry in lockstep.
    """
    if retry_after is not None:
        return min(max(retry_after, 0.0), BACKOFF_CAP_SECONDS)
    delay = min(BACKOFF_BASE_SECONDS * 2.0**attempt, BACKOFF_CAP_SECONDS)
    return delay * (1 - 0.25 * random.random())  # noqa: S311 - jitter, not cryptography


def parse_retry_after(value: str | None) -> float | None:
    """Parse a ``Retry-After`` header (seconds or an HTTP date) into seconds."""
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return when.timestamp() - time.time()


def _path(template: str, *ids: str) -> str:
    """Fill ids into a path, percent-encoding them so an id cannot change the route."""
    for value in ids:
        if not isinstance(value, str) or not value:
            raise ValueError(f"a Dodo id must be a non-empty string, not {value!r}")
    return template.format(*(quote(value, safe="") for value in ids))


def _rejection(method: str, path: str, response: requests.Response) -> DodoRejected:
    """Build the typed error for a 4xx answer from Dodo's ``{code, message}`` body."""
    try:
        body: Any = response.json()
    except ValueError:
        body = response.text[:500]
    if isinstance(body, dict):
        code = str(body.get("code") or "")
        message = str(body.get("message") or "")
    else:
        code, message = "", str(body or "")
    message = message or response.reason or "rejected"
    error_class = DodoNotFound if response.status_code == 404 else DodoRejected
    return error_class(response.status_code, message, code=code, method=method, path=path, body=body)


class DodoClient:
    """A Dodo Payments API client over one ``requests.Session``.

    Methods return Dodo's JSON objects as dicts (``None`` for Dodo's empty answers) and
    raise :class:`~dodo.exceptions.DodoError` subclasses. A session is not meant to be
    shared between threads: use :func:`get_client`, which keeps one per thread.
    """

    def __init__(
        self,
        *,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        """Build a client; ``sleep`` defaults to the module's patchable :data:`sleep`."""
        self.session = session or requests.Session()
        self._sleep = sleep

    # -- transport -------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        json: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
    ) -> Any:
        """Send one API call (with retries when the method allows) and decode the answer.

        Returns the decoded JSON body, or ``None`` when Dodo answers 2xx with no body.
        """
        config = load_settings()
        method = method.upper()
        url = config.base_url + path
        headers = {
            "Authorization": f"Bearer {config.api_key}",
            "Accept": "application/json",
        }
        attempts = 1 + (config.max_retries if method in RETRYABLE_METHODS else 0)
        for attempt in range(attempts):
            retry_after: float | None = None
            cause: BaseException | None = None
            started = time.monotonic()
            try:
                response = self.session.request(
                    method,
                    url,
                    json=json,
                    params=params,
                    headers=headers,
                    timeout=(config.connect_timeout, config.read_timeout),
                    # A redirect means a wrong base URL; following it could turn a POST
                    # into a GET or send the key to another host.
                    allow_redirects=False,
                )
            except requests.Timeout as exc:
                error = DodoUnavailable(
                    f"{method} {path}: no answer within the timeout ({type(exc).__name__})",
                    method=method,
                    path=path,
                )
                cause = exc
            except (
                requests.exceptions.InvalidURL,
                requests.exceptions.MissingSchema,
                requests.exceptions.InvalidSchema,
            ) as exc:
                raise DodoNotConfigured(f"{method} {path}: bad Dodo URL: {exc}") from exc
            except requests.RequestException as exc:
                # Connection refused/reset, TLS failure, a body cut off mid-way.
                error = DodoUnavailable(
                    f"{method} {path}: connection failed ({type(exc).__name__}: {exc})",
                    method=method,
                    path=path,
                )
                cause = exc
            else:
                status = response.status_code
                logger.debug(
                    "Dodo %s %s -> %s in %.0f ms",
                    method,
                    path,
                    status,
                    (time.monotonic() - started) * 1000,
                )
                if 200 <= status < 300:
                    return self._decode(method, path, response)
                if status == 429 or status >= 500:
                    error = DodoUnavailable(
                        f"{method} {path} -> {status} {response.reason}",
                        status_code=status,
                        method=method,
                        path=path,
                    )
                    retry_after = parse_retry_after(response.headers.get("Retry-After"))
                elif 400 <= status < 500:
                    raise _rejection(method, path, response)
                else:
                    raise DodoUnavailable(
                        f"{method} {path} -> unexpected {status} "
                        f"(Location: {response.headers.get('Location', '')!r}); "
                        "check DODO_PAYMENTS_BASE_URL",
                        status_code=status,
                        method=method,
                        path=path,
                    )
            if attempt + 1 >= attempts:
                raise error from cause
            delay = backoff_delay(attempt, retry_after)
            logger.warning(
                "Dodo %s %s failed (%s); retry %d of %d in %.2f s",
                method,
                path,
                error,
                attempt + 1,
                attempts - 1,
                delay,
            )
            (self._sleep or sleep)(delay)
        raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover

    @staticmethod
    def _decode(method: str, path: str, response: requests.Response) -> Any:
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError as exc:
            # A proxy's HTML page, a truncated body: transient as far as we can tell.
            raise DodoUnavailable(
                f"{method} {path} -> {response.status_code} with a body that is not JSON",
                status_code=response.status_code,
                method=method,
                path=path,
            ) from exc

    # -- customers -------------------------------------------------------------------

    def create_customer(self, email: str, name: str, metadata: dict[str, str] | None = None) -> dict[str, Any]:
        """``POST /customers``: create a customer; returns the ``Customer``. Not retried."""
        body: dict[str, Any] = {"email": email, "name": name}
        if metadata is not None:
            body["metadata"] = metadata
        return self.request("POST", "/customers", json=body)

    def get_customer(self, customer_id: str) -> dict[str, Any]:
        """``GET /customers/{customer_id}``: the ``Customer``; DodoNotFound if unknown."""
        return self.request("GET", _path("/customers/{}", customer_id))

    def find_customer_by_email(self, email: str) -> dict[str, Any] | None:
        """``GET /customers?email=``: the oldest customer with this exact email, or ``None``.

        Used before (re)creating a customer so that a create whose answer was lost does
        not leave a second customer for one user.
        """
        answer = self.request("GET", "/customers", params={"email": email, "page_size": 1, "page_number": 0})
        items = answer.get("items", []) if isinstance(answer, dict) else []
        return items[0] if items else None

    def update_customer(self, customer_id: str, **fields: Any) -> dict[str, Any]:
        """``PATCH /customers/{customer_id}`` with any of ``name``, ``email``,
        ``phone_number``, ``metadata``; returns the updated ``Customer``."""
        unknown = set(fields) - CUSTOMER_UPDATE_FIELDS
        if unknown:
            raise TypeError(f"update_customer() got unknown fields: {sorted(unknown)}")
        return self.request("PATCH", _path("/customers/{}", customer_id), json=fields)

    # -- products --------------------------------------------------------------------

    @staticmethod
    def _price(price_cents: int, currency: str) -> dict[str, Any]:
        # The marketplace sends the effective selling price with discount 0: Dodo's
        # discount is a whole percentage and cannot express every selling price.
        return {
            "type": "one_time_price",
            "price": price_cents,
            "currency": currency,
            "discount": 0,
            "purchasing_power_parity": False,
        }

    def create_product(
        self,
        *,
        name: str,
        description: str,
        price_cents: int,
        currency: str,
        tax_category: str,
        metadata: dict[str, str],
    ) -> dict[str, Any]:
        """``POST /products``: create a one-time-price product; returns the ``Product``.

        Not retried: after :class:`DodoUnavailable` the product may exist anyway, so
        look for it with :meth:`find_product_by_metadata` before creating again.
        """
        body = {
            "name": name,
            "description": description,
            "price": self._price(price_cents, currency),
            "tax_category": tax_category,
            "metadata": metadata,
        }
        return self.request("POST", "/products", json=body)

    def get_product(self, product_id: str) -> dict[str, Any]:
        """``GET /products/{id}``: the ``Product`` (archived ones too)."""
        return self.request("GET", _path("/products/{}", product_id))

    def list_products(
        self, page_size: int = MAX_PAGE_SIZE, page_number: int = 0, archived: bool = False
    ) -> list[dict[str, Any]]:
        """``GET /products``: one page (``items``) of archived or non-archived products.

        Items have Dodo's list shape (``price`` is an int, details in ``price_detail``).
        """
        params = {
            "page_size": page_size,
            "page_number": page_number,
            # requests would send Python's "False"; Dodo expects "false".
            "archived": "true" if archived else "false",
        }
        answer = self.request("GET", "/products", params=params)
        return list(answer.get("items", [])) if isinstance(answer, dict) else []

    def iter_products(self, *, archived: bool) -> Iterable[dict[str, Any]]:
        """Yield every product of one archive state, page by page."""
        for page_number in range(MAX_PAGES_SCANNED):
            items = self.list_products(page_size=MAX_PAGE_SIZE, page_number=page_number, archived=archived)
            yield from items
            if len(items) < MAX_PAGE_SIZE:
                return
        logger.warning(
            "Dodo product listing stopped after %d full pages (archived=%s)",
            MAX_PAGES_SCANNED,
            archived,
        )

    def find_product_by_metadata(self, key: str, value: str) -> dict[str, Any] | None:
        """The first product, live or archived, whose ``metadata[key] == value``.

        Used before (re)creating a product so that a create whose answer was lost does
        not leave a duplicate. Returns the list item (not a full ``Product``) or ``None``.
        """
        for archived in (False, True):
            for item in self.iter_products(archived=archived):
                if (item.get("metadata") or {}).get(key) == value:
                    return item
        return None

    def update_product(
        self,
        product_id: str,
        *,
        name: str | None = None,
        description: str | None = None,
        price_cents: int | None = None,
        currency: str | None = None,
        tax_category: str | None = None,
        metadata: dict[str, str] | None = None,
    ) -> None:
        """``PATCH /products/{id}`` with the given fields only (``None`` = unchanged).

        ``price_cents`` and ``currency`` go together, as Dodo's price object needs both.
        """
        if (price_cents is None) != (currency is None):
            raise ValueError("update_product() needs price_cents and currency together")
        body: dict[str, Any] = {}
        if name is not None:
            body["name"] = name
        if description is not None:
            body["description"] = description
        if price_cents is not None and currency is not None:
            body["price"] = self._price(price_cents, currency)
        if tax_category is not None:
            body["tax_category"] = tax_category
        if metadata is not None:
            body["metadata"] = metadata
        self.request("PATCH", _path("/products/{}", product_id), json=body)

    def archive_product(self, product_id: str) -> None:
        """``DELETE /products/{id}``: archive, so the product can no longer be bought."""
        self.request("DELETE", _path("/products/{}", product_id))

    def unarchive_product(self, product_id: str) -> None:
        """``POST /products/{id}/unarchive``: make an archived product buyable again.

        Not retried, like every POST; it is harmless to call again later.
        """
        self.request("POST", _path("/products/{}/unarchive", product_id))

    # -- checkout sessions and payments ----------------------------------------------

    def create_checkout_session(
        self,
        *,
        product_cart: list[dict[str, Any]],
        customer: dict[str, Any] | None,
        return_url: str | None,
        metadata: dict[str, str] | None,
    ) -> dict[str, Any]:
        """``POST /checkouts``: returns ``{"session_id", "checkout_url"}``. Not retried.

        ``product_cart`` is ``[{"product_id", "quantity"}]``; ``customer`` is
        ``{"customer_id"}`` or ``{"email", "name"}``; ``None`` values are left out.
        """
        body: dict[str, Any] = {"product_cart": product_cart}
        if customer is not None:
            body["customer"] = customer
        if return_url is not None:
            body["return_url"] = return_url
        if metadata is not None:
            body["metadata"] = metadata
        return self.request("POST", "/checkouts", json=body)

    def get_checkout_session(self, session_id: str) -> dict[str, Any]:
        """``GET /checkouts/{id}``: ``{id, created_at, payment_id, payment_status, ...}``."""
        return self.request("GET", _path("/checkouts/{}", session_id))

    def get_payment(self, payment_id: str) -> dict[str, Any]:
        """``GET /payments/{payment_id}``: the ``Payment``."""
        return self.request("GET", _path("/payments/{}", payment_id))


_local = threading.local()


def get_client() -> DodoClient:
    """The calling thread's :class:`DodoClient` (one ``requests.Session`` per thread).

    Settings are still read on every call, so changing them needs no new client.
    """
    client = getattr(_local, "client", None)
    if client is None:
        client = _local.client = DodoClient()
    return client
