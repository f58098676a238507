"""The emulator's in-memory Dodo: customers, products, discounts, checkout sessions,
payments, refunds, disputes, the webhook deliveries they cause, and a log of API requests.

One :class:`Store` holds one environment (``test_mode`` or ``live_mode``: Dodo keeps
their data apart, so an id made in one is a 404 in the other); :class:`Environments`
holds both and keeps them in the ``--state-file``.

Objects are kept in the shape Dodo's API returns (the fields the ``dodopayments`` SDK's
response models require), so handlers can answer with a copy. What Dodo does not show
but the emulator needs (each payment's per-line amounts, for refunds) lives beside them
in ``ledgers``. Every method takes ``self.lock``: the HTTP server runs each request in
its own thread, and webhook deliveries update their records from background threads.

Money follows :mod:`dodo.emulator.money`; the figures on a ``Payment``:

- ``currency``/``total_amount``/``tax``: what the buyer was charged, in the charged
  currency (``billing_currency`` if the session set one; else, when the session allows
  currency selection, the billing country's currency; else the product's currency);
- ``settlement_currency``/``settlement_amount``/``settlement_tax``: the product's
  currency, converted back (equal to the charged figures when nothing was converted);
- ``discount_id``/``discounts``: the discount code applied (to the pre-tax amount).
"""

from __future__ import annotations

import copy
import json
import os
import secrets
import string
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from . import money
from .validation import (
    ApiError,
    check_discount_limits,
    invalid,
    iso,
    not_found,
    parse_datetime,
    validate_checkout_create,
    validate_country,
    validate_customer_create,
    validate_customer_list_query,
    validate_customer_update,
    validate_discount_create,
    validate_discount_list_query,
    validate_discount_update,
    validate_dispute_list_query,
    validate_license_key_update,
    validate_license_request,
    validate_payment_list_query,
    validate_product_create,
    validate_product_list_query,
    validate_product_update,
    validate_refund_create,
    validate_refund_list_query,
)

_ID_ALPHABET = string.ascii_letters + string.digits
_CODE_ALPHABET = string.ascii_uppercase + string.digits

MODES = ("test_mode", "live_mode")
REFUND_WINDOW = timedelta(days=30)
DISPUTE_OUTCOMES = ("won", "lost", "cancelled", "expired", "accepted", "challenged")
# A dispute in one of these states is over: no further outcome can be recorded.
FINAL_DISPUTE_STATUSES = frozenset(
    {"dispute_won", "dispute_lost", "dispute_cancelled", "dispute_expired", "dispute_accepted"}
)
# The webhook event types :meth:`Store.send_example` can build a payload for.
EXAMPLE_EVENT_TYPES = (
    "payment.succeeded",
    "payment.failed",
    "payment.processing",
    "payment.cancelled",
    "refund.succeeded",
    "refund.failed",
    *(f"dispute.{status}" for status in ("opened", *DISPUTE_OUTCOMES)),
)

# Field lists of the SDK models that show part of a stored object.
_REFUND_LIST_ITEM_FIELDS = (
    "refund_id",
    "payment_id",
    "business_id",
    "created_at",
    "status",
    "amount",
    "currency",
    "is_partial",
    "reason",
)
_DISPUTE_FIELDS = (  # the Dispute model: webhooks and Payment.disputes
    "amount",
    "business_id",
    "created_at",
    "currency",
    "dispute_id",
    "dispute_stage",
    "dispute_status",
    "payment_id",
    "is_resolved_by_rdr",
    "remarks",
)
_DISPUTE_LIST_FIELDS = (*_DISPUTE_FIELDS[:-1], "payment_provider")  # DisputeListResponse
_DISCOUNT_DETAIL_FIELDS = (
    "amount",
    "business_id",
    "code",
    "created_at",
    "discount_id",
    "metadata",
    "preserve_on_plan_change",
    "restricted_to",
    "times_used",
    "type",
    "expires_at",
    "name",
    "subscription_cycles",
    "usage_limit",
)


def new_id(prefix: str) -> str:
    """An id shaped like Dodo's: a type prefix and 21 random letters and digits."""
    return prefix + "".join(secrets.choice(_ID_ALPHABET) for _ in range(21))


def now_iso() -> str:
    """The current UTC time as ISO 8601 with a ``Z``, as Dodo writes timestamps."""
    return iso(datetime.now(UTC))


def _when(stamp: str) -> datetime:
    return parse_datetime(stamp, "created_at")


def _newest_first(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # Stable sort of the reversed list: objects with the same timestamp keep
    # newest-created first.
    return sorted(reversed(objects), key=lambda item: _when(item["created_at"]), reverse=True)


def _page(items: list[Any], page_size: int, page_number: int) -> list[Any]:
    return items[page_number * page_size : (page_number + 1) * page_size]


def _in_dates(stamp: str, filters: dict[str, Any]) -> bool:
    moment = _when(stamp)
    if filters.get("created_at_gte") is not None and moment < filters["created_at_gte"]:
        return False
    return not (filters.get("created_at_lte") is not None and moment > filters["created_at_lte"])


def discount_error(message: str) -> ApiError:
    """The 422 for a discount code that cannot be used on this checkout."""
    return ApiError(422, "INVALID_DISCOUNT_CODE", message)


class Store:
    """All emulated Dodo state of one environment, guarded by one re-entrant lock.

    ``on_event(event_type, data)`` is called, after the lock is released, whenever
    something happens that Dodo would announce with a webhook; it must return quickly
    and answers the delivery record.
    """

    #: What the state file keeps (webhook deliveries and the request log are not kept).
    PERSISTED = (
        "customers",
        "products",
        "sessions",
        "payments",
        "refunds",
        "discounts",
        "disputes",
        "ledgers",
        "license_keys",
        "license_instances",
    )

    def __init__(self, *, business_id: str, brand_id: str, checkout_base_url: str, mode: str = "test_mode") -> None:
        """Start empty; ``checkout_base_url`` prefixes checkout URLs."""
        self.lock = threading.RLock()
        self.mode = mode
        self.business_id = business_id
        self.brand_id = brand_id
        self.checkout_base_url = checkout_base_url.rstrip("/")
        self.on_event: Callable[[str, dict[str, Any]], dict[str, Any] | None] | None = None
        self.reset()

    # -- persistence -----------------------------------------------------------------

    def dump(self) -> dict[str, Any]:
        """The persisted objects, as JSON-ready data."""
        with self.lock:
            data: dict[str, Any] = copy.deepcopy({name: getattr(self, name) for name in self.PERSISTED})
            data["archived"] = sorted(self.archived)
            return data

    def load(self, data: dict[str, Any]) -> None:
        """Add the objects of an earlier :meth:`dump`."""
        with self.lock:
            for name in self.PERSISTED:
                getattr(self, name).update(data.get(name, {}))
            self.archived.update(data.get("archived", []))

    def reset(self) -> None:
        """Forget everything. ``generation`` changes so stale deliveries stop retrying."""
        with self.lock:
            self.generation = getattr(self, "generation", 0) + 1
            self.customers: dict[str, dict[str, Any]] = {}
            self.products: dict[str, dict[str, Any]] = {}
            self.archived: set[str] = set()
            self.discounts: dict[str, dict[str, Any]] = {}
            self.sessions: dict[str, dict[str, Any]] = {}
            self.payments: dict[str, dict[str, Any]] = {}
            self.ledgers: dict[str, dict[str, Any]] = {}
            self.refunds: dict[str, dict[str, Any]] = {}
            self.disputes: dict[str, dict[str, Any]] = {}
            self.license_keys: dict[str, dict[str, Any]] = {}
            self.license_instances: dict[str, dict[str, Any]] = {}
            self.deliveries: list[dict[str, Any]] = []
            self.requests: list[dict[str, Any]] = []

    # -- customers -------------------------------------------------------------------

    def create_customer(self, body: Any) -> dict[str, Any]:
        """``POST /customers``."""
        fields = validate_customer_create(body)
        with self.lock:
            return copy.deepcopy(self._add_customer(**fields))

    def _add_customer(
        self,
        *,
        email: str,
        name: str,
        phone_number: str | None = None,
        metadata: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        customer = {
            "customer_id": new_id("cus_"),
            "business_id": self.business_id,
            "created_at": now_iso(),
            "email": email,
            "name": name,
            "phone_number": phone_number,
            "metadata": metadata or {},
        }
        self.customers[customer["customer_id"]] = customer
        return customer

    def _customer(self, customer_id: str) -> dict[str, Any]:
        try:
            return self.customers[customer_id]
        except KeyError:
            raise not_found("Customer", customer_id) from None

    def get_customer(self, customer_id: str) -> dict[str, Any]:
        """``GET /customers/{id}``."""
        with self.lock:
            return copy.deepcopy(self._customer(customer_id))

    def list_customers(self, query: dict[str, list[str]]) -> dict[str, Any]:
        """``GET /customers``: one page, oldest first, optionally filtered by exact email."""
        page_size, page_number, email = validate_customer_list_query(query)
        with self.lock:
            chosen = [c for c in self.customers.values() if email is None or c["email"] == email]
            return {"items": copy.deepcopy(_page(chosen, page_size, page_number))}

    def update_customer(self, customer_id: str, body: Any) -> dict[str, Any]:
        """``PATCH /customers/{id}``: answers with the updated customer."""
        changes = validate_customer_update(body)
        with self.lock:
            customer = self._customer(customer_id)
            customer.update(changes)
            return copy.deepcopy(customer)

    # -- products --------------------------------------------------------------------

    def create_product(self, body: Any) -> dict[str, Any]:
        """``POST /products``."""
        fields = validate_product_create(body)
        stamp = now_iso()
        product = {
            "product_id": new_id("pdt_"),
            "business_id": self.business_id,
            "brand_id": self.brand_id,
            "created_at": stamp,
            "updated_at": stamp,
            "is_recurring": False,
            "license_key_enabled": False,
            "license_key_activations_limit": None,
            "license_key_duration": None,
            "license_key_activation_message": None,
            "credit_entitlements": [],
            "entitlements": [],
            "addons": [],
            "image": None,
            **fields,
        }
        with self.lock:
            self.products[product["product_id"]] = product
            return copy.deepcopy(product)

    def _product(self, product_id: str) -> dict[str, Any]:
        try:
            return self.products[product_id]
        except KeyError:
            raise not_found("Product", product_id) from None

    def get_product(self, product_id: str) -> dict[str, Any]:
        """``GET /products/{id}`` (archived products too, as on Dodo)."""
        with self.lock:
            return copy.deepcopy(self._product(product_id))

    def list_products(self, query: dict[str, list[str]]) -> dict[str, Any]:
        """``GET /products``: one page, oldest first, in Dodo's list-item shape."""
        page_size, page_number, archived = validate_product_list_query(query)
        with self.lock:
            chosen = [
                product for product_id, product in self.products.items() if (product_id in self.archived) == archived
            ]
            return {"items": [self._list_item(product) for product in _page(chosen, page_size, page_number)]}

    @staticmethod
    def _list_item(product: dict[str, Any]) -> dict[str, Any]:
        price = product["price"]
        return copy.deepcopy(
            {
                "product_id": product["product_id"],
                "business_id": product["business_id"],
                "created_at": product["created_at"],
                "updated_at": product["updated_at"],
                "name": product["name"],
                "description": product["description"],
                "image": product["image"],
                "is_recurring": product["is_recurring"],
                "tax_category": product["tax_category"],
                "metadata": product["metadata"],
                "entitlements": product["entitlements"],
                "price": price["price"],
                "currency": price["currency"],
                "tax_inclusive": price.get("tax_inclusive"),
                "price_detail": price,
            }
        )

    def update_product(self, product_id: str, body: Any) -> None:
        """``PATCH /products/{id}``: Dodo answers with an empty body."""
        changes = validate_product_update(body)
        with self.lock:
            product = self._product(product_id)
            product.update(changes)
            product["updated_at"] = now_iso()

    def archive_product(self, product_id: str) -> None:
        """``DELETE /products/{id}``: archive; 410 when it already is, as Dodo may answer."""
        with self.lock:
            self._product(product_id)
            if product_id in self.archived:
                raise ApiError(410, "GONE", f"Product {product_id} is already archived")
            self.archived.add(product_id)

    def unarchive_product(self, product_id: str) -> None:
        """``POST /products/{id}/unarchive`` (idempotent)."""
        with self.lock:
            self._product(product_id)
            self.archived.discard(product_id)

    # -- discounts -------------------------------------------------------------------

    def create_discount(self, body: Any) -> dict[str, Any]:
        """``POST /discounts``: a percentage code (``amount`` in basis points)."""
        fields = validate_discount_create(body)
        with self.lock:
            code = fields.pop("code", None) or self._generated_code()
            self._check_code_free(code)
            self._check_products_exist(fields.get("restricted_to") or [])
            discount = {
                "discount_id": new_id("dsc_"),
                "business_id": self.business_id,
                "created_at": now_iso(),
                "code": code,
                "name": None,
                "customer_eligibility": "any",
                "metadata": {},
                "preserve_on_plan_change": False,
                "restricted_to": [],
                "times_used": 0,
                "currency_options": [],
                "expires_at": None,
                "starts_at": None,
                "usage_limit": None,
                "per_customer_usage_limit": None,
                "subscription_cycles": None,
                **fields,
            }
            check_discount_limits(discount)
            self.discounts[discount["discount_id"]] = discount
            return copy.deepcopy(discount)

    def _generated_code(self) -> str:
        # Dodo generates a random 16-character code when none is given.
        while True:
            code = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(16))
            if self._discount_by_code(code) is None:
                return code

    def _check_code_free(self, code: str, *, except_id: str | None = None) -> None:
        existing = self._discount_by_code(code)
        if existing is not None and existing["discount_id"] != except_id:
            raise ApiError(409, "CONFLICT", f"discount code {code} already exists")

    def _check_products_exist(self, product_ids: list[str]) -> None:
        for product_id in product_ids:
            if product_id not in self.products:
                raise invalid(f"`restricted_to`: product {product_id} does not exist")

    def _discount(self, discount_id: str) -> dict[str, Any]:
        try:
            return self.discounts[discount_id]
        except KeyError:
            raise not_found("Discount", discount_id) from None

    def _discount_by_code(self, code: str) -> dict[str, Any] | None:
        wanted = code.strip().upper()
        return next((d for d in self.discounts.values() if d["code"] == wanted), None)

    def get_discount(self, discount_id: str) -> dict[str, Any]:
        """``GET /discounts/{id}``."""
        with self.lock:
            return copy.deepcopy(self._discount(discount_id))

    def get_discount_by_code(self, code: str) -> dict[str, Any]:
        """``GET /discounts/code/{code}``."""
        with self.lock:
            discount = self._discount_by_code(code)
            if discount is None:
                raise not_found("Discount code", code)
            return copy.deepcopy(discount)

    def list_discounts(self, query: dict[str, list[str]]) -> dict[str, Any]:
        """``GET /discounts``: one page, oldest first, with ``DiscountListParams`` filters."""
        filters = validate_discount_list_query(query)
        with self.lock:
            chosen = []
            for discount in self.discounts.values():
                if filters["active"] is not None and (self._discount_problem(discount) is None) != filters["active"]:
                    continue
                if filters["code"] is not None and filters["code"].upper() not in discount["code"]:
                    continue
                if filters["discount_type"] is not None and discount["type"] != filters["discount_type"]:
                    continue
                product_id = filters["product_id"]
                if product_id is not None and discount["restricted_to"] and product_id not in discount["restricted_to"]:
                    continue
                chosen.append(discount)
            return {"items": copy.deepcopy(_page(chosen, filters["page_size"], filters["page_number"]))}

    def update_discount(self, discount_id: str, body: Any) -> dict[str, Any]:
        """``PATCH /discounts/{id}``: answers with the updated discount."""
        changes = validate_discount_update(body)
        with self.lock:
            discount = self._discount(discount_id)
            if "code" in changes:
                self._check_code_free(changes["code"], except_id=discount_id)
            self._check_products_exist(changes.get("restricted_to") or [])
            updated = {**discount, **changes}
            check_discount_limits(updated)
            discount.update(changes)
            return copy.deepcopy(discount)

    def delete_discount(self, discount_id: str) -> None:
        """``DELETE /discounts/{id}``: the code stops working; payments keep their copy."""
        with self.lock:
            self._discount(discount_id)
            del self.discounts[discount_id]

    def _discount_problem(self, discount: dict[str, Any]) -> str | None:
        """Why the code cannot be redeemed by anyone right now, or ``None``."""
        now = datetime.now(UTC)
        code = discount["code"]
        if discount.get("starts_at") and _when(discount["starts_at"]) > now:
            return f"discount code {code} is not active yet"
        if discount.get("expires_at") and _when(discount["expires_at"]) <= now:
            return f"discount code {code} has expired"
        if discount.get("usage_limit") is not None and discount["times_used"] >= discount["usage_limit"]:
            return f"discount code {code} has been used up"
        return None

    def _usable_discount(self, code: str, product_ids: list[str], customer_id: str | None) -> dict[str, Any]:
        """The discount for ``code`` if it applies to this cart and buyer; else a 422."""
        discount = self._discount_by_code(code)
        if discount is None:
            raise discount_error(f"discount code {code.strip().upper()} does not exist")
        problem = self._discount_problem(discount)
        if problem:
            raise discount_error(problem)
        if discount["restricted_to"] and not set(product_ids) & set(discount["restricted_to"]):
            raise discount_error(f"discount code {discount['code']} is not valid for the products in this cart")
        if customer_id is not None:
            self._check_discount_customer(discount, customer_id)
        return discount

    def _check_discount_customer(self, discount: dict[str, Any], customer_id: str) -> None:
        paid = [
            p
            for p in self.payments.values()
            if p["customer"]["customer_id"] == customer_id and p["status"] == "succeeded"
        ]
        eligibility = discount.get("customer_eligibility", "any")
        code = discount["code"]
        if eligibility == "first_time" and paid:
            raise discount_error(f"discount code {code} is for first-time customers only")
        if eligibility == "existing" and not paid:
            raise discount_error(f"discount code {code} is for existing customers only")
        if eligibility == "specific":
            # Dodo's "specific" codes start with nobody attached and the emulator has no
            # route to attach customers: it fails closed, as Dodo does.
            raise discount_error(f"discount code {code} is not available to this customer")
        limit = discount.get("per_customer_usage_limit")
        used = sum(1 for p in paid if p.get("discount_id") == discount["discount_id"])
        if limit is not None and used >= limit:
            raise discount_error(f"discount code {code} has been used up by this customer")

    # -- checkout sessions -----------------------------------------------------------

    def create_checkout(self, body: Any) -> dict[str, Any]:
        """``POST /checkouts``: answers ``{session_id, checkout_url}``."""
        fields = validate_checkout_create(body)
        with self.lock:
            currencies = set()
            for item in fields["product_cart"]:
                product = self._product(item["product_id"])
                if item["product_id"] in self.archived:
                    raise invalid(f"product {item['product_id']} is archived")
                self._check_chosen_amount(item, product["price"])
                currencies.add(product["price"]["currency"])
            if len(currencies) > 1:
                raise invalid("all products in `product_cart` must have the same currency")
            product_currency = currencies.pop()
            billing_currency = fields["billing_currency"]
            if billing_currency and not money.can_convert(product_currency, billing_currency):
                raise invalid(
                    f"`billing_currency` {billing_currency}: the emulator has no exchange rate from "
                    f"{product_currency} (it knows {', '.join(sorted(money.USD_RATES))})"
                )
            customer_id = None
            if fields["customer"] is not None:
                customer_id = self._attach_customer(fields["customer"])
            code = fields["discount_code"]
            if code:
                # Codes the merchant sets on the session apply even when the buyer may not
                # enter one (feature_flags.allow_discount_code only hides the field).
                product_ids = [item["product_id"] for item in fields["product_cart"]]
                code = self._usable_discount(code, product_ids, customer_id)["code"]
            session_id = new_id("cks_")
            self.sessions[session_id] = {
                "session_id": session_id,
                "created_at": now_iso(),
                "product_cart": fields["product_cart"],
                "customer_id": customer_id,
                "return_url": fields["return_url"],
                "cancel_url": fields["cancel_url"],
                "metadata": fields["metadata"],
                "feature_flags": fields["feature_flags"],
                "billing_address": fields["billing_address"],
                "billing_currency": billing_currency,
                "discount_code": code,
                "payment_ids": [],
            }
            return {
                "session_id": session_id,
                "checkout_url": f"{self.checkout_base_url}/checkout/{session_id}",
            }

    @staticmethod
    def _check_chosen_amount(item: dict[str, Any], price: dict[str, Any]) -> None:
        """A pay-what-you-want line's ``amount`` must be at least the product's minimum
        (``price.price``), as Dodo refuses it (422); other products ignore the amount."""
        if not price.get("pay_what_you_want"):
            item.pop("amount", None)
            return
        amount = item.get("amount")
        if amount is not None and amount < price["price"]:
            raise invalid(
                f"product_cart amount {money.format_amount(amount, price['currency'])} for product "
                f"{item['product_id']} is below its minimum price {money.format_amount(price['price'], price['currency'])}"
            )

    @staticmethod
    def _unit_price(item: dict[str, Any], price: dict[str, Any]) -> int:
        """What one unit of a cart line costs: the buyer's chosen amount for a
        pay-what-you-want product (without one, the suggestion, else the minimum: the
        hosted page's preset), else the price."""
        if not price.get("pay_what_you_want"):
            return price["price"]
        if item.get("amount") is not None:
            return item["amount"]
        suggested = price.get("suggested_price")
        return suggested if suggested is not None else price["price"]

    def _attach_customer(self, request: dict[str, Any]) -> str:
        """An existing customer by id, or one found/created by email (as Dodo does)."""
        if "customer_id" in request:
            return self._customer(request["customer_id"])["customer_id"]
        for customer in self.customers.values():
            if customer["email"].lower() == request["email"].lower():
                return customer["customer_id"]
        name = request.get("name") or request["email"].split("@")[0]
        return self._add_customer(email=request["email"], name=name, phone_number=request.get("phone_number"))[
            "customer_id"
        ]

    def _session(self, session_id: str) -> dict[str, Any]:
        try:
            return self.sessions[session_id]
        except KeyError:
            raise not_found("Checkout session", session_id) from None

    def has_session(self, session_id: str) -> bool:
        """Whether this environment made the session (the hosted page looks in both)."""
        with self.lock:
            return session_id in self.sessions

    def get_checkout_status(self, session_id: str) -> dict[str, Any]:
        """``GET /checkouts/{id}``: the session's latest payment and customer."""
        with self.lock:
            session = self._session(session_id)
            payment = self.payments[session["payment_ids"][-1]] if session["payment_ids"] else None
            customer = payment["customer"] if payment else self.customers.get(session["customer_id"] or "")
            return {
                "id": session_id,
                "created_at": session["created_at"],
                "customer_email": customer["email"] if customer else None,
                "customer_name": customer["name"] if customer else None,
                "payment_id": payment["payment_id"] if payment else None,
                "payment_status": payment["status"] if payment else None,
            }

    @staticmethod
    def _flag(session: dict[str, Any], name: str) -> bool:
        # Sessions kept in an older state file have no flags: Dodo's defaults apply.
        return (session.get("feature_flags") or {}).get(name, True)

    @staticmethod
    def _session_country(session: dict[str, Any], country: str = "") -> str:
        if country:
            return validate_country(country.strip().upper(), "country")
        address = session.get("billing_address") or {}
        return address.get("country") or money.DEFAULT_COUNTRY

    def _charged_currency(self, session: dict[str, Any], country: str) -> str:
        product_currency = self._session_currency(session)
        if session.get("billing_currency"):
            return session["billing_currency"]
        if self._flag(session, "allow_currency_selection"):
            local = money.currency_for_country(country)
            if local and money.can_convert(product_currency, local):
                return local
        return product_currency

    def _quote(self, session: dict[str, Any], country: str, discount: dict[str, Any] | None) -> money.Quote:
        lines = []
        for item in session["product_cart"]:
            price = self._product(item["product_id"])["price"]
            discountable = discount is not None and (
                not discount["restricted_to"] or item["product_id"] in discount["restricted_to"]
            )
            lines.append(
                money.CartLine(
                    product_id=item["product_id"],
                    quantity=item["quantity"],
                    unit_price=self._unit_price(item, price),
                    tax_inclusive=bool(price.get("tax_inclusive")),
                    discountable=discountable,
                )
            )
        return money.quote(
            lines,
            product_currency=self._session_currency(session),
            charged_currency=self._charged_currency(session, country),
            country=country,
            discount_basis_points=discount["amount"] if discount else 0,
        )

    def _session_discount(self, session: dict[str, Any], code: str, customer_id: str | None) -> dict[str, Any] | None:
        """The discount a payment of this session gets: the buyer's ``code``, if entered
        (422 when the session does not allow one), else the session's own code."""
        if code and not self._flag(session, "allow_discount_code"):
            raise discount_error("this checkout session does not allow entering a discount code")
        code = code or session.get("discount_code") or ""
        if not code:
            return None
        product_ids = [item["product_id"] for item in session["product_cart"]]
        return self._usable_discount(code, product_ids, customer_id)

    def checkout_view(self, session_id: str, *, country: str = "", discount_code: str = "") -> dict[str, Any]:
        """What the hosted checkout page shows for a billing ``country`` and ``discount_code``:
        lines, subtotal, discount, tax and total in the charged currency, paid or not."""
        with self.lock:
            session = self._session(session_id)
            try:
                country = self._session_country(session, country)
            except ApiError as exc:
                country, country_error = self._session_country(session), exc.message
            else:
                country_error = None
            discount, discount_error_message = None, None
            try:
                discount = self._session_discount(session, discount_code.strip(), session["customer_id"])
            except ApiError as exc:
                discount_error_message = exc.message
            priced = self._quote(session, country, discount)
            names = {item["product_id"]: self._product(item["product_id"])["name"] for item in session["product_cart"]}
            return {
                "session": copy.deepcopy(session),
                "lines": [{"name": names[line["product_id"]], **line} for line in priced.lines],
                "quote": priced,
                "currency": priced.currency,
                "total": priced.total,
                "country": country,
                "country_error": country_error,
                "countries": sorted(money.TAX_RATES),
                "discount_code": discount["code"] if discount else discount_code.strip().upper(),
                "discount_error": discount_error_message,
                "allow_discount_code": self._flag(session, "allow_discount_code"),
                "customer": copy.deepcopy(self.customers.get(session["customer_id"] or "")),
                "paid": self._session_paid(session),
            }

    def return_url(self, session_id: str) -> str | None:
        """Where the hosted page sends the browser after paying or declining."""
        with self.lock:
            return self._session(session_id)["return_url"]

    def _session_currency(self, session: dict[str, Any]) -> str:
        first = session["product_cart"][0]["product_id"]
        return self._product(first)["price"]["currency"]

    def _session_paid(self, session: dict[str, Any]) -> bool:
        return any(self.payments[pid]["status"] == "succeeded" for pid in session["payment_ids"])

    # -- payments --------------------------------------------------------------------

    def complete_checkout(
        self,
        session_id: str,
        *,
        succeeded: bool,
        email: str = "",
        name: str = "",
        country: str = "",
        discount_code: str = "",
    ) -> dict[str, Any]:
        """Pay or decline a session, as its hosted page does; announces the payment.

        A declined session can be tried again; a paid one answers 409, as Dodo does
        for a consumed session. Without a session customer, ``email``/``name`` (or a
        placeholder buyer) become the customer. ``country`` is the billing country
        (default: the session's ``billing_address``, else US); ``discount_code`` is a
        code the buyer enters (422 when unusable or when the session allows none).
        """
        with self.lock:
            session = self._session(session_id)
            if self._session_paid(session):
                raise ApiError(409, "CHECKOUT_SESSION_CONSUMED", "checkout session is already paid")
            country = self._session_country(session, country)
            if session["customer_id"] is None:
                session["customer_id"] = self._attach_customer(
                    {"email": email or "buyer@example.com", "name": name or "Emulated Buyer"}
                )
            customer = self.customers[session["customer_id"]]
            discount = self._session_discount(session, discount_code.strip(), customer["customer_id"])
            priced = self._quote(session, country, discount)
            if succeeded and discount is not None:
                discount["times_used"] += 1  # only a succeeded payment redeems the code
            address = dict(session.get("billing_address") or {"zipcode": "10001" if country == "US" else None})
            payment = self._payment_object(
                status="succeeded" if succeeded else "failed",
                customer=customer,
                priced=priced,
                billing={**address, "country": country},
                product_cart=copy.deepcopy(session["product_cart"]),
                metadata=copy.deepcopy(session["metadata"]),
                checkout_session_id=session_id,
                discount=discount,
            )
            self.payments[payment["payment_id"]] = payment
            self.ledgers[payment["payment_id"]] = {
                "lines": [{**line, "refunded": 0} for line in priced.lines],
                "refunded": 0,
                "refunded_settlement": 0,
            }
            session["payment_ids"].append(payment["payment_id"])
            result = copy.deepcopy(payment)
            keys = self._issue_license_keys(payment) if succeeded else []
        self._emit("payment.succeeded" if succeeded else "payment.failed", result, "Payment")
        # Dodo announces each key on its own; the two messages may arrive in any order.
        for key in keys:
            self._emit("license_key.created", key, "LicenseKey")
        return result

    def _payment_object(
        self,
        *,
        status: str,
        customer: dict[str, Any],
        priced: money.Quote,
        billing: dict[str, Any],
        product_cart: list[dict[str, Any]],
        metadata: dict[str, Any],
        checkout_session_id: str | None,
        discount: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        stamp = now_iso()
        return {
            "payment_id": new_id("pay_"),
            "business_id": self.business_id,
            "brand_id": self.brand_id,
            "created_at": stamp,
            "updated_at": stamp,
            "status": status,
            "total_amount": priced.total,
            "currency": priced.currency,
            "tax": priced.tax,
            "settlement_amount": priced.settlement_amount,
            "settlement_currency": priced.settlement_currency,
            "settlement_tax": priced.settlement_tax,
            "discount_id": discount["discount_id"] if discount else None,
            "discounts": [self._discount_detail(discount)] if discount else [],
            "customer": {
                "customer_id": customer["customer_id"],
                "email": customer["email"],
                "name": customer["name"],
                "phone_number": customer.get("phone_number"),
                "metadata": customer.get("metadata") or {},
            },
            "billing": billing,
            "product_cart": product_cart,
            "checkout_session_id": checkout_session_id,
            "metadata": metadata,
            "payment_provider": "dodo",
            "payment_method": "card",
            "card_network": "VISA",
            "card_last_four": "4242" if status != "failed" else "0002",
            "digital_products_delivered": False,
            "disputes": [],
            "refunds": [],
            "refund_status": None,
            "includes_usage": False,
            "is_multi_subscription": False,
            "is_update_payment_method": False,
            "retry_attempt": 0,
            "service_periods": [],
            "subscription_ids": [],
            "error_code": None if status != "failed" else "CARD_DECLINED",
            "error_message": None if status != "failed" else "The card was declined.",
        }

    @staticmethod
    def _discount_detail(discount: dict[str, Any]) -> dict[str, Any]:
        """The ``DiscountDetail`` a payment carries: the code as it was when used."""
        detail = {key: copy.deepcopy(discount.get(key)) for key in _DISCOUNT_DETAIL_FIELDS}
        return {**detail, "position": 0, "cycles_remaining": None}

    def get_payment(self, payment_id: str) -> dict[str, Any]:
        """``GET /payments/{id}``."""
        with self.lock:
            return copy.deepcopy(self._payment(payment_id))

    def _payment(self, payment_id: str) -> dict[str, Any]:
        try:
            return self.payments[payment_id]
        except KeyError:
            raise not_found("Payment", payment_id) from None

    def list_payments(self, query: dict[str, list[str]]) -> dict[str, Any]:
        """``GET /payments``: newest first, ``PaymentListParams`` filters, list-item shape."""
        filters = validate_payment_list_query(query)
        with self.lock:
            chosen = []
            for payment in _newest_first(list(self.payments.values())):
                if not _in_dates(payment["created_at"], filters):
                    continue
                if filters["subscription_id"] is not None:
                    continue  # the emulator sells no subscriptions
                exact = {
                    "status": payment["status"],
                    "customer_id": payment["customer"]["customer_id"],
                    "currency": payment["currency"],
                    "brand_id": payment["brand_id"],
                }
                if any(filters[key] is not None and filters[key] != value for key, value in exact.items()):
                    continue
                product_ids = {item["product_id"] for item in payment["product_cart"] or []}
                if filters["product_id"] is not None and filters["product_id"] not in product_ids:
                    continue
                chosen.append(payment)
            page = _page(chosen, filters["page_size"], filters["page_number"])
            keyed = {key["payment_id"] for key in self.license_keys.values()}
            items = [self._payment_list_item(payment) for payment in page]
            for item in items:
                item["has_license_key"] = item["payment_id"] in keyed
            return {"items": items}

    @staticmethod
    def _payment_list_item(payment: dict[str, Any]) -> dict[str, Any]:
        """A payment in ``PaymentListResponse`` shape."""
        keys = (
            "brand_id",
            "created_at",
            "currency",
            "customer",
            "digital_products_delivered",
            "includes_usage",
            "is_multi_subscription",
            "metadata",
            "payment_id",
            "payment_provider",
            "retry_attempt",
            "service_periods",
            "subscription_ids",
            "total_amount",
            "card_last_four",
            "card_network",
            "checkout_session_id",
            "payment_method",
            "refund_status",
            "status",
        )
        item = {key: copy.deepcopy(payment.get(key)) for key in keys}
        disputes = payment["disputes"]
        item["has_license_key"] = False  # list_payments fills it in from the keys
        item["dispute_status"] = disputes[-1]["dispute_status"] if disputes else None
        item["subscription_id"] = None
        return item

    def age_payment(self, payment_id: str, days: float) -> dict[str, Any]:
        """Move a payment's ``created_at`` ``days`` into the past (for the refund window)."""
        with self.lock:
            payment = self._payment(payment_id)
            payment["created_at"] = iso(_when(payment["created_at"]) - timedelta(days=days))
            return copy.deepcopy(payment)

    # -- refunds ---------------------------------------------------------------------

    def create_refund(self, body: Any) -> dict[str, Any]:
        """``POST /refunds``: refund items of a payment, or all that is left of it.

        ``items[].amount`` is tax-inclusive unless ``tax_inclusive`` is false (then the
        tax on it is added). It is in the charged currency when ``currency`` is given
        (which must be the charged currency), else in the settlement currency, as Dodo's
        API documents. An item without an amount refunds what is left of that item.
        """
        fields = validate_refund_create(body)
        with self.lock:
            payment = self._payment(fields["payment_id"])
            if payment["status"] != "succeeded":
                raise invalid(f"payment {payment['payment_id']} did not succeed: nothing to refund")
            self._check_refund_window(payment)
            currency = fields["currency"]
            if currency is not None and currency != payment["currency"]:
                raise invalid(f"`currency` must be the currency the customer paid in ({payment['currency']})")
            in_settlement = currency is None and payment["currency"] != payment["settlement_currency"]
            ledger = self._ledger(payment)
            if fields["items"] is None:
                per_line, settlement = self._rest_of(payment, ledger), None
            else:
                per_line, settlement = self._item_amounts(payment, ledger, fields["items"], in_settlement=in_settlement)
            refund = self._record_refund(payment, ledger, per_line, settlement, fields["reason"], fields["metadata"])
        self._emit("refund.succeeded", refund, "Refund")
        return refund

    def refund_payment(self, payment_id: str, reason: str = "", amount: int | None = None) -> dict[str, Any]:
        """The control route's refund: ``amount`` (charged currency, tax included) or the
        rest; 409 for a payment that failed or is already fully refunded."""
        with self.lock:
            payment = self._payment(payment_id)
            if payment["status"] != "succeeded":
                raise ApiError(409, "PAYMENT_NOT_SUCCEEDED", "only a succeeded payment can be refunded")
            if payment["refund_status"] == "full":
                raise ApiError(409, "ALREADY_REFUNDED", "payment is already fully refunded")
            self._check_refund_window(payment)
            ledger = self._ledger(payment)
            per_line = self._rest_of(payment, ledger)
            if amount is not None:
                left = sum(per_line)
                if amount > left:
                    raise invalid(self._over_refund_message(payment, amount, left))
                per_line = self._spread(amount, per_line)
            refund = self._record_refund(payment, ledger, per_line, None, reason or None, {})
        self._emit("refund.succeeded", refund, "Refund")
        return refund

    def _ledger(self, payment: dict[str, Any]) -> dict[str, Any]:
        ledger = self.ledgers.get(payment["payment_id"])
        if ledger is None:
            # A payment from an older state file: one line holding the whole amount.
            ledger = {
                "lines": [{"product_id": "", "total": payment["total_amount"], "refunded": 0}],
                "refunded": sum(r["amount"] or 0 for r in payment["refunds"]),
                "refunded_settlement": 0,
            }
            self.ledgers[payment["payment_id"]] = ledger
        return ledger

    @staticmethod
    def _check_refund_window(payment: dict[str, Any]) -> None:
        if datetime.now(UTC) - _when(payment["created_at"]) > REFUND_WINDOW:
            raise ApiError(422, "REFUND_WINDOW_PASSED", "refund window has passed")

    @staticmethod
    def _rest_of(payment: dict[str, Any], ledger: dict[str, Any]) -> list[int]:
        rest = [line["total"] - line["refunded"] for line in ledger["lines"]]
        if sum(rest) <= 0:
            raise invalid(f"payment {payment['payment_id']} is already fully refunded")
        return rest

    @staticmethod
    def _spread(amount: int, room: list[int]) -> list[int]:
        # A refund not tied to items fills the lines in cart order.
        shares = []
        for left in room:
            share = min(amount, left)
            shares.append(share)
            amount -= share
        return shares

    @staticmethod
    def _over_refund_message(payment: dict[str, Any], amount: int, left: int) -> str:
        currency = payment["currency"]
        return (
            f"refund amount {money.format_amount(amount, currency)} exceeds what is left to refund "
            f"on payment {payment['payment_id']} ({money.format_amount(left, currency)})"
        )

    def _item_amounts(
        self,
        payment: dict[str, Any],
        ledger: dict[str, Any],
        items: list[dict[str, Any]],
        *,
        in_settlement: bool,
    ) -> tuple[list[int], int | None]:
        """Each cart line's share of the refund, in the charged currency, and the amount
        asked for in the settlement currency (``None`` when it was asked in the charged one)."""
        lines = ledger["lines"]
        rate = money.tax_rate(payment["billing"]["country"])
        per_line = [0] * len(lines)
        settlement_asked = 0  # the explicit amounts, when they are in the settlement currency
        whole_items = False
        for item in items:
            index = next(
                (i for i, line in enumerate(lines) if line["product_id"] == item["item_id"]),
                None,
            )
            if index is None:
                raise invalid(f"item {item['item_id']} is not in payment {payment['payment_id']}")
            line_left = lines[index]["total"] - lines[index]["refunded"] - per_line[index]
            amount = item["amount"]
            if amount is None:
                per_line[index] += line_left
                whole_items = True
                continue
            if not item["tax_inclusive"]:
                amount += money.tax_on(amount, rate, inclusive=False)
            if in_settlement:
                settlement_asked += amount
                amount = money.round_half_up(
                    Decimal(amount) * payment["total_amount"] / max(payment["settlement_amount"], 1)
                )
            per_line[index] += amount
        left = payment["total_amount"] - ledger["refunded"]
        if in_settlement:
            settlement_left = payment["settlement_amount"] - ledger["refunded_settlement"]
            if settlement_asked > settlement_left:
                raise invalid(
                    self._over_refund_message(
                        {**payment, "currency": payment["settlement_currency"]}, settlement_asked, settlement_left
                    )
                )
            if settlement_asked == settlement_left and not whole_items:
                # The rest of the payment in settlement terms is the rest in charged terms:
                # converting each part on its own would leave rounding crumbs behind.
                return self._rest_of(payment, ledger), settlement_asked
        if sum(per_line) > left:
            raise invalid(self._over_refund_message(payment, sum(per_line), left))
        for index, share in enumerate(per_line):
            line_left = lines[index]["total"] - lines[index]["refunded"]
            if share > line_left:
                raise invalid(
                    f"refund of item {lines[index]['product_id']} "
                    f"({money.format_amount(share, payment['currency'])}) exceeds what is left of it "
                    f"({money.format_amount(line_left, payment['currency'])})"
                )
        return per_line, (settlement_asked if in_settlement and not whole_items else None)

    @staticmethod
    def _to_settlement(payment: dict[str, Any], amount: int) -> int:
        # The payment's own conversion, not today's table: a refund gives back in
        # proportion to what was paid.
        return money.round_half_up(Decimal(amount) * payment["settlement_amount"] / max(payment["total_amount"], 1))

    def _record_refund(
        self,
        payment: dict[str, Any],
        ledger: dict[str, Any],
        per_line: list[int],
        settlement: int | None,
        reason: str | None,
        metadata: dict[str, Any],
    ) -> dict[str, Any]:
        amount = sum(per_line)
        if amount <= 0:
            raise invalid("a refund must be for more than nothing")
        full = ledger["refunded"] + amount == payment["total_amount"]
        settlement_left = payment["settlement_amount"] - ledger["refunded_settlement"]
        if full:
            settlement = settlement_left
        elif settlement is None:
            settlement = min(self._to_settlement(payment, amount), settlement_left)
        for line, share in zip(ledger["lines"], per_line, strict=True):
            line["refunded"] += share
        ledger["refunded"] += amount
        ledger["refunded_settlement"] += settlement
        refund = {
            "refund_id": new_id("ref_"),
            "payment_id": payment["payment_id"],
            "business_id": self.business_id,
            "brand_id": self.brand_id,
            "created_at": now_iso(),
            "status": "succeeded",
            "amount": amount,
            "currency": payment["currency"],
            "is_partial": not full,
            "reason": reason,
            "customer": copy.deepcopy(payment["customer"]),
            "metadata": metadata,
        }
        self.refunds[refund["refund_id"]] = refund
        payment["refunds"].append({key: refund[key] for key in _REFUND_LIST_ITEM_FIELDS})
        payment["refund_status"] = "full" if full else "partial"
        payment["updated_at"] = refund["created_at"]
        return copy.deepcopy(refund)

    def get_refund(self, refund_id: str) -> dict[str, Any]:
        """``GET /refunds/{id}``."""
        with self.lock:
            try:
                return copy.deepcopy(self.refunds[refund_id])
            except KeyError:
                raise not_found("Refund", refund_id) from None

    def list_refunds(self, query: dict[str, list[str]]) -> dict[str, Any]:
        """``GET /refunds``: newest first, ``RefundListParams`` filters, ``RefundListItem`` shape."""
        filters = validate_refund_list_query(query)
        with self.lock:
            chosen = [
                refund
                for refund in _newest_first(list(self.refunds.values()))
                if _in_dates(refund["created_at"], filters)
                and filters["subscription_id"] is None
                and filters["status"] in (None, refund["status"])
                and filters["customer_id"] in (None, refund["customer"]["customer_id"])
            ]
            page = _page(chosen, filters["page_size"], filters["page_number"])
            return {"items": [{key: copy.deepcopy(r[key]) for key in _REFUND_LIST_ITEM_FIELDS} for r in page]}

    # -- disputes --------------------------------------------------------------------

    def open_dispute(
        self, payment_id: str, *, amount: int | None = None, reason: str = "", remarks: str = ""
    ) -> dict[str, Any]:
        """A buyer disputes a succeeded payment: announces ``dispute.opened``."""
        with self.lock:
            payment = self._payment(payment_id)
            if payment["status"] != "succeeded":
                raise ApiError(409, "PAYMENT_NOT_SUCCEEDED", "only a succeeded payment can be disputed")
            if any(d["dispute_status"] not in FINAL_DISPUTE_STATUSES for d in payment["disputes"]):
                raise ApiError(409, "DISPUTE_OPEN", f"payment {payment_id} already has an open dispute")
            if amount is not None and not 0 < amount <= payment["total_amount"]:
                raise invalid(f"`amount` must be from 1 to the payment's total ({payment['total_amount']})")
            dispute = {
                "dispute_id": new_id("dsp_"),
                "payment_id": payment_id,
                "business_id": self.business_id,
                "brand_id": self.brand_id,
                "created_at": now_iso(),
                # Dodo sends the disputed amount as a string of minor units.
                "amount": str(payment["total_amount"] if amount is None else amount),
                "currency": payment["currency"],
                "customer": copy.deepcopy(payment["customer"]),
                "dispute_stage": "dispute",
                "dispute_status": "dispute_opened",
                "payment_provider": "dodo",
                "is_resolved_by_rdr": False,
                "reason": reason or "fraudulent",
                "remarks": remarks or None,
            }
            self.disputes[dispute["dispute_id"]] = dispute
            payment["disputes"].append(self._dispute_event_data(dispute))
            payment["updated_at"] = dispute["created_at"]
            result = self._dispute_event_data(dispute)
        self._emit("dispute.opened", result, "Dispute")
        return result

    def resolve_dispute(self, dispute_id: str, outcome: str) -> dict[str, Any]:
        """Record a dispute's next state (``won``, ``lost``, ``challenged``...) and
        announce ``dispute.<outcome>``; 409 once the dispute is over."""
        if outcome not in DISPUTE_OUTCOMES:
            raise ApiError(
                404, "NOT_FOUND", f"no dispute outcome {outcome!r}: use one of {', '.join(DISPUTE_OUTCOMES)}"
            )
        with self.lock:
            dispute = self._dispute(dispute_id)
            status = f"dispute_{outcome}"
            if dispute["dispute_status"] in FINAL_DISPUTE_STATUSES or dispute["dispute_status"] == status:
                raise ApiError(409, "DISPUTE_CLOSED", f"dispute {dispute_id} is already {dispute['dispute_status']}")
            dispute["dispute_status"] = status
            payment = self._payment(dispute["payment_id"])
            payment["disputes"] = [
                self._dispute_event_data(dispute) if d["dispute_id"] == dispute_id else d for d in payment["disputes"]
            ]
            payment["updated_at"] = now_iso()
            result = self._dispute_event_data(dispute)
        self._emit(f"dispute.{outcome}", result, "Dispute")
        return result

    def _dispute(self, dispute_id: str) -> dict[str, Any]:
        try:
            return self.disputes[dispute_id]
        except KeyError:
            raise not_found("Dispute", dispute_id) from None

    @staticmethod
    def _dispute_event_data(dispute: dict[str, Any]) -> dict[str, Any]:
        """The ``Dispute`` model's fields: webhook data and ``Payment.disputes`` items."""
        return {key: copy.deepcopy(dispute[key]) for key in _DISPUTE_FIELDS}

    def get_dispute(self, dispute_id: str) -> dict[str, Any]:
        """``GET /disputes/{id}`` (``GetDispute``: with brand, customer and reason)."""
        with self.lock:
            return copy.deepcopy(self._dispute(dispute_id))

    def list_disputes(self, query: dict[str, list[str]]) -> dict[str, Any]:
        """``GET /disputes``: newest first, ``DisputeListParams`` filters."""
        filters = validate_dispute_list_query(query)
        with self.lock:
            chosen = [
                dispute
                for dispute in _newest_first(list(self.disputes.values()))
                if _in_dates(dispute["created_at"], filters)
                and filters["customer_id"] in (None, dispute["customer"]["customer_id"])
                and filters["dispute_stage"] in (None, dispute["dispute_stage"])
                and filters["dispute_status"] in (None, dispute["dispute_status"])
            ]
            page = _page(chosen, filters["page_size"], filters["page_number"])
            return {"items": [{key: copy.deepcopy(d[key]) for key in _DISPUTE_LIST_FIELDS} for d in page]}

    # -- license keys and invoices ---------------------------------------------------

    def _issue_license_keys(self, payment: dict[str, Any]) -> list[dict[str, Any]]:
        """A key for each line of a succeeded payment whose product issues keys, with
        the product's activation limit and an expiry from its duration (a month is 30
        days and a year 365 here). Answers the new ``LicenseKey`` objects (copies)."""
        issued = []
        for item in payment["product_cart"] or []:
            product = self.products.get(item["product_id"])
            if not product or not product.get("license_key_enabled"):
                continue
            created = datetime.now(UTC)
            duration = product.get("license_key_duration")
            expires_at = None
            if duration:
                days = {"Day": 1, "Week": 7, "Month": 30, "Year": 365}[duration["interval"]] * duration["count"]
                expires_at = iso(created + timedelta(days=days))
            key = {
                "id": new_id("lic_"),
                "brand_id": self.brand_id,
                "business_id": self.business_id,
                "created_at": iso(created),
                "customer_id": payment["customer"]["customer_id"],
                "instances_count": 0,
                # Dodo's keys are UUID-shaped strings.
                "key": "-".join(
                    "".join(secrets.choice(_CODE_ALPHABET) for _ in range(size)) for size in (8, 4, 4, 4, 12)
                ),
                "product_id": item["product_id"],
                "source": "auto",
                "status": "active",
                "activations_limit": product.get("license_key_activations_limit"),
                "expires_at": expires_at,
                "payment_id": payment["payment_id"],
                "subscription_id": None,
            }
            self.license_keys[key["id"]] = key
            issued.append(self._license_key_view(key))
        return issued

    @staticmethod
    def _license_key_view(key: dict[str, Any]) -> dict[str, Any]:
        """The ``LicenseKey`` as Dodo shows it now: a key past its expiry reads ``expired``."""
        view = copy.deepcopy(key)
        if view["status"] == "active" and view["expires_at"] and _when(view["expires_at"]) <= datetime.now(UTC):
            view["status"] = "expired"
        return view

    def _license_key(self, license_key_id: str) -> dict[str, Any]:
        try:
            return self.license_keys[license_key_id]
        except KeyError:
            raise not_found("License key", license_key_id) from None

    def get_license_key(self, license_key_id: str) -> dict[str, Any]:
        """``GET /license_keys/{id}``."""
        with self.lock:
            return self._license_key_view(self._license_key(license_key_id))

    def update_license_key(self, license_key_id: str, body: Any) -> dict[str, Any]:
        """``PATCH /license_keys/{id}``: limit, ``disabled`` and expiry; answers the key.
        A limit below the activations already made is a 422, as on Dodo."""
        changes = validate_license_key_update(body)
        with self.lock:
            key = self._license_key(license_key_id)
            limit = changes.get("activations_limit")
            if limit is not None and limit < key["instances_count"]:
                raise invalid(
                    f"`activations_limit` {limit} is less than the key's {key['instances_count']} activations"
                )
            if "activations_limit" in changes:
                key["activations_limit"] = limit
            if "expires_at" in changes:
                key["expires_at"] = changes["expires_at"]
            if "disabled" in changes:
                key["status"] = "disabled" if changes["disabled"] else "active"
            return self._license_key_view(key)

    def has_license_key(self, key_string: str) -> bool:
        """Whether this environment issued the key (the public routes carry no API key)."""
        with self.lock:
            return self._key_by_string(key_string) is not None

    def _key_by_string(self, key_string: str) -> dict[str, Any] | None:
        return next((key for key in self.license_keys.values() if key["key"] == key_string), None)

    def _usable_key(self, key_string: str) -> dict[str, Any]:
        key = self._key_by_string(key_string)
        if key is None:
            raise ApiError(404, "NOT_FOUND", "License key not found")
        return key

    def activate_license(self, body: Any) -> dict[str, Any]:
        """``POST /licenses/activate`` (public): a new instance of an active key, answered
        201 as ``LicenseActivateResponse``; 404 unknown key, 403 disabled or expired, 422
        once the activation limit is reached."""
        fields = validate_license_request(body, instance="name")
        with self.lock:
            key = self._usable_key(fields["license_key"])
            status = self._license_key_view(key)["status"]
            if status != "active":
                raise ApiError(403, "LICENSE_KEY_INACTIVE", f"License key is {status} and cannot be activated")
            limit = key["activations_limit"]
            if limit is not None and key["instances_count"] >= limit:
                raise ApiError(
                    422, "LICENSE_KEY_ACTIVATION_LIMIT_REACHED", f"License key activation limit ({limit}) reached"
                )
            instance = {
                "id": new_id("lki_"),
                "business_id": self.business_id,
                "created_at": now_iso(),
                "license_key_id": key["id"],
                "name": fields["name"],
            }
            self.license_instances[instance["id"]] = instance
            key["instances_count"] += 1
            customer = self.customers.get(key["customer_id"]) or {}
            product = self.products.get(key["product_id"]) or {}
            return {
                **copy.deepcopy(instance),
                "customer": {
                    "customer_id": key["customer_id"],
                    "email": customer.get("email", ""),
                    "name": customer.get("name", ""),
                    "metadata": copy.deepcopy(customer.get("metadata") or {}),
                    "phone_number": customer.get("phone_number"),
                },
                "product": {"product_id": key["product_id"], "name": product.get("name")},
            }

    def validate_license(self, body: Any) -> dict[str, Any]:
        """``POST /licenses/validate`` (public): ``{"valid": bool}``; valid only for an
        active, unexpired key (and, when given, an instance of that key)."""
        fields = validate_license_request(body)
        with self.lock:
            key = self._key_by_string(fields["license_key"])
            if key is None or self._license_key_view(key)["status"] != "active":
                return {"valid": False}
            instance_id = fields["license_key_instance_id"]
            if instance_id is not None:
                instance = self.license_instances.get(instance_id)
                if instance is None or instance["license_key_id"] != key["id"]:
                    return {"valid": False}
            return {"valid": True}

    def deactivate_license(self, body: Any) -> None:
        """``POST /licenses/deactivate`` (public): frees one activation; 404 unknown key,
        403 for an instance that is not the key's."""
        fields = validate_license_request(body, instance="license_key_instance_id")
        with self.lock:
            key = self._usable_key(fields["license_key"])
            instance = self.license_instances.get(fields["license_key_instance_id"])
            if instance is None or instance["license_key_id"] != key["id"]:
                raise ApiError(
                    403, "FORBIDDEN", "License key instance not found or does not belong to this license key"
                )
            del self.license_instances[instance["id"]]
            key["instances_count"] = max(key["instances_count"] - 1, 0)

    def has_payment(self, payment_id: str) -> bool:
        """Whether this environment holds the payment (the invoice route needs no key)."""
        with self.lock:
            return payment_id in self.payments

    def payment_invoice(self, payment_id: str) -> bytes:
        """``GET /invoices/payments/{id}``: a one-page PDF invoice of a succeeded payment
        (404 for an unknown one, or one that took no money)."""
        from .invoices import invoice_pdf

        with self.lock:
            payment = self.payments.get(payment_id)
            if payment is None or payment["status"] != "succeeded":
                raise not_found("Payment", payment_id)
            ledger = self._ledger(payment)
            lines = [
                {**line, "name": (self.products.get(line["product_id"]) or {}).get("name") or line["product_id"]}
                for line in ledger["lines"]
            ]
            return invoice_pdf(copy.deepcopy(payment), lines, business_id=self.business_id)

    # -- example events --------------------------------------------------------------

    def send_example(self, event_type: str) -> dict[str, Any] | None:
        """Announce a correctly shaped example ``event_type`` that matches nothing: a
        payment of a product nobody has, with no metadata, as Dodo's dashboard does."""
        if event_type not in EXAMPLE_EVENT_TYPES:
            raise ApiError(
                400, "BAD_SWITCH", f"no example for {event_type!r}: use one of {', '.join(EXAMPLE_EVENT_TYPES)}"
            )
        family, _, action = event_type.partition(".")
        customer = {
            "customer_id": new_id("cus_"),
            "email": "example@example.com",
            "name": "Example Customer",
            "phone_number": None,
            "metadata": {},
        }
        priced = money.quote(
            [money.CartLine(product_id=new_id("pdt_"), quantity=1, unit_price=1000)],
            product_currency="USD",
            charged_currency="USD",
            country=money.DEFAULT_COUNTRY,
        )
        payment = self._payment_object(
            status={"payment": action, "refund": "succeeded", "dispute": "succeeded"}[family],
            customer=customer,
            priced=priced,
            billing={"country": "US", "zipcode": "10001"},
            product_cart=[{"product_id": priced.lines[0]["product_id"], "quantity": 1}],
            metadata={},
            checkout_session_id=None,
        )
        stamp = now_iso()
        if family == "payment":
            return self._emit(event_type, payment, "Payment")
        if family == "refund":
            refund = {
                "refund_id": new_id("ref_"),
                "payment_id": payment["payment_id"],
                "business_id": self.business_id,
                "brand_id": self.brand_id,
                "created_at": stamp,
                "status": action,
                "amount": payment["total_amount"],
                "currency": payment["currency"],
                "is_partial": False,
                "reason": "Example refund",
                "customer": customer,
                "metadata": {},
            }
            return self._emit(event_type, refund, "Refund")
        dispute = {
            "dispute_id": new_id("dsp_"),
            "payment_id": payment["payment_id"],
            "business_id": self.business_id,
            "created_at": stamp,
            "amount": str(payment["total_amount"]),
            "currency": payment["currency"],
            "dispute_stage": "dispute",
            "dispute_status": f"dispute_{action}",
            "is_resolved_by_rdr": False,
            "remarks": "Example dispute",
        }
        return self._emit(event_type, dispute, "Dispute")

    # -- webhooks, request log, snapshot ---------------------------------------------

    def _emit(self, event_type: str, data: dict[str, Any], payload_type: str) -> dict[str, Any] | None:
        if self.on_event is None:
            return None
        # Dodo's webhook data carries a payload_type beside the object's fields.
        return self.on_event(event_type, {"payload_type": payload_type, **data})

    def log_request(self, entry: dict[str, Any]) -> tuple[dict[str, Any], int]:
        """Append an API request to the log; returns it (the caller fills in ``status``)
        and the generation it belongs to."""
        with self.lock:
            self.requests.append(entry)
            return entry, self.generation

    def find_delivery(self, webhook_id: str) -> dict[str, Any] | None:
        """The delivery record of a webhook message, if this environment sent it."""
        with self.lock:
            return next((d for d in self.deliveries if d["webhook_id"] == webhook_id), None)

    def snapshot(self) -> dict[str, Any]:
        """Everything, for ``GET /_emulator/state`` and the dashboard."""
        with self.lock:
            products = []
            for product_id, product in self.products.items():
                products.append({**product, "archived": product_id in self.archived})
            return copy.deepcopy(
                {
                    "mode": self.mode,
                    "customers": list(self.customers.values()),
                    "products": products,
                    "discounts": list(self.discounts.values()),
                    "sessions": list(self.sessions.values()),
                    "payments": list(self.payments.values()),
                    "refunds": list(self.refunds.values()),
                    "disputes": list(self.disputes.values()),
                    "license_keys": [self._license_key_view(key) for key in self.license_keys.values()],
                    "license_instances": list(self.license_instances.values()),
                    "webhooks": self.deliveries,
                }
            )


class Environments:
    """Dodo's two environments, each a :class:`Store`, kept in one optional state file.

    The state file holds ``{"test_mode": {...}, "live_mode": {...}}``; a file written
    before live mode existed (one flat environment) is read as ``test_mode``.
    """

    def __init__(self, *, business_id: str, brand_id: str, checkout_base_url: str, state_file: str = "") -> None:
        """One empty store per mode, then whatever ``state_file`` holds."""
        self.state_file = state_file
        self.stores = {
            mode: Store(business_id=business_id, brand_id=brand_id, checkout_base_url=checkout_base_url, mode=mode)
            for mode in MODES
        }
        self._persist_lock = threading.Lock()
        self._load()

    def __getitem__(self, mode: str) -> Store:
        """The store of ``mode`` (``test_mode`` or ``live_mode``)."""
        return self.stores[mode]

    def __iter__(self):
        """The stores, test mode first."""
        return iter(self.stores.values())

    def reset(self) -> None:
        """Forget everything in both environments."""
        for store in self:
            store.reset()

    def store_for_public_call(self, path: str, body: Any) -> Store:
        """The environment a call without an API key is about (Dodo's public license
        routes and invoice links): the one holding the key or payment it names, else
        test mode (whose answer is then a 404)."""
        for store in self:
            if path.startswith("/invoices/payments/"):
                if store.has_payment(path.rsplit("/", 1)[-1]):
                    return store
            elif isinstance(body, dict) and isinstance(body.get("license_key"), str):
                if store.has_license_key(body["license_key"]):
                    return store
        return self["test_mode"]

    def store_with_session(self, session_id: str) -> Store:
        """The environment that made a checkout session (the hosted page serves both)."""
        for store in self:
            if store.has_session(session_id):
                return store
        raise not_found("Checkout session", session_id)

    def _load(self) -> None:
        if not self.state_file or not os.path.exists(self.state_file):
            return
        with open(self.state_file, encoding="utf-8") as handle:
            data = json.load(handle)
        if not any(mode in data for mode in MODES):
            data = {"test_mode": data}
        for mode, store in self.stores.items():
            store.load(data.get(mode, {}))

    def persist(self) -> None:
        """Write both environments to ``state_file`` (atomically), if one was given."""
        if not self.state_file:
            return
        with self._persist_lock:
            data = {mode: store.dump() for mode, store in self.stores.items()}
            temporary = f"{self.state_file}.tmp"
            with open(temporary, "w", encoding="utf-8") as handle:
                json.dump(data, handle)
            os.replace(temporary, self.state_file)
