"""Every refund emails the buyer and the seller once it commits; a lost dispute emails the
seller. Partial refunds say access stays; full ones say it ended; the seller's email
states the earnings change exactly as their ledger row has it."""

from decimal import Decimal

import pytest
from django.core import mail
from django.db import transaction

from catalogue import orders
from catalogue.models import DisputeStatus, LedgerEntry, LedgerKind, OrderStatus
from tests.factories import OrderFactory, ProductPageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid_order(site_tree, customer):
    """A $22.00 order ($2.00 of it tax) whose payment was recorded: net $20.00, fee $2.00,
    seller earnings $18.00 (10 % fee)."""
    order = OrderFactory(
        customer=customer,
        product=ProductPageFactory(title="Field Recordings", price=Decimal("20.00")),
        status=OrderStatus.PENDING,
        paid_at=None,
        dodo_payment_id=None,
    )
    charge = orders.Charge(Decimal("22.00"), Decimal("2.00"), "USD", Decimal("22.00"), Decimal("2.00"), "USD")
    with transaction.atomic():
        orders.mark_paid(orders.locked_order(order.pk), "pay_emails", charge)
    order.refresh_from_db()
    mail.outbox.clear()
    return order


def _refund(order, amount, refund_id, reason=""):
    with transaction.atomic():
        return orders.record_refund(
            orders.locked_order(order.pk), refund_id=refund_id, amount=Decimal(amount), currency="USD", reason=reason
        )


def _mail_to(address):
    return [message for message in mail.outbox if message.to == [address]]


def test_partial_refund_emails_both_sides_after_commit(paid_order, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _refund(paid_order, "5.50", "ref_part", reason="Missing chapter")
    assert mail.outbox == []  # nothing before the transaction commits
    for callback in callbacks:
        callback()

    [buyer_mail] = _mail_to(paid_order.customer.email)
    assert buyer_mail.subject == f"Partial refund of $5.50 for Field Recordings (order #{paid_order.pk})"
    for body in (buyer_mail.body, buyer_mail.alternatives[0][0]):
        assert "$5.50" in body and "keep" in body and "Missing chapter" in body
        assert "access to the download has ended" not in body

    [seller_mail] = _mail_to(paid_order.seller.email)
    row = LedgerEntry.objects.get(order=paid_order, kind=LedgerKind.REFUND, reference="ref_part")
    assert row.earnings == Decimal("-4.50")  # 5.50 of 22.00 is a quarter of the $18.00 earned
    assert seller_mail.subject.startswith("Partly refunded: Field Recordings")
    for body in (seller_mail.body, seller_mail.alternatives[0][0]):
        assert "\u2212$4.50" in body  # the exact ledger row
        assert "$13.50" in body  # what the seller keeps from the order now
        assert "keeps the download" in body


def test_full_refund_says_access_ended(paid_order, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _refund(paid_order, "22.00", "ref_all")
    [buyer_mail] = _mail_to(paid_order.customer.email)
    assert buyer_mail.subject == f"Refund of $22.00 for Field Recordings (order #{paid_order.pk})"
    assert "access to the download has ended" in buyer_mail.body
    [seller_mail] = _mail_to(paid_order.seller.email)
    assert "\u2212$18.00" in seller_mail.body and "access to the download has ended" in seller_mail.body


def test_each_refund_gets_its_own_emails_and_keeps_its_own_wording(paid_order, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _refund(paid_order, "2.00", "ref_1")
    with django_capture_on_commit_callbacks(execute=True):
        _refund(paid_order, "20.00", "ref_2")
    subjects = [m.subject for m in _mail_to(paid_order.customer.email)]
    assert subjects == [
        f"Partial refund of $2.00 for Field Recordings (order #{paid_order.pk})",
        f"Refund of $20.00 for Field Recordings (order #{paid_order.pk})",
    ]
    assert len(_mail_to(paid_order.seller.email)) == 2


def test_a_refund_recorded_twice_emails_once(paid_order, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _refund(paid_order, "2.00", "ref_1")
        _refund(paid_order, "2.00", "ref_1")  # a replayed webhook
    assert len(mail.outbox) == 2


def test_lost_dispute_emails_the_seller_that_earnings_were_reversed(paid_order, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        locked = orders.locked_order(paid_order.pk)
        orders.record_dispute(locked, dispute_id="dp_1", status=DisputeStatus.OPENED, amount=Decimal("22"), currency="USD")
    assert mail.outbox == []  # an open dispute holds earnings; nobody is emailed yet
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        locked = orders.locked_order(paid_order.pk)
        orders.record_dispute(locked, dispute_id="dp_1", status=DisputeStatus.LOST, amount=Decimal("22"), currency="USD")
    [seller_mail] = mail.outbox
    assert seller_mail.to == [paid_order.seller.email]
    assert seller_mail.subject == f"Dispute lost: Field Recordings (order #{paid_order.pk})"
    for body in (seller_mail.body, seller_mail.alternatives[0][0]):
        assert "\u2212$18.00" in body and "dp_1" in body and "access to the download has ended" in body
