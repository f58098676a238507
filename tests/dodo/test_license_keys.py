"""License keys on orders (issue 16, point 6), end to end through the emulator over HTTP.

A buyer pays for a product that issues license keys on the emulator; the emulator's own
signed ``payment.succeeded`` and ``license_key.created`` payloads are posted to our
webhook in either order. The key lands on the order, in the receipt (or in its own email
when it comes after the receipt), the library and the orders page; a full refund or a
lost dispute disables it on the emulator, a partial refund does not.
"""

from decimal import Decimal

import pytest
import requests
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from catalogue.models import Order, OrderStatus
from dodo import licenses
from dodo.models import WebhookEvent, WebhookEventStatus
from tests.dodo.purchase import post_webhook, sellable_product
from tests.factories import CustomerFactory, OrderFactory, ProductPageFactory
from tests.seller_portal.conftest import product_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def bought(client, site_tree, commit, dodo_settings, dodo_emulator):
    """A licensed product paid on the emulator, nothing delivered to us yet: answers
    (order, payment event, license event, key) with the emulator's own payloads."""
    customer = commit(lambda: CustomerFactory(email="ada@example.com"))
    product = sellable_product(
        commit, title="Studio Plugin", price=Decimal("20.00"), license_key_enabled=True, license_key_activation_limit=2
    )
    client.force_login(customer)
    client.post(reverse("dodo:checkout", args=(product.pk,)))
    order = Order.objects.get(customer=customer)
    dodo_emulator.pay(order.dodo_checkout_session_id)
    events = {d["type"]: d["payload"] for d in dodo_emulator.webhooks()}
    [key] = dodo_emulator.state()["license_keys"]
    mail.outbox.clear()
    return order, events["payment.succeeded"], events["license_key.created"], key


def _deliver(client, commit, payload, msg_id=None):
    kwargs = {"msg_id": msg_id} if msg_id else {}
    return commit(lambda: post_webhook(client, payload, **kwargs)).status_code


def _key_on_dodo(dodo_emulator, key):
    return next(k for k in dodo_emulator.state()["license_keys"] if k["id"] == key["id"])


def _validates(dodo_emulator, key):
    answer = requests.post(
        f"{dodo_emulator.base_url}/licenses/validate", json={"license_key": key["key"]}, timeout=10
    ).json()
    return answer["valid"]


def test_a_key_that_arrives_before_its_payment_goes_into_the_receipt(client, commit, bought):
    order, payment_event, key_event, key = bought
    # Dodo's key comes first: the payment is not recorded yet, so Dodo must retry it.
    assert _deliver(client, commit, key_event, "msg_key") == 500
    assert WebhookEvent.objects.get(webhook_id="msg_key").status == WebhookEventStatus.FAILED

    assert _deliver(client, commit, payment_event) == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert (order.license_key, order.license_key_id) == (key["key"], key["id"])
    assert WebhookEvent.objects.get(webhook_id="msg_key").status == WebhookEventStatus.PROCESSED
    [receipt] = [m for m in mail.outbox if m.to == ["ada@example.com"]]
    assert key["key"] in receipt.body and key["key"] in receipt.alternatives[0][0]
    assert "up to 2 activations" in receipt.alternatives[0][0]

    # Dodo's retry of the key is acknowledged and changes nothing (no second email).
    mail.outbox.clear()
    assert _deliver(client, commit, key_event, "msg_key") == 200
    assert mail.outbox == []


def test_a_key_that_arrives_after_the_receipt_is_emailed_on_its_own_once(client, commit, bought):
    order, payment_event, key_event, key = bought
    assert _deliver(client, commit, payment_event) == 200
    [receipt] = [m for m in mail.outbox if m.to == ["ada@example.com"]]
    assert "License key" not in receipt.body and key["key"] not in receipt.body
    mail.outbox.clear()

    assert _deliver(client, commit, key_event) == 200
    order.refresh_from_db()
    assert order.license_key == key["key"]
    [email] = mail.outbox
    assert email.to == ["ada@example.com"] and "license key for Studio Plugin" in email.subject
    assert key["key"] in email.body and key["key"] in email.alternatives[0][0]
    mail.outbox.clear()
    assert _deliver(client, commit, key_event) == 200  # a new message id, the same key
    assert mail.outbox == []

    # The buyer sees it in the library and on the orders page, with the invoice link.
    for page in ("portal:products", "portal:orders"):
        html = client.get(reverse(page)).content.decode()
        assert key["key"] in html and reverse("dodo:order_invoice", args=(order.pk,)) in html
        assert "Disabled" not in html


@pytest.mark.parametrize("ending", ["refund", "lost dispute"])
def test_a_full_refund_or_a_lost_dispute_disables_the_key_on_dodo(client, commit, bought, dodo_emulator, ending):
    order, payment_event, key_event, key = bought
    _deliver(client, commit, payment_event)
    _deliver(client, commit, key_event)
    payment_id = payment_event["data"]["payment_id"]
    assert _validates(dodo_emulator, key)

    if ending == "refund":
        refund = dodo_emulator.refund(payment_id)
        assert _deliver(client, commit, {**key_event, "type": "refund.succeeded", "data": refund}) == 200
        expected = OrderStatus.REFUNDED
    else:
        dispute = dodo_emulator.open_dispute(payment_id)
        assert _deliver(client, commit, {**key_event, "type": "dispute.opened", "data": dispute}) == 200
        assert _key_on_dodo(dodo_emulator, key)["status"] == "active"  # open: the buyer keeps it
        lost = dodo_emulator.resolve_dispute(dispute["dispute_id"], "lost")
        assert _deliver(client, commit, {**key_event, "type": "dispute.lost", "data": lost}) == 200
        expected = OrderStatus.CHARGEBACK

    order.refresh_from_db()
    assert order.status == expected and order.license_key_disabled_at is not None
    assert _key_on_dodo(dodo_emulator, key)["status"] == "disabled"
    assert not _validates(dodo_emulator, key)
    html = client.get(reverse("portal:orders")).content.decode()
    assert key["key"] in html and "Disabled" in html


def test_a_partial_refund_keeps_the_key(client, commit, bought, dodo_emulator):
    order, payment_event, key_event, key = bought
    _deliver(client, commit, payment_event)
    _deliver(client, commit, key_event)
    refund = dodo_emulator.refund(payment_event["data"]["payment_id"], amount=500)
    assert _deliver(client, commit, {**key_event, "type": "refund.succeeded", "data": refund}) == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and order.license_key_disabled_at is None
    assert _key_on_dodo(dodo_emulator, key)["status"] == "active"
    assert [r for r in dodo_emulator.requests() if r["path"].startswith("/license_keys/")] == []


def test_a_key_arriving_after_the_refund_is_disabled_at_once(client, commit, bought, dodo_emulator):
    order, payment_event, key_event, key = bought
    _deliver(client, commit, payment_event)
    refund = dodo_emulator.refund(payment_event["data"]["payment_id"])
    _deliver(client, commit, {**key_event, "type": "refund.succeeded", "data": refund})
    mail.outbox.clear()
    assert _deliver(client, commit, key_event) == 200
    order.refresh_from_db()
    assert order.license_key == key["key"] and order.license_key_disabled_at is not None
    assert _key_on_dodo(dodo_emulator, key)["status"] == "disabled"
    assert mail.outbox == []  # no key email for an order that ended


def test_a_revocation_dodo_missed_is_retried_by_reconciliation(client, commit, bought, dodo_emulator):
    order, payment_event, key_event, key = bought
    _deliver(client, commit, payment_event)
    _deliver(client, commit, key_event)
    refund = dodo_emulator.refund(payment_event["data"]["payment_id"])
    dodo_emulator.down()
    try:
        assert _deliver(client, commit, {**key_event, "type": "refund.succeeded", "data": refund}) == 200
    finally:
        dodo_emulator.up()
    order.refresh_from_db()
    # The refund itself is recorded; only the call to Dodo failed.
    assert order.status == OrderStatus.REFUNDED and order.license_key_disabled_at is None
    assert list(licenses.outstanding_orders()) == [order]
    assert _key_on_dodo(dodo_emulator, key)["status"] == "active"

    assert licenses.disable_outstanding() == {"disabled": 1, "failed": 0}
    order.refresh_from_db()
    assert order.license_key_disabled_at is not None
    assert _key_on_dodo(dodo_emulator, key)["status"] == "disabled"
    assert licenses.disable_outstanding() == {"disabled": 0, "failed": 0}


def test_license_settings_are_checked_next_to_their_fields(site_tree):
    product = ProductPageFactory(license_key_enabled=True)
    product.license_key_activation_limit = 0
    product.license_key_duration_days = 0
    with pytest.raises(ValidationError) as raised:
        product.full_clean()
    assert set(raised.value.message_dict) >= {"license_key_activation_limit", "license_key_duration_days"}
    product.license_key_activation_limit, product.license_key_duration_days = 1, 1
    product.full_clean()
    free = ProductPageFactory(price=Decimal("0"))
    free.license_key_enabled = True
    with pytest.raises(ValidationError) as raised:
        free.full_clean()
    assert "license_key_enabled" in raised.value.message_dict


def test_seller_form_keeps_bad_license_input_with_the_message(client, site_tree):
    product = ProductPageFactory(license_key_enabled=True)
    client.force_login(product.seller)
    url = reverse("seller_portal:product_edit", args=(product.pk,))
    data = product_data(
        product.category,
        license_key_enabled="on",
        license_key_activation_limit="0",
        license_key_duration_days="30",
        action="draft",
    )
    response = client.post(url, data)
    assert response.status_code in (200, 400)
    html = response.content.decode()
    assert "Allow at least 1 activation" in html
    assert 'name="license_key_duration_days" value="30"' in html


def test_an_order_without_a_key_shows_none(client, site_tree):
    order = OrderFactory(product=ProductPageFactory(license_key_enabled=True))
    client.force_login(order.customer)
    html = client.get(reverse("portal:products")).content.decode()
    assert "license key is on its way" in html and "license-key-value" not in html
