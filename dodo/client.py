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
  ``DODO_READ_TIMEOUT``, ``DODO_MAX_RETRIES`` and the ``DODO_RATE_LIMIT_*`` settings of
  :mod:`dodo.ratelimit`); a missing key or unknown environment raises
  :class:`~dodo.exceptions.DodoNotConfigured` before any request is sent.
- Every request (retries included) first takes a slot from the rate limiter shared by
  all processes (:func:`dodo.ratelimit.acquire`), and has an explicit
  ``(connect, read)`` timeout.
- Retries (at most ``DODO_MAX_RETRIES``), with exponential backoff and jitter (0.5 s
  doubling, capped at 8 s):

  - ``GET``, ``PATCH`` and ``DELETE`` after connection errors, timeouts, 429 and 5xx;
  - ``POST`` only after a 429, which Dodo answers without processing the request. A
    ``POST`` that timed out, lost its connection or got a 5xx is never retried, the
    unarchive ``POST`` included: Dodo has no idempotency keys, so it may have created
    the object. Callers keep their own id in ``metadata`` and use
    :meth:`DodoClient.find_product_by_metadata` to find an object a lost answer created.

  A ``Retry-After`` (on a 429 or 5xx) replaces the backoff when it is at most 8 s. When
  Dodo asks for longer, the client neither sleeps nor shortens the wait: it raises at
  once with ``retry_after`` set, so the caller schedules its next attempt no earlier.
- Failures are raised as the types in :mod:`dodo.exceptions` (see its table: rejected,
  auth failed, not found, gone, rate limited, unavailable), never as ``requests``
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
import math
import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlsplit

import requests
from django.conf import settings

from . import ratelimit
from .exceptions import (
    DodoAuthFailed,
    DodoGone,
    DodoNotConfigured,
    DodoNotFound,
    DodoRateLimited,
    DodoRejected,
    DodoUnavailable,
)

logger = logging.getLogger(__name__)

#: Base URL per ``DODO_PAYMENTS_ENVIRONMENT``; there is deliberately no default entry.
ENVIRONMENT_BASE_URLS = {
    "test_mode": "https://test.dodopayments.com",
    "live_mode": "https://live.dodopayments.com",
}
#: Where Dodo's hosted checkout pages (a session's ``checkout_url``) live, per environment.
ENVIRONMENT_CHECKOUT_ORIGINS = {
    "test_mode": "https://test.checkout.dodopayments.com",
    "live_mode": "https://checkout.dodopayments.com",
}

# Used when a timeout/retry setting is absent; the project's settings define all three.
DEFAULT_CONNECT_TIMEOUT = 5.0
DEFAULT_READ_TIMEOUT = 30.0
DEFAULT_MAX_RETRIES = 2

BACKOFF_BASE_SECONDS = 0.5
BACKOFF_CAP_SECONDS = 8.0

#: Methods that are safe to repeat after any transient failure: reading, setting
#: fields, archiving. Every method (POST too) is retried after a 429.
RETRYABLE_METHODS = frozenset({"GET", "PATCH", "DELETE"})

#: Dodo's largest page for its list endpoints (products, payments, refunds).
MAX_PAGE_SIZE = 100
# The iter_* helpers stop here even if every page comes back full, so a server that
# ignores page_number cannot keep them looping (100 pages x 100 = 10,000 objects).
MAX_PAGES_SCANNED = 100

#: The error raised for each 4xx status that has its own type (others: DodoRejected).
REJECTION_TYPES: dict[int, type[DodoRejected]] = {
    401: DodoAuthFailed,
    403: DodoAuthFailed,
    404: DodoNotFound,
    410: DodoGone,
}

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


def checkout_origin() -> str:
    """The origin (``scheme://host[:port]``) of the checkout pages buyers are sent to.

    Dodo's own for ``DODO_PAYMENTS_ENVIRONMENT``; when ``DODO_PAYMENTS_BASE_URL`` points
    elsewhere (the emulator, which serves its checkout pages itself), that URL's origin.
    Empty when neither gives an http(s) origin. Read at call time; never raises, since
    the Content-Security-Policy of every page is built from it.
    """
    base_url = (getattr(settings, "DODO_PAYMENTS_BASE_URL", "") or "").rstrip("/")
    environment_of_url = {url: environment for environment, url in ENVIRONMENT_BASE_URLS.items()}
    if not base_url:
        return ENVIRONMENT_CHECKOUT_ORIGINS.get(getattr(settings, "DODO_PAYMENTS_ENVIRONMENT", ""), "")
    if base_url in environment_of_url:
        return ENVIRONMENT_CHECKOUT_ORIGINS[environment_of_url[base_url]]
    if not is_http_url(base_url):
        return ""
    parts = urlsplit(base_url)
    return f"{parts.scheme}://{parts.netloc}"


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

    A server-given ``Retry-After`` wins (the client only retries in-call when it is
    within the cap; a longer one is raised to the caller); otherwise 0.5 s, 1 s, 2 s ...
    up to 8 s, less up to 25 % jitter so that many workers do not retry in lockstep.
    """
    if retry_after is not None:
        return min(max(retry_after, 0.0), BACKOFF_CAP_SECONDS)
    delay = min(BACKOFF_BASE_SECONDS * 2.0**attempt, BACKOFF_CAP_SECONDS)
    return delay * (1 - 0.25 * random.random())  # noqa: S311 - jitter, not cryptography


def parse_retry_after(value: str | None) -> float | None:
    """Parse a ``Retry-After`` header (seconds or an HTTP date) into seconds >= 0.

    ``None`` when absent or unreadable; a date in the past is 0.
    """
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = when.timestamp() - time.time()
    if not math.isfinite(seconds):
        return None
    return max(seconds, 0.0)


def _iso_datetime(name: str, value: datetime | str | None) -> str | None:
    """A ``created_at_*`` filter as ISO 8601; a naive datetime is refused, not guessed."""
    if value is None or isinstance(value, str):
        return value
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, not {value!r}")
    return value.isoformat()


def _without_none(**fields: Any) -> dict[str, Any]:
    """The given fields except those that are ``None`` (Dodo's "not given")."""
    return {name: value for name, value in fields.items() if value is not None}


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
    error_class = REJECTION_TYPES.get(response.status_code, DodoRejected)
    return error_class(
        response.status_code,
        message,
        code=code,
        method=method,
        path=path,
        body=body,
        retry_after=parse_retry_after(response.headers.get("Retry-After")),
    )


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
        accept: str | None = None,
    ) -> Any:
        """Send one API call (with retries when allowed) and decode the answer.

        Returns the decoded JSON body, or ``None`` when Dodo answers 2xx with no body.
        With ``accept`` (a media type such as ``application/pdf``), that type is asked
        for and the body is returned as bytes, undecoded.
        Each attempt first waits for a rate-limit slot (:func:`dodo.ratelimit.acquire`).
        """
        config = load_settings()
        method = method.upper()
        url = config.base_url + path
        headers = {
            "Authorization": f"Bearer {config.api_key}",
            "Accept": accept or "application/json",
        }
        idempotent = method in RETRYABLE_METHODS
        attempts = 1 + config.max_retries
        for attempt in range(attempts):
            retry_after: float | None = None
            cause: BaseException | None = None
            # Whether Dodo surely did not act on this attempt (a 429), or the method is
            # safe to repeat anyway: only then may the request be sent again.
            retryable = idempotent
            ratelimit.acquire(config.api_key, method=method, path=path)
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
                    return response.content if accept else self._decode(method, path, response)
                if status == 429 or status >= 500:
                    retry_after = parse_retry_after(response.headers.get("Retry-After"))
                    error_class = DodoRateLimited if status == 429 else DodoUnavailable
                    wait = f" (Retry-After {retry_after:g} s)" if retry_after is not None else ""
                    error = error_class(
                        f"{method} {path} -> {status} {response.reason}{wait}",
                        status_code=status,
                        method=method,
                        path=path,
                        retry_after=retry_after,
                    )
                    retryable = idempotent or status == 429
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
            if not retryable or attempt + 1 >= attempts:
                raise error from cause
            if retry_after is not None and retry_after > BACKOFF_CAP_SECONDS:
                # Sleeping that long would stall the caller, and retrying sooner than
                # asked is refused again: hand the wait to the caller's scheduler.
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
    def _price(
        price_cents: int,
        currency: str,
        tax_inclusive: bool = False,
        pay_what_you_want: bool = False,
        suggested_price_cents: int | None = None,
    ) -> dict[str, Any]:
        """Dodo's ``one_time_price`` object.

        ``price_cents`` is the price in integer minor units of ``currency`` (cents for
        USD, yen for JPY, fils for KWD): callers convert by the currency's ISO 4217
        exponent. ``tax_inclusive`` False means Dodo adds the buyer's tax on top. With
        ``pay_what_you_want`` the buyer chooses the amount and ``price_cents`` is the
        minimum; ``suggested_price_cents`` (minor units, optional) is Dodo's suggestion.
        """
        # The marketplace sends the effective selling price with discount 0: Dodo's
        # discount is a whole percentage and cannot express every selling price.
        price: dict[str, Any] = {
            "type": "one_time_price",
            "price": price_cents,
            "currency": currency,
            "discount": 0,
            "purchasing_power_parity": False,
            "tax_inclusive": tax_inclusive,
        }
        if pay_what_you_want:
            price["pay_what_you_want"] = True
            price["suggested_price"] = suggested_price_cents
        return price

    def create_product(
        self,
        *,
        name: str,
        description: str,
        price_cents: int,
        currency: str,
        tax_category: str,
        metadata: dict[str, str],
        tax_inclusive: bool = False,
        pay_what_you_want: bool = False,
        suggested_price_cents: int | None = None,
        license_key_enabled: bool = False,
        license_key_activations_limit: int | None = None,
        license_key_duration_days: int | None = None,
    ) -> dict[str, Any]:
        """``POST /products``: create a one-time-price product; returns the ``Product``.

        ``price_cents`` is in integer minor units of ``currency`` (see :meth:`_price`,
        which also explains ``pay_what_you_want`` and ``suggested_price_cents``). With
        ``license_key_enabled`` Dodo issues every buyer a license key (see
        :meth:`_license_fields`); without it no license field is sent.
        Retried only after a 429: after any other :class:`DodoUnavailable` the product
        may exist anyway, so look for it with :meth:`find_product_by_metadata` before
        creating again.
        """
        body = {
            "name": name,
            "description": description,
            "price": self._price(price_cents, currency, tax_inclusive, pay_what_you_want, suggested_price_cents),
            "tax_category": tax_category,
            "metadata": metadata,
        }
        if license_key_enabled:
            body.update(self._license_fields(True, license_key_activations_limit, license_key_duration_days))
        return self.request("POST", "/products", json=body)

    @staticmethod
    def _license_fields(enabled: bool, activations_limit: int | None, duration_days: int | None) -> dict[str, Any]:
        """Dodo's product license-key fields: ``license_key_activations_limit`` (``None``:
        no limit) and ``license_key_duration`` as ``{count, interval: "Day"}`` (``None``:
        the key never expires). A disabled product sends only ``license_key_enabled``."""
        if not enabled:
            return {"license_key_enabled": False}
        return {
            "license_key_enabled": True,
            "license_key_activations_limit": activations_limit,
            "license_key_duration": {"count": duration_days, "interval": "Day"} if duration_days else None,
        }

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
        return _iter_pages(
            lambda page_number: self.list_products(page_size=MAX_PAGE_SIZE, page_number=page_number, archived=archived),
            f"product (archived={archived})",
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
        tax_inclusive: bool = False,
        pay_what_you_want: bool = False,
        suggested_price_cents: int | None = None,
        license_key_enabled: bool | None = None,
        license_key_activations_limit: int | None = None,
        license_key_duration_days: int | None = None,
    ) -> None:
        """``PATCH /products/{id}`` with the given fields only (``None`` = unchanged).

        ``price_cents`` (integer minor units of ``currency``), ``currency``,
        ``tax_inclusive``, ``pay_what_you_want`` and ``suggested_price_cents`` go
        together, as Dodo's price object replaces all of them. So do
        ``license_key_enabled`` and its limit and duration: when it is given, a ``None``
        limit or duration is sent as ``null`` (no limit, never expires).
        """
        if (price_cents is None) != (currency is None):
            raise ValueError("update_product() needs price_cents and currency together")
        if (tax_inclusive or pay_what_you_want) and price_cents is None:
            raise ValueError(
                "update_product() sends tax_inclusive and pay_what_you_want in the price: pass price_cents and currency too"
            )
        body: dict[str, Any] = {}
        if name is not None:
            body["name"] = name
        if description is not None:
            body["description"] = description
        if price_cents is not None and currency is not None:
            body["price"] = self._price(price_cents, currency, tax_inclusive, pay_what_you_want, suggested_price_cents)
        if tax_category is not None:
            body["tax_category"] = tax_category
        if metadata is not None:
            body["metadata"] = metadata
        if license_key_enabled is not None:
            body.update(
                self._license_fields(license_key_enabled, license_key_activations_limit, license_key_duration_days)
            )
        self.request("PATCH", _path("/products/{}", product_id), json=body)

    def archive_product(self, product_id: str) -> None:
        """``DELETE /products/{id}``: archive, so the product can no longer be bought.

        Raises :class:`DodoGone` (410) when the product was already archived or deleted,
        which for most callers means the wanted state is already there.
        """
        self.request("DELETE", _path("/products/{}", product_id))

    def unarchive_product(self, product_id: str) -> None:
        """``POST /products/{id}/unarchive``: make an archived product buyable again.

        Retried only after a 429, like every POST; it is harmless to call again later.
        """
        self.request("POST", _path("/products/{}/unarchive", product_id))

    # -- discounts -------------------------------------------------------------------

    @staticmethod
    def _discount_body(
        *,
        code: str,
        percent_basis_points: int,
        restricted_to: list[str],
        usage_limit: int | None,
        expires_at: datetime | str | None,
        metadata: dict[str, str] | None,
    ) -> dict[str, Any]:
        """A percentage discount as Dodo takes it: ``amount`` in basis points (2000 = 20 %),
        ``restricted_to`` Dodo product ids (empty: every product), ``None`` for "no limit"
        and "never expires" (sent as ``null``, which also clears them on an update)."""
        body: dict[str, Any] = {
            "type": "percentage",
            "code": code,
            "amount": percent_basis_points,
            "restricted_to": list(restricted_to),
            "usage_limit": usage_limit,
            "expires_at": _iso_datetime("expires_at", expires_at),
        }
        if metadata is not None:
            body["metadata"] = metadata
        return body

    def create_discount(
        self,
        *,
        code: str,
        percent_basis_points: int,
        restricted_to: list[str],
        usage_limit: int | None = None,
        expires_at: datetime | str | None = None,
        metadata: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """``POST /discounts``: create a percentage code; returns the ``Discount``.

        Dodo upper-cases the code and refuses one that exists (409, a
        :class:`DodoRejected`). Retried only after a 429: after any other
        :class:`DodoUnavailable` the discount may exist, so look for it with
        :meth:`get_discount_by_code` before creating again.
        """
        body = self._discount_body(
            code=code,
            percent_basis_points=percent_basis_points,
            restricted_to=restricted_to,
            usage_limit=usage_limit,
            expires_at=expires_at,
            metadata=metadata,
        )
        return self.request("POST", "/discounts", json=body)

    def update_discount(
        self,
        discount_id: str,
        *,
        code: str,
        percent_basis_points: int,
        restricted_to: list[str],
        usage_limit: int | None = None,
        expires_at: datetime | str | None = None,
        metadata: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """``PATCH /discounts/{id}`` with every field (``None`` clears a limit or expiry)."""
        body = self._discount_body(
            code=code,
            percent_basis_points=percent_basis_points,
            restricted_to=restricted_to,
            usage_limit=usage_limit,
            expires_at=expires_at,
            metadata=metadata,
        )
        return self.request("PATCH", _path("/discounts/{}", discount_id), json=body)

    def delete_discount(self, discount_id: str) -> None:
        """``DELETE /discounts/{id}``: the code stops working (paid payments keep their copy).

        Raises :class:`DodoNotFound` when Dodo no longer has it, which for a delete is
        the wanted state.
        """
        self.request("DELETE", _path("/discounts/{}", discount_id))

    def get_discount_by_code(self, code: str) -> dict[str, Any] | None:
        """``GET /discounts/code/{code}``: the discount with this code, or ``None`` (404)."""
        try:
            return self.request("GET", _path("/discounts/code/{}", code))
        except DodoNotFound:
            return None

    # -- checkout sessions and payments ----------------------------------------------

    def create_checkout_session(
        self,
        *,
        product_cart: list[dict[str, Any]],
        customer: dict[str, Any] | None,
        return_url: str | None,
        metadata: dict[str, str] | None,
        cancel_url: str | None = None,
        feature_flags: dict[str, bool] | None = None,
        discount_code: str | None = None,
        billing_currency: str | None = None,
    ) -> dict[str, Any]:
        """``POST /checkouts``: returns ``{"session_id", "checkout_url"}``.

        ``product_cart`` is ``[{"product_id", "quantity"}]``; ``customer`` is
        ``{"customer_id"}`` or ``{"email", "name"}``; ``cancel_url`` is where the
        buyer lands on leaving checkout; ``feature_flags`` is Dodo's
        ``CheckoutSessionFlags`` (e.g. ``{"allow_discount_code": False,
        "allow_currency_selection": False}``: both default to true on Dodo);
        ``discount_code`` is applied up front (newer API versions deprecate it for a
        ``discount_codes`` list; one code is all the marketplace uses);
        ``billing_currency`` is an ISO 4217 code to charge in. ``None`` values are left
        out of the body.
        Retried only after a 429.
        """
        body: dict[str, Any] = {"product_cart": product_cart}
        body.update(
            _without_none(
                customer=customer,
                return_url=return_url,
                cancel_url=cancel_url,
                metadata=metadata,
                feature_flags=feature_flags,
                discount_code=discount_code,
                billing_currency=billing_currency,
            )
        )
        return self.request("POST", "/checkouts", json=body)

    def get_checkout_session(self, session_id: str) -> dict[str, Any]:
        """``GET /checkouts/{id}``: ``{id, created_at, payment_id, payment_status, ...}``."""
        return self.request("GET", _path("/checkouts/{}", session_id))

    def get_payment(self, payment_id: str) -> dict[str, Any]:
        """``GET /payments/{payment_id}``: the ``Payment``."""
        return self.request("GET", _path("/payments/{}", payment_id))

    def list_payments(
        self,
        *,
        created_at_gte: datetime | str | None = None,
        created_at_lte: datetime | str | None = None,
        status: str | None = None,
        page_size: int = MAX_PAGE_SIZE,
        page_number: int = 0,
    ) -> list[dict[str, Any]]:
        """``GET /payments``: one page (``items``) of payments, newest first.

        ``created_at_gte``/``created_at_lte`` bound the creation time (aware datetimes
        or ISO 8601 strings); ``status`` is a payment status such as ``succeeded``.
        Items have Dodo's list shape (``PaymentListResponse``), not a full ``Payment``.
        """
        return self._list("/payments", created_at_gte, created_at_lte, status, page_size, page_number)

    def iter_payments(self, *, created_at_gte: datetime | str | None = None) -> Iterable[dict[str, Any]]:
        """Yield every payment (created at or after ``created_at_gte``), page by page."""
        return _iter_pages(
            lambda page_number: self.list_payments(
                created_at_gte=created_at_gte, page_size=MAX_PAGE_SIZE, page_number=page_number
            ),
            "payment",
        )

    def get_payment_invoice(self, payment_id: str) -> bytes:
        """``GET /invoices/payments/{payment_id}``: Dodo's invoice for a payment, as PDF bytes.

        Dodo is the merchant of record, so this is the buyer's legal invoice (with the
        tax it charged). :class:`DodoNotFound` when Dodo has no such payment.
        """
        return self.request("GET", _path("/invoices/payments/{}", payment_id), accept="application/pdf")

    # -- license keys ----------------------------------------------------------------

    def get_license_key(self, license_key_id: str) -> dict[str, Any]:
        """``GET /license_keys/{id}``: the ``LicenseKey`` (``key``, ``status``, limits)."""
        return self.request("GET", _path("/license_keys/{}", license_key_id))

    def disable_license_key(self, license_key_id: str) -> dict[str, Any]:
        """``PATCH /license_keys/{id}`` ``{"disabled": true}``: the key stops activating and
        validating; returns the updated ``LicenseKey`` (``status`` ``disabled``).

        Idempotent, so it is retried like every PATCH.
        """
        return self.request("PATCH", _path("/license_keys/{}", license_key_id), json={"disabled": True})

    # -- refunds and disputes --------------------------------------------------------

    def create_refund(
        self,
        *,
        payment_id: str,
        items: list[dict[str, Any]] | None = None,
        reason: str | None = None,
        metadata: dict[str, str] | None = None,
        currency: str | None = None,
    ) -> dict[str, Any]:
        """``POST /refunds``: refund a payment, in full or by item; returns the ``Refund``.

        ``items`` is ``[{"item_id": product_id, "amount": minor units, "tax_inclusive":
        bool}]`` for a partial refund (Dodo's refund amounts include tax unless
        ``tax_inclusive`` is false); ``None`` refunds the whole payment. ``currency``
        says which currency the amounts are in and must be the one the buyer paid in:
        without it Dodo reads them in the *settlement* currency, which differs when the
        buyer paid in another currency (Adaptive Currency). ``None`` values are left out.
        Retried only after a 429: after any other :class:`DodoUnavailable` the refund
        may exist, so look at :meth:`list_refunds` (or the payment's ``refunds``) before
        refunding again.
        """
        if not isinstance(payment_id, str) or not payment_id:
            raise ValueError(f"a Dodo id must be a non-empty string, not {payment_id!r}")
        fields = _without_none(items=items, reason=reason, metadata=metadata, currency=currency)
        body = {"payment_id": payment_id, **fields}
        return self.request("POST", "/refunds", json=body)

    def get_refund(self, refund_id: str) -> dict[str, Any]:
        """``GET /refunds/{refund_id}``: the ``Refund``."""
        return self.request("GET", _path("/refunds/{}", refund_id))

    def list_refunds(
        self,
        *,
        created_at_gte: datetime | str | None = None,
        created_at_lte: datetime | str | None = None,
        status: str | None = None,
        page_size: int = MAX_PAGE_SIZE,
        page_number: int = 0,
    ) -> list[dict[str, Any]]:
        """``GET /refunds``: one page (``items``) of ``Refund`` objects.

        Filters as :meth:`list_payments`; ``status`` is ``succeeded``, ``failed``,
        ``pending`` or ``review``.
        """
        return self._list("/refunds", created_at_gte, created_at_lte, status, page_size, page_number)

    def iter_refunds(self, *, created_at_gte: datetime | str | None = None) -> Iterable[dict[str, Any]]:
        """Yield every refund (created at or after ``created_at_gte``), page by page."""
        return _iter_pages(
            lambda page_number: self.list_refunds(
                created_at_gte=created_at_gte, page_size=MAX_PAGE_SIZE, page_number=page_number
            ),
            "refund",
        )

    def get_dispute(self, dispute_id: str) -> dict[str, Any]:
        """``GET /disputes/{dispute_id}``: the dispute, with its ``dispute_status``."""
        return self.request("GET", _path("/disputes/{}", dispute_id))

    def _list(
        self,
        path: str,
        created_at_gte: datetime | str | None,
        created_at_lte: datetime | str | None,
        status: str | None,
        page_size: int,
        page_number: int,
    ) -> list[dict[str, Any]]:
        """One page of a date- and status-filtered list endpoint (``items``)."""
        params = _without_none(
            created_at_gte=_iso_datetime("created_at_gte", created_at_gte),
            created_at_lte=_iso_datetime("created_at_lte", created_at_lte),
            status=status,
            page_size=page_size,
            page_number=page_number,
        )
        answer = self.request("GET", path, params=params)
        return list(answer.get("items", [])) if isinstance(answer, dict) else []


def _iter_pages(fetch: Callable[[int], list[dict[str, Any]]], what: str) -> Iterator[dict[str, Any]]:
    """Yield the items of ``fetch(0)``, ``fetch(1)``, ... until a page is not full.

    Stops after :data:`MAX_PAGES_SCANNED` full pages, with a warning, so a server that
    ignores ``page_number`` cannot keep the caller looping.
    """
    for page_number in range(MAX_PAGES_SCANNED):
        items = fetch(page_number)
        yield from items
        if len(items) < MAX_PAGE_SIZE:
            return
    logger.warning("Dodo %s listing stopped after %d full pages", what, MAX_PAGES_SCANNED)


_local = threading.local()


def get_client() -> DodoClient:
    """The calling thread's :class:`DodoClient` (one ``requests.Session`` per thread).

    Settings are still read on every call, so changing them needs no new client.
    """
    client = getattr(_local, "client", None)
    if client is None:
        client = _local.client = DodoClient()
    return client
