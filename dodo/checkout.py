"""Starting a Dodo checkout for one order.

The order is created (or reused) and committed first; only then is Dodo asked for a
checkout session, so no Dodo call runs inside a database transaction and a failed call
leaves a harmless pending order that the next attempt reuses.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalogue import orders
from catalogue.models import Order

from . import sync
from .client import get_client
from .exceptions import DodoError
from .models import DodoProduct

logger = logging.getLogger(__name__)

# A checkout session is reused for this long, so pressing Buy twice opens the same
# payment page instead of a second one (nothing is charged twice).
SESSION_REUSE = timedelta(minutes=30)


class CheckoutUnavailable(Exception):
    """Dodo could not start the checkout; ``message`` is fit to show the customer."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def _product_id_if_sellable(product):
    """Dodo's id for the product, if Dodo holds it live at exactly the page's price."""
    record = DodoProduct.objects.filter(page_key=product.pk).first()
    if record is None or not record.product_id or sync.product_needs_sync(product, record):
        return None
    return record.product_id


def start_checkout(customer, product, referral_code=""):
    """Answer the Dodo checkout URL for the customer buying the product.

    Raises ``orders.PurchaseRefused`` (not for sale, own product, already owned) or
    ``CheckoutUnavailable`` (Dodo not in step or not reachable).
    """
    orders.check_can_buy(customer, product)
    product_id = _product_id_if_sellable(product)
    if product_id is None:
        # Dodo does not (yet) sell this product at the price shown; nudge the sync along.
        from .tasks import enqueue_on_commit, sync_product

        enqueue_on_commit(sync_product, product.pk)
        raise CheckoutUnavailable(
            _("This product is being updated right now, so it can't be bought for a minute. Please try again shortly.")
        )
    try:
        customer_id = sync.ensure_customer_id(customer)
    except DodoError as error:
        logger.warning("User #%s: checkout refused, no Dodo customer: %s", customer.pk, error)
        raise CheckoutUnavailable(_("Payments are unavailable right now. Nothing was charged; please try again.")) from error

    order = orders.open_order(customer, product, referral_code=referral_code)
    if order.dodo_checkout_url and order.updated_at > timezone.now() - SESSION_REUSE:
        return order.dodo_checkout_url

    return_url = f"{settings.SITE_URL}{reverse('dodo:checkout_return')}?order={order.pk}"
    try:
        session = get_client().create_checkout_session(
            product_cart=[{"product_id": product_id, "quantity": 1}],
            customer={"customer_id": customer_id},
            return_url=return_url,
            metadata={"order_id": str(order.pk), "user_id": str(customer.pk)},
        )
    except DodoError as error:
        logger.warning("Order #%s: Dodo checkout session failed: %s", order.pk, error)
        raise CheckoutUnavailable(_("Payments are unavailable right now. Nothing was charged; please try again.")) from error
    Order.objects.filter(pk=order.pk).update(
        dodo_checkout_session_id=session["session_id"], dodo_checkout_url=session["checkout_url"], updated_at=timezone.now()
    )
    logger.info("Order #%s: checkout session %s started", order.pk, session["session_id"])
    return session["checkout_url"]
