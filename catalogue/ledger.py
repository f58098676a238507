"""The seller ledger: the rows every money event writes, and nothing else writes.

Each function is called by ``catalogue.orders`` with the order locked (a payout by
``catalogue.payouts`` with the seller locked), and writes its row at most once (the
``reference`` is Dodo's id for the event, unique per order and kind), so a replayed
webhook or a reconciliation run that sees the event again changes nothing. Rows are
never edited; a seller's balances are sums of them (``LedgerEntryQuerySet``).

When earnings can be paid out (``available_at``): a sale's after the hold period
(``EARNINGS_HOLD_DAYS`` from when it was paid, covering Dodo's refund window); every
later row about the order (refund, dispute hold, release, loss) at once, or with the
sale when the sale is still pending, so a refunded pending sale nets out inside
*pending* instead of showing as pending earnings against a negative available balance.
Either way the seller can never be paid what a refund took back.

A sale records Dodo's estimated fee (``catalogue.fees``) for the operator's margin
report; a refund gives none of it back, as Dodo keeps its payment fee.
"""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Sum
from django.utils import timezone

from . import fees
from .models import LedgerEntry, LedgerKind
from .money import round_money

ZERO = Decimal("0")


def _entry(order, kind, reference):
    return LedgerEntry.objects.filter(order=order, kind=kind, reference=reference).first()


def _after_sale(order):
    """When a row about ``order`` (not its sale) becomes available: now, or with the
    sale if it is still pending."""
    now = timezone.now()
    sale_at = (
        LedgerEntry.objects.filter(order=order, kind=LedgerKind.SALE)
        .order_by("available_at")
        .values_list("available_at", flat=True)
        .first()
    )
    return max(now, sale_at) if sale_at is not None else now


def _write(order, kind, reference, **amounts):
    if _entry(order, kind, reference) is not None:
        return None
    amounts.setdefault("available_at", _after_sale(order))
    return LedgerEntry.objects.create(
        seller_id=order.seller_id, order=order, kind=kind, reference=reference, currency=order.currency, **amounts
    )


def _sums(order, *kinds):
    rows = LedgerEntry.objects.filter(order=order)
    if kinds:
        rows = rows.filter(kind__in=kinds)
    sums = rows.aggregate(gross=Sum("gross"), fee=Sum("fee"), earnings=Sum("earnings"), held=Sum("held"))
    return {name: value or ZERO for name, value in sums.items()}


def record_sale(order, *, reference):
    """The sale: the amount net of tax, the marketplace fee, the seller's earnings and
    Dodo's estimated fee, pending for the hold period from when it was paid.

    A sale of nothing (a free product's order, amount 0, or a payment of 0) moved no
    money: it writes no row.
    """
    gross = order.net_amount if order.net_amount is not None else order.amount
    if not gross or not order.amount:
        return None
    paid_at = order.paid_at or timezone.now()
    return _write(
        order,
        LedgerKind.SALE,
        reference,
        gross=gross,
        fee=order.platform_fee,
        earnings=order.seller_earnings,
        dodo_fee=fees.order_dodo_fee(order),
        available_at=paid_at + timedelta(days=settings.EARNINGS_HOLD_DAYS),
    )


def record_refund(order, refund, *, share):
    """A refund takes back its share of the sale (and of the marketplace fee, which the
    seller does not pay on money returned). ``share`` is the part of the payment
    refunded so far, this refund included (1 for a full refund); the row is what that
    share comes to less what earlier refunds took, so rounding never adds up to more
    (or less) than the sale. Dodo keeps its fee: ``dodo_fee`` stays 0."""
    sale = _sums(order, LedgerKind.SALE)
    before = _sums(order, LedgerKind.REFUND)

    def target(value):
        return value if share >= 1 else round_money(value * share, order.currency)

    return _write(
        order,
        LedgerKind.REFUND,
        refund.refund_id,
        gross=-(target(sale["gross"]) + before["gross"]),
        fee=-(target(sale["fee"]) + before["fee"]),
        earnings=-(target(sale["earnings"]) + before["earnings"]),
    )


def record_dispute_hold(order, dispute):
    """Hold what the seller still has from the order while the bank decides."""
    if not LedgerEntry.objects.filter(order=order, kind=LedgerKind.SALE).exists():
        return None  # never paid: nothing was earned, nothing to hold
    remaining = _sums(order)
    return _write(
        order, LedgerKind.DISPUTE_HOLD, dispute.dispute_id, held=max(remaining["earnings"] - remaining["held"], ZERO)
    )


def _held_for(order, dispute):
    hold = _entry(order, LedgerKind.DISPUTE_HOLD, dispute.dispute_id)
    return hold.held if hold is not None else None


def record_dispute_release(order, dispute):
    """The marketplace won (or the dispute ended): the held earnings are the seller's again."""
    held = _held_for(order, dispute)
    if held is None or _entry(order, LedgerKind.DISPUTE_LOSS, dispute.dispute_id) is not None:
        return None
    return _write(order, LedgerKind.DISPUTE_RELEASE, dispute.dispute_id, held=-held)


def record_dispute_loss(order, dispute):
    """The bank took the money back: the held earnings leave the seller's account."""
    held = _held_for(order, dispute)
    if held is None or _entry(order, LedgerKind.DISPUTE_RELEASE, dispute.dispute_id) is not None:
        return None
    return _write(order, LedgerKind.DISPUTE_LOSS, dispute.dispute_id, held=-held, earnings=-held)


def record_payout(payout):
    """Money sent to the seller (``catalogue.payouts``, with the seller locked): takes
    the amount off what they are owed at once. Written once per payout."""
    existing = LedgerEntry.objects.filter(payout=payout, kind=LedgerKind.PAYOUT).first()
    if existing is not None:
        return None
    return LedgerEntry.objects.create(
        seller_id=payout.seller_id,
        payout=payout,
        kind=LedgerKind.PAYOUT,
        reference=payout.reference[:100],
        currency=payout.currency,
        earnings=-payout.amount,
        available_at=timezone.now(),
    )
