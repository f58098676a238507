"""Orders: who may buy what, and the one place an order changes state.

Callers that apply payment events lock the order (``locked_order``) inside a transaction
before calling the ``mark_*`` functions, so concurrent deliveries of the same payment
change it once. ``order_paid`` is sent exactly when an order becomes paid.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.signal_handlers import disable_reference_index_auto_update

from . import ledger
from .formatting import format_money
from .models import (
    LOST_DISPUTE_STATUSES,
    OPEN_DISPUTE_STATUSES,
    RELEASED_DISPUTE_STATUSES,
    Dispute,
    Download,
    Order,
    OrderRefund,
    OrderStatus,
)
from .money import exponent, fits_currency, round_money
from .signals import order_charged_back, order_paid, order_refunded
from .validators import MAX_PRICE

logger = logging.getLogger(__name__)


class OrderActionRefused(Exception):
    """An editor's action on an order cannot be done; ``message`` says why, fit to show."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class PurchaseRefused(Exception):
    """The customer cannot buy this product; ``message`` says why, fit to show them."""

    def __init__(self, message, *, order=None):
        super().__init__(message)
        self.message = message
        # The paid order, when the refusal is "you already own it".
        self.order = order


class AmountRefused(PurchaseRefused):
    """The amount a buyer chose for a pay-what-you-want product cannot be charged."""


class FreeLimitReached(PurchaseRefused):
    """The customer took too many free products in the last hour (``FREE_ORDERS_PER_HOUR``)."""


# The window of the per-customer limit on free products.
FREE_ORDERS_WINDOW = timedelta(hours=1)


def chosen_amount(product, text):
    """The amount a buyer typed for a pay-what-you-want product, as a ``Decimal``.

    Raises ``AmountRefused`` with a message fit to show them: not a number, below the
    minimum (the product's price), above what Dodo can charge, or more decimals than the
    currency has.
    """
    text = (text or "").strip().replace(",", "")
    if not text:
        raise AmountRefused(_("Enter the amount you want to pay."))
    try:
        amount = Decimal(text)
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite():
        raise AmountRefused(_("Enter the amount as a number, for example 12.50."))
    currency = product.currency
    if amount < product.minimum_price:
        raise AmountRefused(
            _("The minimum for this product is %(minimum)s: enter that or more.")
            % {"minimum": format_money(product.minimum_price, currency)}
        )
    if amount > MAX_PRICE:
        raise AmountRefused(_("Enter an amount of at most %(max)s.") % {"max": format_money(MAX_PRICE, currency)})
    if not fits_currency(amount, currency):
        raise AmountRefused(
            _("Amounts in %(currency)s can have at most %(places)s decimal places.")
            % {"currency": currency, "places": exponent(currency)}
        )
    return amount


def owned_order(customer, product):
    """The customer's paid (downloadable) order of the product, or None."""
    if not customer.is_authenticated:
        return None
    return Order.objects.for_customer(customer).paid().filter(product=product).first()


def check_can_buy(customer, product):
    """Raise ``PurchaseRefused`` unless the customer may start buying the product."""
    if not product.live:
        raise PurchaseRefused(_("This product is not for sale at the moment."))
    if product.seller_id == customer.pk:
        raise PurchaseRefused(_("This is your own product, so you can't buy it."))
    order = owned_order(customer, product)
    if order is not None:
        raise PurchaseRefused(_("You already own this product: download it from your library."), order=order)


def open_order(customer, product, referral_code="", amount=None, guest_email=""):
    """The customer's open (pending) order for the product, created if there is none.

    A visitor buying with only an email passes ``customer=None`` and ``guest_email``:
    the order then has no account until its payment succeeds (the payment's handler
    gives it the account for that address).

    The amount is the selling price right now, or for a pay-what-you-want product the
    ``amount`` the buyer chose (checked by :func:`chosen_amount`); a pending order whose
    amount changed since is brought up to date, since nothing was paid for it yet. One
    pending order per customer and product is a database constraint, so two quick
    clicks cannot stack orders.
    """
    price = amount if amount is not None else product.effective_price
    for _attempt in range(2):
        with transaction.atomic():
            if customer is None:
                pending = Order.objects.filter(
                    customer=None, guest_email=guest_email, product=product, status=OrderStatus.PENDING
                )
            else:
                pending = Order.objects.open_for(customer, product)
            order = pending.select_for_update().first()
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
                        guest_email=guest_email if customer is None else "",
                        product=product,
                        seller_id=product.seller_id,
                        amount=price,
                        currency=settings.MARKETPLACE_CURRENCY,
                        tax_inclusive=settings.PRICES_INCLUDE_TAX,
                        referral_code=referral_code or "",
                    )
            except IntegrityError:
                # Another request created it a moment ago: go round and reuse it.
                continue
    raise PurchaseRefused(_("Your order could not be started. Please try again."))


def get_free(customer, product, referral_code=""):
    """Put a free product (or a pay-what-you-want one taken for nothing) in the
    customer's library at once: a paid order of amount 0. Answers the order.

    No payment exists, so nothing goes to Dodo and nothing to the seller's ledger (no
    money moved); ``order_paid`` is sent, so the buyer gets a receipt. Raises
    ``PurchaseRefused`` (not for sale, own product, already owned: ``order`` is the one
    they have, not free) or ``FreeLimitReached`` past ``FREE_ORDERS_PER_HOUR`` free
    orders in the last hour.
    """
    check_can_buy(customer, product)
    if not product.may_be_had_free:
        raise PurchaseRefused(_("This product is not free."))
    zero = Decimal("0")
    currency = settings.MARKETPLACE_CURRENCY
    with transaction.atomic():
        # One customer's free orders are counted and made one at a time (their user row
        # is locked), so quick clicks can neither pass the limit together nor make two.
        get_user_model().objects.select_for_update().filter(pk=customer.pk).first()
        owned = owned_order(customer, product)
        if owned is not None:
            raise PurchaseRefused(_("You already own this product: download it from your library."), order=owned)
        limit = settings.FREE_ORDERS_PER_HOUR
        since = timezone.now() - FREE_ORDERS_WINDOW
        recent = Order.objects.for_customer(customer).paid().filter(amount=0, paid_at__gte=since)
        if limit and recent.count() >= limit:
            raise FreeLimitReached(
                _("You have added %(limit)s free products in the last hour, the most we allow. Please try again later.")
                % {"limit": limit}
            )
        order = Order.objects.create(
            customer=customer,
            product=product,
            seller_id=product.seller_id,
            amount=zero,
            currency=currency,
            tax_inclusive=settings.PRICES_INCLUDE_TAX,
            referral_code=referral_code or "",
            status=OrderStatus.PAID,
            paid_at=timezone.now(),
            paid_total=zero,
            paid_tax=zero,
            paid_currency=currency,
            settlement_amount=zero,
            settlement_tax=zero,
            settlement_currency=currency,
            net_amount=zero,
        )
        logger.info("Order #%s: free product %s added to user #%s's library", order.pk, product.pk, customer.pk)
        order_paid.send(sender=Order, order=order)
    return order


def locked_order(order_id=None, **lookup):
    """The order, locked for update until the surrounding transaction ends (or None):
    by id, or by one field lookup (``dodo_payment_id=...``).

    The order remembers the values it was loaded with (``Order.stored_values``) until the
    transaction commits, so the receivers of its saves need not read the row again.
    """
    if order_id is not None:
        lookup["pk"] = order_id
    order = Order.objects.select_for_update().filter(**lookup).first()
    if order is not None:
        order.remember_stored_values()
        # A commit ends the lock; the values would go stale if the object were saved again.
        transaction.on_commit(lambda: vars(order).pop("stored_values", None))
    return order


@dataclass(frozen=True)
class Charge:
    """What the payment processor really charged for an order, in ``Decimal``.

    ``total`` and ``tax`` are in ``currency``, the currency the buyer paid in;
    ``settlement_amount`` and ``settlement_tax`` are what reached the marketplace, in
    ``settlement_currency``. ``discount_code`` is the code the buyer used, if any.
    """

    total: Decimal
    tax: Decimal
    currency: str
    settlement_amount: Decimal
    settlement_tax: Decimal
    settlement_currency: str
    discount_code: str = ""
    discount_id: str = ""
    # When the payment was taken, if known.
    created_at: datetime | None = None

    @property
    def net(self):
        """The sale net of tax, in the settlement currency."""
        return self.settlement_amount - self.settlement_tax

    @property
    def discounted(self):
        return bool(self.discount_code or self.discount_id)


def record_charge(order, charge):
    """Store on a (locked) order what was charged; the caller saves (or mark_paid does)."""
    order.paid_total = charge.total
    order.paid_tax = charge.tax
    order.paid_currency = charge.currency
    order.settlement_amount = charge.settlement_amount
    order.settlement_tax = charge.settlement_tax
    order.settlement_currency = charge.settlement_currency
    order.discount_code = charge.discount_code[:64]
    order.discount_id = charge.discount_id[:64]
    order.net_amount = charge.net
    if charge.created_at is not None:
        order.charged_at = charge.created_at


def mark_paid(order, payment_id, charge=None):
    """Make a (locked) order paid; sends ``order_paid`` once. Returns True if it changed.

    ``charge`` is what was really charged (recorded on the order; fees and earnings are
    computed on its amount net of tax); without one the order's price stands for it.
    Writes the sale to the seller's ledger. A second, different payment for an order
    that is already paid is flagged for the editors to refund instead of being absorbed.
    """
    if order.status == OrderStatus.PAID:
        if order.dodo_payment_id and order.dodo_payment_id != payment_id:
            flag_for_review(order, f"A second payment {payment_id} arrived for this paid order: refund it.")
        return False
    if not order.can_become(OrderStatus.PAID):
        logger.info("Order #%s: payment %s ignored, order is %s", order.pk, payment_id, order.status)
        return False
    if charge is not None:
        record_charge(order, charge)
    elif order.net_amount is None:
        record_charge(order, _price_as_charge(order))
    order.move_to(OrderStatus.PAID)
    order.dodo_payment_id = payment_id
    order.paid_at = timezone.now()
    order.compute_earnings()
    # Paying changes none of the order's references (product, buyer, seller), which
    # Wagtail's reference index recorded when the order was made: re-reading them on
    # every payment cost a sixth of a webhook delivery.
    with disable_reference_index_auto_update():
        order.save()
    ledger.record_sale(order, reference=payment_id)
    logger.info(
        "Order #%s: paid (%s %s, net %s %s, payment %s)",
        order.pk,
        order.paid_total,
        order.paid_currency,
        order.net_amount,
        order.currency,
        payment_id,
    )
    order_paid.send(sender=Order, order=order)
    return True


def _price_as_charge(order):
    zero = Decimal("0")
    return Charge(order.amount, zero, order.currency, order.amount, zero, order.currency)


def grant_flagged(order, note=""):
    """An editor grants a (locked) flagged order whose payment they checked: it becomes
    paid with what was recorded as charged. Raises ``OrderActionRefused`` otherwise."""
    if not order.needs_review:
        raise OrderActionRefused(_("This order is not waiting for review."))
    if order.status == OrderStatus.PAID:
        raise OrderActionRefused(_("This order is already paid."))
    if not order.dodo_payment_id or order.paid_total is None:
        raise OrderActionRefused(_("No successful payment is recorded for this order, so there is nothing to grant."))
    if not order.can_become(OrderStatus.PAID):
        raise OrderActionRefused(_("A %(status)s order cannot be granted.") % {"status": order.get_status_display()})
    order.needs_review = False
    order.review_note = (order.review_note + "\n" + (note or "Granted by an editor.")).strip()
    mark_paid(order, order.dodo_payment_id)
    return order


def resolve_review(order, note):
    """An editor dealt with a flagged order some other way: clear the flag, keep the note."""
    order.needs_review = False
    order.review_note = (order.review_note + "\n" + note).strip()
    order.save(update_fields=["needs_review", "review_note", "updated_at"])


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


def record_refund(order, *, refund_id, amount, currency, is_partial=False, reason="", requested_by=None):
    """Record one refund of a (locked) order's payment; answers the ``OrderRefund``, or
    None when this refund was recorded before (replays and reconciliation are no-ops).

    ``amount`` is what went back to the buyer, tax included, in ``currency`` (the
    currency they paid in), as Dodo reports refunds. It is compared with what was paid:
    the buyer keeps access until the whole payment is refunded; the seller's earnings
    go down by the refunded share. A refund can arrive before the payment's success
    (events come out of order): it then settles the order as refunded.
    """
    if OrderRefund.objects.filter(refund_id=refund_id).exists():
        return None
    paid = order.paid_total
    if paid is None or not paid:
        # Never recorded as paid: Dodo's own flag is all we have.
        full = not is_partial
        share = Decimal("1") if full else Decimal("0")
    else:
        if currency and order.paid_currency and currency.upper() != order.paid_currency.upper():
            flag_for_review(order, f"Refund {refund_id} is in {currency}, the payment was in {order.paid_currency}.")
        refunded_total = min(order.refunded_total + amount, paid)
        full = refunded_total >= paid
        share = refunded_total / paid
        order.refunded_total = refunded_total
    net_before = order.refunded_amount
    if order.net_amount is not None:
        order.refunded_amount = order.net_amount if full else round_money(order.net_amount * share, order.currency)
    refund = OrderRefund.objects.create(
        order=order,
        refund_id=refund_id,
        amount=amount,
        currency=(currency or order.paid_currency or order.currency).upper(),
        net_amount=order.refunded_amount - net_before,
        is_partial=not full,
        reason=(reason or "")[:500],
        requested_by=requested_by,
    )
    if full and order.status != OrderStatus.REFUNDED and order.can_become(OrderStatus.REFUNDED):
        order.move_to(OrderStatus.REFUNDED)
        order.refunded_at = timezone.now()
    order.save()
    if order.status in (OrderStatus.PAID, OrderStatus.REFUNDED) and order.paid_at is not None:
        ledger.record_refund(order, refund, share=Decimal("1") if full else share)
    logger.info(
        "Order #%s: refund %s of %s %s (%s refunded in all)",
        order.pk,
        refund_id,
        amount,
        refund.currency,
        "all" if full else order.refunded_total,
    )
    order_refunded.send(sender=Order, order=order, refund=refund, full=full)
    return refund


def record_dispute(order, *, dispute_id, status, amount, currency, stage="", remarks=""):
    """Record the latest state of a dispute on a (locked) order; answers what changed.

    Dodo sends the dispute's latest state whatever the event's name, so the status
    decides: while it is open the seller's earnings for the order are held and the order
    is flagged for the editors; a loss revokes the buyer's access and takes the earnings
    back; a win, cancellation or expiry releases the hold. Each step writes its ledger
    row once, so replays and out-of-order events change nothing twice.
    """
    dispute, created = Dispute.objects.get_or_create(
        dispute_id=dispute_id,
        defaults={
            "order": order,
            "status": status,
            "stage": stage,
            "amount": amount,
            "currency": currency,
            "remarks": remarks,
        },
    )
    if not created:
        Dispute.objects.filter(pk=dispute.pk).update(
            status=status, stage=stage or dispute.stage, remarks=remarks or dispute.remarks, updated_at=timezone.now()
        )
        dispute.status = status
    outcome = ledger.record_dispute_hold(order, dispute)
    if status in OPEN_DISPUTE_STATUSES:
        if created:
            flag_for_review(order, f"Dispute {dispute_id} opened: the evidence is the order's download log.")
        return "held" if outcome else "unchanged"
    if status in LOST_DISPUTE_STATUSES:
        lost = ledger.record_dispute_loss(order, dispute)
        if order.can_become(OrderStatus.CHARGEBACK):
            order.move_to(OrderStatus.CHARGEBACK)
            order.save(update_fields=["status", "updated_at"])
            logger.info("Order #%s: dispute %s lost, access revoked", order.pk, dispute_id)
            order_charged_back.send(sender=Order, order=order, dispute=dispute)
            return "lost"
        return "lost" if lost else "unchanged"
    if status in RELEASED_DISPUTE_STATUSES:
        return "released" if ledger.record_dispute_release(order, dispute) else "unchanged"
    return "unchanged"


def flag_for_review(order, note):
    """Mark an order for the editors' attention (a payment that did not match, a dispute).

    The same note is not added twice (a replayed event flags once).
    """
    if order.needs_review and note in order.review_note:
        return
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
