"""Request validation for the emulator: Dodo's 400/422 answers for bad bodies.

The rules follow ``DODO_API.md`` and Dodo's OpenAPI spec (``dodo-openapi.yml``,
version 1.53.2) and the ``dodopayments`` SDK's ``*Params`` types: required fields,
types, enums, ranges and the update length limits; list queries (page size at most 100,
ISO 8601 date filters, status enums) the same way. Like Dodo (and the JSON extractor it is built on), a body that is not JSON is a 400 and
a JSON body with a missing or wrong field is a 422; unknown fields are ignored.

Each ``validate_*`` function returns the cleaned fields or raises :class:`ApiError`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from .money import CURRENCIES

TAX_CATEGORIES = frozenset({"digital_products", "saas", "e_book", "edtech", "live_tutoring"})

MAX_PRICE = 2_147_483_647  # the price is an int32 on Dodo's side
MAX_NAME_LENGTH = 100  # enforced on update, as Dodo documents it
MAX_DESCRIPTION_LENGTH = 1000  # enforced on update, as Dodo documents it
MAX_PAGE_SIZE = 100
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class ApiError(Exception):
    """An error answer: HTTP status plus Dodo's ``{"code", "message"}`` body."""

    def __init__(self, status: int, code: str, message: str) -> None:
        """Keep the pieces of the error body."""
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def body(self) -> dict[str, str]:
        """The JSON body Dodo sends with an error."""
        return {"code": self.code, "message": self.message}


def invalid(message: str) -> ApiError:
    """A 422 for a body that parsed but does not fit the schema."""
    return ApiError(422, "INVALID_REQUEST_BODY", message)


def not_found(kind: str, object_id: str) -> ApiError:
    """A 404 for an unknown id."""
    return ApiError(404, "NOT_FOUND", f"{kind} {object_id} not found")


def _is_int(value: Any) -> bool:
    # JSON true/false arrive as bool, which is an int subclass in Python.
    return isinstance(value, int) and not isinstance(value, bool)


def require_object(body: Any) -> dict[str, Any]:
    """The body must be a JSON object."""
    if not isinstance(body, dict):
        raise invalid("request body must be a JSON object")
    return body


def _string(
    body: dict[str, Any],
    key: str,
    *,
    required: bool = False,
    nullable: bool = True,
    max_length: int | None = None,
    where: str = "",
) -> str | None:
    name = f"{where}{key}"
    if key not in body or (body[key] is None and not required and nullable):
        if required:
            raise invalid(f"missing field `{name}`")
        return None
    value = body[key]
    if not isinstance(value, str):
        raise invalid(f"`{name}` must be a string")
    if max_length is not None and len(value) > max_length:
        raise invalid(f"`{name}` must be at most {max_length} characters")
    return value


def _metadata(body: dict[str, Any], key: str = "metadata") -> dict[str, str] | None:
    if body.get(key) is None:
        return None
    value = body[key]
    # Dodo's Metadata schema is a map of string to string.
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise invalid(f"`{key}` must be an object of string values")
    return dict(value)


def _url(body: dict[str, Any], key: str) -> str | None:
    value = _string(body, key)
    if value is not None:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise invalid(f"`{key}` must be an absolute http(s) URL")
    return value


def validate_price(value: Any) -> dict[str, Any]:
    """A ``one_time_price`` object (the only price type the emulator sells)."""
    if not isinstance(value, dict):
        raise invalid("`price` must be an object")
    if value.get("type") != "one_time_price":
        raise invalid("`price.type` must be `one_time_price` (the emulator sells no subscriptions)")
    for key in ("price", "currency", "discount", "purchasing_power_parity"):
        if key not in value:
            raise invalid(f"missing field `price.{key}`")
    if not _is_int(value["price"]):
        raise invalid("`price.price` must be an integer amount in minor units")
    if not 0 <= value["price"] <= MAX_PRICE:
        raise invalid(f"`price.price` must be between 0 and {MAX_PRICE}")
    if value["currency"] not in CURRENCIES:
        raise invalid(f"`price.currency` {value['currency']!r} is not a supported currency")
    if not _is_int(value["discount"]) or not 0 <= value["discount"] <= 100:
        raise invalid("`price.discount` must be an integer percentage between 0 and 100")
    if not isinstance(value["purchasing_power_parity"], bool):
        raise invalid("`price.purchasing_power_parity` must be a boolean")
    for key in ("tax_inclusive", "pay_what_you_want"):
        if value.get(key) is not None and not isinstance(value[key], bool):
            raise invalid(f"`price.{key}` must be a boolean")
    suggested = value.get("suggested_price")
    if suggested is not None and (not _is_int(suggested) or not 0 <= suggested <= MAX_PRICE):
        raise invalid(f"`price.suggested_price` must be an integer between 0 and {MAX_PRICE}")
    price = {
        "type": "one_time_price",
        "price": value["price"],
        "currency": value["currency"],
        "discount": value["discount"],
        "purchasing_power_parity": value["purchasing_power_parity"],
    }
    if value.get("tax_inclusive") is not None:
        price["tax_inclusive"] = value["tax_inclusive"]
    if value.get("pay_what_you_want"):
        # ``price`` is then the minimum; Dodo ignores the suggestion otherwise.
        price["pay_what_you_want"] = True
        price["suggested_price"] = suggested
    return price


def _tax_category(body: dict[str, Any], *, required: bool) -> str | None:
    if body.get("tax_category") is None:
        if required:
            raise invalid("missing field `tax_category`")
        return None
    if body["tax_category"] not in TAX_CATEGORIES:
        raise invalid(f"`tax_category` must be one of {', '.join(sorted(TAX_CATEGORIES))}")
    return body["tax_category"]


LICENSE_KEY_INTERVALS = ("Day", "Week", "Month", "Year")
MAX_INT32 = 2_147_483_647


def _license_fields(body: dict[str, Any]) -> dict[str, Any]:
    """The product's license-key settings that ``body`` gives (``ProductCreateParams``):
    ``license_key_enabled``, ``license_key_activations_limit`` (0 or more, ``null``: no
    limit), ``license_key_duration`` (``{count >= 1, interval}``, ``null``: never
    expires) and ``license_key_activation_message``."""
    fields: dict[str, Any] = {}
    if "license_key_enabled" in body:
        enabled = body["license_key_enabled"]
        if enabled is not None and not isinstance(enabled, bool):
            raise invalid("`license_key_enabled` must be a boolean")
        fields["license_key_enabled"] = bool(enabled)
    if "license_key_activations_limit" in body:
        limit = body["license_key_activations_limit"]
        if limit is not None and (not _is_int(limit) or not 0 <= limit <= MAX_INT32):
            raise invalid("`license_key_activations_limit` must be a whole number, 0 or more")
        fields["license_key_activations_limit"] = limit
    if "license_key_duration" in body:
        duration = body["license_key_duration"]
        if duration is not None:
            if not isinstance(duration, dict):
                raise invalid("`license_key_duration` must be an object")
            count, interval = duration.get("count"), duration.get("interval")
            if not _is_int(count) or not 1 <= count <= MAX_INT32:
                raise invalid("`license_key_duration.count` must be a whole number, 1 or more")
            if interval not in LICENSE_KEY_INTERVALS:
                raise invalid(f"`license_key_duration.interval` must be one of {', '.join(LICENSE_KEY_INTERVALS)}")
            duration = {"count": count, "interval": interval}
        fields["license_key_duration"] = duration
    if "license_key_activation_message" in body:
        fields["license_key_activation_message"] = _string(body, "license_key_activation_message")
    return fields


def validate_product_create(body: Any) -> dict[str, Any]:
    """``POST /products``: name, price and tax_category required."""
    body = require_object(body)
    if "price" not in body or body["price"] is None:
        raise invalid("missing field `price`")
    return {
        "name": _string(body, "name", required=True),
        "description": _string(body, "description"),
        "price": validate_price(body["price"]),
        "tax_category": _tax_category(body, required=True),
        "metadata": _metadata(body) or {},
        **_license_fields(body),
    }


def validate_product_update(body: Any) -> dict[str, Any]:
    """``PATCH /products/{id}``: every field optional; only the given ones returned."""
    body = require_object(body)
    changes: dict[str, Any] = {}
    name = _string(body, "name", max_length=MAX_NAME_LENGTH)
    if name is not None:
        changes["name"] = name
    description = _string(body, "description", max_length=MAX_DESCRIPTION_LENGTH)
    if description is not None:
        changes["description"] = description
    if body.get("price") is not None:
        changes["price"] = validate_price(body["price"])
    tax_category = _tax_category(body, required=False)
    if tax_category is not None:
        changes["tax_category"] = tax_category
    metadata = _metadata(body)
    if metadata is not None:
        changes["metadata"] = metadata
    changes.update(_license_fields(body))
    return changes


def validate_license_key_update(body: Any) -> dict[str, Any]:
    """``PATCH /license_keys/{id}`` (``LicenseKeyUpdateParams``): ``activations_limit``
    (``null``: no limit), ``disabled``, ``expires_at`` (``null``: never); omitted
    fields stay as they are."""
    body = require_object(body)
    changes: dict[str, Any] = {}
    if "activations_limit" in body:
        limit = body["activations_limit"]
        if limit is not None and (not _is_int(limit) or not 0 <= limit <= MAX_INT32):
            raise invalid("`activations_limit` must be a whole number, 0 or more")
        changes["activations_limit"] = limit
    if body.get("disabled") is not None:
        if not isinstance(body["disabled"], bool):
            raise invalid("`disabled` must be a boolean")
        changes["disabled"] = body["disabled"]
    if "expires_at" in body:
        expires_at = body["expires_at"]
        changes["expires_at"] = None if expires_at is None else iso(parse_datetime(expires_at, "expires_at"))
    return changes


def validate_license_request(body: Any, *, instance: str = "") -> dict[str, Any]:
    """The public ``/licenses/*`` bodies: ``license_key`` always; ``name`` to activate
    (``instance="name"``), ``license_key_instance_id`` to deactivate (``instance=
    "license_key_instance_id"``), optional to validate."""
    body = require_object(body)
    fields = {"license_key": _string(body, "license_key", required=True, nullable=False)}
    if instance:
        fields[instance] = _string(body, instance, required=True, nullable=False)
    else:
        fields["license_key_instance_id"] = _string(body, "license_key_instance_id")
    return fields


def _email(body: dict[str, Any], *, required: bool, where: str = "") -> str | None:
    value = _string(body, "email", required=required, where=where)
    if value is not None and not EMAIL_RE.match(value):
        raise invalid(f"`{where}email` is not a valid email address")
    return value


def validate_customer_create(body: Any) -> dict[str, Any]:
    """``POST /customers``: email and name required."""
    body = require_object(body)
    return {
        "email": _email(body, required=True),
        "name": _string(body, "name", required=True),
        "phone_number": _string(body, "phone_number"),
        "metadata": _metadata(body) or {},
    }


def validate_customer_update(body: Any) -> dict[str, Any]:
    """``PATCH /customers/{id}``: name, email, phone_number, metadata, all optional."""
    body = require_object(body)
    changes = {
        "name": _string(body, "name"),
        "email": _email(body, required=False),
        "phone_number": _string(body, "phone_number"),
        "metadata": _metadata(body),
    }
    return {key: value for key, value in changes.items() if value is not None}


#: The checkout ``feature_flags`` the emulator acts on, with Dodo's defaults.
CHECKOUT_FLAG_DEFAULTS = {"allow_discount_code": True, "allow_currency_selection": True}
COUNTRY_RE = re.compile(r"^[A-Z]{2}$")


def validate_country(value: Any, where: str) -> str:
    """A two-letter ISO 3166-1 country code, as Dodo's ``CountryCode`` enum spells it."""
    if not isinstance(value, str) or not COUNTRY_RE.match(value):
        raise invalid(f"`{where}` must be a two-letter upper-case country code such as `US`")
    return value


def _feature_flags(body: dict[str, Any]) -> dict[str, bool]:
    flags = dict(CHECKOUT_FLAG_DEFAULTS)
    given = body.get("feature_flags")
    if given is None:
        return flags
    if not isinstance(given, dict):
        raise invalid("`feature_flags` must be an object")
    # Every flag Dodo defines is a boolean; only the ones in CHECKOUT_FLAG_DEFAULTS change
    # what the emulator does, the others are accepted and ignored.
    for key, value in given.items():
        if not isinstance(value, bool):
            raise invalid(f"`feature_flags.{key}` must be a boolean")
        if key in flags:
            flags[key] = value
    return flags


def _billing_address(body: dict[str, Any]) -> dict[str, Any] | None:
    address = body.get("billing_address")
    if address is None:
        return None
    if not isinstance(address, dict):
        raise invalid("`billing_address` must be an object")
    if address.get("country") is None:
        raise invalid("missing field `billing_address.country`")
    cleaned: dict[str, Any] = {"country": validate_country(address["country"], "billing_address.country")}
    for key in ("city", "state", "street", "zipcode"):
        cleaned[key] = _string(address, key, where="billing_address.")
    return cleaned


def _currency(body: dict[str, Any], key: str) -> str | None:
    value = body.get(key)
    if value is None:
        return None
    if value not in CURRENCIES:
        raise invalid(f"`{key}` {value!r} is not a supported currency")
    return value


def _discount_code(body: dict[str, Any]) -> str | None:
    code = _string(body, "discount_code")
    codes = body.get("discount_codes")
    if codes is None:
        return code
    if code is not None:
        raise invalid("`discount_code` cannot be used together with `discount_codes`")
    if not isinstance(codes, list) or not all(isinstance(item, str) for item in codes):
        raise invalid("`discount_codes` must be an array of strings")
    if len(codes) > 1:
        # Dodo stacks up to 20 codes; the emulator applies one, so say so rather than
        # silently drop the others.
        raise invalid("the emulator applies one discount code per session: send `discount_code`")
    return codes[0] if codes else None


def validate_checkout_create(body: Any) -> dict[str, Any]:
    """``POST /checkouts``: a non-empty ``product_cart`` and optional customer/URLs,
    ``feature_flags``, ``billing_address``, ``billing_currency`` and ``discount_code``."""
    body = require_object(body)
    cart = body.get("product_cart")
    if cart is None:
        raise invalid("missing field `product_cart`")
    if not isinstance(cart, list) or not cart:
        raise invalid("`product_cart` must be a non-empty array")
    items = []
    for index, item in enumerate(cart):
        where = f"product_cart[{index}]."
        if not isinstance(item, dict):
            raise invalid(f"`product_cart[{index}]` must be an object")
        product_id = _string(item, "product_id", required=True, where=where)
        if "quantity" not in item:
            raise invalid(f"missing field `{where}quantity`")
        if not _is_int(item["quantity"]) or item["quantity"] < 1:
            raise invalid(f"`{where}quantity` must be a positive integer")
        line = {"product_id": product_id, "quantity": item["quantity"]}
        amount = item.get("amount")
        if amount is not None:
            # What the buyer pays for a pay-what-you-want product (ignored for others).
            if not _is_int(amount) or not 0 <= amount <= MAX_PRICE:
                raise invalid(f"`{where}amount` must be an integer between 0 and {MAX_PRICE}")
            line["amount"] = amount
        items.append(line)

    customer = body.get("customer")
    if customer is not None:
        if not isinstance(customer, dict):
            raise invalid("`customer` must be an object")
        if "customer_id" in customer:
            customer = {"customer_id": _string(customer, "customer_id", required=True, where="customer.")}
        else:
            customer = {
                "email": _email(customer, required=True, where="customer."),
                "name": _string(customer, "name", where="customer."),
                "phone_number": _string(customer, "phone_number", where="customer."),
            }
    return {
        "product_cart": items,
        "customer": customer,
        "return_url": _url(body, "return_url"),
        "cancel_url": _url(body, "cancel_url"),
        "metadata": _metadata(body) or {},
        "feature_flags": _feature_flags(body),
        "billing_address": _billing_address(body),
        "billing_currency": _currency(body, "billing_currency"),
        "discount_code": _discount_code(body),
    }


# -- discounts ---------------------------------------------------------------------------

DISCOUNT_TYPES = frozenset({"percentage", "flat"})
CUSTOMER_ELIGIBILITY = frozenset({"any", "first_time", "existing", "specific"})
MAX_BASIS_POINTS = 10_000  # 100%
MAX_CODE_LENGTH = 16
MIN_CODE_LENGTH = 3


def parse_datetime(value: Any, where: str) -> datetime:
    """An ISO 8601 timestamp (``Z`` or an offset; a naive one is taken as UTC)."""
    if not isinstance(value, str):
        raise invalid(f"`{where}` must be an ISO 8601 date-time string")
    try:
        # A "+" in an unencoded query string arrives as a space.
        parsed = datetime.fromisoformat(value.strip().replace(" ", "+"))
    except ValueError:
        raise invalid(f"`{where}` is not an ISO 8601 date-time: {value!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def iso(moment: datetime) -> str:
    """A date-time as Dodo writes it: UTC, ISO 8601, ``Z``."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _any_metadata(body: dict[str, Any], key: str = "metadata") -> dict[str, Any] | None:
    if body.get(key) is None:
        return None
    value = body[key]
    # Discounts and refunds take Dodo's newer Metadata: strings, numbers or booleans.
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str | int | float) for k, v in value.items()
    ):
        raise invalid(f"`{key}` must be an object of string, number or boolean values")
    return dict(value)


def _optional_int(body: dict[str, Any], key: str, *, low: int, high: int | None = None) -> int | None:
    value = body.get(key)
    if value is None:
        return None
    if not _is_int(value) or value < low or (high is not None and value > high):
        bound = f"from {low} to {high}" if high is not None else f">= {low}"
        raise invalid(f"`{key}` must be an integer {bound}")
    return value


def _optional_bool(body: dict[str, Any], key: str) -> bool | None:
    value = body.get(key)
    if value is not None and not isinstance(value, bool):
        raise invalid(f"`{key}` must be a boolean")
    return value


def _discount_code_value(value: Any) -> str:
    if not isinstance(value, str) or not MIN_CODE_LENGTH <= len(value.strip()) <= MAX_CODE_LENGTH:
        raise invalid(f"`code` must be a string of {MIN_CODE_LENGTH} to {MAX_CODE_LENGTH} characters")
    return value.strip().upper()  # Dodo upper-cases codes


def _product_ids(body: dict[str, Any], key: str) -> list[str] | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise invalid(f"`{key}` must be an array of product ids")
    return list(dict.fromkeys(value))


def _discount_fields(body: dict[str, Any]) -> dict[str, Any]:
    """The discount fields present in ``body``, validated (shared by create and update)."""
    fields: dict[str, Any] = {}
    if body.get("type") is not None:
        if body["type"] not in DISCOUNT_TYPES:
            raise invalid("`type` must be `percentage` or `flat`")
        if body["type"] == "flat":
            raise invalid("`flat` discounts are not emulated: use `percentage` with `amount` in basis points")
        fields["type"] = body["type"]
    if body.get("amount") is not None:
        fields["amount"] = _optional_int(body, "amount", low=1, high=MAX_BASIS_POINTS)
    if body.get("code") is not None:
        fields["code"] = _discount_code_value(body["code"])
    if body.get("currency_options"):
        raise invalid("`currency_options` are not emulated: leave them out")
    if body.get("customer_eligibility") is not None:
        if body["customer_eligibility"] not in CUSTOMER_ELIGIBILITY:
            raise invalid(f"`customer_eligibility` must be one of {', '.join(sorted(CUSTOMER_ELIGIBILITY))}")
        fields["customer_eligibility"] = body["customer_eligibility"]
    for key in ("expires_at", "starts_at"):
        if key in body:
            fields[key] = None if body[key] is None else iso(parse_datetime(body[key], key))
    if "metadata" in body:
        fields["metadata"] = _any_metadata(body) or {}
    if "name" in body:
        fields["name"] = _string(body, "name")
    for key in ("usage_limit", "per_customer_usage_limit", "subscription_cycles"):
        if key in body:
            fields[key] = _optional_int(body, key, low=1)
    if body.get("preserve_on_plan_change") is not None:
        fields["preserve_on_plan_change"] = _optional_bool(body, "preserve_on_plan_change")
    if "restricted_to" in body:
        fields["restricted_to"] = _product_ids(body, "restricted_to") or []
    return fields


def check_discount_limits(discount: dict[str, Any]) -> None:
    """The rules between fields, checked on the discount as it would be saved."""
    if discount.get("usage_limit") and (discount.get("per_customer_usage_limit") or 0) > discount["usage_limit"]:
        raise invalid("`per_customer_usage_limit` must be <= `usage_limit`")
    if discount.get("starts_at") and discount.get("expires_at"):
        if parse_datetime(discount["starts_at"], "starts_at") >= parse_datetime(discount["expires_at"], "expires_at"):
            raise invalid("`starts_at` must be before `expires_at`")


def validate_discount_create(body: Any) -> dict[str, Any]:
    """``POST /discounts``: ``amount`` (basis points) and ``type`` required."""
    body = require_object(body)
    for key in ("amount", "type"):
        if body.get(key) is None:
            raise invalid(f"missing field `{key}`")
    return _discount_fields(body)


def validate_discount_update(body: Any) -> dict[str, Any]:
    """``PATCH /discounts/{id}``: only the given fields (``null`` clears the optional ones)."""
    return _discount_fields(require_object(body))


# -- refunds -----------------------------------------------------------------------------

MAX_REASON_LENGTH = 3000


def validate_refund_create(body: Any) -> dict[str, Any]:
    """``POST /refunds``: ``payment_id``, optional ``items``, ``reason``, ``metadata``, ``currency``."""
    body = require_object(body)
    items = body.get("items")
    cleaned_items = None
    if items is not None:
        if not isinstance(items, list):
            raise invalid("`items` must be an array")
        cleaned_items = []
        for index, item in enumerate(items):
            where = f"items[{index}]."
            if not isinstance(item, dict):
                raise invalid(f"`items[{index}]` must be an object")
            amount = item.get("amount")
            if amount is not None and (not _is_int(amount) or amount < 1):
                raise invalid(f"`{where}amount` must be a positive integer in minor units")
            tax_inclusive = item.get("tax_inclusive", True)
            if not isinstance(tax_inclusive, bool):
                raise invalid(f"`{where}tax_inclusive` must be a boolean")
            cleaned_items.append(
                {
                    "item_id": _string(item, "item_id", required=True, where=where),
                    "amount": amount,
                    "tax_inclusive": tax_inclusive,
                }
            )
    return {
        "payment_id": _string(body, "payment_id", required=True),
        "items": cleaned_items or None,
        "reason": _string(body, "reason", max_length=MAX_REASON_LENGTH),
        "metadata": _any_metadata(body) or {},
        "currency": _currency(body, "currency"),
    }


def _query_int(query: dict[str, list[str]], key: str, default: int) -> int:
    values = query.get(key)
    if not values:
        return default
    try:
        value = int(values[-1])
    except ValueError:
        raise invalid(f"query parameter `{key}` must be an integer") from None
    if value < 0:
        raise invalid(f"query parameter `{key}` must be >= 0")
    return value


def validate_product_list_query(query: dict[str, list[str]]) -> tuple[int, int, bool]:
    """``GET /products``: ``(page_size, page_number, archived)`` with Dodo's defaults."""
    page_size = _query_int(query, "page_size", 10)
    if page_size > MAX_PAGE_SIZE:
        raise invalid(f"query parameter `page_size` must be at most {MAX_PAGE_SIZE}")
    page_number = _query_int(query, "page_number", 0)
    archived_values = query.get("archived") or ["false"]
    if archived_values[-1] not in ("true", "false"):
        raise invalid("query parameter `archived` must be `true` or `false`")
    return page_size, page_number, archived_values[-1] == "true"


def validate_customer_list_query(query: dict[str, list[str]]) -> tuple[int, int, str | None]:
    """``GET /customers``: ``(page_size, page_number, email filter or None)``."""
    page_size = _query_int(query, "page_size", 10)
    if page_size > MAX_PAGE_SIZE:
        raise invalid(f"query parameter `page_size` must be at most {MAX_PAGE_SIZE}")
    page_number = _query_int(query, "page_number", 0)
    emails = query.get("email")
    return page_size, page_number, (emails[-1] if emails else None)


def validate_page(query: dict[str, list[str]]) -> tuple[int, int]:
    """``(page_size, page_number)`` with Dodo's defaults (10, 0) and its maximum of 100."""
    page_size = _query_int(query, "page_size", 10)
    if page_size > MAX_PAGE_SIZE:
        raise invalid(f"query parameter `page_size` must be at most {MAX_PAGE_SIZE}")
    return page_size, _query_int(query, "page_number", 0)


def _query_value(query: dict[str, list[str]], key: str) -> str | None:
    values = query.get(key)
    return values[-1] if values else None


def _query_choice(query: dict[str, list[str]], key: str, choices: frozenset[str]) -> str | None:
    value = _query_value(query, key)
    if value is not None and value not in choices:
        raise invalid(f"query parameter `{key}` must be one of {', '.join(sorted(choices))}")
    return value


def _query_dates(query: dict[str, list[str]]) -> dict[str, datetime | None]:
    return {
        key: None if _query_value(query, key) is None else parse_datetime(_query_value(query, key), key)
        for key in ("created_at_gte", "created_at_lte")
    }


PAYMENT_STATUSES = frozenset(
    {
        "succeeded",
        "failed",
        "cancelled",
        "processing",
        "requires_customer_action",
        "requires_merchant_action",
        "requires_payment_method",
        "requires_confirmation",
        "requires_capture",
        "partially_captured",
        "partially_captured_and_capturable",
    }
)
REFUND_STATUSES = frozenset({"succeeded", "failed", "pending", "review"})
DISPUTE_STAGES = frozenset({"pre_dispute", "dispute", "pre_arbitration"})
DISPUTE_STATUSES = frozenset(
    {
        "dispute_opened",
        "dispute_expired",
        "dispute_accepted",
        "dispute_cancelled",
        "dispute_challenged",
        "dispute_won",
        "dispute_lost",
    }
)


def validate_payment_list_query(query: dict[str, list[str]]) -> dict[str, Any]:
    """``GET /payments`` (``PaymentListParams``): page, dates and exact-match filters."""
    page_size, page_number = validate_page(query)
    currency = _query_value(query, "currency")
    if currency is not None and currency not in CURRENCIES:
        raise invalid("query parameter `currency` is not a supported currency")
    return {
        "page_size": page_size,
        "page_number": page_number,
        **_query_dates(query),
        "status": _query_choice(query, "status", PAYMENT_STATUSES),
        "customer_id": _query_value(query, "customer_id"),
        "product_id": _query_value(query, "product_id"),
        "currency": currency,
        "brand_id": _query_value(query, "brand_id"),
        "subscription_id": _query_value(query, "subscription_id"),
    }


def validate_refund_list_query(query: dict[str, list[str]]) -> dict[str, Any]:
    """``GET /refunds`` (``RefundListParams``)."""
    page_size, page_number = validate_page(query)
    return {
        "page_size": page_size,
        "page_number": page_number,
        **_query_dates(query),
        "status": _query_choice(query, "status", REFUND_STATUSES),
        "customer_id": _query_value(query, "customer_id"),
        "subscription_id": _query_value(query, "subscription_id"),
    }


def validate_dispute_list_query(query: dict[str, list[str]]) -> dict[str, Any]:
    """``GET /disputes`` (``DisputeListParams``)."""
    page_size, page_number = validate_page(query)
    return {
        "page_size": page_size,
        "page_number": page_number,
        **_query_dates(query),
        "customer_id": _query_value(query, "customer_id"),
        "dispute_stage": _query_choice(query, "dispute_stage", DISPUTE_STAGES),
        "dispute_status": _query_choice(query, "dispute_status", DISPUTE_STATUSES),
    }


def validate_discount_list_query(query: dict[str, list[str]]) -> dict[str, Any]:
    """``GET /discounts`` (``DiscountListParams``)."""
    page_size, page_number = validate_page(query)
    active = _query_choice(query, "active", frozenset({"true", "false"}))
    return {
        "page_size": page_size,
        "page_number": page_number,
        "active": None if active is None else active == "true",
        "code": _query_value(query, "code"),
        "discount_type": _query_choice(query, "discount_type", DISCOUNT_TYPES),
        "product_id": _query_value(query, "product_id"),
    }
