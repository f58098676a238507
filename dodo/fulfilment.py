"""Applying what Dodo says about payments, refunds and disputes to our orders.

Shared by the webhook handlers, reconciliation and the checkout return page's fallback.
Decisions come from the object's own status (Dodo sends the latest state at delivery
time, so a late ``payment.failed`` may carry ``succeeded``), never from the event name
alone. Every change happens with the order locked, so concurrent deliveries apply once.
Nothing here calls Dodo except :func:`refresh_from_dodo`, which the webhook never uses.

What Dodo charged is the truth once a payment succeeded: a discount code, tax (added on
top, or included) and Adaptive Currency all change the total, and a succeeded payment
for the right order and product is granted. Only a wrong product, a settlement in
another currency than the marketplace's, or a total that a discount does not explain
(below the price) is flagged for the editors instead.
"""

import logging
from decimal import Decimal

from django.db import transaction
from django.utils.dateparse import parse_datetime

from accounts import guest
from catalogue import orders
from catalogue.models import Order, OrderStatus
from catalogue.money import UnknownCurrency, from_minor

from .client import get_client
from .fingerprints import fingerprint
from .models import DodoCustomer, DodoProduct, SyncStatus, WebhookEvent, WebhookEventStatus

logger = logging.getLogger(__name__)

# A payment converted between currencies (Adaptive Currency) comes back to the
# marketplace currency at the day's rate, so its net can be a little under the price:
# up to this share is put down to conversion, not flagged.
CONVERSION_TOLERANCE = Decimal("0.02")


class UnmatchedPayment(Exception):
    """A payment (or its refund or dispute) that no order of ours knows about.

    Recorded as "unmatched" for the editors and acknowledged: Dodo's retries would not
    make it match.
    """


class PaymentNotYetKnown(Exception):
    """A refund or dispute for a payment we have not recorded yet (events come out of
    order). The event fails, so Dodo delivers it again; reconciliation also reads it."""


def charge_from_payment(payment):
    """The ``Charge`` (Decimals) of a Dodo ``Payment`` (integer minor units)."""
    currency = str(payment["currency"]).upper()
    total = from_minor(payment["total_amount"], currency)
    tax = from_minor(payment.get("tax") or 0, currency)
    settlement_currency = str(payment.get("settlement_currency") or currency).upper()
    if payment.get("settlement_amount") is None:
        settlement_amount, settlement_tax = total, tax
    else:
        settlement_amount = from_minor(payment["settlement_amount"], settlement_currency)
        if payment.get("settlement_tax") is not None:
            settlement_tax = from_minor(payment["settlement_tax"], settlement_currency)
        elif settlement_currency == currency:
            settlement_tax = tax
        else:
            # Tax in the settlement currency, at the payment's own rate.
            settlement_tax = (tax * settlement_amount / total).quantize(settlement_amount) if total else Decimal("0")
    discounts = payment.get("discounts") or []
    code = next((str(item.get("code") or "") for item in discounts if item.get("code")), "")
    try:
        created_at = parse_datetime(payment.get("created_at") or "")
    except (TypeError, ValueError):
        created_at = None  # only the refund window uses it, and it has a fallback
    return orders.Charge(
        total=total,
        tax=tax,
        currency=currency,
        settlement_amount=settlement_amount,
        settlement_tax=settlement_tax,
        settlement_currency=settlement_currency,
        discount_code=code,
        discount_id=str(payment.get("discount_id") or ""),
        created_at=created_at,
    )


def _locked_order_for_payment(payment):
    """Our order, locked: by the order id we put in metadata, then the session, then the
    payment (one query in the usual case: the order id is there)."""
    metadata = payment.get("metadata") or {}
    order_id = str(metadata.get("order_id") or "")
    if order_id.isdigit():
        order = orders.locked_order(int(order_id))
        if order is not None:
            return order
    session_id = payment.get("checkout_session_id")
    if session_id:
        order = orders.locked_order(dodo_checkout_session_id=session_id)
        if order is not None:
            return order
    return orders.locked_order(dodo_payment_id=payment["payment_id"])


def _product_problem(order, payment):
    cart = payment.get("product_cart")
    if cart is None:
        return None  # Dodo left the cart out: the order id or session already matched it
    record = DodoProduct.objects.filter(page_key=order.product_id).first()
    ours = record.known_ids() if record is not None else set()
    bought = [item.get("product_id") for item in cart]
    if len(cart) != 1 or bought[0] not in ours or cart[0].get("quantity", 1) != 1:
        return f"products {sorted(filter(None, bought))} are not this order's product"
    return None


def _payment_problems(order, payment, charge):
    """Why a succeeded payment cannot be granted without an editor; empty when it can."""
    problems = []
    product = _product_problem(order, payment)
    if product:
        problems.append(product)
    if charge.settlement_currency != order.currency.upper():
        problems.append(f"settled in {charge.settlement_currency}, the marketplace sells in {order.currency}")
        return problems
    if not charge.discounted:
        # Tax-inclusive prices contain the tax; otherwise tax comes on top of the price.
        received = charge.settlement_amount if order.tax_inclusive else charge.net
        converted = charge.currency != charge.settlement_currency
        if not converted:
            # One currency: the buyer's total and the settlement must both explain it.
            received = min(received, charge.total if order.tax_inclusive else charge.total - charge.tax)
        floor = order.amount * (1 - CONVERSION_TOLERANCE) if converted else order.amount
        if received < floor:
            problems.append(
                f"received {received} {charge.settlement_currency} for a price of {order.amount} {order.currency} "
                "with no discount code"
            )
    return problems


def apply_payment(payment):
    """Apply a checked Dodo ``Payment`` to its order; answers what happened (for the log).

    Raises :class:`UnmatchedPayment` when no order of ours is its order.
    """
    payment_id = payment["payment_id"]
    status = payment.get("status")
    with transaction.atomic():
        order = _locked_order_for_payment(payment)
        if order is None:
            raise UnmatchedPayment(f"payment {payment_id}: no order of ours")
        if status == "succeeded":
            if order.customer_id is None:
                _give_guest_order_its_account(order, payment)
            try:
                charge = charge_from_payment(payment)
            except UnknownCurrency as error:
                orders.flag_for_review(order, f"Payment {payment_id}: {error}")
                return "flagged"
            problems = _payment_problems(order, payment, charge)
            if problems:
                if order.status == OrderStatus.PENDING:
                    # Keep what was charged, so an editor who grants it grants the truth.
                    orders.record_charge(order, charge)
                    order.dodo_payment_id = order.dodo_payment_id or payment_id
                    order.save()
                orders.flag_for_review(order, f"Payment {payment_id} needs a look: " + "; ".join(problems))
                return "flagged"
            if not orders.mark_paid(order, payment_id, charge):
                return "unchanged"
            _flag_unusual_guest_purchase(order)
            return "paid"
        if status in (OrderStatus.FAILED, OrderStatus.CANCELLED):
            return status if orders.mark_unsuccessful(order, status, payment_id) else "unchanged"
    # processing, requires_customer_action, ...: nothing to do until it settles.
    return f"waiting ({status})"


def _give_guest_order_its_account(order, payment):
    """A succeeded payment for an order bought with only an email: the (locked) order
    goes to the account for that address (made inactive, with no password, if there is
    none; see ``accounts.guest``), and the address is sent a sign-in link once this
    commits. The address is the one typed on our site (``guest_email``), never what the
    payment says.

    An account holds one open order per product: an open order of its own for this
    product is cancelled (it paid through this one; should that checkout be paid too,
    the late success still settles it, as for any cancelled order).
    """
    customer = payment.get("customer") or {}
    same_person = str(customer.get("email") or "").strip().lower() == order.guest_email.lower()
    # The name the buyer gave Dodo's page (if it is for this address) names a new account.
    name = str(customer.get("name") or "") if same_person else ""
    user, created = guest.account_for_guest_order(order.guest_email, name=name)
    if created and same_person:
        _adopt_dodo_customer(user, customer)
    if order.status == OrderStatus.PENDING:
        for other_id in Order.objects.open_for(user, order.product).values_list("pk", flat=True):
            other = orders.locked_order(other_id)
            if other is not None:
                orders.mark_unsuccessful(other, OrderStatus.CANCELLED)
    order.customer = user
    order.save(update_fields=["customer", "updated_at"])
    logger.info("Order #%s: bought with an email, goes to user #%s%s", order.pk, user.pk, " (new)" if created else "")
    guest.send_sign_in_link_on_commit(user.pk, order.pk)


def _adopt_dodo_customer(user, customer):
    """A new account from a guest's payment: its Dodo customer is the one the checkout
    made for the address (the payment's ``customer``), so sync does not make a second;
    with the name Dodo holds, sync finds nothing to update either."""
    customer_id = customer.get("customer_id")
    if not customer_id or DodoCustomer.objects.filter(customer_id=customer_id).exists():
        return  # the ordinary sync (queued by the account's creation) makes or finds it
    sent = {"email": customer.get("email"), "name": customer.get("name")}
    DodoCustomer.objects.filter(user=user, customer_id=None).update(
        customer_id=customer_id, sent_fingerprint=fingerprint(sent), sync_status=SyncStatus.SYNCED
    )


def _flag_unusual_guest_purchase(order):
    """A payment by email that went to an account which already owned the product, or
    which sells it: granted (it was paid), and flagged so an editor can refund it."""
    if not order.guest_email:
        return
    if order.seller_id == order.customer_id:
        orders.flag_for_review(order, "Bought with the seller's own email, without signing in: consider a refund.")
    elif Order.objects.for_customer(order.customer).paid().filter(product=order.product).exclude(pk=order.pk).exists():
        orders.flag_for_review(order, "Bought again with the email of an account that owns it: consider a refund.")


def _order_for_payment_id(payment_id, what):
    """The order a refund or dispute is about, found by the payment it names."""
    order = Order.objects.filter(dodo_payment_id=payment_id).first()
    if order is not None:
        return order
    unmatched = WebhookEvent.objects.filter(payment_id=payment_id, status=WebhookEventStatus.UNMATCHED)
    if unmatched.exists():
        raise UnmatchedPayment(f"{what}: payment {payment_id} matches no order of ours")
    raise PaymentNotYetKnown(f"{what}: payment {payment_id} is not recorded yet; waiting for it")


def apply_refund(refund):
    """Apply a checked Dodo ``Refund`` to its order (only a succeeded one changes anything)."""
    if refund.get("status") != "succeeded":
        return f"ignored ({refund.get('status')})"
    refund_id = refund["refund_id"]
    order = _order_for_payment_id(refund["payment_id"], f"refund {refund_id}")
    with transaction.atomic():
        order = orders.locked_order(order.pk)
        currency = str(refund.get("currency") or order.paid_currency or order.currency).upper()
        amount = refund.get("amount")
        if amount is None:
            # Dodo left the amount out: the refund is of whatever was left.
            value = order.refundable_total if order.refundable_total is not None else order.amount
        else:
            value = from_minor(amount, currency)
        recorded = orders.record_refund(
            order,
            refund_id=refund_id,
            amount=value,
            currency=currency,
            is_partial=bool(refund.get("is_partial")),
            reason=refund.get("reason") or "",
        )
        if recorded is None:
            return "unchanged"
        return "partly refunded" if recorded.is_partial else "refunded"


def apply_dispute(dispute):
    """Apply a checked Dodo ``Dispute`` (its latest status) to its order."""
    dispute_id = dispute["dispute_id"]
    order = _order_for_payment_id(dispute["payment_id"], f"dispute {dispute_id}")
    currency = str(dispute["currency"]).upper()
    try:
        amount = from_minor(int(dispute["amount"]), currency)
    except UnknownCurrency:
        amount = Decimal(int(dispute["amount"]))
    with transaction.atomic():
        order = orders.locked_order(order.pk)
        return orders.record_dispute(
            order,
            dispute_id=dispute_id,
            status=dispute["dispute_status"],
            amount=amount,
            currency=currency,
            stage=dispute.get("dispute_stage") or "",
            remarks=dispute.get("remarks") or "",
        )


def refresh_from_dodo(order):
    """The return page's fallback: ask Dodo how the order's checkout went, and apply it.

    Raises ``DodoError`` when Dodo cannot be asked; the page then keeps saying "processing".
    """
    from .payloads import check_payment

    if order.status != OrderStatus.PENDING or not order.dodo_checkout_session_id:
        return None
    client = get_client()
    session = client.get_checkout_session(order.dodo_checkout_session_id)
    payment_id = session.get("payment_id")
    if not payment_id or session.get("payment_status") not in ("succeeded", "failed", "cancelled"):
        return None
    return apply_payment(check_payment(client.get_payment(payment_id)))
