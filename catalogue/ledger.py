"""The seller ledger: the rows every money event writes, and nothing else writes.

Each function is called by ``catalogue.orders`` with the order locked, and writes its
row at most once (the ``reference`` is Dodo's id for the event, unique per order and
kind), so a replayed webhook or a reconciliation run that sees the event again changes
nothing. Rows are never edited; a seller's figures are sums of them (see
``LedgerEntry``).
"""

from decimal import Decimal

from django.db.models import Sum

from .models import LedgerEntry, LedgerKind
from .money import round_money

ZERO = Decimal("0")


def _entry(order, kind, reference):
    return LedgerEntry.objects.filter(order=order, kind=kind, reference=reference).first()


def _write(order, kind, reference, **amounts):
    if _entry(order, kind, reference) is not None:
        return None
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
    """The sale: the amount net of tax, the marketplace fee, and the seller's earnings."""
    return _write(
        order,
        LedgerKind.SALE,
        reference,
        gross=order.net_amount if order.net_amount is not None else order.amount,
        fee=order.platform_fee,
        earnings=order.seller_earnings,
    )


def record_refund(order, refund, *, share):
    """A refund takes back its share of the sale. ``share`` is the part of the payment
    refunded so far, this refund included (1 for a full refund); the row is what that
    share comes to less what earlier refunds took, so rounding never adds up to more
    (or less) than the sale."""
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
    return _write(order, LedgerKind.DISPUTE_HOLD, dispute.dispute_id, held=max(remaining["earnings"] - remaining["held"], ZERO))


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
