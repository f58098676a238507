"""The refund rules every side shares: editors in Wagtail admin, sellers in their
portal, buyers asking for one.

Dodo refunds a payment for 30 days after it (``POST /refunds``); the amount includes
tax and is in the currency the buyer paid in. What may be refunded, until when and how
much is decided here, once; ``dodo.refunds`` asks Dodo and records the answer. The
portals cannot import ``dodo``, so the pages that show a refund form or an "Ask for a
refund" button read these functions too.
"""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .dates import format_day
from .formatting import format_money
from .models import LedgerEntry, OrderStatus
from .money import fits_currency
from .support.models import MESSAGE_MAX_LENGTH, SupportTicket

# Dodo accepts refunds for this long after the payment.
REFUND_WINDOW = timedelta(days=30)
# What a refund reason may hold (OrderRefund.reason, and what Dodo is sent).
REASON_MAX_LENGTH = 500


class RefundRefused(Exception):
    """The refund cannot be made; ``message`` says why, fit to show the person asking."""

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


def is_free(order):
    """A free product's order: nothing was charged, so nothing can be refunded."""
    return not order.dodo_payment_id and not order.paid_total and order.amount == 0


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


def check_refundable(order):
    """Raise :class:`RefundRefused` with the reason when the order cannot be refunded now."""
    if is_free(order):
        raise RefundRefused(_("This order was free: nothing was charged, so there is nothing to refund."))
    if not order.dodo_payment_id or order.paid_total is None:
        raise RefundRefused(_("No successful payment is recorded for this order, so there is nothing to refund."))
    if order.status not in (OrderStatus.PAID, OrderStatus.PENDING) or not order.refundable_total:
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
            % {"date": format_day(deadline)}
        )


def check_amount(order, amount):
    """Raise :class:`RefundRefused` unless ``amount`` (None = all that is left) fits what is left."""
    left = order.refundable_total
    if amount is not None and left is not None and amount > left:
        raise RefundRefused(
            _("At most %(left)s is left to refund (tax included).")
            % {"left": format_money(left, order.paid_currency or order.currency)}
        )


def parse_amount(text, order):
    """The amount a person typed, as a Decimal in the currency paid; None for "all"."""
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


@dataclass(frozen=True)
class RefundState:
    """What a page about one order says of refunding it (see :func:`refund_state`)."""

    can_refund: bool
    deadline: object  # datetime or None
    window_closed: bool
    is_free: bool
    currency: str
    left: Decimal | None
    left_display: str
    refunded_display: str
    fully_refunded: bool


def refund_state(order):
    """The facts a refund form, or the reason it is missing, is built from."""
    deadline = refund_deadline(order)
    currency = order.paid_currency or order.currency
    left = order.refundable_total
    return RefundState(
        can_refund=can_refund(order),
        deadline=deadline,
        window_closed=deadline is not None and timezone.now() > deadline,
        is_free=is_free(order),
        currency=currency,
        left=left,
        left_display=format_money(left, currency) if left is not None else "",
        refunded_display=format_money(order.refunded_total, currency) if order.refunded_total else "",
        fully_refunded=order.status == OrderStatus.REFUNDED,
    )


def order_page_context(order, form=None):
    """What the seller's page about one order shows: the order as charged, its refunds,
    its ledger rows with the earnings they add up to, the buyer's refund request, and
    the refund form (``form``: a bound one with its errors, when re-shown). Built here
    once for the portal's page and for the refund view that shows it again."""
    ledger = list(LedgerEntry.objects.filter(order=order).order_by("created_at", "pk"))
    for entry in ledger:
        # From the seller's side, as on the earnings page: a fee taken is a minus.
        entry.fee_change = -entry.fee
    return {
        "order": order,
        "refund": refund_state(order),
        "form": form if form is not None else RefundForm(order=order),
        "refunds": list(order.refunds.order_by("created_at", "pk")),
        "ledger": ledger,
        "earnings_now": sum((entry.earnings for entry in ledger), Decimal("0")),
        "refund_request": SupportTicket.objects.filter(order=order, refund_requested=True).order_by("pk").first(),
    }


# FORMS


class RefundForm(forms.Form):
    """A refund as a seller asks for one: everything left, or an amount, and a reason.

    ``cleaned_data["amount"]`` is None for "everything left" (also when the amount typed
    is exactly what is left), else a Decimal in the currency paid, tax included.
    """

    FULL, PARTIAL = "full", "partial"

    kind = forms.ChoiceField(
        label=_("How much"),
        choices=[(FULL, _("Everything left")), (PARTIAL, _("Part of it"))],
        initial=FULL,
        widget=forms.RadioSelect,
    )
    amount = forms.CharField(label=_("Amount, tax included"), required=False, max_length=20)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=REASON_MAX_LENGTH,
        help_text=_("The buyer sees it in their refund email."),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say why you are refunding: the buyer sees it in their email.")},
    )

    def __init__(self, *args, order, **kwargs):
        super().__init__(*args, **kwargs)
        self.order = order
        self.fields["amount"].widget.attrs.update(inputmode="decimal", autocomplete="off", placeholder="4.50")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") != self.PARTIAL:
            cleaned["amount"] = None
            return cleaned
        try:
            amount = parse_amount(cleaned.get("amount"), self.order)
            if amount is None:
                raise RefundRefused(_("Enter the amount to refund, or choose “Everything left”."))
            check_amount(self.order, amount)
        except RefundRefused as refused:
            self.add_error("amount", refused.message)
            return cleaned
        cleaned["amount"] = None if amount == self.order.refundable_total else amount
        return cleaned


class RefundRequestForm(forms.Form):
    """A buyer asking the seller for their money back: why."""

    reason = forms.CharField(
        label=_("Why are you asking for a refund?"),
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("The seller reads this first. Say what went wrong; they may be able to fix it."),
        error_messages={"required": _("Tell the seller why you want a refund.")},
    )
