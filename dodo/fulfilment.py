"""Applying what Dodo says about payments and refunds to our orders.

Shared by the webhook handlers and the checkout return page's fallback. Decisions come
from the payment's own ``status`` (Dodo sends the latest state at delivery time, so a
late ``payment.failed`` may carry ``succeeded``), never from the event name alone. Every
change happens with the order locked, so concurrent deliveries apply once.
"""

import logging
from decimal import Decimal

from django.db import transaction

from catalogue import orders
from catalogue.models import Order, OrderStatus

from .client import get_client
from .exceptions import DodoNotFound
from .models import DodoProduct

logger = logging.getLogger(__name__)


class UnknownPayment(Exception):
    """A payment or refund that no order of ours knows about (logged, not retried)."""


def _order_for_payment(payment):
    """Find our order: by the order id we put in metadata, then the session, then the payment."""
    metadata = payment.get("metadata") or {}
    order_id = metadata.get("order_id")
    if order_id and str(order_id).isdigit():
        order = Order.objects.filter(pk=int(order_id)).first()
        if order is not None:
            return order
    session_id = payment.get("checkout_session_id")
    if session_id:
        order = Order.objects.filter(dodo_checkout_session_id=session_id).first()
        if order is not None:
            return order
    payment_id = payment.get("payment_id")
    if payment_id:
        return Order.objects.filter(dodo_payment_id=payment_id).first()
    return None


def _mismatches(order, payment):
    """Ways the payment differs from what the order says was sold; empty when it matches."""
    problems = []
    # Dodo reports integer minor units; tax, when Dodo adds it on top, is not ours.
    total = payment.get("total_amount")
    tax = payment.get("tax") or 0
    if not isinstance(total, int) or total - tax != order.amount_cents:
        problems.append(f"amount {total} (tax {tax}) != order {order.amount_cents}")
    currency = str(payment.get("currency") or "").upper()
    if currency != order.currency.upper():
        problems.append(f"currency {currency or '-'} != order {order.currency}")
    cart = payment.get("product_cart")
    if cart is not None:
        record = DodoProduct.objects.filter(page_key=order.product_id).first()
        product_ids = {item.get("product_id") for item in cart}
        if record is None or record.product_id not in product_ids or len(cart) != 1:
            problems.append(f"products {sorted(filter(None, product_ids))} != order product")
    return problems


def apply_payment(payment):
    """Apply a Dodo ``Payment`` to its order; answers what happened (for the event log)."""
    order = _order_for_payment(payment)
    payment_id = payment.get("payment_id") or ""
    if order is None:
        raise UnknownPayment(f"payment {payment_id}: no matching order")
    status = payment.get("status")
    with transaction.atomic():
        order = orders.locked_order(order.pk)
        if status == "succeeded":
            problems = _mismatches(order, payment)
            if problems:
                orders.flag_for_review(order, f"Payment {payment_id} does not match: " + "; ".join(problems))
                return "flagged"
            return "paid" if orders.mark_paid(order, payment_id) else "unchanged"
        if status in (OrderStatus.FAILED, OrderStatus.CANCELLED):
            return status if orders.mark_unsuccessful(order, status, payment_id) else "unchanged"
    # processing, requires_customer_action, ...: nothing to do until it settles.
    return f"waiting ({status})"


def apply_refund(refund):
    """Apply a Dodo ``Refund`` (status succeeded) to its order: revoke the downloads."""
    if refund.get("status") != "succeeded":
        return f"ignored ({refund.get('status')})"
    payment_id = refund.get("payment_id") or ""
    order = Order.objects.filter(dodo_payment_id=payment_id).first() if payment_id else None
    if order is None and payment_id:
        # The refund arrived before the payment's success event: ask Dodo which order
        # the payment was for (outside any database transaction).
        try:
            order = _order_for_payment(get_client().get_payment(payment_id))
        except DodoNotFound:
            order = None
    if order is None:
        raise UnknownPayment(f"refund {refund.get('refund_id')}: no order for payment {payment_id}")
    amount = refund.get("amount")
    refunded = None if (amount is None or not refund.get("is_partial")) else Decimal(amount) / 100
    with transaction.atomic():
        order = orders.locked_order(order.pk)
        return "refunded" if orders.mark_refunded(order, refunded, payment_id) else "unchanged"


def refresh_from_dodo(order):
    """The return page's fallback: ask Dodo how the order's checkout went, and apply it.

    Raises ``DodoError`` when Dodo cannot be asked; the page then keeps saying "processing".
    """
    if order.status != OrderStatus.PENDING or not order.dodo_checkout_session_id:
        return None
    client = get_client()
    session = client.get_checkout_session(order.dodo_checkout_session_id)
    payment_id = session.get("payment_id")
    if not payment_id or session.get("payment_status") not in ("succeeded", "failed", "cancelled"):
        return None
    return apply_payment(client.get_payment(payment_id))
