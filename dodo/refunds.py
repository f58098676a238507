"""Refunds that editors ask Dodo for from Wagtail admin.

Dodo refunds a payment within 30 days of it (``POST /refunds``); the amount includes
tax and is in the currency the buyer paid in. The refund Dodo answers with is applied
at once through the same code as its ``refund.succeeded`` webhook (by its id, so the
webhook that follows changes nothing), and the buyer and seller are emailed from there.
"""

import logging
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from catalogue.formatting import format_money
from catalogue.models import Order, OrderRefund, OrderStatus
from catalogue.money import fits_currency, to_minor

from . import fulfilment
from .client import get_client
from .exceptions import DodoRateLimited, DodoRejected, DodoUnavailable
from .models import DodoProduct
from .payloads import MalformedPayload, check_refund

logger = logging.getLogger(__name__)

# Dodo accepts refunds for this long after the payment.
REFUND_WINDOW = timedelta(days=30)
# One refund request per order at a time; longer than the client's timeouts and retries.
REFUND_LEASE = timedelta(seconds=60)


class RefundRefused(Exception):
    """The refund cannot be made; ``message`` says why, fit to show the editor."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def refund_deadline(order):
    """The last moment Dodo accepts a refund of the order's payment (None if not paid).

    Counted from when Dodo took the payment; for orders recorded before that was kept,
    from when the order was paid here (a little later, never earlier).
    """
    charged = order.charged_at or order.paid_at or (order.created_at if order.paid_total is not None else None)
    return charged + REFUND_WINDOW if charged else None


def can_refund(order):
    """Whether the order has a payment with something left to refund, within the window."""
    refundable = order.refundable_total
    deadline = refund_deadline(order)
    return (
        bool(order.dodo_payment_id)
        and order.status in (OrderStatus.PAID, OrderStatus.PENDING)
        and refundable is not None
        and refundable > 0
        and deadline is not None
        and timezone.now() <= deadline
    )


def parse_amount(text, order):
    """The amount an editor typed, as a Decimal in the currency paid; None for "all"."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        amount = Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise RefundRefused(_("Enter the amount as a number, for example 4.50.")) from None
    currency = order.paid_currency or order.currency
    if not amount.is_finite() or amount <= 0:
        raise RefundRefused(_("Enter an amount greater than 0."))
    if not fits_currency(amount, currency):
        raise RefundRefused(_("%(currency)s amounts cannot have that many decimals.") % {"currency": currency})
    return amount


def refund_order(order, *, amount=None, reason="", requested_by=None):
    """Ask Dodo to refund ``amount`` (tax included, in the currency paid; None = all that
    is left) of the order's payment, and record it. Answers the ``OrderRefund``.

    Raises :class:`RefundRefused` with a message for the editor: nothing left to refund,
    the 30-day window has passed, an amount above what is left, or Dodo's refusal.
    """
    if not order.dodo_payment_id or order.paid_total is None:
        raise RefundRefused(_("No successful payment is recorded for this order, so there is nothing to refund."))
    if order.status not in (OrderStatus.PAID, OrderStatus.PENDING):
        raise RefundRefused(
            _("This order is %(status)s: there is nothing left to refund.") % {"status": order.get_status_display()}
        )
    deadline = refund_deadline(order)
    if timezone.now() > deadline:
        raise RefundRefused(
            _(
                "Dodo only refunds payments within 30 days; this one's window closed on %(date)s. "
                "Settle with the buyer outside Dodo if you must."
            )
            % {"date": date_format(deadline, "j F Y")}
        )
    if not _claim_refund_lease(order):
        raise RefundRefused(
            _("Another refund of this order is being sent to Dodo right now. Check the order again in a moment.")
        )
    try:
        return _request_refund(order, amount=amount, reason=reason, requested_by=requested_by)
    finally:
        Order.objects.filter(pk=order.pk).update(refund_lease_until=None)


def _maybe_refunded(order, error):
    """The error for a request Dodo may have acted on without our hearing the answer."""
    logger.warning("Order #%s: refund request got no answer: %s", order.pk, error)
    return RefundRefused(
        _(
            "Dodo did not answer, so the refund may or may not have been made. Reconciliation records it "
            "within minutes if it was: check this order again before trying once more."
        )
    )


def _claim_refund_lease(order):
    now = timezone.now()
    return bool(
        Order.objects.filter(pk=order.pk)
        .filter(Q(refund_lease_until__isnull=True) | Q(refund_lease_until__lt=now))
        .update(refund_lease_until=now + REFUND_LEASE)
    )


def _request_refund(order, *, amount, reason, requested_by):
    # What is left may have changed while another request held the lease.
    order.refresh_from_db()
    left, currency = order.refundable_total, order.paid_currency
    if amount is not None and amount > left:
        raise RefundRefused(
            _("At most %(left)s is left to refund (tax included).") % {"left": format_money(left, currency)}
        )
    items = None
    if amount is not None and amount < left:
        record = DodoProduct.objects.filter(page_key=order.product_id).first()
        items = [{"item_id": record.product_id if record else "", "amount": to_minor(amount, currency), "tax_inclusive": True}]
    try:
        answer = get_client().create_refund(
            payment_id=order.dodo_payment_id,
            items=items,
            # Without it Dodo reads the amounts in the settlement currency.
            currency=currency if items else None,
            reason=reason or None,
            metadata={"order_id": str(order.pk)},
        )
    except DodoRejected as error:
        logger.warning("Order #%s: Dodo refused the refund: %s", order.pk, error)
        raise RefundRefused(_("Dodo refused the refund: %(message)s") % {"message": error.message}) from error
    except DodoRateLimited as error:
        # Refused by our limiter before sending, or by Dodo's 429, which is answered
        # without processing: either way nothing was refunded.
        raise RefundRefused(_("Dodo is busy right now and nothing was refunded. Try again in a minute.")) from error
    except DodoUnavailable as error:
        raise _maybe_refunded(order, error) from error
    try:
        fulfilment.apply_refund(check_refund(answer))
    except (MalformedPayload, fulfilment.UnmatchedPayment, fulfilment.PaymentNotYetKnown) as error:
        # Dodo made the refund; its webhook (or reconciliation) will record it.
        logger.warning("Order #%s: refund %s made, not recorded yet: %s", order.pk, answer.get("refund_id"), error)
    refund = OrderRefund.objects.filter(refund_id=answer.get("refund_id")).first()
    if refund is not None and requested_by is not None:
        OrderRefund.objects.filter(pk=refund.pk, requested_by__isnull=True).update(requested_by=requested_by)
    logger.info("Order #%s: refund %s requested by user #%s", order.pk, answer.get("refund_id"), getattr(requested_by, "pk", "-"))
    return refund
