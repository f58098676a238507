"""Orders: who may buy what, and the one place an order changes state.

Callers that apply payment events lock the order (``locked_order``) inside a transaction
before calling the ``mark_*`` functions, so concurrent deliveries of the same payment
change it once. ``order_paid`` is sent exactly when an order becomes paid.
"""

import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Download, Order, OrderStatus
from .signals import order_paid, order_refunded

logger = logging.getLogger(__name__)


class PurchaseRefused(Exception):
    """The customer cannot buy this product; ``message`` says why, fit to show them."""

    def __init__(self, message, *, order=None):
        super().__init__(message)
        self.message = message
        # The paid order, when the refusal is "you already own it".
        self.order = order


def owned_order(customer, product):
    """The customer's paid (downloadable) order of the product, or None."""
    if not customer.is_authenticated:
        return None
    return Order.objects.for_customer(customer).downloadable().filter(product=product).first()


def check_can_buy(customer, product):
    """Raise ``PurchaseRefused`` unless the customer may start buying the product."""
    if not product.live:
        raise PurchaseRefused(_("This product is not for sale at the moment."))
    if product.seller_id == customer.pk:
        raise PurchaseRefused(_("This is your own product, so you can't buy it."))
    order = owned_order(customer, product)
    if order is not None:
        raise PurchaseRefused(_("You already own this product: download it from your library."), order=order)


def open_order(customer, product, referral_code=""):
    """The customer's open (pending) order for the product, created if there is none.

    The amount is the selling price right now; a pending order whose price changed since
    is brought up to date, since nothing was paid for it yet. One pending order per
    customer and product is a database constraint, so two quick clicks cannot stack
    orders.
    """
    price = product.effective_price
    for _attempt in range(2):
        with transaction.atomic():
            order = Order.objects.select_for_update().open_for(customer, product).first()
            if order is not None:
                changed = []
                if order.amount != price:
                    # A new price needs a new checkout session at that price.
                    order.amount, order.dodo_checkout_session_id, order.dodo_checkout_url = price, None, ""
                    changed += ["amount", "dodo_checkout_session_id", "dodo_checkout_url"]
                if referral_code and order.referral_code != referral_code:
                    order.referral_code = referral_code
                    changed.append("referral_code")
                if changed:
                    order.save(update_fields=[*changed, "updated_at"])
                return order
            try:
                with transaction.atomic():
                    return Order.objects.create(
                        customer=customer,
                        product=product,
                        seller_id=product.seller_id,
                        amount=price,
                        currency=settings.MARKETPLACE_CURRENCY,
                        referral_code=referral_code or "",
                    )
            except IntegrityError:
                # Another request created it a moment ago: go round and reuse it.
                continue
    raise PurchaseRefused(_("Your order could not be started. Please try again."))


def locked_order(order_id):
    """The order, locked for update until the surrounding transaction ends (or None)."""
    return Order.objects.select_for_update().filter(pk=order_id).first()


def mark_paid(order, payment_id):
    """Make a (locked) order paid; sends ``order_paid`` once. Returns True if it changed.

    A second, different payment for an order that is already paid is flagged for the
    editors to refund instead of being silently absorbed.
    """
    if order.status == OrderStatus.PAID:
        if order.dodo_payment_id and order.dodo_payment_id != payment_id:
            flag_for_review(order, f"A second payment {payment_id} arrived for this paid order: refund it.")
        return False
    if not order.can_become(OrderStatus.PAID):
        logger.info("Order #%s: payment %s ignored, order is %s", order.pk, payment_id, order.status)
        return False
    order.move_to(OrderStatus.PAID)
    order.dodo_payment_id = payment_id
    order.paid_at = timezone.now()
    order.compute_earnings()
    order.save()
    logger.info("Order #%s: paid (%s %s, payment %s)", order.pk, order.amount, order.currency, payment_id)
    order_paid.send(sender=Order, order=order)
    return True


def mark_unsuccessful(order, status, payment_id=""):
    """A (locked) order's payment failed or was cancelled; a paid order is never undone."""
    if order.status == status or not order.can_become(status) or order.status != OrderStatus.PENDING:
        return False
    order.move_to(status)
    if payment_id and not order.dodo_payment_id:
        order.dodo_payment_id = payment_id
    order.save()
    logger.info("Order #%s: %s (payment %s)", order.pk, status, payment_id or "-")
    return True


def mark_refunded(order, amount=None, payment_id=""):
    """Record a refund on a (locked) order. A full refund revokes the downloads.

    ``amount`` is the refunded amount (Decimal) or None for "the whole order". A refund
    can arrive before the payment's own success event; it settles the order then too.
    """
    if order.status == OrderStatus.REFUNDED:
        return False
    refunded = order.refunded_amount + (amount if amount is not None else order.amount)
    order.refunded_amount = min(refunded, order.amount)
    if payment_id and not order.dodo_payment_id:
        order.dodo_payment_id = payment_id
    full = order.refunded_amount >= order.amount
    if full:
        order.move_to(OrderStatus.REFUNDED)
        order.refunded_at = timezone.now()
    order.save()
    logger.info("Order #%s: refunded %s of %s", order.pk, order.refunded_amount, order.amount)
    if full:
        order_refunded.send(sender=Order, order=order)
    return True


def flag_for_review(order, note):
    """Mark an order for the editors' attention (a payment that did not match)."""
    order.needs_review = True
    order.review_note = (order.review_note + "\n" + note).strip()
    order.save(update_fields=["needs_review", "review_note", "updated_at"])
    logger.warning("Order #%s: flagged for review: %s", order.pk, note)


def register_download(order, *, ip_address=None, user_agent=""):
    """Count one download of a paid order, atomically, within the per-order limit.

    Returns False when the limit (``DOWNLOAD_LIMIT_PER_ORDER``, 0 = unlimited) is used up.
    """
    limit = settings.DOWNLOAD_LIMIT_PER_ORDER
    allowed = Order.objects.filter(pk=order.pk, status=OrderStatus.PAID)
    if limit:
        allowed = allowed.filter(download_count__lt=limit)
    if not allowed.update(download_count=F("download_count") + 1):
        return False
    Download.objects.create(order=order, ip_address=ip_address, user_agent=(user_agent or "")[:300])
    return True


def downloads_left(order):
    limit = settings.DOWNLOAD_LIMIT_PER_ORDER
    return None if not limit else max(limit - order.download_count, 0)


__all__ = [
    "PurchaseRefused",
    "check_can_buy",
    "downloads_left",
    "flag_for_review",
    "locked_order",
    "mark_paid",
    "mark_refunded",
    "mark_unsuccessful",
    "open_order",
    "owned_order",
    "register_download",
]
