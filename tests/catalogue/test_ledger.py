"""The seller ledger and its balances, every figure worked out by hand (issue 15, point 1).

Fees with the default settings: the marketplace takes 10 % of the sale net of tax, at
least 0.50, never more than the sale; Dodo's fee is estimated at 4 % + 0.40, plus 1.5 %
for a buyer abroad (orders do not record the country, so every buyer counts as abroad),
on the total with tax. Earnings are pending for 30 days after the sale was paid.

The money events go through ``catalogue.orders`` (the order locked), as Dodo's webhooks
apply them; times are explicit (``summary(now=...)``), nothing sleeps.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from catalogue import ledger, orders
from catalogue.models import Dispute, LedgerEntry, LedgerKind, OrderStatus
from catalogue.models.orders import Balance
from tests.factories import OrderFactory, SellerFactory

pytestmark = pytest.mark.django_db

D = Decimal
HOLD = timedelta(days=30)


@pytest.fixture
def seller(site_tree):
    return SellerFactory()


def _order(seller, price):
    return OrderFactory(
        product__seller=seller, amount=D(price), status=OrderStatus.PENDING, paid_at=None, dodo_payment_id=None
    )


def _charge(total, tax="0", currency="USD"):
    """What Dodo charged: ``total`` with ``tax`` in it, settled in our currency."""
    return orders.Charge(D(total), D(tax), currency, D(total), D(tax), "USD")


def pay(order, charge, payment_id=None):
    with transaction.atomic():
        locked = orders.locked_order(order.pk)
        orders.mark_paid(locked, payment_id or f"pay_{order.pk}", charge)
    order.refresh_from_db()
    return order


def refund(order, refund_id, amount):
    with transaction.atomic():
        locked = orders.locked_order(order.pk)
        made = orders.record_refund(locked, refund_id=refund_id, amount=D(amount), currency="USD")
    order.refresh_from_db()
    return made


def dispute(order, dispute_id, status):
    with transaction.atomic():
        locked = orders.locked_order(order.pk)
        outcome = orders.record_dispute(locked, dispute_id=dispute_id, status=status, amount=D("0"), currency="USD")
    order.refresh_from_db()
    return outcome


def rows(order, kind=None):
    entries = LedgerEntry.objects.filter(order=order).order_by("pk")
    return list(entries.filter(kind=kind) if kind else entries)


def figures(row):
    return (row.gross, row.fee, row.earnings, row.held, row.dodo_fee)


def balance(seller, now=None):
    return LedgerEntry.objects.for_seller(seller).summary(now=now)


# SALES


def test_a_sale_with_tax_earns_on_the_net_and_estimates_dodos_fee_on_the_total(seller):
    # 10.00 to a UK buyer with 20 % VAT on top: 12.00 paid, 2.00 of it tax.
    order = pay(_order(seller, "10.00"), _charge("12.00", "2.00"))
    [sale] = rows(order)
    # Fee 10 % of 10.00; Dodo: 5.5 % of 12.00 = 0.66, + 0.40.
    assert figures(sale) == (D("10.00"), D("1.00"), D("9.00"), D("0"), D("1.06"))
    assert sale.available_at == order.paid_at + HOLD
    assert balance(seller) == Balance("USD", pending=D("9.00"), available=D("0"), earned=D("9.00"))


def test_a_discounted_payment_earns_on_what_was_paid_not_the_price(seller):
    # A 20 % code: 8.00 paid for a 10.00 product.
    order = pay(_order(seller, "10.00"), _charge("8.00"))
    [sale] = rows(order)
    # Fee 0.80; Dodo: 5.5 % of 8.00 = 0.44, + 0.40.
    assert figures(sale) == (D("8.00"), D("0.80"), D("7.20"), D("0"), D("0.84"))
    assert (order.platform_fee, order.seller_earnings) == (D("0.80"), D("7.20"))


def test_a_cheap_sale_pays_the_minimum_fee(seller):
    order = pay(_order(seller, "3.00"), _charge("3.00"))
    [sale] = rows(order)
    # 10 % would be 0.30: the 0.50 minimum applies. Dodo: 0.165 + 0.40 = 0.565, rounded up.
    assert figures(sale) == (D("3.00"), D("0.50"), D("2.50"), D("0"), D("0.57"))


def test_the_minimum_fee_is_never_more_than_the_sale(seller, settings):
    settings.MARKETPLACE_FEE_MINIMUM = D("0.50")
    order = pay(_order(seller, "0.30"), _charge("0.30"))
    [sale] = rows(order)
    assert (sale.gross, sale.fee, sale.earnings) == (D("0.30"), D("0.30"), D("0.00"))


def test_a_free_order_writes_no_ledger_money(seller):
    order = _order(seller, "0.00")
    pay(order, _charge("0.00"))
    assert order.status == OrderStatus.PAID
    assert rows(order) == []
    assert balance(seller) == Balance("USD")


# THE HOLD PERIOD


def test_earnings_become_available_exactly_when_the_hold_period_ends(seller, settings):
    settings.EARNINGS_HOLD_DAYS = 30
    order = pay(_order(seller, "20.00"), _charge("20.00"))
    ends = order.paid_at + timedelta(days=30)
    just_before = balance(seller, now=ends - timedelta(microseconds=1))
    assert (just_before.pending, just_before.available) == (D("18.00"), D("0"))
    at_the_end = balance(seller, now=ends)
    assert (at_the_end.pending, at_the_end.available) == (D("0"), D("18.00"))
    # Where the next money comes from, for the earnings page.
    assert LedgerEntry.objects.for_seller(seller).next_available(now=ends - timedelta(days=1)) == (
        timezone.localdate(ends),
        D("18.00"),
    )
    assert LedgerEntry.objects.for_seller(seller).next_available(now=ends) is None


def test_the_hold_period_is_a_setting(seller, settings):
    settings.EARNINGS_HOLD_DAYS = 7
    order = pay(_order(seller, "20.00"), _charge("20.00"))
    [sale] = rows(order)
    assert sale.available_at == order.paid_at + timedelta(days=7)


# REFUNDS


def test_a_partial_then_full_refund_of_a_pending_sale_nets_out_in_pending(seller):
    order = pay(_order(seller, "20.00"), _charge("20.00"))
    refund(order, "ref_1", "5.00")  # a quarter
    [first] = rows(order, LedgerKind.REFUND)
    # A quarter of the sale, of the fee and of the earnings; Dodo keeps its fee.
    assert figures(first) == (D("-5.00"), D("-0.50"), D("-4.50"), D("0"), D("0"))
    # The sale is still pending, so its refund comes off pending, never below zero.
    assert first.available_at == rows(order, LedgerKind.SALE)[0].available_at
    assert balance(seller) == Balance("USD", pending=D("13.50"), available=D("0"), earned=D("13.50"))

    refund(order, "ref_2", "15.00")  # the rest
    assert order.status == OrderStatus.REFUNDED
    second = rows(order, LedgerKind.REFUND)[1]
    assert figures(second) == (D("-15.00"), D("-1.50"), D("-13.50"), D("0"), D("0"))
    assert balance(seller) == Balance("USD")
    # Dodo's fee was paid and is not given back: the operator's cost of the sale remains.
    assert sum(row.dodo_fee for row in rows(order)) == D("1.50")  # 5.5 % of 20.00 + 0.40


def test_a_refund_of_an_available_sale_is_taken_back_at_once(seller):
    paid_at = timezone.now() - timedelta(days=40)
    order = OrderFactory(
        product__seller=seller, amount=D("20.00"), paid_at=paid_at, net_amount=D("20.00"), paid_total=D("20.00")
    )
    order.compute_earnings()
    order.save()
    ledger.record_sale(order, reference=order.dodo_payment_id)
    assert balance(seller).available == D("18.00")

    refund(order, "ref_old", "10.00")  # half
    [row] = rows(order, LedgerKind.REFUND)
    assert row.available_at <= timezone.now()
    assert balance(seller) == Balance("USD", available=D("9.00"), earned=D("9.00"))


def test_a_refund_of_a_taxed_payment_takes_back_its_share_of_the_net(seller):
    order = pay(_order(seller, "10.00"), _charge("12.00", "2.00"))
    refund(order, "ref_tax", "6.00")  # half of the 12.00 paid, tax included
    [row] = rows(order, LedgerKind.REFUND)
    assert figures(row) == (D("-5.00"), D("-0.50"), D("-4.50"), D("0"), D("0"))


# DISPUTES


def test_a_dispute_holds_the_earnings_then_a_loss_takes_them(seller):
    order = pay(_order(seller, "10.00"), _charge("10.00"))
    assert dispute(order, "dsp_1", "dispute_opened") == "held"
    assert balance(seller) == Balance("USD", pending=D("0"), on_hold=D("9.00"), earned=D("9.00"))
    assert dispute(order, "dsp_1", "dispute_lost") == "lost"
    assert [row.kind for row in rows(order)] == [LedgerKind.SALE, LedgerKind.DISPUTE_HOLD, LedgerKind.DISPUTE_LOSS]
    assert figures(rows(order)[2]) == (D("0"), D("0"), D("-9.00"), D("-9.00"), D("0"))
    assert balance(seller) == Balance("USD")


def test_a_dispute_won_releases_the_hold(seller):
    order = pay(_order(seller, "10.00"), _charge("10.00"))
    dispute(order, "dsp_2", "dispute_opened")
    assert dispute(order, "dsp_2", "dispute_won") == "released"
    assert balance(seller) == Balance("USD", pending=D("9.00"), earned=D("9.00"))
    # Once the sale's hold period ends the released earnings are available.
    later = order.paid_at + HOLD
    assert balance(seller, now=later) == Balance("USD", available=D("9.00"), earned=D("9.00"))


def test_a_dispute_on_an_available_sale_holds_available_money(seller):
    order = OrderFactory(
        product__seller=seller, amount=D("10.00"), paid_at=timezone.now() - timedelta(days=40), net_amount=D("10.00")
    )
    order.compute_earnings()
    order.save()
    ledger.record_sale(order, reference=order.dodo_payment_id)
    dispute(order, "dsp_3", "dispute_opened")
    assert balance(seller) == Balance("USD", available=D("0"), on_hold=D("9.00"), earned=D("9.00"))


# REPLAYS


def test_replayed_events_write_nothing_twice(seller):
    order = pay(_order(seller, "20.00"), _charge("20.00"), payment_id="pay_once")
    pay(order, _charge("20.00"), payment_id="pay_once")
    ledger.record_sale(order, reference="pay_once")  # reconciliation seeing it again
    for _ in range(2):
        refund(order, "ref_once", "5.00")
        dispute(order, "dsp_once", "dispute_opened")
        dispute(order, "dsp_once", "dispute_won")
    assert [row.kind for row in rows(order)] == [
        LedgerKind.SALE,
        LedgerKind.REFUND,
        LedgerKind.DISPUTE_HOLD,
        LedgerKind.DISPUTE_RELEASE,
    ]
    assert Dispute.objects.filter(order=order).count() == 1
    assert balance(seller).pending == D("13.50")


# BALANCES


def test_balances_are_kept_apart_by_currency(seller):
    pay(_order(seller, "10.00"), _charge("10.00"))
    # A row from before the marketplace changed its currency, say.
    LedgerEntry.objects.create(
        seller=seller,
        order=rows(LedgerEntry.objects.first().order)[0].order,
        kind=LedgerKind.REFUND,
        reference="old-eur",
        currency="EUR",
        earnings=D("-3.00"),
        available_at=timezone.now(),
    )
    balances = LedgerEntry.objects.for_seller(seller).balances()
    assert balances["USD"].pending == D("9.00")
    assert balances["EUR"].available == D("-3.00")
    assert balance(seller).currency == "USD"


def test_another_sellers_rows_are_not_in_the_balance(seller):
    pay(_order(seller, "10.00"), _charge("10.00"))
    other = SellerFactory()
    pay(_order(other, "50.00"), _charge("50.00"))
    assert balance(seller).pending == D("9.00")
    assert balance(other).pending == D("45.00")
