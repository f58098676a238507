"""Refunds asked of Dodo: by editors from Wagtail admin, by sellers from their portal.

Both go through :func:`refund_order`, so the rules (``catalogue.refunds``: what may be
refunded, until when, how much) and the way Dodo is asked are the same for everyone.
The refund Dodo answers with is applied at once through the same code as its
``refund.succeeded`` webhook (by its id, so the webhook that follows changes nothing):
the ledger row, the buyer's access (ended only by a full refund) and the buyer's and
seller's emails follow from there. A buyer's refund-request ticket about the order is
told of the refund.
"""

import logging
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalogue.models import Order, OrderRefund
from catalogue.money import to_minor

# The rules live in the domain; they are re-exported for the admin views and tests.
from catalogue.refunds import (  # noqa: F401
    REFUND_WINDOW,
    RefundRefused,
    can_refund,
    check_amount,
    check_refundable,
    parse_amount,
    refund_deadline,
)
from catalogue.support import services as support

from . import fulfilment
from .client import get_client
from .exceptions import DodoRateLimited, DodoRejected, DodoUnavailable
from .models import DodoProduct
from .payloads import MalformedPayload, check_refund

logger = logging.getLogger(__name__)

# One refund request per order at a time; longer than the client's timeouts and retries.
REFUND_LEASE = timedelta(seconds=60)


def refund_order(order, *, amount=None, reason="", requested_by=None):
    """Ask Dodo to refund ``amount`` (tax included, in the currency paid; None = all that
    is left) of the order's payment, and record it. Answers the ``OrderRefund``, or None
    when Dodo made the refund but it could not be recorded yet (its webhook will).

    Raises :class:`RefundRefused` with a message for the person asking: nothing to
    refund (a free order, no payment, already refunded), the 30-day window has passed,
    an amount above what is left, another refund of the order in flight, Dodo's refusal,
    Dodo busy (nothing was refunded) or silent (it may have been: the order stays
    locked for a minute so that nobody refunds it twice meanwhile).
    """
    check_refundable(order)
    if not _claim_refund_lease(order):
        raise RefundRefused(
            _("Another refund of this order is being sent to Dodo right now. Check the order again in a moment.")
        )
    release = True
    try:
        return _request_refund(order, amount=amount, reason=reason, requested_by=requested_by)
    except _MaybeRefunded as maybe:
        # Dodo may have made it: keep the lease until its webhook (seconds) or the
        # lease's end, so a second click cannot refund the buyer twice.
        release = False
        raise maybe.refused from maybe
    finally:
        if release:
            Order.objects.filter(pk=order.pk).update(refund_lease_until=None)


class _MaybeRefunded(Exception):
    def __init__(self, refused):
        super().__init__(refused.message)
        self.refused = refused


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
    check_refundable(order)
    check_amount(order, amount)
    left, currency = order.refundable_total, order.paid_currency or order.currency
    items = None
    if amount is not None and amount < left:
        record = DodoProduct.objects.filter(page_key=order.product_id).first()
        items = [
            {
                "item_id": record.product_id if record else "",
                "amount": to_minor(amount, currency),
                "tax_inclusive": True,
            }
        ]
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
        logger.warning("Order #%s: refund request got no answer: %s", order.pk, error)
        raise _MaybeRefunded(
            RefundRefused(
                _(
                    "Dodo did not answer, so the refund may or may not have been made. If it was, it shows on "
                    "this order within a few minutes: check again then before trying once more."
                )
            )
        ) from error
    try:
        fulfilment.apply_refund(check_refund(answer))
    except (MalformedPayload, fulfilment.UnmatchedPayment, fulfilment.PaymentNotYetKnown) as error:
        # Dodo made the refund; its webhook (or reconciliation) will record it.
        logger.warning("Order #%s: refund %s made, not recorded yet: %s", order.pk, answer.get("refund_id"), error)
    refund = OrderRefund.objects.filter(refund_id=answer.get("refund_id")).first()
    if refund is not None and requested_by is not None:
        OrderRefund.objects.filter(pk=refund.pk, requested_by__isnull=True).update(requested_by=requested_by)
        refund.requested_by = requested_by
    if refund is not None:
        support.note_refund(refund)
    logger.info(
        "Order #%s: refund %s requested by user #%s",
        order.pk,
        answer.get("refund_id"),
        getattr(requested_by, "pk", "-"),
    )
    return refund
