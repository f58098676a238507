"""Request validation for the emulator: Dodo's 400/422 answers for bad bodies.

The rules follow ``DODO_API.md`` and Dodo's OpenAPI spec (``dodo-openapi.yml``,
version 1.53.2): required fields, types, enums, ranges and the update length limits.
Like Dodo (and the JSON extractor it is built on), a body that is not JSON is a 400 and
a JSON body with a missing or wrong field is a 422; unknown fields are ignored.

Each ``validate_*`` function returns the cleaned fields or raises :class:`ApiError`.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

TAX_CATEGORIES = frozenset({"digital_products", "saas", "e_book", "edtech", "live_tutoring"})

# Dodo's Currency enum (ISO 4217 codes it can charge in).
CURRENCIES = frozenset(
    """
    AED ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BWP
    BYN BZD CAD CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ETB EUR FJD FKP GBP
    GEL GHS GIP GMD GNF GTQ GYD HKD HNL HRK HTG HUF IDR ILS INR IQD JMD JOD JPY KES KGS
    KHR KMF KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR
    MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON
    RSD RUB RWF SAR SBD SCR SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SZL THB TND TOP TRY
    TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XOF XPF YER ZAR ZMW
    """.split()
)

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
    price = {
        "type": "one_time_price",
        "price": value["price"],
        "currency": value["currency"],
        "discount": value["discount"],
        "purchasing_power_parity": value["purchasing_power_parity"],
    }
    if value.get("tax_inclusive") is not None:
        price["tax_inclusive"] = value["tax_inclusive"]
    return price


def _tax_category(body: dict[str, Any], *, required: bool) -> str | None:
    if body.get("tax_category") is None:
        if required:
            raise invalid("missing field `tax_category`")
        return None
    if body["tax_category"] not in TAX_CATEGORIES:
        raise invalid(f"`tax_category` must be one of {', '.join(sorted(TAX_CATEGORIES))}")
    return body["tax_category"]


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
    return changes


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


def validate_checkout_create(body: Any) -> dict[str, Any]:
    """``POST /checkouts``: a non-empty ``product_cart`` and optional customer/URLs."""
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
        items.append({"product_id": product_id, "quantity": item["quantity"]})

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
