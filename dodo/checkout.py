"""Starting a Dodo checkout for one order.

The order is created (or reused) and committed first; only then is Dodo asked for a
checkout session, so no Dodo call runs inside a database transaction and a failed call
leaves a harmless pending order that the next attempt reuses.
"""

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from catalogue import analytics, discounts, orders
from catalogue.models import Order
from catalogue.money import to_minor

from . import sync
from .client import get_client
from .exceptions import DodoError
from .models import DodoProduct

logger = logging.getLogger(__name__)

# A checkout session is reused for this long, so pressing Buy twice opens the same
# payment page instead of a second one (nothing is charged twice).
SESSION_REUSE = timedelta(minutes=30)
# One request at a time asks Dodo for an order's session; the others wait this long for
# its answer (longer than the client's timeouts, so a slow Dodo still ends in one session).
SESSION_LEASE = timedelta(seconds=20)
SESSION_POLL_SECONDS = 0.1


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


def start_checkout(customer, product, referral_code="", amount=None, discount_code="", guest_email=""):
    """Answer the Dodo checkout URL for the customer buying the product.

    ``amount`` is what the buyer chose for a pay-what-you-want product (checked by
    ``orders.chosen_amount``): the order's amount, and the cart item's on Dodo.
    ``discount_code`` is what the buyer typed in the buy box (checked here, then carried
    by the checkout session); raises ``discounts.DiscountRefused`` when it cannot be used.

    A visitor who is not signed in buys with only ``guest_email`` (checked and counted
    by ``accounts.guest``; ``customer`` is then anonymous): the order waits without an
    account, and Dodo's session is for a customer with that email, which Dodo finds or
    creates. No account of ours is looked at or made before the payment succeeds
    (``fulfilment``), so the answer never tells whether the address has one.

    Raises ``orders.PurchaseRefused`` (not for sale, own product, already owned) or
    ``CheckoutUnavailable`` (Dodo not in step or not reachable).
    """
    if guest_email:
        customer = None
    else:
        orders.check_can_buy(customer, product)
    if customer is None and not product.live:
        raise orders.PurchaseRefused(_("This product is not for sale at the moment."))
    discount = usable_discount(discount_code, product) if discount_code.strip() else None
    product_id = _product_id_if_sellable(product)
    if product_id is None:
        # Dodo does not (yet) sell this product at the price shown; nudge the sync along.
        from .tasks import enqueue_on_commit, sync_product

        enqueue_on_commit(sync_product, product.pk)
        raise CheckoutUnavailable(
            _("This product is being updated right now, so it can't be bought for a minute. Please try again shortly.")
        )
    if customer is None:
        # Dodo's NewCustomer shape: it attaches the session to its customer with this email.
        session_customer = {"email": guest_email}
    else:
        try:
            session_customer = {"customer_id": sync.ensure_customer_id(customer)}
        except DodoError as error:
            logger.warning("User #%s: checkout refused, no Dodo customer: %s", customer.pk, error)
            raise CheckoutUnavailable(
                _("Payments are unavailable right now. Nothing was charged; please try again.")
            ) from error

    order = orders.open_order(customer, product, referral_code=referral_code, amount=amount, guest_email=guest_email)
    _note_discount_code(order, discount.code if discount else "")
    url = _fresh_checkout_url(order)
    if url:
        return url
    if not _claim_session_lease(order):
        # Another click is asking Dodo for this order's session right now: use its answer.
        return _wait_for_session(order)
    try:
        return _create_session(order, session_customer, product, product_id)
    finally:
        Order.objects.filter(pk=order.pk).update(checkout_lease_until=None)


def usable_discount(raw_code, product):
    """The ``DiscountCode`` the buyer typed, if it may be used for ``product`` now and Dodo
    holds it as it is; raises ``discounts.DiscountRefused`` with the buyer's message."""
    discount = discounts.check_code(raw_code, product)
    if not sync.discount_ready(discount):
        from .tasks import enqueue_on_commit, sync_discount

        enqueue_on_commit(sync_discount, discount.pk)
        raise discounts.DiscountRefused(
            _("The code %(code)s isn't ready yet. Please try again in a minute.") % {"code": discount.code},
            reason="not_ready",
        )
    return discount


def _note_discount_code(order, code):
    """Keep the code on the open order; a different code needs a new checkout session
    (the session carries it). The payment's own code replaces it once paid."""
    if order.discount_code != code:
        order.discount_code, order.dodo_checkout_session_id, order.dodo_checkout_url = code, None, ""
        Order.objects.filter(pk=order.pk).update(
            discount_code=code, dodo_checkout_session_id=None, dodo_checkout_url="", updated_at=timezone.now()
        )


def _fresh_checkout_url(order):
    if order.dodo_checkout_url and order.updated_at > timezone.now() - SESSION_REUSE:
        return order.dodo_checkout_url
    return ""


def _claim_session_lease(order):
    now = timezone.now()
    return bool(
        Order.objects.filter(pk=order.pk)
        .filter(Q(checkout_lease_until__isnull=True) | Q(checkout_lease_until__lt=now))
        .update(checkout_lease_until=now + SESSION_LEASE)
    )


def _wait_for_session(order):
    deadline = time.monotonic() + SESSION_LEASE.total_seconds()
    while time.monotonic() < deadline:
        time.sleep(SESSION_POLL_SECONDS)
        order = Order.objects.filter(pk=order.pk).first()
        url = _fresh_checkout_url(order) if order is not None else ""
        if url:
            return url
        if order is None or order.checkout_lease_until is None:
            break  # the other request gave up (Dodo failed): let the buyer try again
    raise CheckoutUnavailable(_("Your payment page is still being prepared. Please press Buy again."))


def checkout_feature_flags(product=None):
    """What the hosted checkout lets the buyer do, matching what fulfilment accepts:
    discount codes (a discounted payment is granted; never on a pay-what-you-want price,
    which the buyer already chose), and paying in their own currency
    (Adaptive Currency; the settlement in our currency is what earnings use) when
    ``DODO_ALLOW_CURRENCY_SELECTION`` is on."""
    return {
        "allow_discount_code": not getattr(product, "pay_what_you_want", False),
        "allow_currency_selection": bool(settings.DODO_ALLOW_CURRENCY_SELECTION),
    }


def _cart_item(order, product, product_id):
    """The order's one cart line; a pay-what-you-want product carries the buyer's chosen
    amount (minor units), which Dodo charges and refuses below the product's minimum."""
    item = {"product_id": product_id, "quantity": 1}
    if product.pay_what_you_want:
        item["amount"] = to_minor(order.amount, order.currency)
    return item


# Signs the guest's return link: the return page shows a guest's order only with it.
GUEST_RETURN_SALT = "dodo.checkout.guest-return"


def guest_return_token(order_id):
    """The token on a guest order's return URL (the guest has no account to check)."""
    return signing.dumps(order_id, salt=GUEST_RETURN_SALT)


def order_id_from_guest_token(token):
    """The order id a guest return token names, or None when it is forged or malformed."""
    try:
        value = signing.loads(token, salt=GUEST_RETURN_SALT)
    except signing.BadSignature:
        return None
    return value if isinstance(value, int) else None


def _return_url(order):
    query = {"order": order.pk}
    if order.customer_id is None:
        query["guest"] = guest_return_token(order.pk)
    return f"{settings.SITE_URL}{reverse('dodo:checkout_return')}?{urlencode(query)}"


def _create_session(order, session_customer, product, product_id):
    metadata = {"order_id": str(order.pk)}
    if order.customer_id is not None:
        metadata["user_id"] = str(order.customer_id)
    try:
        session = get_client().create_checkout_session(
            product_cart=[_cart_item(order, product, product_id)],
            customer=session_customer,
            return_url=_return_url(order),
            cancel_url=f"{settings.SITE_URL}{product.url}",
            feature_flags=checkout_feature_flags(product),
            discount_code=order.discount_code or None,
            metadata=metadata,
        )
    except DodoError as error:
        logger.warning("Order #%s: Dodo checkout session failed: %s", order.pk, error)
        raise CheckoutUnavailable(
            _("Payments are unavailable right now. Nothing was charged; please try again.")
        ) from error
    Order.objects.filter(pk=order.pk).update(
        dodo_checkout_session_id=session["session_id"],
        dodo_checkout_url=session["checkout_url"],
        updated_at=timezone.now(),
    )
    logger.info("Order #%s: checkout session %s started", order.pk, session["session_id"])
    # A checkout start for the seller's analytics: counted in the cache, flushed by the worker.
    analytics.record_checkout_start(product.pk)
    return session["checkout_url"]
