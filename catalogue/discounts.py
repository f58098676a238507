"""Discount codes, the domain's side: may this code be used for this product now, what
did it save the buyer, and the seller's changes to their codes.

The checkout (``dodo.checkout``) asks :func:`check_code` before it sends a buyer to Dodo,
so a buyer meets a clear message on the product page instead of a refusal on Dodo's.
Dodo checks the code again when the buyer pays (it holds the same expiry, usage limit
and products, mirrored by ``dodo.sync``); whether the mirror is up to date is the
``dodo`` app's question, not this module's.
"""

import logging

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from .dates import format_day
from .models import DiscountCode
from .models.discounts import normalize_code
from .money import round_money

logger = logging.getLogger(__name__)

# The field's name in the buy form and in the product page's query string (a seller can
# share ``/products/x/?discount_code=SPRING20``; a refused code comes back there too).
CODE_PARAMETER = "discount_code"


class DiscountRefused(Exception):
    """The code cannot be used for this purchase; ``message`` says why, fit to show the buyer.

    ``reason`` is a short key (``unknown``, ``inactive``, ``expired``, ``used_up``,
    ``wrong_product``, ``pay_what_you_want``, ``not_ready``) for logs and tests.
    """

    def __init__(self, message, *, reason):
        super().__init__(message)
        self.message = message
        self.reason = reason


class DiscountCodeTaken(Exception):
    """Another code with this text exists (the unique index decided, after the form checked)."""


def check_code(raw_code, product, now=None):
    """The ``DiscountCode`` a buyer typed, if it may take money off ``product`` now.

    Raises :class:`DiscountRefused` with the message the buyer sees. Uses are the
    purchases paid with the code; open checkouts do not hold a use, since most are
    abandoned and Dodo itself counts a use only when a payment succeeds (so a last use
    raced by two buyers is refused to the second one on Dodo's page).
    """
    code = normalize_code(raw_code)
    discount = DiscountCode.objects.filter(code=code).prefetch_related("products").first()
    if discount is None:
        raise DiscountRefused(
            _("There is no discount code “%(code)s”. Check the spelling and try again.") % {"code": code},
            reason="unknown",
        )
    if not discount.active:
        raise DiscountRefused(_("The code %(code)s is no longer active.") % {"code": code}, reason="inactive")
    if discount.is_expired(now):
        when = format_day(discount.last_day())
        raise DiscountRefused(
            _("The code %(code)s expired on %(date)s.") % {"code": code, "date": when}, reason="expired"
        )
    if discount.is_used_up():
        raise DiscountRefused(
            _("The code %(code)s has been used as many times as its seller allowed.") % {"code": code},
            reason="used_up",
        )
    if not discount.applies_to(product):
        raise DiscountRefused(
            _("The code %(code)s can't be used for this product.") % {"code": code}, reason="wrong_product"
        )
    if getattr(product, "pay_what_you_want", False):
        # The buyer already names their price, at or above the seller's minimum; a
        # percentage off it would take it below that minimum.
        raise DiscountRefused(
            _("Discount codes don't apply to pay-what-you-want prices: choose the amount you'd like to pay."),
            reason="pay_what_you_want",
        )
    return discount


def discount_saving(order):
    """What the order's discount code took off its price, in the marketplace currency, or
    None (no code, not paid yet, or nothing can be said for sure).

    Without a currency conversion, Dodo's own figures tell it exactly: the price less
    what was charged before tax (the tax-inclusive total for tax-inclusive prices). A
    payment in another currency has a rate in it, so the code's percentage of the price
    says it instead (Dodo takes the percentage off the converted price).
    """
    if not order.discount_code or order.paid_total is None:
        return None
    if (order.paid_currency or order.currency).upper() == order.currency.upper():
        charged = order.paid_total if order.tax_inclusive else order.paid_total - (order.paid_tax or 0)
        saved = order.amount - charged
    else:
        percent = DiscountCode.objects.filter(code=order.discount_code).values_list("percent", flat=True).first()
        if percent is None:
            return None
        saved = round_money(order.amount * percent / 100, order.currency)
    return saved if saved > 0 else None


# SELLERS' AND EDITORS' CHANGES (the Dodo mirror follows from the saves, through signals)


def save_code(discount, products=None):
    """Create or update ``discount`` (already cleaned by a form) and set its products.

    One transaction, so the Dodo sync (queued on commit) sees the code and its products
    together. Raises :class:`DiscountCodeTaken` when another code took the text since
    the form checked it.
    """
    try:
        with transaction.atomic():
            discount.save()
            if products is not None:
                discount.products.set(products)
    except IntegrityError:
        raise DiscountCodeTaken(discount.code) from None
    logger.info("Discount code #%s (%s): saved by user #%s", discount.pk, discount.code, discount.created_by_id)
    return discount


def set_active(discount, active):
    """Activate or deactivate a code (a deactivated code is taken off Dodo)."""
    if discount.active != active:
        discount.active = active
        discount.save(update_fields=["active", "updated_at"])
        logger.info("Discount code #%s (%s): %s", discount.pk, discount.code, "activated" if active else "deactivated")
    return discount


class DiscountInUse(Exception):
    """A used code cannot be deleted (orders name it): deactivate it instead."""


def delete_code(discount):
    """Delete a code that was never used; raises :class:`DiscountInUse` otherwise."""
    if discount.has_been_used():
        raise DiscountInUse(discount.code)
    code = discount.code
    discount.delete()
    logger.info("Discount code %s: deleted", code)
