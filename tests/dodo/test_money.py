"""Paying on what Dodo really charged (issue 11, points 1 to 4).

Each payment is made on the emulator's hosted checkout (over HTTP) with what a buyer
can choose there: a billing country (tax, and Adaptive Currency), a discount code. The
payment Dodo answers is then delivered as Dodo delivers it: a signed webhook whose data
is the SDK-shaped ``Payment``. Figures are worked out by hand in each test.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from catalogue.models import Dispute, LedgerEntry, LedgerKind, Order, OrderRefund, OrderStatus
from dodo.models import WebhookEvent, WebhookEventStatus
from tests.dodo.purchase import event, post_webhook, sellable_product
from tests.factories import CustomerFactory, DownloadFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def buy(client, site_tree, commit, dodo_settings, dodo_emulator):
    """A customer pressing Buy on a product at ``price``: answers (order, session id)."""

    def run(price="10.00", **product_fields):
        customer = commit(lambda: CustomerFactory())
        product = sellable_product(commit, price=Decimal(price), **product_fields)
        client.force_login(customer)
        client.post(reverse("dodo:checkout", args=(product.pk,)))
        order = Order.objects.get(customer=customer, product=product)
        return order, order.dodo_checkout_session_id

    return run


@pytest.fixture
def deliver(client, commit):
    def run(payload, **kwargs):
        return commit(lambda: post_webhook(client, payload, **kwargs))

    return run


def pay(dodo_emulator, session_id, **choices):
    """Pay on the hosted checkout with the buyer's choices; answers the Payment."""
    return dodo_emulator.pay(session_id, **choices)["payment"]


def ledger(order, kind):
    return list(LedgerEntry.objects.filter(order=order, kind=kind))


# 1. A succeeded payment is granted whatever discount, tax mode or currency applied


def test_discount_code_payment_is_granted_and_recorded(buy, deliver, dodo_emulator, dodo_api):
    dodo_api("POST", "/discounts", {"type": "percentage", "amount": 2000, "code": "SPRING20"})
    order, session_id = buy("10.00")
    payment = pay(dodo_emulator, session_id, discount_code="SPRING20")
    assert payment["total_amount"] == 800  # 10.00 less 20 %, a US buyer pays no tax

    assert deliver(event("payment.succeeded", payment)).status_code == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and not order.needs_review
    assert order.discount_code == "SPRING20"
    assert order.paid_total == Decimal("8.00") and order.net_amount == Decimal("8.00")
    # 10 % of what was really received, not of the list price.
    assert order.platform_fee == Decimal("0.80") and order.seller_earnings == Decimal("7.20")


def test_tax_added_on_top_is_recorded_and_earnings_are_net_of_it(buy, deliver, dodo_emulator, settings):
    settings.DODO_ALLOW_CURRENCY_SELECTION = False  # the UK buyer pays in dollars
    order, session_id = buy("10.00")
    payment = pay(dodo_emulator, session_id, country="GB")
    assert (payment["currency"], payment["total_amount"], payment["tax"]) == ("USD", 1200, 200)
    deliver(event("payment.succeeded", payment))
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and not order.needs_review
    assert (order.paid_total, order.paid_tax, order.paid_currency) == (Decimal("12.00"), Decimal("2.00"), "USD")
    # Fee and earnings come from the sale net of tax, not from the 12.00 the buyer paid.
    assert order.net_amount == Decimal("10.00")
    assert order.platform_fee == Decimal("1.00") and order.seller_earnings == Decimal("9.00")


def test_tax_inclusive_product_is_granted(buy, deliver, dodo_emulator, settings):
    settings.PRICES_INCLUDE_TAX = True
    order, session_id = buy("12.00")
    assert order.tax_inclusive
    # The product reached Dodo as tax-inclusive: a French buyer pays 12.00 with 2.00 VAT in it.
    payment = pay(dodo_emulator, session_id, country="FR")
    deliver(event("payment.succeeded", payment))
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and not order.needs_review
    assert order.settlement_amount == Decimal("12.00")
    assert order.settlement_tax == Decimal("2.00")
    assert order.net_amount == Decimal("10.00")
    assert order.platform_fee == Decimal("1.00") and order.seller_earnings == Decimal("9.00")


def test_adaptive_currency_payment_in_eur_is_granted_on_its_settlement(buy, deliver, dodo_emulator):
    order, session_id = buy("10.00")
    payment = pay(dodo_emulator, session_id, country="DE")
    assert payment["currency"] == "EUR" and payment["settlement_currency"] == "USD"
    deliver(event("payment.succeeded", payment))
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and not order.needs_review
    assert order.paid_currency == "EUR"
    assert order.paid_total == Decimal(payment["total_amount"]) / 100
    assert order.settlement_currency == "USD"
    assert order.net_amount == (Decimal(payment["settlement_amount"]) - Decimal(payment["settlement_tax"])) / 100


def test_done_when_20_percent_tax_a_code_and_eur_billing_ends_paid_with_an_honest_receipt(
    client, buy, deliver, dodo_emulator, dodo_api
):
    from django.core import mail

    dodo_api("POST", "/discounts", {"type": "percentage", "amount": 2000, "code": "SPRING20"})
    order, session_id = buy("10.00")
    payment = pay(dodo_emulator, session_id, country="FR", discount_code="SPRING20")
    # 10.00 USD -> 9.20 EUR; less 20 % -> 7.36 EUR; 20 % VAT 1.47 -> 8.83 EUR.
    assert (payment["currency"], payment["total_amount"], payment["tax"]) == ("EUR", 883, 147)
    mail.outbox.clear()
    deliver(event("payment.succeeded", payment))
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and not order.needs_review
    assert (order.paid_total, order.paid_tax, order.paid_currency) == (Decimal("8.83"), Decimal("1.47"), "EUR")
    assert order.discount_code == "SPRING20"
    receipt = next(m for m in mail.outbox if m.subject.startswith("Your receipt"))
    assert "€8.83" in receipt.body and "€1.47" in receipt.body and "SPRING20" in receipt.body
    page = client.get(reverse("dodo:checkout_return") + f"?order={order.pk}")
    assert "€8.83" in page.content.decode()


def test_a_payment_below_the_price_without_a_discount_is_flagged(buy, deliver, dodo_emulator):
    order, session_id = buy("10.00")
    payment = pay(dodo_emulator, session_id)
    payment.update(total_amount=500, settlement_amount=500)
    assert deliver(event("payment.succeeded", payment)).status_code == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING and order.needs_review
    assert "no discount code" in order.review_note
    # What was charged is kept, so an editor who grants it grants the truth.
    assert order.paid_total == Decimal("5.00") and order.dodo_payment_id == payment["payment_id"]


def test_a_payment_for_another_product_is_flagged(buy, deliver, dodo_emulator):
    order, session_id = buy("10.00")
    payment = pay(dodo_emulator, session_id)
    payment["product_cart"] = [{"product_id": "pdt_SomebodyElsesProduct1", "quantity": 1}]
    deliver(event("payment.succeeded", payment))
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING and order.needs_review
    assert "not this order's product" in order.review_note


def test_a_payment_matching_no_order_is_acknowledged_and_kept_as_unmatched(
    client, site_tree, dodo_settings, dodo_emulator
):
    example = dodo_emulator.send_example_event("payment.succeeded")
    payment = example["payload"]["data"] if "payload" in example else example["data"]
    response = post_webhook(client, event("payment.succeeded", payment), msg_id="msg_example")
    assert response.status_code == 200
    stored = WebhookEvent.objects.get(webhook_id="msg_example")
    assert stored.status == WebhookEventStatus.UNMATCHED
    assert stored.payment_id == payment["payment_id"]
    # A later copy is acknowledged too, without processing.
    assert post_webhook(client, event("payment.succeeded", payment), msg_id="msg_example").status_code == 200


# 3. Disputes


def _paid(buy, deliver, dodo_emulator, price="10.00"):
    order, session_id = buy(price)
    payment = pay(dodo_emulator, session_id)
    deliver(event("payment.succeeded", payment))
    order.refresh_from_db()
    return order, payment


def test_dispute_opened_holds_the_earnings_and_flags_the_order(buy, deliver, dodo_emulator):
    order, payment = _paid(buy, deliver, dodo_emulator)
    dispute = dodo_emulator.open_dispute(payment["payment_id"])
    assert deliver(event("dispute.opened", dispute)).status_code == 200
    order.refresh_from_db()
    assert order.needs_review and order.status == OrderStatus.PAID
    assert Dispute.objects.get(order=order).is_open
    balance = LedgerEntry.objects.for_seller(order.seller).balance()
    assert balance == {"earned": Decimal("9.00"), "held": Decimal("9.00"), "available": Decimal("0.00")}


def test_dispute_lost_revokes_access_and_reverses_the_earnings(client, buy, deliver, dodo_emulator):
    order, payment = _paid(buy, deliver, dodo_emulator)
    dispute = dodo_emulator.open_dispute(payment["payment_id"])
    deliver(event("dispute.opened", dispute))
    lost = dodo_emulator.resolve_dispute(dispute["dispute_id"], "lost")
    assert deliver(event("dispute.lost", lost)).status_code == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.CHARGEBACK
    assert client.get(reverse("portal:download", args=(order.pk,))).status_code != 200
    balance = LedgerEntry.objects.for_seller(order.seller).balance()
    assert balance == {"earned": Decimal("0.00"), "held": Decimal("0.00"), "available": Decimal("0.00")}
    # Delivered again (or late, out of order): nothing is written twice.
    deliver(event("dispute.lost", lost))
    deliver(event("dispute.opened", lost))
    assert LedgerEntry.objects.filter(order=order).count() == 3  # sale, hold, loss


@pytest.mark.parametrize("outcome", ["won", "cancelled", "expired"])
def test_dispute_won_cancelled_or_expired_releases_the_hold(buy, deliver, dodo_emulator, outcome):
    order, payment = _paid(buy, deliver, dodo_emulator)
    dispute = dodo_emulator.open_dispute(payment["payment_id"])
    deliver(event("dispute.opened", dispute))
    ended = dodo_emulator.resolve_dispute(dispute["dispute_id"], outcome)
    deliver(event(f"dispute.{outcome}", ended))
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    balance = LedgerEntry.objects.for_seller(order.seller).balance()
    assert balance == {"earned": Decimal("9.00"), "held": Decimal("0.00"), "available": Decimal("9.00")}


def test_the_dispute_shows_its_evidence_the_download_log(buy, deliver, dodo_emulator):
    order, payment = _paid(buy, deliver, dodo_emulator)
    DownloadFactory(order=order, ip_address="203.0.113.9", user_agent="Firefox")
    deliver(event("dispute.opened", dodo_emulator.open_dispute(payment["payment_id"])))
    dispute = Dispute.objects.get(order=order)
    assert [(d.ip_address, d.user_agent) for d in dispute.order.downloads.all()] == [("203.0.113.9", "Firefox")]


# 4. Refunds, compared with what was paid including tax


def test_partial_refund_keeps_access_and_reduces_earnings_by_its_share(client, buy, deliver, dodo_emulator):
    order, payment = _paid(buy, deliver, dodo_emulator, price="20.00")
    refund = dodo_emulator.refund(payment["payment_id"], amount=500)  # a quarter of 20.00
    assert refund["is_partial"] is True
    deliver(event("refund.succeeded", refund))
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and order.refunded_total == Decimal("5.00")
    assert order.refunded_amount == Decimal("5.00")
    assert client.get(reverse("portal:download", args=(order.pk,))).status_code == 200
    [row] = ledger(order, LedgerKind.REFUND)
    assert (row.gross, row.fee, row.earnings) == (Decimal("-5.00"), Decimal("-0.50"), Decimal("-4.50"))

    rest = dodo_emulator.refund(payment["payment_id"])
    deliver(event("refund.succeeded", rest))
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED
    assert client.get(reverse("portal:download", args=(order.pk,))).status_code == 410
    assert LedgerEntry.objects.for_seller(order.seller).balance()["earned"] == Decimal("0")


def test_a_partial_refund_of_a_taxed_payment_is_compared_with_the_total_with_tax(
    buy, deliver, dodo_emulator, settings
):
    settings.DODO_ALLOW_CURRENCY_SELECTION = False
    order, session_id = buy("10.00")
    payment = pay(dodo_emulator, session_id, country="GB")
    deliver(event("payment.succeeded", payment))
    order.refresh_from_db()
    assert order.paid_total == Decimal("12.00") and order.paid_tax == Decimal("2.00")
    # Refunding 10.00 is not the whole payment: Dodo's refund amount includes tax.
    refund = dodo_emulator.refund(payment["payment_id"], amount=1000)
    deliver(event("refund.succeeded", refund))
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert OrderRefund.objects.get(order=order).is_partial


def test_replayed_refund_changes_nothing(buy, deliver, dodo_emulator):
    order, payment = _paid(buy, deliver, dodo_emulator, price="20.00")
    refund = dodo_emulator.refund(payment["payment_id"], amount=500)
    for _ in range(3):
        assert deliver(event("refund.succeeded", refund)).status_code == 200
    order.refresh_from_db()
    assert order.refunded_total == Decimal("5.00")
    assert len(ledger(order, LedgerKind.REFUND)) == 1


def test_an_editors_partial_refund_is_made_in_the_currency_the_buyer_paid(buy, deliver, dodo_emulator, staff):
    """Found while building the admin: 3.00 typed for a euro payment refunded 2.37,
    because Dodo reads item amounts in the settlement currency unless told otherwise."""
    from dodo.refunds import refund_order

    order, session_id = buy("10.00")
    deliver(event("payment.succeeded", pay(dodo_emulator, session_id, country="DE")))
    order.refresh_from_db()
    assert order.paid_currency == "EUR"
    refund = refund_order(order, amount=Decimal("3.00"), reason="Asked nicely", requested_by=staff)
    assert (refund.amount, refund.currency, refund.is_partial) == (Decimal("3.00"), "EUR", True)
    [dodo_refund] = dodo_emulator.state()["refunds"]
    assert (dodo_refund["amount"], dodo_refund["currency"]) == (300, "EUR")
    order.refresh_from_db()
    assert order.refunded_total == Decimal("3.00") and order.status == OrderStatus.PAID


def test_two_refund_requests_for_one_order_cannot_both_go_to_dodo(buy, deliver, dodo_emulator):
    from django.utils import timezone

    from dodo.refunds import RefundRefused, refund_order

    order, payment = _paid(buy, deliver, dodo_emulator)
    # Another editor's request holds the order right now.
    Order.objects.filter(pk=order.pk).update(refund_lease_until=timezone.now() + timedelta(seconds=30))
    with pytest.raises(RefundRefused, match="being sent to Dodo right now"):
        refund_order(order)
    assert dodo_emulator.state()["refunds"] == []


def test_the_refund_window_counts_from_when_dodo_took_the_payment(buy, deliver, dodo_emulator):
    from django.utils.dateparse import parse_datetime

    from dodo.refunds import refund_deadline

    order, payment = _paid(buy, deliver, dodo_emulator)
    assert order.charged_at == parse_datetime(payment["created_at"])
    assert refund_deadline(order) == order.charged_at + timedelta(days=30)
