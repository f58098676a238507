"""The emulator itself, over HTTP: hosted checkout, signed webhooks, validation, switches."""

from __future__ import annotations

import subprocess
import sys
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from standardwebhooks import Webhook

from dodo.emulator.server import EmulatorConfig, EmulatorServer
from dodo.emulator.testing import PROJECT_ROOT

VALID_PRICE = {
    "type": "one_time_price",
    "price": 1999,
    "currency": "USD",
    "discount": 0,
    "purchasing_power_parity": False,
}
VALID_PRODUCT = {"name": "Icons", "price": VALID_PRICE, "tax_category": "digital_products"}


class Api:
    """Raw HTTP to the emulator's Dodo API, with the right key."""

    def __init__(self, emulator):
        self.base_url = emulator.base_url
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {emulator.api_key}"

    def __call__(self, method, path, **kwargs):
        return self.http.request(method, self.base_url + path, timeout=5, **kwargs)

    def product(self, **fields):
        response = self("POST", "/products", json={**VALID_PRODUCT, **fields})
        assert response.status_code == 200, response.text
        return response.json()

    def session(self, product_id, **fields):
        body = {
            "product_cart": [{"product_id": product_id, "quantity": 1}],
            "return_url": "http://testserver/orders/7/?from=dodo",
            "metadata": {"order_id": "7"},
            **fields,
        }
        response = self("POST", "/checkouts", json=body)
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture
def api(dodo_settings, dodo_emulator):
    return Api(dodo_emulator)


def _verified(message, secret):
    headers, body = message
    return Webhook(secret).verify(body, headers)


# -- hosted checkout and webhooks --------------------------------------------------------


def test_checkout_page_shows_the_cart_and_buttons(api):
    product = api.product(name="Icons <b>bold</b>")
    session = api.session(product["product_id"])
    page = requests.get(session["checkout_url"], timeout=5)
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert "Icons &lt;b&gt;bold&lt;/b&gt;" in page.text  # escaped
    assert "19.99 USD" in page.text
    assert ">Pay</button>" in page.text
    assert ">Decline</button>" in page.text


def test_pay_redirects_and_sends_a_signed_payment_succeeded(api, dodo_emulator, webhook_receiver):
    product = api.product()
    customer = api("POST", "/customers", json={"email": "ada@example.com", "name": "Ada"}).json()
    session = api.session(product["product_id"], customer={"customer_id": customer["customer_id"]})

    answer = requests.post(
        f"{dodo_emulator.base_url}/checkout/{session['session_id']}/pay",
        allow_redirects=False,
        timeout=5,
    )
    assert answer.status_code == 303
    location = urlsplit(answer.headers["Location"])
    assert (location.netloc, location.path) == ("testserver", "/orders/7/")
    query = parse_qs(location.query)
    assert query["from"] == ["dodo"] and query["status"] == ["succeeded"]

    event = _verified(webhook_receiver.wait(1)[0], dodo_emulator.webhook_secret)
    assert event["type"] == "payment.succeeded"
    assert event["business_id"]
    payment = event["data"]
    assert payment["payment_id"] == query["payment_id"][0]
    assert payment["status"] == "succeeded"
    assert (payment["total_amount"], payment["currency"]) == (1999, "USD")
    assert payment["customer"]["customer_id"] == customer["customer_id"]
    assert payment["checkout_session_id"] == session["session_id"]
    assert payment["metadata"] == {"order_id": "7"}
    assert payment["product_cart"] == [{"product_id": product["product_id"], "quantity": 1}]

    delivery = dodo_emulator.wait_for_webhooks(1)[0]
    assert (delivery["status"], delivery["webhook_id"]) == (
        "delivered",
        webhook_receiver.messages[0][0]["webhook-id"],
    )


def test_decline_sends_payment_failed_and_allows_another_try(api, dodo_emulator, webhook_receiver):
    session = api.session(api.product()["product_id"])
    answer = requests.post(
        f"{dodo_emulator.base_url}/checkout/{session['session_id']}/decline",
        data={"email": "bo@example.com", "name": "Bo"},
        allow_redirects=False,
        timeout=5,
    )
    assert parse_qs(urlsplit(answer.headers["Location"]).query)["status"] == ["failed"]
    failed = _verified(webhook_receiver.wait(1)[0], dodo_emulator.webhook_secret)
    assert failed["type"] == "payment.failed"
    assert failed["data"]["customer"]["email"] == "bo@example.com"

    paid = dodo_emulator.pay(session["session_id"])["payment"]
    assert paid["status"] == "succeeded"
    assert paid["customer"]["email"] == "bo@example.com"  # the session keeps its buyer
    second = _verified(webhook_receiver.wait(2)[1], dodo_emulator.webhook_secret)
    assert second["type"] == "payment.succeeded"

    status = api("GET", f"/checkouts/{session['session_id']}").json()
    assert (status["payment_id"], status["payment_status"]) == (paid["payment_id"], "succeeded")


def test_a_paid_session_cannot_be_paid_again(api, dodo_emulator):
    session = api.session(api.product()["product_id"])
    dodo_emulator.pay(session["session_id"])
    again = requests.post(f"{dodo_emulator.base_url}/_emulator/checkouts/{session['session_id']}/pay", timeout=5)
    assert again.status_code == 409
    # In the browser, a second click lands on the finished page.
    page = requests.post(f"{dodo_emulator.base_url}/checkout/{session['session_id']}/pay", timeout=5)
    assert "This checkout is complete" in page.text


def test_pay_without_return_url_shows_a_result_page(api, dodo_emulator):
    session = api.session(api.product()["product_id"], return_url=None)
    page = requests.post(f"{dodo_emulator.base_url}/checkout/{session['session_id']}/pay", timeout=5)
    assert page.status_code == 200
    assert "Payment succeeded" in page.text


def test_failed_delivery_is_retried_with_the_same_webhook_id(api, dodo_emulator, webhook_receiver):
    webhook_receiver.statuses = [500, 502]
    dodo_emulator.pay(api.session(api.product()["product_id"])["session_id"])
    messages = webhook_receiver.wait(3)
    assert len({headers["webhook-id"] for headers, _ in messages}) == 1
    assert len({body for _, body in messages}) == 1
    for message in messages:
        assert _verified(message, dodo_emulator.webhook_secret)["type"] == "payment.succeeded"
    delivery = dodo_emulator.wait_for_webhooks(1)[0]
    assert delivery["status"] == "delivered"
    assert [attempt["status_code"] for attempt in delivery["attempts"]] == [500, 502, 200]


def test_delivery_gives_up_after_the_last_retry(api, dodo_emulator, webhook_receiver):
    webhook_receiver.statuses = [500] * 10
    dodo_emulator.pay(api.session(api.product()["product_id"])["session_id"])
    delivery = dodo_emulator.wait_for_webhooks(1)[0]
    assert delivery["status"] == "failed"
    assert len(delivery["attempts"]) == 4  # the fixture's three retry delays + 1


def test_redirects_and_refused_connections_are_failed_attempts(api, dodo_emulator):
    dodo_emulator.set_webhook_url("http://127.0.0.1:9/dodo/webhook")  # nothing listens
    dodo_emulator.pay(api.session(api.product()["product_id"])["session_id"])
    delivery = dodo_emulator.wait_for_webhooks(1)[0]
    assert delivery["status"] == "failed"
    assert delivery["attempts"][0]["status_code"] is None
    assert "Connection" in delivery["attempts"][0]["error"] or "refused" in delivery["attempts"][0]["error"]


def test_refund_sends_refund_succeeded(api, dodo_emulator, webhook_receiver):
    paid = dodo_emulator.pay(api.session(api.product()["product_id"])["session_id"])["payment"]
    refund = dodo_emulator.refund(paid["payment_id"], reason="Changed my mind")
    assert refund["refund_id"].startswith("ref_")
    assert (refund["amount"], refund["is_partial"], refund["status"]) == (1999, False, "succeeded")

    events = [_verified(m, dodo_emulator.webhook_secret) for m in webhook_receiver.wait(2)]
    refunded = next(e for e in events if e["type"] == "refund.succeeded")
    assert refunded["data"]["payment_id"] == paid["payment_id"]
    assert refunded["data"]["reason"] == "Changed my mind"

    payment = api("GET", f"/payments/{paid['payment_id']}").json()
    assert payment["refund_status"] == "full"
    assert payment["refunds"][0]["refund_id"] == refund["refund_id"]
    again = requests.post(f"{dodo_emulator.base_url}/_emulator/payments/{paid['payment_id']}/refund", timeout=5)
    assert again.status_code == 409


def test_a_failed_payment_cannot_be_refunded(api, dodo_emulator):
    failed = dodo_emulator.decline(api.session(api.product()["product_id"])["session_id"])["payment"]
    answer = requests.post(f"{dodo_emulator.base_url}/_emulator/payments/{failed['payment_id']}/refund", timeout=5)
    assert answer.status_code == 409


def test_dashboard_lists_payments_and_refunds_from_a_button(api, dodo_emulator):
    paid = dodo_emulator.pay(api.session(api.product()["product_id"])["session_id"])["payment"]
    page = requests.get(f"{dodo_emulator.base_url}/_emulator/", timeout=5)
    assert paid["payment_id"] in page.text
    assert ">Refund</button>" in page.text
    # The button posts a form and comes back to the dashboard.
    answer = requests.post(
        f"{dodo_emulator.base_url}/_emulator/payments/{paid['payment_id']}/refund",
        data={},
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        allow_redirects=False,
        timeout=5,
    )
    assert (answer.status_code, answer.headers["Location"]) == (303, "/_emulator/")
    assert len(dodo_emulator.state()["refunds"]) == 1


def test_webhooks_are_recorded_but_not_sent_without_a_url(api, dodo_emulator):
    dodo_emulator.pay(api.session(api.product()["product_id"])["session_id"])
    assert [d["status"] for d in dodo_emulator.webhooks()] == ["skipped"]


# -- the API's answers -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({**VALID_PRODUCT, "price": {**VALID_PRICE, "price": "19.99"}}, "price.price"),
        ({**VALID_PRODUCT, "price": {**VALID_PRICE, "price": 19.99}}, "price.price"),
        ({**VALID_PRODUCT, "price": {**VALID_PRICE, "price": -1}}, "price.price"),
        ({**VALID_PRODUCT, "price": {**VALID_PRICE, "price": 2_147_483_648}}, "price.price"),
        ({**VALID_PRODUCT, "price": {**VALID_PRICE, "discount": 101}}, "price.discount"),
        ({**VALID_PRODUCT, "price": {**VALID_PRICE, "discount": -1}}, "price.discount"),
        (
            {**VALID_PRODUCT, "price": {k: v for k, v in VALID_PRICE.items() if k != "currency"}},
            "currency",
        ),
        ({**VALID_PRODUCT, "price": {**VALID_PRICE, "currency": "XYZ"}}, "currency"),
        ({**VALID_PRODUCT, "price": {**VALID_PRICE, "type": "recurring_price"}}, "price.type"),
        ({**VALID_PRODUCT, "tax_category": "groceries"}, "tax_category"),
        ({k: v for k, v in VALID_PRODUCT.items() if k != "tax_category"}, "tax_category"),
        ({k: v for k, v in VALID_PRODUCT.items() if k != "name"}, "name"),
        ({k: v for k, v in VALID_PRODUCT.items() if k != "price"}, "price"),
        ({**VALID_PRODUCT, "metadata": {"id": 7}}, "metadata"),
        ([VALID_PRODUCT], "JSON object"),
    ],
)
def test_invalid_product_is_422(api, body, message):
    answer = api("POST", "/products", json=body)
    assert answer.status_code == 422
    assert answer.json()["code"] == "INVALID_REQUEST_BODY"
    assert message in answer.json()["message"]


def test_price_bounds_are_inclusive(api):
    assert api.product(price={**VALID_PRICE, "price": 0})["price"]["price"] == 0
    assert api.product(price={**VALID_PRICE, "price": 2_147_483_647, "discount": 100})


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"name": "x" * 101}, "at most 100"),
        ({"description": "x" * 1001}, "at most 1000"),
        ({"price": {**VALID_PRICE, "price": True}}, "price.price"),
        ({"tax_category": "food"}, "tax_category"),
    ],
)
def test_invalid_product_update_is_422(api, body, message):
    product_id = api.product()["product_id"]
    answer = api("PATCH", f"/products/{product_id}", json=body)
    assert answer.status_code == 422
    assert message in answer.json()["message"]


def test_update_limits_are_inclusive(api):
    product_id = api.product()["product_id"]
    answer = api("PATCH", f"/products/{product_id}", json={"name": "x" * 100, "description": "y" * 1000})
    assert (answer.status_code, answer.content) == (200, b"")


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/customers", {"email": "ada@example.com"}, 422),
        ("/customers", {"email": "not-an-email", "name": "Ada"}, 422),
        ("/checkouts", {"product_cart": []}, 422),
        ("/checkouts", {}, 422),
        ("/checkouts", {"product_cart": [{"product_id": "pdt_missing", "quantity": 1}]}, 404),
        ("/checkouts", {"product_cart": [{"product_id": "pdt_missing", "quantity": 0}]}, 422),
        (
            "/checkouts",
            {"product_cart": [{"product_id": "p", "quantity": 1}], "return_url": "/x"},
            422,
        ),
    ],
)
def test_invalid_customer_and_checkout_bodies(api, path, body, status):
    assert api("POST", path, json=body).status_code == status


def test_archived_products_cannot_be_bought(api):
    product_id = api.product()["product_id"]
    assert api("DELETE", f"/products/{product_id}").status_code == 200
    answer = api("POST", "/checkouts", json={"product_cart": [{"product_id": product_id, "quantity": 1}]})
    assert answer.status_code == 422
    assert "archived" in answer.json()["message"]
    assert api("GET", f"/products/{product_id}").status_code == 200  # still readable


def test_mixed_currencies_cannot_share_a_cart(api):
    usd = api.product()["product_id"]
    eur = api.product(price={**VALID_PRICE, "currency": "EUR"})["product_id"]
    cart = [{"product_id": usd, "quantity": 1}, {"product_id": eur, "quantity": 1}]
    assert api("POST", "/checkouts", json={"product_cart": cart}).status_code == 422


def test_checkout_with_a_new_customer_creates_or_reuses_one(api, dodo_emulator):
    product_id = api.product()["product_id"]
    new = {"email": "Cy@Example.com", "name": "Cy"}
    api.session(product_id, customer=new)
    api.session(product_id, customer={**new, "email": "cy@example.com"})
    assert [c["email"] for c in dodo_emulator.state()["customers"]] == ["Cy@Example.com"]


def test_not_json_is_400(api):
    answer = api("POST", "/products", data=b"{not json", headers={"Content-Type": "application/json"})
    assert answer.status_code == 400


@pytest.mark.parametrize("header", [None, "Bearer wrong", "Basic x"])
def test_missing_or_wrong_key_is_401(api, dodo_emulator, header):
    headers = {"Authorization": header} if header else {}
    answer = requests.get(f"{dodo_emulator.base_url}/products", headers=headers, timeout=5)
    assert answer.status_code == 401
    assert answer.json()["code"] == "UNAUTHORIZED"


def test_unknown_ids_routes_and_methods(api):
    assert api("GET", "/customers/cus_missing").status_code == 404
    assert api("PATCH", "/customers/cus_missing", json={"name": "x"}).status_code == 404
    assert api("GET", "/checkouts/cks_missing").status_code == 404
    assert api("GET", "/payments/pay_missing").status_code == 404
    assert api("DELETE", "/products/pdt_missing").status_code == 404
    assert api("POST", "/products/pdt_missing/unarchive").status_code == 404
    assert api("GET", "/subscriptions").status_code == 404
    assert api("PUT", "/products").status_code == 405
    assert requests.get(f"{api.base_url}/checkout/cks_missing", timeout=5).status_code == 404


def test_list_pages_and_filters(api):
    ids = [api.product(name=f"P{n}")["product_id"] for n in range(5)]
    api("DELETE", f"/products/{ids[0]}")

    def page(**params):
        answer = api("GET", "/products", params=params)
        assert answer.status_code == 200, answer.text
        return [item["product_id"] for item in answer.json()["items"]]

    assert page() == ids[1:]
    assert page(page_size=2, page_number=1) == ids[3:5]
    assert page(page_size=2, page_number=9) == []
    assert page(archived="true") == ids[:1]
    assert api("GET", "/products", params={"page_size": 101}).status_code == 422
    assert api("GET", "/products", params={"archived": "yes"}).status_code == 422
    item = api("GET", "/products").json()["items"][0]
    assert (item["price"], item["currency"], item["price_detail"]["type"]) == (
        1999,
        "USD",
        "one_time_price",
    )


# -- switches ----------------------------------------------------------------------------


def test_fail_answers_the_next_calls_then_recovers(api, dodo_emulator):
    dodo_emulator.fail(2, status=502, retry_after=7)
    first = api("GET", "/products")
    assert (first.status_code, first.headers["Retry-After"]) == (502, "7")
    assert api("GET", "/products").status_code == 502
    assert api("GET", "/products").status_code == 200
    assert [r["status"] for r in dodo_emulator.requests()] == [502, 502, 200]


def test_failed_calls_do_nothing(api, dodo_emulator):
    dodo_emulator.fail(1)
    assert api("POST", "/products", json=VALID_PRODUCT).status_code == 503
    assert dodo_emulator.state()["products"] == []


def test_hang_and_latency_delay_answers(api, dodo_emulator):
    # Told by a client's read timeout, not by a stopwatch: a hung answer outlasts a short
    # timeout; the call after it (only the next n calls hang) answers within a long one.
    url = f"{api.base_url}/products"
    dodo_emulator.hang(3, n=1)
    with pytest.raises(requests.ReadTimeout):
        api.http.get(url, timeout=(5, 0.5))
    assert api.http.get(url, timeout=30).status_code == 200

    dodo_emulator.latency(3000)
    with pytest.raises(requests.ReadTimeout):
        api.http.get(url, timeout=(5, 0.5))
    dodo_emulator.latency(0)
    assert api.http.get(url, timeout=30).status_code == 200


def test_down_drops_connections_until_up(api, dodo_emulator):
    dodo_emulator.down()
    with pytest.raises(requests.ConnectionError):
        api("GET", "/products")
    dodo_emulator.up()
    assert api("GET", "/products").status_code == 200
    assert [r["status"] for r in dodo_emulator.requests()] == ["dropped", 200]


def test_a_request_hanging_across_a_reset_changes_nothing(api, dodo_emulator):
    dodo_emulator.hang(0.4, n=1)
    with pytest.raises(requests.ReadTimeout):
        requests.post(
            f"{dodo_emulator.base_url}/products",
            json=VALID_PRODUCT,
            headers={"Authorization": f"Bearer {dodo_emulator.api_key}"},
            timeout=(1, 0.1),
        )
    dodo_emulator.reset()
    time.sleep(0.5)
    assert dodo_emulator.state()["products"] == []


def test_reset_clears_state_switches_and_log(api, dodo_emulator):
    api.product()
    dodo_emulator.fail(3)
    dodo_emulator.latency(10)
    dodo_emulator.reset()
    state = dodo_emulator.state()
    assert state["products"] == [] and dodo_emulator.requests() == []
    assert state["switches"] == {
        "fail": {"count": 0, "status": 503, "retry_after": None},
        "hang": {"count": 0, "seconds": 0.0},
        "latency_ms": 0.0,
        "down": False,
    }


def test_request_log_records_method_path_and_body(api, dodo_emulator):
    api("POST", "/customers", json={"email": "ada@example.com", "name": "Ada"})
    api("GET", "/products", params={"page_size": 5})
    log = dodo_emulator.requests()
    assert [(r["method"], r["path"], r["status"]) for r in log] == [
        ("POST", "/customers", 200),
        ("GET", "/products", 200),
    ]
    assert log[0]["json"] == {"email": "ada@example.com", "name": "Ada"}
    assert log[1]["query"] == "page_size=5"


def test_switches_reject_nonsense(dodo_settings, dodo_emulator):
    base = f"{dodo_emulator.base_url}/_emulator"
    assert requests.post(f"{base}/fail", json={"status": 200}, timeout=5).status_code == 400
    assert requests.post(f"{base}/hang", json={"seconds": "long"}, timeout=5).status_code == 400
    assert requests.post(f"{base}/webhook", json={"url": "file:///etc/passwd"}, timeout=5).status_code == 400
    assert requests.post(f"{base}/nothing", timeout=5).status_code == 404


def test_control_routes_refuse_foreign_host_names(dodo_settings, dodo_emulator):
    # What a DNS-rebinding page in a browser would send.
    answer = requests.post(
        f"{dodo_emulator.base_url}/_emulator/reset",
        headers={"Host": "evil.example:8010"},
        timeout=5,
    )
    assert answer.status_code == 403


# -- starting it -------------------------------------------------------------------------


def test_it_refuses_to_listen_beyond_loopback():
    with pytest.raises(ValueError, match="loopback"):
        EmulatorServer("0.0.0.0", 0, EmulatorConfig(api_key="k"))  # noqa: S104 - the point
    result = subprocess.run(  # noqa: S603 - our own module, fixed arguments
        [sys.executable, "-m", "dodo.emulator", "--host", "192.0.2.1", "--port", "0"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "loopback" in result.stderr


def test_management_command_refuses_non_loopback_hosts():
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="loopback"):
        call_command("dodo_emulator", "--host", "0.0.0.0", "--port", "0")  # noqa: S104


def test_management_command_defaults_come_from_settings(settings):
    from django.core.management import load_command_class

    settings.SITE_URL = "http://127.0.0.1:8000"
    settings.DODO_PAYMENTS_API_KEY = "dev-key"
    command = load_command_class("dodo", "dodo_emulator")
    options = command.create_parser("manage.py", "dodo_emulator").parse_args([])
    assert options.api_key == "dev-key"
    assert options.webhook_secret == settings.DODO_PAYMENTS_WEBHOOK_KEY
    assert options.webhook_url == "http://127.0.0.1:8000/dodo/webhook/"
    assert (options.host, options.port) == ("127.0.0.1", 8010)


def test_state_file_keeps_objects_across_a_restart(tmp_path):
    """``make run`` restarts the emulator often; like Dodo, it must not forget products."""
    from dodo.emulator.testing import run_in_subprocess

    state_file = str(tmp_path / "emulator.json")
    first = run_in_subprocess(state_file=state_file)
    try:
        headers = {"Authorization": f"Bearer {first.api_key}"}
        body = {
            "name": "Kept",
            "tax_category": "e_book",
            "price": {"type": "one_time_price", "price": 500, "currency": "USD", "discount": 0,
                      "purchasing_power_parity": False},
        }
        product = requests.post(f"{first.base_url}/products", json=body, headers=headers, timeout=5).json()
        requests.delete(f"{first.base_url}/products/{product['product_id']}", headers=headers, timeout=5)
    finally:
        first.stop()
    second = run_in_subprocess(state_file=state_file, api_key=first.api_key)
    try:
        [kept] = second.state()["products"]
        assert kept["product_id"] == product["product_id"]
        assert kept["archived"] is True
    finally:
        second.stop()
