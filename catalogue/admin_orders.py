"""What editors do to an order from its admin page besides granting and refunding: send
the buyer's receipt again, and give back the downloads a limited order used up.

Each action is refused with an :class:`orders.OrderActionRefused` that explains why, and
is written to the order's Wagtail history (Orders > the order > History) with the editor
who took it, so a second editor can see what was already done.
"""

import logging

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from wagtail.log_actions import log

from . import orders
from .models import Order, OrderStatus
from .signals import order_receipt_requested

logger = logging.getLogger(__name__)

# Wagtail log actions (registered in wagtail_hooks.py) shown in the order's history.
RESENT_RECEIPT = "catalogue.order.resend_receipt"
RESET_DOWNLOADS = "catalogue.order.reset_downloads"


def can_resend_receipt(order):
    """A receipt exists for a paid order only, and goes to the buyer's account (a guest's
    account is made when the payment lands, so every paid order has one)."""
    return order.status == OrderStatus.PAID and order.customer_id is not None


def can_reset_downloads(order):
    """Only a limit can be used up: without ``DOWNLOAD_LIMIT_PER_ORDER`` the count is a
    statistic, and resetting it would only hide how often the file was fetched."""
    return bool(settings.DOWNLOAD_LIMIT_PER_ORDER) and order.status == OrderStatus.PAID and order.download_count > 0


def resend_receipt(order_pk, user):
    """Ask for the buyer's receipt again (the accounts app emails it, after the commit).

    The catalogue does not send email: it announces ``order_receipt_requested`` and the
    app that owns the receipt answers. Raises ``OrderActionRefused`` when the order has
    no receipt to send, or when no app listens (nothing would go out).
    """
    with transaction.atomic():
        order = orders.locked_order(order_pk)
        if order is None:
            raise Order.DoesNotExist
        if not can_resend_receipt(order):
            raise orders.OrderActionRefused(_("Only a paid order has a receipt to send."))
        answers = order_receipt_requested.send(sender=Order, order=order)
        if not any(response for _receiver, response in answers):
            raise orders.OrderActionRefused(
                _("No receipt could be queued: the email app is not listening. Nothing was sent.")
            )
        log(order, RESENT_RECEIPT, user=user, data={"email": order.customer.email})
    logger.info("Order #%s: receipt resent by user #%s", order_pk, user.pk)
    return order


def reset_download_count(order_pk, user):
    """Give the buyer the full ``DOWNLOAD_LIMIT_PER_ORDER`` again. The download log stays
    (it is the evidence for a dispute); only the counter the limit reads goes back to 0."""
    with transaction.atomic():
        order = orders.locked_order(order_pk)
        if order is None:
            raise Order.DoesNotExist
        if not can_reset_downloads(order):
            raise orders.OrderActionRefused(
                _("Nothing to reset: downloads are unlimited, the order is not paid, or none were used.")
            )
        used = order.download_count
        order.download_count = 0
        order.save(update_fields=["download_count", "updated_at"])
        log(order, RESET_DOWNLOADS, user=user, data={"used": used, "limit": settings.DOWNLOAD_LIMIT_PER_ORDER})
    logger.info("Order #%s: download count %s reset to 0 by user #%s", order_pk, used, user.pk)
    return used
