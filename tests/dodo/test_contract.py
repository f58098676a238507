"""Contract tests against Dodo's official SDK (``dodopayments``, test-only).

- Every body our client sends fits the SDK's request params (strict: no string where
  Dodo wants an int, no field Dodo does not know).
- Every answer of the emulator fits the SDK's response models, webhooks included.
- The official SDK itself, with strict response validation, works against the emulator.
- The same for the money routes (discounts, refunds, disputes, payment and refund lists,
  tax and Adaptive Currency fields) and every payment, refund and dispute webhook.
"""

from __future__ import annotations

import json
import re
import typing
from urllib.parse import parse_qs

import dodopayments
import pytest
import requests
from dodopayments.types import (
    CheckoutSessionResponse,
    CheckoutSessionStatus,
    Customer,
    Discount,
    DiscountDetail,
    Dispute,
    DisputeAcceptedWebhookEvent,
    DisputeCancelledWebhookEvent,
    DisputeChallengedWebhookEvent,
    DisputeExpiredWebhookEvent,
    DisputeListResponse,
    DisputeLostWebhookEvent,
    DisputeOpenedWebhookEvent,
    DisputeWonWebhookEvent,
    GetDispute,
    Payment,
    PaymentCancelledWebhookEvent,
    PaymentFailedWebhookEvent,
    PaymentListResponse,
    PaymentProcessingWebhookEvent,
    PaymentSucceededWebhookEvent,
    Product,
    ProductListResponse,
    Refund,
    RefundFailedWebhookEvent,
    RefundListItem,
    RefundSucceededWebhookEvent,
    UnwrapWebhookEvent,
)
from dodopayments.types.checkout_session_create_params import CheckoutSessionCreateParams
from dodopayments.types.customer_create_params import CustomerCreateParams
from dodopayments.types.customer_list_params import CustomerListParams
from dodopayments.types.customer_update_params import CustomerUpdateParams
from dodopayments.types.discount_create_params import DiscountCreateParams
from dodopayments.types.discount_list_params import DiscountListParams
from dodopayments.types.discount_update_params import DiscountUpdateParams
from dodopayments.types.dispute_list_params import DisputeListParams
from dodopayments.types.payment_list_params import PaymentListParams
from dodopayments.types.price_param import OneTimePrice
from dodopayments.types.product_create_params import ProductCreateParams
from dodopayments.types.product_list_params import ProductListParams
from dodopayments.types.product_update_params import ProductUpdateParams
from dodopayments.types.refund_create_params import RefundCreateParams
from dodopayments.types.refund_list_params import RefundListParams
from pydantic import TypeAdapter

from dodo.client import get_client

REQUEST_SCHEMAS = [
    ("POST", re.compile(r"/customers"), CustomerCreateParams),
    ("PATCH", re.compile(r"/customers/[^/]+"), CustomerUpdateParams),
    ("POST", re.compile(r"/products"), ProductCreateParams),
    ("PATCH", re.compile(r"/products/[^/]+"), ProductUpdateParams),
    ("POST", re.compile(r"/checkouts"), CheckoutSessionCreateParams),
]


def _fits_params(params_type, body):
    """Validate ``body`` strictly against a request TypedDict, unknown keys included."""
    validated = TypeAdapter(params_type).validate_python(body, strict=True)
    for value in validated.values():
        # pydantic checks Iterable fields lazily: consume them to validate the items.
        if not isinstance(value, str | dict | list) and hasattr(value, "__iter__"):
            list(value)
    assert set(body) <= set(typing.get_type_hints(params_type)), body
    if "price" in body:
        assert set(body["price"]) <= set(typing.get_type_hints(OneTimePrice)), body["price"]


def _fits_model(model, data):
    """Validate ``data`` strictly, as it arrives over the wire (JSON), against a model."""
    return model.model_validate_json(json.dumps(data), strict=True)


def _exercise_client(dodo_emulator):
    """Every client call; returns what came back, keyed by SDK response model."""
    dodo = get_client()
    customer = dodo.create_customer("ada@example.com", "Ada", metadata={"user_id": "1"})
    product = dodo.create_product(
        name="Icons",
        description="Icons.",
        price_cents=1999,
        currency="USD",
        tax_category="digital_products",
        metadata={"marketplace_product_id": "1"},
    )
    dodo.update_product(
        product["product_id"],
        name="Icons 2",
        description="More icons.",
        price_cents=999,
        currency="USD",
        tax_category="e_book",
        metadata={"marketplace_product_id": "1"},
    )
    session = dodo.create_checkout_session(
        product_cart=[{"product_id": product["product_id"], "quantity": 1}],
        customer={"customer_id": customer["customer_id"]},
        return_url="http://testserver/orders/1/",
        metadata={"order_id": "1"},
    )
    guest_session = dodo.create_checkout_session(
        product_cart=[{"product_id": product["product_id"], "quantity": 1}],
        customer={"email": "guest@example.com", "name": "Guest"},
        return_url=None,
        metadata=None,
    )
    pending_status = dodo.get_checkout_session(session["session_id"])
    failed = dodo_emulator.decline(guest_session["session_id"])["payment"]
    paid = dodo_emulator.pay(session["session_id"])["payment"]
    refund = dodo_emulator.refund(paid["payment_id"], reason="Asked for it")
    return {
        Customer: [
            customer,
            dodo.get_customer(customer["customer_id"]),
            dodo.update_customer(customer["customer_id"], name="Ada L", metadata={"a": "b"}),
            dodo.find_customer_by_email("ada@example.com"),
        ],
        Product: [product, dodo.get_product(product["product_id"])],
        ProductListResponse: dodo.list_products(),
        CheckoutSessionResponse: [session, guest_session],
        CheckoutSessionStatus: [pending_status, dodo.get_checkout_session(session["session_id"])],
        Payment: [
            failed,
            dodo.get_payment(paid["payment_id"]),
            dodo.get_payment(failed["payment_id"]),
        ],
        Refund: [refund],
    }


def test_client_requests_fit_dodos_request_schemas(dodo_settings, dodo_emulator):
    _exercise_client(dodo_emulator)
    dodo = get_client()
    dodo.archive_product(dodo.list_products()[0]["product_id"])
    dodo.list_products(archived=True)

    seen = set()
    for request in dodo_emulator.requests():
        if request["method"] == "GET" and request["path"] == "/customers":
            query = {key: values[-1] for key, values in parse_qs(request["query"]).items()}
            TypeAdapter(CustomerListParams).validate_python(query)
            assert set(query) <= set(typing.get_type_hints(CustomerListParams))
            continue
        if request["method"] == "GET" and request["path"] == "/products":
            query = {key: values[-1] for key, values in parse_qs(request["query"]).items()}
            TypeAdapter(ProductListParams).validate_python(query)  # query strings: lax
            assert set(query) <= set(typing.get_type_hints(ProductListParams))
            continue
        for method, pattern, params_type in REQUEST_SCHEMAS:
            if request["method"] == method and pattern.fullmatch(request["path"]):
                _fits_params(params_type, request["json"])
                seen.add(params_type)
                break
        else:
            # GET and DELETE carry no body; the unarchive POST none either.
            assert request["json"] is None, request
    assert seen == {schema for _, _, schema in REQUEST_SCHEMAS}


def test_emulator_answers_fit_dodos_response_models(dodo_settings, dodo_emulator):
    answers = _exercise_client(dodo_emulator)
    for model, objects in answers.items():
        assert objects, model
        for data in objects:
            _fits_model(model, data)

    paid = _fits_model(Payment, answers[Payment][1])
    assert paid.status == "succeeded"
    assert paid.refund_status == "full"
    assert paid.refunds[0].refund_id == answers[Refund][0]["refund_id"]
    assert _fits_model(Payment, answers[Payment][0]).status == "failed"
    status = _fits_model(CheckoutSessionStatus, answers[CheckoutSessionStatus][1])
    assert status.payment_status == "succeeded"


def test_webhook_payloads_fit_dodos_event_models(dodo_settings, dodo_emulator, webhook_receiver):
    _exercise_client(dodo_emulator)
    messages = webhook_receiver.wait(3)
    sdk = dodopayments.DodoPayments(
        bearer_token=dodo_emulator.api_key,
        webhook_key=dodo_emulator.webhook_secret,
        base_url=dodo_emulator.base_url,
    )
    models = {
        "payment.failed": PaymentFailedWebhookEvent,
        "payment.succeeded": PaymentSucceededWebhookEvent,
        "refund.succeeded": RefundSucceededWebhookEvent,
    }
    types = set()
    for headers, body in messages:
        # The SDK's own unwrap checks the signature the way Dodo's customers do.
        event = sdk.webhooks.unwrap(body.decode(), headers=headers)
        TypeAdapter(UnwrapWebhookEvent).validate_json(body, strict=True)
        models[event.type].model_validate_json(body, strict=True)
        types.add(event.type)
    assert types == set(models)


def test_official_sdk_works_against_the_emulator(dodo_settings, dodo_emulator):
    sdk = dodopayments.DodoPayments(
        bearer_token=dodo_emulator.api_key,
        base_url=dodo_emulator.base_url,
        max_retries=0,
        _strict_response_validation=True,
    )
    price = {
        "type": "one_time_price",
        "price": 500,
        "currency": "EUR",
        "discount": 0,
        "purchasing_power_parity": False,
    }
    product = sdk.products.create(name="Fonts", price=price, tax_category="digital_products")
    assert sdk.products.retrieve(product.product_id).name == "Fonts"
    sdk.products.update(product.product_id, name="Fonts 2")
    assert [item.name for item in sdk.products.list(page_size=10).items] == ["Fonts 2"]
    sdk.products.archive(product.product_id)
    assert sdk.products.list(archived=True).items[0].product_id == product.product_id
    sdk.products.unarchive(product.product_id)

    customer = sdk.customers.create(email="sdk@example.com", name="Sdk")
    assert sdk.customers.retrieve(customer.customer_id).email == "sdk@example.com"
    assert sdk.customers.update(customer.customer_id, name="Sdk 2").name == "Sdk 2"

    session = sdk.checkout_sessions.create(
        product_cart=[{"product_id": product.product_id, "quantity": 2}],
        customer={"customer_id": customer.customer_id},
        return_url="http://testserver/done/",
    )
    assert sdk.checkout_sessions.retrieve(session.session_id).payment_status is None
    paid = dodo_emulator.pay(session.session_id)["payment"]
    payment = sdk.payments.retrieve(paid["payment_id"])
    # Adaptive Currency: the default (US) buyer pays 10.00 EUR in dollars, 10.00 / 0.92
    # = 10.87 USD, and the merchant is credited 10.87 * 0.92 = 10.00 EUR.
    assert (payment.total_amount, payment.currency) == (1087, "USD")
    assert (payment.settlement_amount, payment.settlement_currency) == (1000, "EUR")

    with pytest.raises(dodopayments.NotFoundError):
        sdk.products.retrieve("pdt_missing")
    with pytest.raises(dodopayments.UnprocessableEntityError):
        sdk.products.create(name="Bad", price={**price, "price": -1}, tax_category="saas")
    with pytest.raises(dodopayments.AuthenticationError):
        sdk.with_options(bearer_token="wrong").products.retrieve(product.product_id)


# -- money routes --------------------------------------------------------------------------

MONEY_EVENT_MODELS = {
    "payment.succeeded": PaymentSucceededWebhookEvent,
    "payment.failed": PaymentFailedWebhookEvent,
    "payment.processing": PaymentProcessingWebhookEvent,
    "payment.cancelled": PaymentCancelledWebhookEvent,
    "refund.succeeded": RefundSucceededWebhookEvent,
    "refund.failed": RefundFailedWebhookEvent,
    "dispute.opened": DisputeOpenedWebhookEvent,
    "dispute.won": DisputeWonWebhookEvent,
    "dispute.lost": DisputeLostWebhookEvent,
    "dispute.accepted": DisputeAcceptedWebhookEvent,
    "dispute.cancelled": DisputeCancelledWebhookEvent,
    "dispute.expired": DisputeExpiredWebhookEvent,
    "dispute.challenged": DisputeChallengedWebhookEvent,
}


class _Raw:
    """Raw HTTP to the emulator: each body is checked against the SDK's params first."""

    def __init__(self, emulator):
        self.base_url = emulator.base_url
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {emulator.api_key}"

    def send(self, method, path, params_type=None, body=None, query=None):
        if params_type is not None and body is not None:
            _fits_params(params_type, body)
        if params_type is not None and query is not None:
            TypeAdapter(params_type).validate_python(query)  # query strings: lax
            assert set(query) <= set(typing.get_type_hints(params_type)), query
        answer = self.http.request(method, self.base_url + path, json=body, params=query, timeout=5)
        assert answer.status_code == 200, answer.text
        return answer.json() if answer.content else None


def _money_scenario(dodo_emulator):
    """Every money route and control route once, with bodies that fit the SDK's params;
    answers what came back, keyed by SDK response model."""
    raw = _Raw(dodo_emulator)
    price = {
        "type": "one_time_price",
        "price": 1000,
        "currency": "USD",
        "discount": 0,
        "purchasing_power_parity": False,
    }
    product = raw.send(
        "POST", "/products", ProductCreateParams, {"name": "Icons", "price": price, "tax_category": "saas"}
    )
    discount = raw.send(
        "POST",
        "/discounts",
        DiscountCreateParams,
        {
            "type": "percentage",
            "amount": 2000,
            "code": "spring20",
            "name": "Spring",
            "restricted_to": [product["product_id"]],
            "usage_limit": 5,
            "expires_at": "2999-01-01T00:00:00Z",
            "metadata": {"campaign": "spring"},
        },
    )
    updated = raw.send("PATCH", f"/discounts/{discount['discount_id']}", DiscountUpdateParams, {"name": "Spring sale"})
    spare = raw.send("POST", "/discounts", DiscountCreateParams, {"type": "percentage", "amount": 540})
    raw.send("DELETE", f"/discounts/{spare['discount_id']}")
    session = raw.send(
        "POST",
        "/checkouts",
        CheckoutSessionCreateParams,
        {
            "product_cart": [{"product_id": product["product_id"], "quantity": 1}],
            "customer": {"email": "eve@example.com", "name": "Eve"},
            "billing_address": {"country": "GB", "zipcode": "SW1A 1AA"},
            "billing_currency": "EUR",
            "discount_code": "spring20",
            "feature_flags": {"allow_discount_code": True, "allow_currency_selection": True},
            "return_url": "http://testserver/done/",
            "cancel_url": "http://testserver/cart/",
            "metadata": {"order_id": "9"},
        },
    )
    paid = dodo_emulator.pay(session["session_id"])["payment"]
    failed = dodo_emulator.decline(
        raw.send(
            "POST",
            "/checkouts",
            CheckoutSessionCreateParams,
            {
                "product_cart": [{"product_id": product["product_id"], "quantity": 1}],
                "feature_flags": {"allow_currency_selection": False},
            },
        )["session_id"],
        country="JP",
    )["payment"]
    partial = raw.send(
        "POST",
        "/refunds",
        RefundCreateParams,
        {
            "payment_id": paid["payment_id"],
            "currency": "EUR",
            "items": [{"item_id": product["product_id"], "amount": 100, "tax_inclusive": True}],
            "reason": "Part of it",
            "metadata": {"ticket": "T-9"},
        },
    )
    rest = raw.send("POST", "/refunds", RefundCreateParams, {"payment_id": paid["payment_id"]})
    disputes = []
    for outcomes in (["challenged", "won"], ["lost"], ["accepted"], ["cancelled"], ["expired"]):
        again = dodo_emulator.pay(
            raw.send(
                "POST",
                "/checkouts",
                CheckoutSessionCreateParams,
                {
                    "product_cart": [{"product_id": product["product_id"], "quantity": 1}],
                },
            )["session_id"],
            country="KW",
        )["payment"]
        dispute = dodo_emulator.open_dispute(again["payment_id"], remarks="Not me")
        disputes += [dispute] + [dodo_emulator.resolve_dispute(dispute["dispute_id"], o) for o in outcomes]
    for event_type in MONEY_EVENT_MODELS:
        dodo_emulator.send_example_event(event_type)
    day = {"created_at_gte": "2000-01-01T00:00:00Z", "created_at_lte": "2999-01-01T00:00:00Z"}
    return {
        Discount: [
            discount,
            updated,
            raw.send("GET", f"/discounts/{discount['discount_id']}"),
            *raw.send(
                "GET", "/discounts", DiscountListParams, query={"page_size": 10, "active": "true", "code": "spr"}
            )["items"],
        ],
        DiscountDetail: paid["discounts"],
        Payment: [paid, failed, raw.send("GET", f"/payments/{paid['payment_id']}")],
        PaymentListResponse: raw.send(
            "GET", "/payments", PaymentListParams, query={**day, "page_size": 100, "status": "succeeded"}
        )["items"]
        + raw.send(
            "GET", "/payments", PaymentListParams, query={"product_id": product["product_id"], "page_number": 0}
        )["items"],
        Refund: [partial, rest, raw.send("GET", f"/refunds/{partial['refund_id']}")],
        RefundListItem: raw.send("GET", "/refunds", RefundListParams, query={**day, "status": "succeeded"})["items"]
        + raw.send("GET", f"/payments/{paid['payment_id']}")["refunds"],
        Dispute: disputes,
        GetDispute: [raw.send("GET", f"/disputes/{d['dispute_id']}") for d in disputes[:2]],
        DisputeListResponse: raw.send(
            "GET", "/disputes", DisputeListParams, query={**day, "dispute_stage": "dispute", "page_size": 20}
        )["items"],
    }


def test_money_routes_fit_dodos_models(dodo_settings, dodo_emulator):
    answers = _money_scenario(dodo_emulator)
    for model, objects in answers.items():
        assert objects, model
        for data in objects:
            _fits_model(model, data)
    paid = _fits_model(Payment, answers[Payment][2])
    assert (paid.currency, paid.total_amount, paid.tax) == ("EUR", 883, 147)
    assert (paid.settlement_currency, paid.settlement_amount, paid.settlement_tax) == ("USD", 960, 160)
    assert paid.discounts[0].code == "SPRING20" and paid.refund_status == "full"
    assert len(answers[DisputeListResponse]) == 5


def test_money_webhook_payloads_fit_dodos_event_models(dodo_settings, dodo_emulator, webhook_receiver):
    _money_scenario(dodo_emulator)
    # Payments (7), refunds (2), disputes (11), one example of each of the 13 types.
    messages = webhook_receiver.wait(7 + 2 + 11 + len(MONEY_EVENT_MODELS))
    sdk = dodopayments.DodoPayments(
        bearer_token=dodo_emulator.api_key,
        webhook_key=dodo_emulator.webhook_secret,
        base_url=dodo_emulator.base_url,
    )
    seen = set()
    for headers, body in messages:
        event = sdk.webhooks.unwrap(body.decode(), headers=headers)
        TypeAdapter(UnwrapWebhookEvent).validate_json(body, strict=True)
        MONEY_EVENT_MODELS[event.type].model_validate_json(body, strict=True)
        seen.add(event.type)
    assert seen == set(MONEY_EVENT_MODELS)


def test_official_sdk_drives_the_money_routes(dodo_settings, dodo_emulator):
    sdk = dodopayments.DodoPayments(
        bearer_token=dodo_emulator.api_key,
        base_url=dodo_emulator.base_url,
        max_retries=0,
        _strict_response_validation=True,
    )
    price = {
        "type": "one_time_price",
        "price": 1999,
        "currency": "USD",
        "discount": 0,
        "purchasing_power_parity": False,
    }
    product = sdk.products.create(name="Fonts", price=price, tax_category="digital_products")
    discount = sdk.discounts.create(amount=1000, type="percentage", code="ten")
    assert sdk.discounts.retrieve(discount.discount_id).code == "TEN"
    assert sdk.discounts.update(discount.discount_id, amount=1500).amount == 1500
    assert [d.code for d in sdk.discounts.list().items] == ["TEN"]
    session = sdk.checkout_sessions.create(
        product_cart=[{"product_id": product.product_id, "quantity": 1}],
        billing_address={"country": "JP"},
        discount_code="TEN",
    )
    paid = dodo_emulator.pay(session.session_id)["payment"]
    payment = sdk.payments.retrieve(paid["payment_id"])
    # 19.99 USD -> 3018 JPY (3018.49) -> 15% off 453 (452.7) -> 2565 + 10% tax 257 (256.5).
    assert (payment.currency, payment.total_amount, payment.tax) == ("JPY", 2822, 257)
    assert [p.payment_id for p in sdk.payments.list(status="succeeded").items] == [payment.payment_id]

    refund = sdk.refunds.create(payment_id=payment.payment_id, items=[{"item_id": product.product_id, "amount": 1000}])
    assert refund.is_partial and sdk.refunds.retrieve(refund.refund_id).amount == refund.amount
    assert [r.refund_id for r in sdk.refunds.list().items] == [refund.refund_id]
    dispute = dodo_emulator.open_dispute(payment.payment_id)
    assert sdk.disputes.retrieve(dispute["dispute_id"]).dispute_status == "dispute_opened"
    assert [d.dispute_id for d in sdk.disputes.list(dispute_status="dispute_opened").items] == [dispute["dispute_id"]]
    sdk.discounts.delete(discount.discount_id)
    with pytest.raises(dodopayments.NotFoundError):
        sdk.discounts.retrieve(discount.discount_id)
    with pytest.raises(dodopayments.UnprocessableEntityError):
        sdk.refunds.create(payment_id=payment.payment_id, items=[{"item_id": product.product_id, "amount": 10**6}])
    sdk.products.archive(product.product_id)
    with pytest.raises(dodopayments.APIStatusError) as gone:
        sdk.products.archive(product.product_id)
    assert gone.value.status_code == 410
