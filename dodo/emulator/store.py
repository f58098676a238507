"""The emulator's in-memory Dodo: customers, products, checkout sessions, payments,
refunds, the webhook deliveries they cause, and a log of API requests.

Objects are kept in the shape Dodo's API returns (the fields the ``dodopayments`` SDK's
response models require), so handlers can answer with a copy. Every method takes
``self.lock``: the HTTP server runs each request in its own thread, and webhook
deliveries update their records from background threads.
"""

from __future__ import annotations

import copy
import json
import os
import secrets
import string
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from .validation import (
    ApiError,
    invalid,
    not_found,
    validate_checkout_create,
    validate_customer_create,
    validate_customer_list_query,
    validate_customer_update,
    validate_product_create,
    validate_product_list_query,
    validate_product_update,
)

_ID_ALPHABET = string.ascii_letters + string.digits


def new_id(prefix: str) -> str:
    """An id shaped like Dodo's: a type prefix and 21 random letters and digits."""
    return prefix + "".join(secrets.choice(_ID_ALPHABET) for _ in range(21))


def now_iso() -> str:
    """The current UTC time as ISO 8601 with a ``Z``, as Dodo writes timestamps."""
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


class Store:
    """All emulated Dodo state, guarded by one re-entrant lock.

    ``on_event(event_type, data)`` is called, after the lock is released, whenever
    something happens that Dodo would announce with a webhook; it must return quickly.
    """

    def __init__(self, *, business_id: str, brand_id: str, checkout_base_url: str, state_file: str = "") -> None:
        """Start empty (or from ``state_file``); ``checkout_base_url`` prefixes checkout URLs."""
        self.lock = threading.RLock()
        self.business_id = business_id
        self.brand_id = brand_id
        self.checkout_base_url = checkout_base_url.rstrip("/")
        self.on_event: Callable[[str, dict[str, Any]], None] | None = None
        self.state_file = state_file
        self.reset()
        self._load()

    # -- persistence (optional) --------------------------------------------------------
    _PERSISTED = ("customers", "products", "sessions", "payments", "refunds")

    def _load(self) -> None:
        if not self.state_file or not os.path.exists(self.state_file):
            return
        with open(self.state_file, encoding="utf-8") as handle:
            data = json.load(handle)
        with self.lock:
            for name in self._PERSISTED:
                getattr(self, name).update(data.get(name, {}))
            self.archived.update(data.get("archived", []))

    def persist(self) -> None:
        """Write the objects to ``state_file`` (atomically), if one was given."""
        if not self.state_file:
            return
        with self.lock:
            data = {name: getattr(self, name) for name in self._PERSISTED}
            data["archived"] = sorted(self.archived)
            temporary = f"{self.state_file}.tmp"
            with open(temporary, "w", encoding="utf-8") as handle:
                json.dump(data, handle)
            os.replace(temporary, self.state_file)

    def reset(self) -> None:
        """Forget everything. ``generation`` changes so stale deliveries stop retrying."""
        with self.lock:
            self.generation = getattr(self, "generation", 0) + 1
            self.customers: dict[str, dict[str, Any]] = {}
            self.products: dict[str, dict[str, Any]] = {}
            self.archived: set[str] = set()
            self.sessions: dict[str, dict[str, Any]] = {}
            self.payments: dict[str, dict[str, Any]] = {}
            self.refunds: dict[str, dict[str, Any]] = {}
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
            page = chosen[page_number * page_size : (page_number + 1) * page_size]
            return {"items": copy.deepcopy(page)}

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
            page = chosen[page_number * page_size : (page_number + 1) * page_size]
            return {"items": [self._list_item(product) for product in page]}

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
        """``DELETE /products/{id}``: archive (idempotent)."""
        with self.lock:
            self._product(product_id)
            self.archived.add(product_id)

    def unarchive_product(self, product_id: str) -> None:
        """``POST /products/{id}/unarchive`` (idempotent)."""
        with self.lock:
            self._product(product_id)
            self.archived.discard(product_id)

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
                currencies.add(product["price"]["currency"])
            if len(currencies) > 1:
                raise invalid("all products in `product_cart` must have the same currency")
            customer_id = None
            if fields["customer"] is not None:
                customer_id = self._attach_customer(fields["customer"])
            session_id = new_id("cks_")
            self.sessions[session_id] = {
                "session_id": session_id,
                "created_at": now_iso(),
                "product_cart": fields["product_cart"],
                "customer_id": customer_id,
                "return_url": fields["return_url"],
                "cancel_url": fields["cancel_url"],
                "metadata": fields["metadata"],
                "payment_ids": [],
            }
            return {
                "session_id": session_id,
                "checkout_url": f"{self.checkout_base_url}/checkout/{session_id}",
            }

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

    def checkout_view(self, session_id: str) -> dict[str, Any]:
        """What the hosted checkout page shows: lines, total, customer, paid or not."""
        with self.lock:
            session = self._session(session_id)
            lines = []
            for item in session["product_cart"]:
                product = self._product(item["product_id"])
                lines.append(
                    {
                        "name": product["name"],
                        "quantity": item["quantity"],
                        "amount": product["price"]["price"] * item["quantity"],
                    }
                )
            customer = self.customers.get(session["customer_id"] or "")
            return {
                "session": copy.deepcopy(session),
                "lines": lines,
                "total": sum(line["amount"] for line in lines),
                "currency": self._session_currency(session),
                "customer": copy.deepcopy(customer),
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

    # -- payments and refunds --------------------------------------------------------

    def complete_checkout(self, session_id: str, *, succeeded: bool, email: str = "", name: str = "") -> dict[str, Any]:
        """Pay or decline a session, as its hosted page does; announces the payment.

        A declined session can be tried again; a paid one answers 409, as Dodo does
        for a consumed session. Without a session customer, ``email``/``name`` (or a
        placeholder buyer) become the customer.
        """
        with self.lock:
            session = self._session(session_id)
            if self._session_paid(session):
                raise ApiError(409, "CHECKOUT_SESSION_CONSUMED", "checkout session is already paid")
            if session["customer_id"] is None:
                session["customer_id"] = self._attach_customer(
                    {"email": email or "buyer@example.com", "name": name or "Emulated Buyer"}
                )
            customer = self.customers[session["customer_id"]]
            total = sum(
                self._product(item["product_id"])["price"]["price"] * item["quantity"]
                for item in session["product_cart"]
            )
            currency = self._session_currency(session)
            stamp = now_iso()
            payment = {
                "payment_id": new_id("pay_"),
                "business_id": self.business_id,
                "brand_id": self.brand_id,
                "created_at": stamp,
                "updated_at": stamp,
                "status": "succeeded" if succeeded else "failed",
                "total_amount": total,
                "currency": currency,
                "settlement_amount": total,
                "settlement_currency": currency,
                "tax": 0,
                "settlement_tax": 0,
                "customer": {
                    "customer_id": customer["customer_id"],
                    "email": customer["email"],
                    "name": customer["name"],
                    "phone_number": customer["phone_number"],
                    "metadata": customer["metadata"],
                },
                "billing": {"country": "US", "zipcode": "10001"},
                "product_cart": copy.deepcopy(session["product_cart"]),
                "checkout_session_id": session_id,
                "metadata": copy.deepcopy(session["metadata"]),
                "payment_provider": "dodo",
                "payment_method": "card",
                "card_network": "VISA",
                "card_last_four": "4242" if succeeded else "0002",
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
                "error_code": None if succeeded else "CARD_DECLINED",
                "error_message": None if succeeded else "The card was declined.",
            }
            self.payments[payment["payment_id"]] = payment
            session["payment_ids"].append(payment["payment_id"])
            result = copy.deepcopy(payment)
        self._emit("payment.succeeded" if succeeded else "payment.failed", result, "Payment")
        return result

    def get_payment(self, payment_id: str) -> dict[str, Any]:
        """``GET /payments/{id}``."""
        with self.lock:
            return copy.deepcopy(self._payment(payment_id))

    def _payment(self, payment_id: str) -> dict[str, Any]:
        try:
            return self.payments[payment_id]
        except KeyError:
            raise not_found("Payment", payment_id) from None

    def refund_payment(self, payment_id: str, reason: str = "") -> dict[str, Any]:
        """Refund a succeeded payment in full; announces ``refund.succeeded``."""
        with self.lock:
            payment = self._payment(payment_id)
            if payment["status"] != "succeeded":
                raise ApiError(409, "PAYMENT_NOT_SUCCEEDED", "only a succeeded payment can be refunded")
            if payment["refund_status"] == "full":
                raise ApiError(409, "ALREADY_REFUNDED", "payment is already fully refunded")
            refund = {
                "refund_id": new_id("ref_"),
                "payment_id": payment_id,
                "business_id": self.business_id,
                "brand_id": self.brand_id,
                "created_at": now_iso(),
                "status": "succeeded",
                "amount": payment["total_amount"],
                "currency": payment["currency"],
                "is_partial": False,
                "reason": reason or None,
                "customer": copy.deepcopy(payment["customer"]),
                "metadata": {},
            }
            self.refunds[refund["refund_id"]] = refund
            payment["refunds"].append(
                {
                    key: refund[key]
                    for key in (
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
                }
            )
            payment["refund_status"] = "full"
            payment["updated_at"] = refund["created_at"]
            result = copy.deepcopy(refund)
        self._emit("refund.succeeded", result, "Refund")
        return result

    # -- webhooks, request log, snapshot ---------------------------------------------

    def _emit(self, event_type: str, data: dict[str, Any], payload_type: str) -> None:
        if self.on_event is not None:
            # Dodo's webhook data carries a payload_type beside the object's fields.
            self.on_event(event_type, {"payload_type": payload_type, **data})

    def log_request(self, entry: dict[str, Any]) -> tuple[dict[str, Any], int]:
        """Append an API request to the log; returns it (the caller fills in ``status``)
        and the generation it belongs to."""
        with self.lock:
            self.requests.append(entry)
            return entry, self.generation

    def snapshot(self) -> dict[str, Any]:
        """Everything, for ``GET /_emulator/state`` and the dashboard."""
        with self.lock:
            products = []
            for product_id, product in self.products.items():
                products.append({**product, "archived": product_id in self.archived})
            return copy.deepcopy(
                {
                    "customers": list(self.customers.values()),
                    "products": products,
                    "sessions": list(self.sessions.values()),
                    "payments": list(self.payments.values()),
                    "refunds": list(self.refunds.values()),
                    "webhooks": self.deliveries,
                }
            )
