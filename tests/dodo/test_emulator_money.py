"""The emulator's money paths over HTTP: tax, Adaptive Currency, discount codes, refunds,
disputes, payment and refund lists, rate limiting, live/test separation, webhook retries.

Every figure is worked out by hand in the comments (rates: 1 USD = 0.92 EUR, 0.79 GBP,
83.1 INR, 151 JPY, 0.307 KWD, 1.36 CAD; tax: GB/FR 20%, DE 19%, IN 18%, JP 10%, CA 5%,
US/KW 0; ROUND_HALF_UP once per figure).
"""

from __future__ import annotations

import json
import typing
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import requests
from dodopayments.types.currency import Currency
from standardwebhooks import Webhook

from dodo.emulator import money
from dodo.emulator.ratelimit import RateLimiter
from dodo.emulator.webhooks import DODO_RETRY_SCHEDULE, scaled_schedule
from tests.dodo.test_emulator import VALID_PRICE, Api

TEN_DOLLARS = {**VALID_PRICE, "price": 1000}


@pytest.fixture
def api(dodo_settings, dodo_emulator):
    return Api(dodo_emulator)


@pytest.fixture
def live_api(dodo_settings, dodo_emulator):
    live = Api(dodo_emulator)
    live.http.headers["Authorization"] = f"Bearer {dodo_emulator.live_api_key}"
    return live


def _control(emulator, path, body=None, **params):
    return requests.post(f"{emulator.base_url}/_emulator/{path}", json=body, params=params, timeout=5)


def _buy(api, emulator, price=TEN_DOLLARS, *, session=None, **pay):
    """A product at ``price``, a session for it, paid with ``pay`` options: the Payment."""
    product = api.product(price=price)
    checkout = api.session(product["product_id"], **(session or {}))
    return emulator.pay(checkout["session_id"], **pay)["payment"]


def _discount(api, **fields):
    answer = api("POST", "/discounts", json={"type": "percentage", "amount": 2000, **fields})
    assert answer.status_code == 200, answer.text
    return answer.json()


def _last_event(emulator, event_type, mode="test_mode"):
    return [d for d in emulator.webhooks(mode) if d["type"] == event_type][-1]["payload"]


# -- money helpers (no emulator) ---------------------------------------------------------


def test_exponents_cover_every_currency_dodo_knows():
    assert set(money.EXPONENTS) == set(typing.get_args(Currency))
    assert (money.exponent("USD"), money.exponent("JPY"), money.exponent("KWD")) == (2, 0, 3)
    assert money.exponent("XYZ") == 2  # an unknown code counts hundredths
    assert money.format_amount(1661, "JPY") == "1661 JPY"
    assert money.format_amount(6137, "KWD") == "6.137 KWD"
    assert money.format_amount(-184, "EUR") == "-1.84 EUR"


def test_conversions_go_through_dollars_and_round_half_up_once():
    assert money.convert(1000, "USD", "EUR") == 920  # 10.00 * 0.92
    assert money.convert(883, "EUR", "USD") == 960  # 8.83 / 0.92 = 9.5978
    assert money.convert(1999, "USD", "KWD") == 6137  # 19.99 * 0.307 = 6.13693
    assert money.convert(1000, "USD", "JPY") == 1510
    assert money.convert(1000, "EUR", "GBP") == 859  # 10 / 0.92 * 0.79 = 8.5870
    assert money.round_half_up(Decimal("166.5")) == 167  # not banker's 166
    assert not money.can_convert("USD", "AUD")


def test_dodos_retry_schedule_is_eight_attempts_over_about_27_6_hours():
    assert len(DODO_RETRY_SCHEDULE) + 1 == 8
    assert sum(DODO_RETRY_SCHEDULE) == 5 + 300 + 1800 + 7200 + 18000 + 36000 + 36000  # 27.58 h
    assert sum(scaled_schedule(0.0001)) == pytest.approx(9.9305)


def test_rate_limiter_windows_and_retry_after():
    now = [100.0]
    limiter = RateLimiter(per_second=2, per_minute=3, clock=lambda: now[0])
    assert limiter.hit("k") is None and limiter.hit("k") is None
    assert limiter.hit("k") == 1  # third in the same second
    assert limiter.hit("other") is None  # per key
    now[0] += 1.0
    assert limiter.hit("k") is None  # a new second: 3 in the minute now
    now[0] += 1.0
    assert limiter.hit("k") == 58  # the minute is full until 100 + 60
    now[0] = 160.0
    assert limiter.hit("k") is None
    limiter.configure(per_second=0, per_minute=0)
    assert all(limiter.hit("k") is None for _ in range(500))
    limiter.reset()
    assert limiter.as_dict() == {"per_second": 2, "per_minute": 3}


# -- tax and Adaptive Currency -----------------------------------------------------------


def test_the_default_buyer_is_in_the_us_and_pays_the_price(api, dodo_emulator):
    payment = _buy(api, dodo_emulator, VALID_PRICE)
    assert (payment["total_amount"], payment["currency"], payment["tax"]) == (1999, "USD", 0)
    assert (payment["settlement_amount"], payment["settlement_currency"], payment["settlement_tax"]) == (1999, "USD", 0)
    assert payment["billing"]["country"] == "US"
    assert (payment["discount_id"], payment["discounts"]) == (None, [])


@pytest.mark.parametrize(
    ("country", "expected"),
    [
        # 10.00 USD, tax-exclusive: (currency, total, tax, settlement USD, settlement tax)
        ("US", ("USD", 1000, 0, 1000, 0)),
        ("GB", ("GBP", 948, 158, 1200, 200)),  # 7.90 + 1.58; 9.48 / 0.79 = 12.00
        ("FR", ("EUR", 1104, 184, 1200, 200)),  # 9.20 + 1.84; 11.04 / 0.92 = 12.00
        ("DE", ("EUR", 1095, 175, 1190, 190)),  # 9.20 + 1.748; 10.95 / 0.92 = 11.902
        ("IN", ("INR", 98058, 14958, 1180, 180)),  # 831.00 + 149.58; 980.58 / 83.1 = 11.80
        ("JP", ("JPY", 1661, 151, 1100, 100)),  # 1510 + 151 yen; 1661 / 151 = 11.00
        ("KW", ("KWD", 3070, 0, 1000, 0)),  # 3.070 KWD (fils); no tax
        ("CA", ("CAD", 1428, 68, 1050, 50)),  # 13.60 + 0.68; 14.28 / 1.36 = 10.50
    ],
)
def test_tax_and_currency_follow_the_billing_country(api, dodo_emulator, country, expected):
    payment = _buy(api, dodo_emulator, country=country)
    assert (
        payment["currency"],
        payment["total_amount"],
        payment["tax"],
        payment["settlement_amount"],
        payment["settlement_tax"],
    ) == expected
    assert payment["settlement_currency"] == "USD"
    assert payment["billing"]["country"] == country


def test_the_worked_example_gb_buyer_eur_billing_and_a_20_percent_code(api, dodo_emulator):
    product = api.product(price=TEN_DOLLARS)
    code = _discount(api, code="spring20")
    assert code["code"] == "SPRING20"  # Dodo upper-cases codes
    session = api.session(
        product["product_id"],
        billing_address={"country": "GB", "zipcode": "SW1A 1AA"},
        billing_currency="EUR",
        discount_code="spring20",
    )
    page = requests.get(session["checkout_url"], timeout=5).text
    for shown in ("9.20 EUR", "-1.84 EUR", "1.47 EUR", "8.83 EUR", "9.60 USD"):
        assert shown in page

    payment = dodo_emulator.pay(session["session_id"])["payment"]
    # 10.00 USD -> 9.20 EUR -> 20% off = 7.36 -> +20% tax 1.472 = 1.47 -> 8.83 EUR.
    assert (payment["currency"], payment["total_amount"], payment["tax"]) == ("EUR", 883, 147)
    # Back in USD: 8.83 / 0.92 = 9.5978 -> 9.60; 1.47 / 0.92 = 1.5978 -> 1.60.
    assert (payment["settlement_currency"], payment["settlement_amount"], payment["settlement_tax"]) == (
        "USD",
        960,
        160,
    )
    assert payment["billing"] == {
        "country": "GB",
        "zipcode": "SW1A 1AA",
        "city": None,
        "state": None,
        "street": None,
    }
    assert payment["discount_id"] == code["discount_id"]
    [detail] = payment["discounts"]
    assert (detail["code"], detail["amount"], detail["position"], detail["times_used"]) == ("SPRING20", 2000, 0, 1)
    assert api("GET", f"/discounts/{code['discount_id']}").json()["times_used"] == 1


def test_a_tax_inclusive_price_contains_its_tax(api, dodo_emulator):
    price = {**VALID_PRICE, "price": 999, "currency": "GBP", "tax_inclusive": True}
    payment = _buy(api, dodo_emulator, price, country="GB")
    # 9.99 stays the total; the tax in it is 9.99 * 0.2 / 1.2 = 1.665 -> 1.67 (half up).
    assert (payment["currency"], payment["total_amount"], payment["tax"]) == ("GBP", 999, 167)
    assert (payment["settlement_amount"], payment["settlement_tax"]) == (999, 167)


def test_without_currency_selection_the_buyer_pays_in_the_products_currency(api, dodo_emulator):
    payment = _buy(api, dodo_emulator, session={"feature_flags": {"allow_currency_selection": False}}, country="GB")
    assert (payment["currency"], payment["total_amount"], payment["tax"]) == ("USD", 1200, 200)
    assert (payment["settlement_currency"], payment["settlement_amount"], payment["settlement_tax"]) == (
        "USD",
        1200,
        200,
    )


def test_billing_currency_forces_the_charged_currency(api, dodo_emulator):
    # A US buyer (no tax) made to pay in JPY: 19.99 USD * 151 = 3018.49 -> 3018 yen.
    payment = _buy(api, dodo_emulator, VALID_PRICE, session={"billing_currency": "JPY"})
    assert (payment["currency"], payment["total_amount"], payment["tax"]) == ("JPY", 3018, 0)
    assert payment["settlement_amount"] == 1999  # 3018 / 151 = 19.9868 -> 19.99
    product_id = api.product()["product_id"]
    answer = api(
        "POST",
        "/checkouts",
        json={"product_cart": [{"product_id": product_id, "quantity": 1}], "billing_currency": "AUD"},
    )
    assert answer.status_code == 422
    assert "exchange rate" in answer.json()["message"]


def test_kwd_has_three_decimals(api, dodo_emulator):
    payment = _buy(api, dodo_emulator, VALID_PRICE, country="KW")
    assert (payment["currency"], payment["total_amount"], payment["settlement_amount"]) == ("KWD", 6137, 1999)
    page = requests.get(f"{dodo_emulator.base_url}/_emulator/", timeout=5).text
    assert "6.137 KWD" in page


# -- discount codes ----------------------------------------------------------------------


def test_discount_codes_crud(api):
    product_id = api.product()["product_id"]
    generated = _discount(api, amount=540, restricted_to=[product_id], usage_limit=3, name="Launch")
    assert len(generated["code"]) == 16 and generated["code"].isupper()
    assert (generated["amount"], generated["type"], generated["times_used"]) == (540, "percentage", 0)
    assert generated["restricted_to"] == [product_id]
    named = _discount(api, code="summer", metadata={"campaign": "summer", "wave": 2})
    discount_id = named["discount_id"]

    assert api("GET", f"/discounts/{discount_id}").json()["code"] == "SUMMER"
    assert api("GET", "/discounts/code/summer").json()["discount_id"] == discount_id
    assert [d["code"] for d in api("GET", "/discounts", params={"code": "summe"}).json()["items"]] == ["SUMMER"]
    listed = api("GET", "/discounts", params={"product_id": "pdt_other"}).json()["items"]
    assert [d["discount_id"] for d in listed] == [discount_id]  # the other is restricted

    patched = api("PATCH", f"/discounts/{discount_id}", json={"amount": 1500, "usage_limit": 10})
    assert patched.status_code == 200
    assert (patched.json()["amount"], patched.json()["usage_limit"]) == (1500, 10)
    assert api("POST", "/discounts", json={"type": "percentage", "amount": 100, "code": "SUMMER"}).status_code == 409

    assert api("DELETE", f"/discounts/{discount_id}").status_code == 200
    assert api("GET", f"/discounts/{discount_id}").status_code == 404
    assert api("DELETE", f"/discounts/{discount_id}").status_code == 404


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"type": "percentage"}, "amount"),
        ({"type": "percentage", "amount": 0}, "amount"),
        ({"type": "percentage", "amount": 10_001}, "amount"),
        ({"type": "bogo", "amount": 100}, "type"),
        ({"type": "flat", "amount": 100}, "flat"),
        ({"type": "percentage", "amount": 100, "code": "ab"}, "code"),
        ({"type": "percentage", "amount": 100, "expires_at": "tomorrow"}, "expires_at"),
        ({"type": "percentage", "amount": 100, "restricted_to": ["pdt_missing"]}, "pdt_missing"),
        ({"type": "percentage", "amount": 100, "usage_limit": 1, "per_customer_usage_limit": 2}, "usage_limit"),
    ],
)
def test_invalid_discounts_are_422(api, body, message):
    answer = api("POST", "/discounts", json=body)
    assert answer.status_code == 422
    assert message in answer.json()["message"]


def test_unusable_codes_are_refused_at_checkout(api, dodo_emulator):
    product_id = api.product()["product_id"]
    other_id = api.product()["product_id"]
    past = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    _discount(api, code="OLD", expires_at=past)
    _discount(api, code="ONCE", usage_limit=1)
    _discount(api, code="OTHER", restricted_to=[other_id])

    def checkout(code):
        cart = [{"product_id": product_id, "quantity": 1}]
        return api("POST", "/checkouts", json={"product_cart": cart, "discount_code": code})

    for code, message in [
        ("NOPE", "does not exist"),
        ("OLD", "expired"),
        ("OTHER", "not valid for the products"),
    ]:
        answer = checkout(code)
        assert (answer.status_code, answer.json()["code"]) == (422, "INVALID_DISCOUNT_CODE")
        assert message in answer.json()["message"]

    dodo_emulator.decline(checkout("once").json()["session_id"])  # a failure redeems nothing
    assert api("GET", "/discounts/code/ONCE").json()["times_used"] == 0
    dodo_emulator.pay(checkout("once").json()["session_id"])
    assert api("GET", "/discounts/code/ONCE").json()["times_used"] == 1
    answer = checkout("ONCE")
    assert answer.status_code == 422
    assert "used up" in answer.json()["message"]


def test_a_code_only_discounts_the_products_it_is_restricted_to(api, dodo_emulator):
    icons, fonts = api.product(price=TEN_DOLLARS)["product_id"], api.product(price=TEN_DOLLARS)["product_id"]
    _discount(api, code="ICONS50", amount=5000, restricted_to=[icons])
    cart = [{"product_id": icons, "quantity": 1}, {"product_id": fonts, "quantity": 2}]
    session = api("POST", "/checkouts", json={"product_cart": cart, "discount_code": "ICONS50"}).json()
    payment = dodo_emulator.pay(session["session_id"])["payment"]
    assert payment["total_amount"] == 500 + 2000  # half off the icons only


def test_buyer_entered_codes_follow_the_sessions_flag(api, dodo_emulator):
    product_id = api.product(price=TEN_DOLLARS)["product_id"]
    _discount(api, code="TENOFF", amount=1000)
    closed = api.session(product_id, feature_flags={"allow_discount_code": False})
    page = requests.get(closed["checkout_url"], timeout=5).text
    assert "Discount code" not in page
    answer = _control(dodo_emulator, f"checkouts/{closed['session_id']}/pay", {"discount_code": "TENOFF"})
    assert answer.status_code == 422
    assert "does not allow" in answer.json()["message"]

    # The flag only stops the buyer: a code the merchant put on the session still applies,
    # as Dodo documents for feature_flags.allow_discount_code.
    preset = api.session(product_id, feature_flags={"allow_discount_code": False}, discount_code="TENOFF")
    assert dodo_emulator.pay(preset["session_id"])["payment"]["total_amount"] == 900

    open_session = api.session(product_id)
    assert "Discount code" in requests.get(open_session["checkout_url"], timeout=5).text
    payment = dodo_emulator.pay(open_session["session_id"], discount_code="tenoff")["payment"]
    assert payment["total_amount"] == 900


def test_first_time_codes_check_the_customer(api, dodo_emulator):
    product_id = api.product()["product_id"]
    _discount(api, code="WELCOME", customer_eligibility="first_time")
    buyer = {"customer": {"email": "new@example.com", "name": "New"}}
    dodo_emulator.pay(api.session(product_id, **buyer)["session_id"], discount_code="WELCOME")
    answer = api(
        "POST",
        "/checkouts",
        json={"product_cart": [{"product_id": product_id, "quantity": 1}], "discount_code": "WELCOME", **buyer},
    )
    assert answer.status_code == 422
    assert "first-time" in answer.json()["message"]


# -- the hosted page -----------------------------------------------------------------------


def test_hosted_page_country_code_and_cancel_link(api, dodo_emulator):
    product_id = api.product(price=TEN_DOLLARS)["product_id"]
    _discount(api, code="HALF", amount=5000)
    session = api.session(product_id, billing_address={"country": "FR"}, cancel_url="http://testserver/cart/?back=1")
    page = requests.get(session["checkout_url"], timeout=5).text
    assert "<option selected>FR</option>" in page  # prefilled from billing_address
    assert "11.04 EUR" in page
    assert "href='http://testserver/cart/?back=1'>Cancel</a>" in page

    preview = requests.get(session["checkout_url"], params={"country": "JP", "discount_code": "half"}, timeout=5).text
    assert "<option selected>JP</option>" in preview
    assert "-755 JPY" in preview and "831 JPY" in preview  # 1510 - 755 = 755, + 76 tax

    bad = requests.post(f"{session['checkout_url']}/pay", data={"country": "GB", "discount_code": "NOPE"}, timeout=5)
    assert bad.status_code == 422
    assert "discount code NOPE does not exist" in bad.text
    answer = requests.post(
        f"{session['checkout_url']}/pay",
        data={"country": "GB", "discount_code": "half"},
        allow_redirects=False,
        timeout=5,
    )
    assert answer.status_code == 303
    [payment] = dodo_emulator.state()["payments"]
    # 7.90 GBP - 3.95 = 3.95, + 0.79 tax = 4.74 GBP.
    assert (payment["currency"], payment["total_amount"], payment["tax"]) == ("GBP", 474, 79)


# -- refunds -----------------------------------------------------------------------------


def test_partial_then_full_refund_through_the_api(api, dodo_emulator):
    payment = _buy(api, dodo_emulator)
    payment_id, product_id = payment["payment_id"], payment["product_cart"][0]["product_id"]
    first = api(
        "POST",
        "/refunds",
        json={"payment_id": payment_id, "items": [{"item_id": product_id, "amount": 300}], "reason": "Half broken"},
    )
    assert first.status_code == 200, first.text
    assert (first.json()["amount"], first.json()["is_partial"], first.json()["currency"]) == (300, True, "USD")
    assert api("GET", f"/payments/{payment_id}").json()["refund_status"] == "partial"
    over = api("POST", "/refunds", json={"payment_id": payment_id, "items": [{"item_id": product_id, "amount": 701}]})
    assert over.status_code == 422
    assert "exceeds what is left" in over.json()["message"]

    rest = api("POST", "/refunds", json={"payment_id": payment_id, "metadata": {"ticket": "T-1"}})
    assert (rest.json()["amount"], rest.json()["is_partial"], rest.json()["metadata"]) == (
        700,
        False,
        {"ticket": "T-1"},
    )
    paid = api("GET", f"/payments/{payment_id}").json()
    assert paid["refund_status"] == "full"
    assert [r["amount"] for r in paid["refunds"]] == [300, 700]
    assert api("POST", "/refunds", json={"payment_id": payment_id}).status_code == 422

    event = _last_event(dodo_emulator, "refund.succeeded")
    assert (event["data"]["refund_id"], event["data"]["is_partial"]) == (rest.json()["refund_id"], False)
    assert api("GET", f"/refunds/{first.json()['refund_id']}").json()["reason"] == "Half broken"
    assert api("GET", "/refunds/ref_missing").status_code == 404


def test_refund_amounts_include_tax_unless_told_otherwise(api, dodo_emulator):
    # A GB buyer paying in USD: 10.00 + 2.00 tax.
    payment = _buy(api, dodo_emulator, session={"feature_flags": {"allow_currency_selection": False}}, country="GB")
    item = payment["product_cart"][0]["product_id"]
    body = {"payment_id": payment["payment_id"], "items": [{"item_id": item, "amount": 500, "tax_inclusive": False}]}
    assert api("POST", "/refunds", json=body).json()["amount"] == 600  # 5.00 + 1.00 tax
    whole_item = api("POST", "/refunds", json={"payment_id": payment["payment_id"], "items": [{"item_id": item}]})
    assert (whole_item.json()["amount"], whole_item.json()["is_partial"]) == (600, False)


def test_refunds_of_an_adaptive_payment_in_either_currency(api, dodo_emulator):
    # The worked example: 8.83 EUR charged, 9.60 USD settled.
    _discount(api, code="SPRING20")
    session = {"billing_currency": "EUR", "discount_code": "SPRING20"}
    payment = _buy(api, dodo_emulator, session=session, country="GB")
    payment_id, item = payment["payment_id"], payment["product_cart"][0]["product_id"]
    assert (payment["total_amount"], payment["settlement_amount"]) == (883, 960)
    # Without `currency`, amounts are in the settlement currency (USD), as Dodo documents:
    # 4.80 USD of 9.60 is 441.5 -> 4.42 EUR; the other 4.80 USD is the rest, 4.41 EUR.
    half = {"payment_id": payment_id, "items": [{"item_id": item, "amount": 480}]}
    assert api("POST", "/refunds", json=half).json()["amount"] == 442
    second = api("POST", "/refunds", json=half).json()
    assert (second["amount"], second["currency"], second["is_partial"]) == (441, "EUR", False)

    other = _buy(api, dodo_emulator, session=session, country="GB")
    other_item = other["product_cart"][0]["product_id"]
    in_eur = {"payment_id": other["payment_id"], "currency": "EUR", "items": [{"item_id": other_item, "amount": 100}]}
    assert api("POST", "/refunds", json=in_eur).json()["amount"] == 100
    assert api("POST", "/refunds", json={**in_eur, "currency": "USD"}).status_code == 422
    whole = api("POST", "/refunds", json={"payment_id": other["payment_id"], "items": [{"item_id": other_item}]}).json()
    assert (whole["amount"], whole["is_partial"]) == (783, False)  # what is left of the item, in EUR


def test_refunds_are_refused_for_failed_payments_and_after_30_days(api, dodo_emulator):
    failed = dodo_emulator.decline(api.session(api.product()["product_id"])["session_id"])["payment"]
    answer = api("POST", "/refunds", json={"payment_id": failed["payment_id"]})
    assert answer.status_code == 422
    assert api("POST", "/refunds", json={"payment_id": "pay_missing"}).status_code == 404

    payment = _buy(api, dodo_emulator)
    dodo_emulator.age_payment(payment["payment_id"], days=29)
    assert (
        api(
            "POST",
            "/refunds",
            json={
                "payment_id": payment["payment_id"],
                "items": [{"item_id": payment["product_cart"][0]["product_id"], "amount": 100}],
            },
        ).status_code
        == 200
    )
    dodo_emulator.age_payment(payment["payment_id"], days=2)  # 31 days old now
    late = api("POST", "/refunds", json={"payment_id": payment["payment_id"]})
    assert (late.status_code, late.json()["message"]) == (422, "refund window has passed")
    control = _control(dodo_emulator, f"payments/{payment['payment_id']}/refund")
    assert (control.status_code, control.json()["message"]) == (422, "refund window has passed")


def test_control_refund_takes_an_amount(api, dodo_emulator):
    payment = _buy(api, dodo_emulator)
    partial = dodo_emulator.refund(payment["payment_id"], amount=250)
    assert (partial["amount"], partial["is_partial"]) == (250, True)
    over = _control(dodo_emulator, f"payments/{payment['payment_id']}/refund", {"amount": 751})
    assert over.status_code == 422
    rest = dodo_emulator.refund(payment["payment_id"])
    assert (rest["amount"], rest["is_partial"]) == (750, False)


def test_refund_list_newest_first_with_filters(api, dodo_emulator):
    first = _buy(api, dodo_emulator)
    second = _buy(api, dodo_emulator, session={"customer": {"email": "zed@example.com", "name": "Zed"}})
    older = dodo_emulator.refund(first["payment_id"])
    newer = dodo_emulator.refund(second["payment_id"])

    def ids(**params):
        answer = api("GET", "/refunds", params=params)
        assert answer.status_code == 200, answer.text
        return [item["refund_id"] for item in answer.json()["items"]]

    assert ids() == [newer["refund_id"], older["refund_id"]]
    assert ids(customer_id=second["customer"]["customer_id"]) == [newer["refund_id"]]
    assert ids(status="failed") == []
    assert ids(page_size=1, page_number=1) == [older["refund_id"]]
    assert api("GET", "/refunds", params={"status": "done"}).status_code == 422


# -- payments list -----------------------------------------------------------------------


def test_payment_list_newest_first_with_filters(api, dodo_emulator):
    product = api.product()
    old = dodo_emulator.pay(api.session(product["product_id"])["session_id"])["payment"]
    dodo_emulator.age_payment(old["payment_id"], days=3)
    failed = dodo_emulator.decline(api.session(api.product()["product_id"])["session_id"])["payment"]
    new = dodo_emulator.pay(api.session(product["product_id"])["session_id"])["payment"]

    def ids(**params):
        answer = api("GET", "/payments", params=params)
        assert answer.status_code == 200, answer.text
        return [item["payment_id"] for item in answer.json()["items"]]

    assert ids() == [new["payment_id"], failed["payment_id"], old["payment_id"]]
    assert ids(status="failed") == [failed["payment_id"]]
    assert ids(product_id=product["product_id"]) == [new["payment_id"], old["payment_id"]]
    assert ids(customer_id=new["customer"]["customer_id"]) == [
        new["payment_id"],
        failed["payment_id"],
        old["payment_id"],
    ]
    day_ago = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    assert ids(created_at_lte=day_ago) == [old["payment_id"]]
    assert ids(created_at_gte=day_ago.replace("+00:00", "Z")) == [new["payment_id"], failed["payment_id"]]
    assert ids(page_size=2, page_number=1) == [old["payment_id"]]
    for bad in ({"page_size": 101}, {"status": "paid"}, {"created_at_gte": "yesterday"}):
        assert api("GET", "/payments", params=bad).status_code == 422
    item = api("GET", "/payments").json()["items"][0]
    assert (item["total_amount"], item["has_license_key"], item["dispute_status"]) == (1999, False, None)


# -- disputes ----------------------------------------------------------------------------


def test_dispute_lifecycle(api, dodo_emulator):
    payment = _buy(api, dodo_emulator)
    dispute = dodo_emulator.open_dispute(payment["payment_id"], remarks="Card stolen")
    assert dispute["dispute_id"].startswith("dsp_")
    assert (dispute["amount"], dispute["currency"], dispute["dispute_stage"], dispute["dispute_status"]) == (
        "1000",
        "USD",
        "dispute",
        "dispute_opened",
    )
    assert _last_event(dodo_emulator, "dispute.opened")["data"]["dispute_id"] == dispute["dispute_id"]
    again = _control(dodo_emulator, f"payments/{payment['payment_id']}/dispute")
    assert again.status_code == 409  # one open dispute at a time

    assert dodo_emulator.resolve_dispute(dispute["dispute_id"], "challenged")["dispute_status"] == "dispute_challenged"
    won = dodo_emulator.resolve_dispute(dispute["dispute_id"], "won")
    assert won["dispute_status"] == "dispute_won"
    types = [d["type"] for d in dodo_emulator.webhooks() if d["type"].startswith("dispute.")]
    assert types == ["dispute.opened", "dispute.challenged", "dispute.won"]
    assert _control(dodo_emulator, f"disputes/{dispute['dispute_id']}/lost").status_code == 409
    assert _control(dodo_emulator, f"disputes/{dispute['dispute_id']}/maybe").status_code == 404

    paid = api("GET", f"/payments/{payment['payment_id']}").json()
    assert [(d["dispute_id"], d["dispute_status"]) for d in paid["disputes"]] == [
        (dispute["dispute_id"], "dispute_won")
    ]
    assert api("GET", "/payments").json()["items"][0]["dispute_status"] == "dispute_won"
    full = api("GET", f"/disputes/{dispute['dispute_id']}").json()
    assert (full["customer"]["customer_id"], full["remarks"], full["payment_provider"]) == (
        payment["customer"]["customer_id"],
        "Card stolen",
        "dodo",
    )
    assert api("GET", "/disputes/dsp_missing").status_code == 404


@pytest.mark.parametrize("outcome", ["lost", "cancelled", "expired", "accepted"])
def test_each_dispute_outcome_has_its_event(api, dodo_emulator, outcome):
    payment = _buy(api, dodo_emulator)
    dispute = dodo_emulator.open_dispute(payment["payment_id"], amount=400)
    assert dispute["amount"] == "400"
    assert dodo_emulator.resolve_dispute(dispute["dispute_id"], outcome)["dispute_status"] == f"dispute_{outcome}"
    assert _last_event(dodo_emulator, f"dispute.{outcome}")["data"]["dispute_status"] == f"dispute_{outcome}"


def test_dispute_list_and_refusals(api, dodo_emulator):
    failed = dodo_emulator.decline(api.session(api.product()["product_id"])["session_id"])["payment"]
    assert _control(dodo_emulator, f"payments/{failed['payment_id']}/dispute").status_code == 409
    first = dodo_emulator.open_dispute(_buy(api, dodo_emulator)["payment_id"])
    second = dodo_emulator.open_dispute(_buy(api, dodo_emulator)["payment_id"])
    dodo_emulator.resolve_dispute(first["dispute_id"], "lost")

    def ids(**params):
        answer = api("GET", "/disputes", params=params)
        assert answer.status_code == 200, answer.text
        return [item["dispute_id"] for item in answer.json()["items"]]

    assert ids() == [second["dispute_id"], first["dispute_id"]]
    assert ids(dispute_status="dispute_lost") == [first["dispute_id"]]
    assert ids(dispute_stage="pre_arbitration") == []
    assert api("GET", "/disputes", params={"dispute_status": "lost"}).status_code == 422


# -- the dashboard ---------------------------------------------------------------------------


def test_dashboard_buttons_refund_partially_and_dispute(api, dodo_emulator):
    payment = _buy(api, dodo_emulator)
    page = requests.get(f"{dodo_emulator.base_url}/_emulator/", timeout=5).text
    for label in ("Refund", "Partial refund", "Open dispute", "Send example event"):
        assert f">{label}</button>" in page
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    base = f"{dodo_emulator.base_url}/_emulator/payments/{payment['payment_id']}"
    answer = requests.post(f"{base}/refund", data={"amount": "400"}, headers=form, allow_redirects=False, timeout=5)
    assert (answer.status_code, answer.headers["Location"]) == (303, "/_emulator/")
    requests.post(f"{base}/dispute", data={}, headers=form, timeout=5)
    state = dodo_emulator.state()
    assert [(r["amount"], r["is_partial"]) for r in state["refunds"]] == [(400, True)]
    [dispute] = state["disputes"]
    page = requests.get(f"{dodo_emulator.base_url}/_emulator/", timeout=5).text
    assert f"/_emulator/disputes/{dispute['dispute_id']}/won" in page and ">Lost</button>" in page


# -- archive twice ---------------------------------------------------------------------------


def test_archiving_an_archived_product_is_410(api):
    product_id = api.product()["product_id"]
    assert api("DELETE", f"/products/{product_id}").status_code == 200
    gone = api("DELETE", f"/products/{product_id}")
    assert (gone.status_code, gone.json()["code"]) == (410, "GONE")
    assert api("POST", f"/products/{product_id}/unarchive").status_code == 200
    assert api("DELETE", f"/products/{product_id}").status_code == 200


# -- rate limiting -------------------------------------------------------------------------


def test_the_eleventh_call_in_a_second_is_429_and_not_processed(api, live_api, dodo_emulator):
    dodo_emulator.set_rate_limit(per_second=10, per_minute=100)
    answers = [
        api("POST", "/products", json={"name": f"P{n}", "price": VALID_PRICE, "tax_category": "saas"})
        for n in range(11)
    ]
    assert [a.status_code for a in answers] == [200] * 10 + [429]
    assert answers[-1].headers["Retry-After"] == "1"
    assert answers[-1].json()["code"] == "TOO_MANY_REQUESTS"
    assert len(dodo_emulator.state()["products"]) == 10  # the refused create did nothing
    assert dodo_emulator.requests()[-1]["status"] == 429
    assert live_api("GET", "/products").status_code == 200  # another key, another count
    assert requests.get(f"{dodo_emulator.base_url}/_emulator/state", timeout=5).status_code == 200  # not limited

    dodo_emulator.reset()  # back to the configured limits (none, for the test suite)
    assert dodo_emulator.state()["rate_limit"] == {"per_second": 0, "per_minute": 0}


def test_the_minute_limit_counts_failed_calls_and_says_when_to_retry(api, dodo_emulator):
    dodo_emulator.set_rate_limit(per_second=0, per_minute=3)
    dodo_emulator.fail(2)
    assert [api("GET", "/products").status_code for _ in range(4)] == [503, 503, 200, 429]
    refused = api("GET", "/products")
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    answer = _control(dodo_emulator, "rate_limit", {"per_minute": 0})
    assert answer.json() == {"per_second": 0, "per_minute": 0}
    assert api("GET", "/products").status_code == 200
    assert _control(dodo_emulator, "rate_limit", {"per_second": -1}).status_code == 400


# -- live and test mode --------------------------------------------------------------------


def test_live_mode_keeps_its_own_objects(api, live_api, dodo_emulator):
    live_product = live_api.product(name="Live only")
    assert api("GET", f"/products/{live_product['product_id']}").status_code == 404
    assert api("GET", "/products").json()["items"] == []
    session = live_api.session(live_product["product_id"])
    assert api("GET", f"/checkouts/{session['session_id']}").status_code == 404
    assert _control(dodo_emulator, f"checkouts/{session['session_id']}/pay").status_code == 404

    assert "Live only" in requests.get(session["checkout_url"], timeout=5).text  # one checkout domain
    payment = dodo_emulator.pay(session["session_id"], mode="live_mode")["payment"]
    assert live_api("GET", f"/payments/{payment['payment_id']}").status_code == 200
    assert api("GET", f"/payments/{payment['payment_id']}").status_code == 404
    assert dodo_emulator.state()["payments"] == []
    live_state = dodo_emulator.state(mode="live_mode")
    assert [p["payment_id"] for p in live_state["payments"]] == [payment["payment_id"]]
    assert live_state["webhooks"][0]["type"] == "payment.succeeded"
    refund = dodo_emulator.refund(payment["payment_id"], mode="live_mode")
    assert live_api("GET", f"/refunds/{refund['refund_id']}").status_code == 200
    dispute = dodo_emulator.open_dispute(payment["payment_id"], mode="live_mode")
    assert api("GET", f"/disputes/{dispute['dispute_id']}").status_code == 404
    assert [r["path"] for r in dodo_emulator.requests(mode="live_mode")][:1] == ["/products"]
    assert "live mode" in requests.get(f"{dodo_emulator.base_url}/_emulator/?mode=live_mode", timeout=5).text
    assert _control(dodo_emulator, "reset", mode="sandbox").status_code == 400


# -- webhooks: Dodo's schedule, redelivery, example events ---------------------------------


def test_dodos_schedule_makes_eight_attempts(api, dodo_emulator, webhook_receiver):
    schedule = dodo_emulator.set_webhook_schedule(time_scale=0.00001)  # about 1 s in all
    assert (schedule["source"], schedule["attempts"]) == ("dodo", 8)
    webhook_receiver.statuses = [500] * 8
    _buy(api, dodo_emulator)
    delivery = dodo_emulator.wait_for_webhooks(1, timeout=10)[0]
    assert delivery["status"] == "failed"
    assert len(delivery["attempts"]) == 8
    assert len({headers["webhook-id"] for headers, _ in webhook_receiver.messages}) == 1

    assert dodo_emulator.set_webhook_schedule(delays=[0.01])["attempts"] == 2
    dodo_emulator.reset()
    assert dodo_emulator.state()["webhook_schedule"]["delays"] == [0.05, 0.1, 0.2]  # the configured ones


def test_redeliver_sends_the_same_message_again(api, dodo_emulator, webhook_receiver):
    _buy(api, dodo_emulator)
    [(first_headers, first_body)] = webhook_receiver.wait(1)
    webhook_id = first_headers["webhook-id"]
    dodo_emulator.wait_for_webhooks(1)
    attempt = dodo_emulator.redeliver(webhook_id)
    assert (attempt["status_code"], attempt["redelivery"]) == (200, True)
    second_headers, second_body = webhook_receiver.wait(2)[1]
    assert second_headers["webhook-id"] == webhook_id
    assert second_body == first_body
    assert Webhook(dodo_emulator.webhook_secret).verify(second_body, second_headers)["type"] == "payment.succeeded"
    assert len(dodo_emulator.webhooks()[0]["attempts"]) == 2
    assert _control(dodo_emulator, "webhooks/msg_missing/redeliver").status_code == 404


def test_example_event_matches_no_order(api, dodo_emulator, webhook_receiver):
    known = api.product()["product_id"]
    record = dodo_emulator.send_example_event("payment.succeeded")
    assert record["type"] == "payment.succeeded"
    headers, body = webhook_receiver.wait(1)[0]
    event = Webhook(dodo_emulator.webhook_secret).verify(body, headers)
    payment = event["data"]
    assert (payment["status"], payment["metadata"], payment["payload_type"]) == ("succeeded", {}, "Payment")
    assert payment["product_cart"][0]["product_id"] != known
    assert dodo_emulator.state()["payments"] == []  # nothing was really paid
    dispute = dodo_emulator.send_example_event("dispute.won")["payload"]["data"]
    assert dispute["dispute_status"] == "dispute_won"
    assert _control(dodo_emulator, "webhooks/example", {"type": "subscription.active"}).status_code == 400


# -- persistence ---------------------------------------------------------------------------


def test_state_file_keeps_both_environments_and_reads_the_old_format(tmp_path):
    from dodo.emulator.testing import run_in_subprocess

    state_file = tmp_path / "emulator.json"
    legacy_product = {"product_id": "pdt_legacy", "name": "Old", "price": VALID_PRICE}
    state_file.write_text(json.dumps({"products": {"pdt_legacy": legacy_product}, "archived": []}))
    first = run_in_subprocess(state_file=str(state_file))
    try:
        assert [p["product_id"] for p in first.state()["products"]] == ["pdt_legacy"]
        headers = {"Authorization": f"Bearer {first.live_api_key}"}
        body = {"type": "percentage", "amount": 700, "code": "LIVE7"}
        assert requests.post(f"{first.base_url}/discounts", json=body, headers=headers, timeout=5).status_code == 200
    finally:
        first.stop()
    second = run_in_subprocess(state_file=str(state_file), live_api_key=first.live_api_key)
    try:
        assert [d["code"] for d in second.state(mode="live_mode")["discounts"]] == ["LIVE7"]
        assert second.state()["discounts"] == []
    finally:
        second.stop()


def test_live_key_must_differ_from_the_test_key():
    from dodo.emulator.cli import run

    with pytest.raises(ValueError, match="differ"):
        run(
            host="127.0.0.1",
            port=0,
            api_key="same",
            live_api_key="same",
            webhook_url="",
            webhook_secret="whsec_eA==",
            webhook_retry_delays=None,
            webhook_timeout=1,
            quiet=True,
            write=lambda line: None,
        )


def test_command_line_flags_set_the_schedule_the_limits_and_live_mode():
    from dodo.emulator.testing import run_in_subprocess

    emulator = run_in_subprocess(
        webhook_retry_delays=None,
        webhook_time_scale=0.0001,
        rate_limit_per_second=10,
        rate_limit_per_minute=100,
        live_api_key="",
    )
    try:
        state = emulator.state()
        assert (state["webhook_schedule"]["attempts"], state["webhook_schedule"]["time_scale"]) == (8, 0.0001)
        assert state["rate_limit"] == {"per_second": 10, "per_minute": 100}
        assert state["live_mode_enabled"] is False
    finally:
        emulator.stop()
