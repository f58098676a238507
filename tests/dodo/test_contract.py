"""Contract tests against Dodo's official SDK (``dodopayments``, test-only).

- Every body our client sends fits the SDK's request params (strict: no string where
  Dodo wants an int, no field Dodo does not know).
- Every answer of the emulator fits the SDK's response models, webhooks included.
- The official SDK itself, with strict response validation, works against the emulator.
"""

from __future__ import annotations

import json
import re
import typing
from urllib.parse import parse_qs

import dodopayments
import pytest
from dodopayments.types import (
    CheckoutSessionResponse,
    CheckoutSessionStatus,
    Customer,
    Payment,
    PaymentFailedWebhookEvent,
    PaymentSucceededWebhookEvent,
    Product,
    ProductListResponse,
    Refund,
    RefundSucceededWebhookEvent,
    UnwrapWebhookEvent,
)
from dodopayments.types.checkout_session_create_params import CheckoutSessionCreateParams
from dodopayments.types.customer_create_params import CustomerCreateParams
from dodopayments.types.customer_list_params import CustomerListParams
from dodopayments.types.customer_update_params import CustomerUpdateParams
from dodopayments.types.price_param import OneTimePrice
from dodopayments.types.product_create_params import ProductCreateParams
from dodopayments.types.product_list_params import ProductListParams
from dodopayments.types.product_update_params import ProductUpdateParams
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
    assert (payment.total_amount, payment.currency) == (1000, "EUR")

    with pytest.raises(dodopayments.NotFoundError):
        sdk.products.retrieve("pdt_missing")
    with pytest.raises(dodopayments.UnprocessableEntityError):
        sdk.products.create(name="Bad", price={**price, "price": -1}, tax_category="saas")
    with pytest.raises(dodopayments.AuthenticationError):
        sdk.with_options(bearer_token="wrong").products.retrieve(product.product_id)
