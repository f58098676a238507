"""The Dodo client against the emulator over real HTTP: endpoints, errors, retries."""

from __future__ import annotations

import email.utils
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
import requests

from dodo import client as client_module
from dodo.client import DodoClient, get_client, load_settings, parse_retry_after
from dodo.exceptions import (
    DodoAuthFailed,
    DodoError,
    DodoGone,
    DodoNotConfigured,
    DodoNotFound,
    DodoRateLimited,
    DodoRejected,
    DodoUnavailable,
)


def _product(dodo, ref="1", **overrides):
    fields = {
        "name": f"Icon pack {ref}",
        "description": "Two hundred icons.",
        "price_cents": 1999,
        "currency": "USD",
        "tax_category": "digital_products",
        "metadata": {"marketplace_product_id": ref},
    }
    fields.update(overrides)
    return dodo.create_product(**fields)


def _calls(emulator, method=None):
    return [r for r in emulator.requests() if method is None or r["method"] == method]


def _paid(dodo, emulator, ref="1", email="payer@example.com"):
    """A product bought once through a checkout session; answers (product, payment)."""
    product = _product(dodo, ref=ref)
    session = dodo.create_checkout_session(
        product_cart=[{"product_id": product["product_id"], "quantity": 1}],
        customer={"email": email, "name": "Payer"},
        return_url="http://testserver/orders/1/",
        metadata={"order_id": ref},
    )
    return product, emulator.pay(session["session_id"])["payment"]


# -- round trips -----------------------------------------------------------------------


def test_customer_round_trip(dodo_settings):
    dodo = get_client()
    created = dodo.create_customer("ada@example.com", "Ada", metadata={"user_id": "7"})
    assert created["customer_id"].startswith("cus_")
    assert created["metadata"] == {"user_id": "7"}

    fetched = dodo.get_customer(created["customer_id"])
    assert fetched["email"] == "ada@example.com"

    updated = dodo.update_customer(created["customer_id"], name="Ada Lovelace")
    assert updated["name"] == "Ada Lovelace"
    assert dodo.get_customer(created["customer_id"])["name"] == "Ada Lovelace"


def test_product_round_trip(dodo_settings, dodo_emulator):
    dodo = get_client()
    product = _product(dodo)
    product_id = product["product_id"]
    assert product_id.startswith("pdt_")
    assert product["price"] == {
        "type": "one_time_price",
        "price": 1999,
        "currency": "USD",
        "discount": 0,
        "purchasing_power_parity": False,
        "tax_inclusive": False,
    }
    assert dodo.get_product(product_id)["name"] == "Icon pack 1"
    assert [p["product_id"] for p in dodo.list_products()] == [product_id]

    assert dodo.update_product(product_id, name="Icons", price_cents=2500, currency="USD") is None
    fetched = dodo.get_product(product_id)
    assert (fetched["name"], fetched["price"]["price"]) == ("Icons", 2500)
    assert fetched["description"] == "Two hundred icons."  # untouched fields stay
    patch = _calls(dodo_emulator, "PATCH")[-1]["json"]
    assert set(patch) == {"name", "price"}

    assert dodo.archive_product(product_id) is None
    assert dodo.list_products() == []
    assert [p["product_id"] for p in dodo.list_products(archived=True)] == [product_id]

    assert dodo.unarchive_product(product_id) is None
    assert [p["product_id"] for p in dodo.list_products()] == [product_id]


def test_checkout_and_payment_round_trip(dodo_settings, dodo_emulator):
    dodo = get_client()
    product = _product(dodo)
    customer = dodo.create_customer("bo@example.com", "Bo")
    session = dodo.create_checkout_session(
        product_cart=[{"product_id": product["product_id"], "quantity": 1}],
        customer={"customer_id": customer["customer_id"]},
        return_url="http://testserver/orders/1/",
        metadata={"order_id": "1"},
    )
    assert session["session_id"].startswith("cks_")
    assert session["checkout_url"].startswith(dodo_emulator.base_url)
    status = dodo.get_checkout_session(session["session_id"])
    assert (status["id"], status["payment_id"], status["payment_status"]) == (
        session["session_id"],
        None,
        None,
    )

    paid = dodo_emulator.pay(session["session_id"])["payment"]
    status = dodo.get_checkout_session(session["session_id"])
    assert (status["payment_id"], status["payment_status"]) == (paid["payment_id"], "succeeded")
    assert status["customer_email"] == "bo@example.com"

    payment = dodo.get_payment(paid["payment_id"])
    assert payment["payment_id"].startswith("pay_")
    assert payment["total_amount"] == 1999
    assert payment["metadata"] == {"order_id": "1"}
    assert payment["checkout_session_id"] == session["session_id"]


def test_checkout_without_customer_or_return_url_leaves_them_out(dodo_settings, dodo_emulator):
    product = _product(get_client())
    get_client().create_checkout_session(
        product_cart=[{"product_id": product["product_id"], "quantity": 1}],
        customer=None,
        return_url=None,
        metadata=None,
    )
    assert _calls(dodo_emulator, "POST")[-1]["json"] == {
        "product_cart": [{"product_id": product["product_id"], "quantity": 1}]
    }


def test_tax_inclusive_goes_in_the_price_object(dodo_settings, dodo_emulator):
    dodo = get_client()
    product = _product(dodo, tax_inclusive=True)
    assert product["price"]["tax_inclusive"] is True

    dodo.update_product(product["product_id"], price_cents=2500, currency="USD", tax_inclusive=False)
    assert _calls(dodo_emulator, "PATCH")[-1]["json"]["price"]["tax_inclusive"] is False
    assert dodo.get_product(product["product_id"])["price"]["tax_inclusive"] is False


def test_checkout_options_are_sent_and_applied(dodo_settings, dodo_emulator):
    dodo = get_client()
    product = _product(dodo)
    requests.post(  # a discount exists on Dodo's side; the client does not manage them
        f"{dodo_emulator.base_url}/discounts",
        json={"type": "percentage", "amount": 1000, "code": "SAVE10"},
        headers={"Authorization": f"Bearer {dodo_emulator.api_key}"},
        timeout=5,
    ).raise_for_status()
    flags = {"allow_discount_code": False, "allow_currency_selection": False}
    session = dodo.create_checkout_session(
        product_cart=[{"product_id": product["product_id"], "quantity": 1}],
        customer=None,
        return_url="http://testserver/orders/1/",
        metadata=None,
        cancel_url="http://testserver/cart/",
        feature_flags=flags,
        discount_code="SAVE10",
        billing_currency="EUR",
    )
    body = _calls(dodo_emulator, "POST")[-1]["json"]
    assert {key: body.get(key) for key in ("cancel_url", "feature_flags", "discount_code", "billing_currency")} == {
        "cancel_url": "http://testserver/cart/",
        "feature_flags": flags,
        "discount_code": "SAVE10",
        "billing_currency": "EUR",
    }
    payment = dodo_emulator.pay(session["session_id"], email="eu@example.com")["payment"]
    assert payment["currency"] == "EUR"
    assert payment["discount_id"] is not None


def test_unknown_discount_code_is_rejected(dodo_settings):
    dodo = get_client()
    product = _product(dodo)
    with pytest.raises(DodoRejected) as caught:
        dodo.create_checkout_session(
            product_cart=[{"product_id": product["product_id"], "quantity": 1}],
            customer=None,
            return_url=None,
            metadata=None,
            discount_code="NOPE",
        )
    assert caught.value.status_code == 422


# -- payments, refunds, disputes -------------------------------------------------------


def test_payments_are_listed_newest_first_and_filtered(dodo_settings, dodo_emulator):
    dodo = get_client()
    _, first = _paid(dodo, dodo_emulator, ref="1")
    _, second = _paid(dodo, dodo_emulator, ref="2")
    declined_product = _product(dodo, ref="3")
    session = dodo.create_checkout_session(
        product_cart=[{"product_id": declined_product["product_id"], "quantity": 1}],
        customer=None,
        return_url=None,
        metadata=None,
    )
    declined = dodo_emulator.decline(session["session_id"])["payment"]

    ids = [item["payment_id"] for item in dodo.list_payments()]
    assert ids == [declined["payment_id"], second["payment_id"], first["payment_id"]]
    assert [item["payment_id"] for item in dodo.list_payments(status="failed")] == [declined["payment_id"]]
    assert dodo.list_payments(created_at_gte=datetime.now(UTC) + timedelta(hours=1)) == []
    an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
    assert len(dodo.list_payments(created_at_gte=an_hour_ago, created_at_lte="2999-01-01T00:00:00Z")) == 3
    assert [item["payment_id"] for item in dodo.list_payments(page_size=1, page_number=2)] == [first["payment_id"]]
    query = _calls(dodo_emulator, "GET")[-2]["query"]
    assert "created_at_gte=" in query and "created_at_lte=2999-01-01T00%3A00%3A00Z" in query


def test_iter_payments_pages_through_every_payment(dodo_settings, dodo_emulator, monkeypatch):
    monkeypatch.setattr(client_module, "MAX_PAGE_SIZE", 2)
    dodo = get_client()
    paid = [_paid(dodo, dodo_emulator, ref=ref)[1]["payment_id"] for ref in "123"]
    assert sorted(item["payment_id"] for item in dodo.iter_payments()) == sorted(paid)
    pages = [r["query"] for r in _calls(dodo_emulator, "GET") if r["path"] == "/payments"]
    assert pages == ["page_size=2&page_number=0", "page_size=2&page_number=1"]


def test_refund_round_trip(dodo_settings, dodo_emulator):
    dodo = get_client()
    product, payment = _paid(dodo, dodo_emulator)

    partial = dodo.create_refund(
        payment_id=payment["payment_id"],
        items=[{"item_id": product["product_id"], "amount": 500, "tax_inclusive": True}],
        reason="One file was broken",
        metadata={"order_id": "1"},
    )
    assert partial["refund_id"].startswith("ref_")
    assert (partial["amount"], partial["is_partial"], partial["status"]) == (500, True, "succeeded")
    assert partial["metadata"] == {"order_id": "1"}
    assert _calls(dodo_emulator, "POST")[-1]["json"] == {
        "payment_id": payment["payment_id"],
        "items": [{"item_id": product["product_id"], "amount": 500, "tax_inclusive": True}],
        "reason": "One file was broken",
        "metadata": {"order_id": "1"},
    }

    in_paid_currency = dodo.create_refund(
        payment_id=payment["payment_id"],
        items=[{"item_id": product["product_id"], "amount": 100, "tax_inclusive": True}],
        currency=payment["currency"],
    )
    assert _calls(dodo_emulator, "POST")[-1]["json"]["currency"] == payment["currency"]
    assert in_paid_currency["amount"] == 100

    rest = dodo.create_refund(payment_id=payment["payment_id"])
    assert _calls(dodo_emulator, "POST")[-1]["json"] == {"payment_id": payment["payment_id"]}
    assert rest["amount"] == payment["total_amount"] - 600

    assert dodo.get_refund(partial["refund_id"])["reason"] == "One file was broken"
    listed = [item["refund_id"] for item in dodo.list_refunds()]
    assert listed == [rest["refund_id"], in_paid_currency["refund_id"], partial["refund_id"]]
    assert [item["refund_id"] for item in dodo.list_refunds(status="failed")] == []
    assert sorted(item["refund_id"] for item in dodo.iter_refunds(created_at_gte="2000-01-01T00:00:00Z")) == sorted(
        listed
    )


def test_refund_refusals_are_typed(dodo_settings, dodo_emulator):
    dodo = get_client()
    _, payment = _paid(dodo, dodo_emulator)
    with pytest.raises(DodoNotFound):
        dodo.create_refund(payment_id="pay_missing")
    with pytest.raises(DodoRejected) as caught:
        dodo.create_refund(
            payment_id=payment["payment_id"],
            items=[{"item_id": "pdt_not_in_the_cart", "amount": 100, "tax_inclusive": True}],
        )
    assert caught.value.status_code == 422
    with pytest.raises(DodoNotFound):
        dodo.get_refund("ref_missing")


def test_get_dispute(dodo_settings, dodo_emulator):
    dodo = get_client()
    _, payment = _paid(dodo, dodo_emulator)
    opened = dodo_emulator.open_dispute(payment["payment_id"], reason="fraudulent")
    dispute = dodo.get_dispute(opened["dispute_id"])
    assert (dispute["dispute_id"], dispute["payment_id"]) == (opened["dispute_id"], payment["payment_id"])
    assert dispute["dispute_status"] == "dispute_opened"
    with pytest.raises(DodoNotFound):
        dodo.get_dispute("dsp_missing")


# -- Dodo's refusals -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (400, DodoRejected),
        (401, DodoAuthFailed),
        (403, DodoAuthFailed),
        (404, DodoNotFound),
        (410, DodoGone),
        (422, DodoRejected),
    ],
)
def test_4xx_is_classified_and_not_retried(dodo_settings, dodo_emulator, dodo_retry_sleeps, status, error_class):
    dodo_emulator.fail(1, status=status)
    with pytest.raises(DodoRejected) as caught:
        get_client().list_products()
    assert type(caught.value) is error_class
    assert (caught.value.status_code, caught.value.code) == (status, "EMULATED_FAILURE")
    assert caught.value.message == f"emulated {status}"
    assert caught.value.retry_after is None
    assert len(_calls(dodo_emulator)) == 1
    assert dodo_retry_sleeps == []


def test_error_hierarchy_lets_callers_catch_by_kind():
    assert issubclass(DodoAuthFailed, DodoRejected)
    assert issubclass(DodoGone, DodoNotFound) and issubclass(DodoNotFound, DodoRejected)
    assert issubclass(DodoRateLimited, DodoUnavailable)
    assert not issubclass(DodoRateLimited, DodoRejected)
    # Every error answers retry_after, known or not.
    assert DodoNotConfigured("x").retry_after is None
    assert DodoUnavailable("x").retry_after is None
    assert DodoRateLimited("x", retry_after=2.5).retry_after == 2.5
    assert all(hasattr(cls, "retry_after") for cls in (DodoError, DodoRejected, DodoGone))


def test_wrong_key_is_auth_failed(dodo_settings):
    dodo_settings.DODO_PAYMENTS_API_KEY = "not-the-key"
    with pytest.raises(DodoAuthFailed) as caught:
        get_client().get_product("pdt_x")
    assert caught.value.status_code == 401
    assert not isinstance(caught.value, DodoNotFound)
    assert "not-the-key" not in str(caught.value)


def test_archiving_an_archived_product_is_gone(dodo_settings, dodo_emulator):
    dodo = get_client()
    product_id = _product(dodo)["product_id"]
    dodo.archive_product(product_id)
    with pytest.raises(DodoGone) as caught:
        dodo.archive_product(product_id)
    assert caught.value.status_code == 410
    assert len(_calls(dodo_emulator, "DELETE")) == 2  # a 410 is not retried


def test_unknown_id_is_not_found(dodo_settings):
    with pytest.raises(DodoNotFound) as caught:
        get_client().get_product("pdt_missing")
    assert caught.value.status_code == 404
    assert caught.value.code == "NOT_FOUND"
    assert "GET /products/pdt_missing -> 404" in str(caught.value)


def test_ids_are_percent_encoded_into_the_path(dodo_settings, dodo_emulator):
    with pytest.raises(DodoNotFound):
        get_client().get_payment("../products")
    assert _calls(dodo_emulator)[-1]["path"] == "/payments/..%2Fproducts"


def test_invalid_body_is_rejected_with_dodos_message(dodo_settings):
    with pytest.raises(DodoRejected) as caught:
        _product(get_client(), tax_category="groceries")
    assert caught.value.status_code == 422
    assert "tax_category" in caught.value.message


def test_update_rules_are_dodos(dodo_settings):
    dodo = get_client()
    product_id = _product(dodo)["product_id"]
    with pytest.raises(DodoRejected, match="at most 100"):
        dodo.update_product(product_id, name="x" * 101)


def test_programming_errors_fail_before_any_call(dodo_settings, dodo_emulator):
    dodo = get_client()
    with pytest.raises(ValueError, match="together"):
        dodo.update_product("pdt_x", price_cents=100)
    with pytest.raises(ValueError, match="tax_inclusive"):
        dodo.update_product("pdt_x", tax_inclusive=True)
    with pytest.raises(ValueError, match="timezone-aware"):
        dodo.list_payments(created_at_gte=datetime(2026, 1, 1))  # naive on purpose
    with pytest.raises(ValueError, match="non-empty"):
        dodo.create_refund(payment_id="")
    with pytest.raises(TypeError, match="unknown fields"):
        dodo.update_customer("cus_x", nickname="A")
    with pytest.raises(ValueError, match="non-empty"):
        dodo.get_payment("")
    assert dodo_emulator.requests() == []


# -- retries ---------------------------------------------------------------------------


def test_get_is_retried_after_a_503(dodo_settings, dodo_emulator, dodo_retry_sleeps):
    product_id = _product(get_client())["product_id"]
    dodo_emulator.fail(1)
    assert get_client().get_product(product_id)["product_id"] == product_id
    assert [r["status"] for r in _calls(dodo_emulator, "GET")] == [503, 200]
    assert len(dodo_retry_sleeps) == 1
    assert 0.375 <= dodo_retry_sleeps[0] <= 0.5  # 0.5 s less up to 25 % jitter


def test_get_gives_up_after_the_retries(dodo_settings, dodo_emulator, dodo_retry_sleeps):
    dodo_emulator.fail(5)
    with pytest.raises(DodoUnavailable) as caught:
        get_client().get_product("pdt_x")
    assert caught.value.status_code == 503
    assert len(_calls(dodo_emulator, "GET")) == 3  # first try + DODO_MAX_RETRIES
    assert len(dodo_retry_sleeps) == 2
    assert dodo_retry_sleeps[1] > dodo_retry_sleeps[0]  # exponential


def test_patch_and_delete_are_retried(dodo_settings, dodo_emulator):
    product_id = _product(get_client())["product_id"]
    dodo_emulator.fail(1)
    get_client().update_product(product_id, name="Renamed")
    dodo_emulator.fail(1, status=502)
    get_client().archive_product(product_id)
    statuses = [(r["method"], r["status"]) for r in _calls(dodo_emulator) if r["method"] != "POST"]
    assert statuses == [("PATCH", 503), ("PATCH", 200), ("DELETE", 502), ("DELETE", 200)]


def test_post_is_not_retried_after_a_503(dodo_settings, dodo_emulator, dodo_retry_sleeps):
    dodo_emulator.fail(1)
    with pytest.raises(DodoUnavailable) as caught:
        get_client().create_customer("cy@example.com", "Cy")
    assert caught.value.status_code == 503
    assert len(_calls(dodo_emulator, "POST")) == 1
    assert dodo_retry_sleeps == []


def test_unarchive_post_is_not_retried_either(dodo_settings, dodo_emulator):
    product_id = _product(get_client())["product_id"]
    dodo_emulator.fail(1)
    with pytest.raises(DodoUnavailable):
        get_client().unarchive_product(product_id)
    assert [r["path"] for r in _calls(dodo_emulator, "POST")] == [
        "/products",
        f"/products/{product_id}/unarchive",
    ]


def test_a_read_timeout_is_unavailable_and_the_post_is_not_sent_again(dodo_settings, dodo_emulator):
    dodo_settings.DODO_READ_TIMEOUT = 0.5
    dodo_emulator.hang(3.0, n=1)
    with pytest.raises(DodoUnavailable, match="timeout"):
        get_client().create_customer("di@example.com", "Di")
    # One wait of one read timeout: the POST, which may have been processed, is not retried.
    assert len(_calls(dodo_emulator, "POST")) == 1


def test_timed_out_get_is_retried(dodo_settings, dodo_emulator):
    dodo_settings.DODO_READ_TIMEOUT = 0.3
    product_id = _product(get_client())["product_id"]
    dodo_emulator.hang(0.6, n=1)
    assert get_client().get_product(product_id)["product_id"] == product_id
    assert len(_calls(dodo_emulator, "GET")) == 2


def test_timed_out_create_is_found_again_by_metadata(dodo_settings, dodo_emulator):
    """The scenario behind find_product_by_metadata: the answer is lost, the product is not."""
    dodo_settings.DODO_READ_TIMEOUT = 0.3
    dodo_emulator.hang(0.6, n=1)
    with pytest.raises(DodoUnavailable):
        _product(get_client(), ref="42")
    deadline = time.monotonic() + 3
    found = None
    while found is None and time.monotonic() < deadline:
        found = get_client().find_product_by_metadata("marketplace_product_id", "42")
        time.sleep(0.05)
    assert found is not None
    assert found["name"] == "Icon pack 42"


def test_429_retry_after_is_honoured(dodo_settings, dodo_emulator, dodo_retry_sleeps):
    dodo_emulator.fail(1, status=429, retry_after=3)
    get_client().list_products()
    assert dodo_retry_sleeps == [3.0]


def test_429_retry_after_at_the_cap_is_still_waited(dodo_settings, dodo_emulator, dodo_retry_sleeps):
    dodo_emulator.fail(1, status=429, retry_after=client_module.BACKOFF_CAP_SECONDS)
    get_client().list_products()
    assert dodo_retry_sleeps == [client_module.BACKOFF_CAP_SECONDS]


def test_long_retry_after_is_raised_at_once_not_shortened(dodo_settings, dodo_emulator, dodo_retry_sleeps):
    dodo_emulator.fail(1, status=429, retry_after=30)
    with pytest.raises(DodoRateLimited) as caught:
        get_client().list_products()
    assert caught.value.retry_after == 30
    assert caught.value.status_code == 429
    assert dodo_retry_sleeps == []  # neither 30 s nor the 8 s cap
    assert len(_calls(dodo_emulator)) == 1


def test_long_retry_after_on_a_503_is_raised_too(dodo_settings, dodo_emulator, dodo_retry_sleeps):
    dodo_emulator.fail(1, status=503, retry_after=120)
    with pytest.raises(DodoUnavailable) as caught:
        get_client().get_product("pdt_x")
    assert not isinstance(caught.value, DodoRateLimited)
    assert (caught.value.status_code, caught.value.retry_after) == (503, 120)
    assert dodo_retry_sleeps == []


def test_429_after_the_last_retry_is_rate_limited(dodo_settings, dodo_emulator, dodo_retry_sleeps):
    dodo_emulator.fail(3, status=429, retry_after=1)
    with pytest.raises(DodoRateLimited) as caught:
        get_client().list_products()
    assert isinstance(caught.value, DodoUnavailable)
    assert (caught.value.status_code, caught.value.retry_after) == (429, 1)
    assert dodo_retry_sleeps == [1.0, 1.0]
    assert len(_calls(dodo_emulator)) == 3


def test_429_without_retry_after_backs_off(dodo_settings, dodo_emulator, dodo_retry_sleeps):
    dodo_emulator.fail(3, status=429)
    with pytest.raises(DodoRateLimited) as caught:
        get_client().list_products()
    assert caught.value.retry_after is None
    assert 0.375 <= dodo_retry_sleeps[0] <= 0.5 and 0.75 <= dodo_retry_sleeps[1] <= 1.0


def test_post_is_retried_after_a_429_and_creates_once(dodo_settings, dodo_emulator, dodo_retry_sleeps):
    dodo_emulator.fail(1, status=429, retry_after=2)
    created = get_client().create_customer("ed@example.com", "Ed")
    assert [r["status"] for r in _calls(dodo_emulator, "POST")] == [429, 200]
    assert dodo_retry_sleeps == [2.0]
    assert [c["customer_id"] for c in dodo_emulator.state()["customers"]] == [created["customer_id"]]


def test_post_is_retried_once_per_allowed_retry(dodo_settings, dodo_emulator, dodo_retry_sleeps):
    dodo_emulator.fail(3, status=429, retry_after=1)
    with pytest.raises(DodoRateLimited):
        _product(get_client())
    assert [r["status"] for r in _calls(dodo_emulator, "POST")] == [429, 429, 429]
    assert dodo_emulator.state()["products"] == []


def test_post_with_a_long_retry_after_is_not_retried(dodo_settings, dodo_emulator, dodo_retry_sleeps):
    dodo_emulator.fail(1, status=429, retry_after=30)
    with pytest.raises(DodoRateLimited) as caught:
        get_client().create_customer("fay@example.com", "Fay")
    assert caught.value.retry_after == 30
    assert dodo_retry_sleeps == []
    assert dodo_emulator.state()["customers"] == []


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("3", 3.0),
        ("0.5", 0.5),
        ("-4", 0.0),
        ("inf", None),
        ("soon", None),
        ("", None),
        (None, None),
        (email.utils.formatdate(0, usegmt=True), 0.0),  # an HTTP date in the past
    ],
)
def test_parse_retry_after(header, seconds):
    assert parse_retry_after(header) == seconds


def test_parse_retry_after_reads_a_future_http_date():
    header = email.utils.formatdate(time.time() + 60, usegmt=True)
    assert 55 <= parse_retry_after(header) <= 60


def test_dropped_connections_are_unavailable(dodo_settings, dodo_emulator):
    dodo_emulator.down()
    try:
        with pytest.raises(DodoUnavailable, match="connection") as caught:
            get_client().list_products()
    finally:
        dodo_emulator.up()
    assert caught.value.status_code is None
    assert [r["status"] for r in _calls(dodo_emulator)] == ["dropped"] * 3


def test_refused_connection_is_unavailable(dodo_settings):
    dodo_settings.DODO_PAYMENTS_BASE_URL = "http://127.0.0.1:9"  # discard port: nothing listens
    dodo_settings.DODO_MAX_RETRIES = 0
    with pytest.raises(DodoUnavailable, match="connection failed"):
        get_client().get_payment("pay_x")


def test_backoff_grows_and_is_capped():
    delays = [client_module.backoff_delay(attempt) for attempt in range(8)]
    assert 0.375 <= delays[0] <= 0.5
    assert all(6.0 <= delay <= 8.0 for delay in delays[5:])


def test_client_accepts_its_own_sleep(dodo_settings, dodo_emulator):
    sleeps = []
    dodo_emulator.fail(1)
    DodoClient(sleep=sleeps.append).list_products()
    assert len(sleeps) == 1


# -- configuration ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("DODO_PAYMENTS_API_KEY", "", "DODO_PAYMENTS_API_KEY"),
        ("DODO_PAYMENTS_ENVIRONMENT", "production", "DODO_PAYMENTS_ENVIRONMENT"),
        ("DODO_PAYMENTS_ENVIRONMENT", "", "DODO_PAYMENTS_ENVIRONMENT"),
        ("DODO_PAYMENTS_BASE_URL", "ftp://dodo.example", "DODO_PAYMENTS_BASE_URL"),
        ("DODO_READ_TIMEOUT", "10", "DODO_READ_TIMEOUT"),
        ("DODO_MAX_RETRIES", -1, "DODO_MAX_RETRIES"),
    ],
)
def test_not_configured_sends_nothing(dodo_settings, dodo_emulator, setting, value, message):
    setattr(dodo_settings, setting, value)
    with pytest.raises(DodoNotConfigured, match=message):
        get_client().list_products()
    assert dodo_emulator.requests() == []


@pytest.mark.parametrize(
    ("environment", "url"),
    [
        ("test_mode", "https://test.dodopayments.com"),
        ("live_mode", "https://live.dodopayments.com"),
    ],
)
def test_base_url_is_derived_from_the_environment(settings, environment, url):
    settings.DODO_PAYMENTS_API_KEY = "key"
    settings.DODO_PAYMENTS_ENVIRONMENT = environment
    settings.DODO_PAYMENTS_BASE_URL = ""
    assert load_settings().base_url == url


def test_explicit_base_url_wins_and_loses_its_trailing_slash(settings):
    settings.DODO_PAYMENTS_API_KEY = "key"
    settings.DODO_PAYMENTS_ENVIRONMENT = "live_mode"
    settings.DODO_PAYMENTS_BASE_URL = "http://127.0.0.1:8010/"
    assert load_settings().base_url == "http://127.0.0.1:8010"


def test_settings_are_read_at_call_time(dodo_settings, dodo_emulator):
    dodo = get_client()
    dodo.list_products()
    dodo_settings.DODO_PAYMENTS_API_KEY = ""
    with pytest.raises(DodoNotConfigured):
        dodo.list_products()


def test_get_client_is_one_per_thread():
    others = []
    thread = threading.Thread(target=lambda: others.append(get_client()))
    thread.start()
    thread.join()
    assert get_client() is get_client()
    assert others[0] is not get_client()


# -- find_product_by_metadata ----------------------------------------------------------


def test_find_product_by_metadata_pages_through_live_and_archived(dodo_settings, dodo_emulator, monkeypatch):
    monkeypatch.setattr(client_module, "MAX_PAGE_SIZE", 2)  # page with a handful of products
    dodo = get_client()
    ids = {ref: _product(dodo, ref=ref)["product_id"] for ref in "12345"}
    dodo.archive_product(ids["4"])

    assert dodo.find_product_by_metadata("marketplace_product_id", "5")["product_id"] == ids["5"]
    assert dodo.find_product_by_metadata("marketplace_product_id", "4")["product_id"] == ids["4"]
    assert dodo.find_product_by_metadata("marketplace_product_id", "9") is None
    assert dodo.find_product_by_metadata("other_key", "1") is None
    pages = [r["query"] for r in _calls(dodo_emulator, "GET")]
    assert "page_size=2&page_number=1&archived=false" in pages
