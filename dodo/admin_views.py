"""Wagtail admin views for editors: the "Dodo sync" report and its retry action, the
report of Dodo events that need a person (unmatched payments, rejected events), and the
"Refund" action on an order's page.

Two guards, each written once: the Dodo reports belong to whoever may manage the sync
(:func:`can_manage_sync`); the refund is an action on an order, so it takes the order
actions' guard from the catalogue (``catalogue.admin_views.can_manage_orders``).
"""

import json
import logging

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView
from wagtail.admin.ui.components import Component

from catalogue.admin_views import can_manage_orders, order_admin_url
from catalogue.formatting import format_money
from catalogue.models import Order
from catalogue.money import UnknownCurrency, from_minor
from catalogue.receivers import recent_failures

from . import refunds, sync, webhooks
from .models import (
    SETTLED_EVENT_STATUSES,
    ApiHealth,
    DodoCustomer,
    DodoDiscount,
    DodoProduct,
    WebhookEvent,
    WebhookEventStatus,
)

logger = logging.getLogger(__name__)

# Editors who may see and retry syncs: those allowed to change the sync records
# (superusers, or a group given the permission in Settings > Groups).
PERMISSION = "dodo.change_dodoproduct"
# Rows per section of the reports: enough to work through, bounded so a flood of bad
# events cannot make the page slow.
REPORT_ROWS = 200


def can_manage_sync(user):
    return user.is_active and user.has_perm(PERMISSION)


class SyncGuardMixin:
    """The Dodo reports' guard (see :func:`can_manage_sync`)."""

    def dispatch(self, request, *args, **kwargs):
        if not can_manage_sync(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


def auth_failure():
    """This environment's ``ApiHealth`` while Dodo refuses our API key, else None."""
    health = ApiHealth.current()
    return health if health is not None and health.auth_failed_at else None


class SyncReportView(SyncGuardMixin, TemplateView):
    """Every customer and product Dodo does not match yet, with the error and a retry
    button; those Dodo rejected, with its message; and a banner while Dodo refuses our
    API key (nothing syncs until someone fixes it)."""

    template_name = "dodo/admin/sync_report.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        show = self.request.GET.get("show", "failed")
        products = DodoProduct.objects.select_related("page").order_by("-updated_at")
        customers = DodoCustomer.objects.select_related("user").order_by("-updated_at")
        if show == "failed":
            failing_products, failing_customers = products.failed(), customers.failed()
        else:
            failing_products, failing_customers = products.needing_sync(), customers.needing_sync()
        context.update(
            show=show,
            auth_failure=auth_failure(),
            products=failing_products[:REPORT_ROWS],
            customers=failing_customers[:REPORT_ROWS],
            rejected_products=products.rejected()[:REPORT_ROWS],
            rejected_customers=customers.rejected()[:REPORT_ROWS],
            failed_events=WebhookEvent.objects.filter(status=WebhookEventStatus.FAILED)[:REPORT_ROWS],
            failed_count=DodoProduct.objects.failed().count() + DodoCustomer.objects.failed().count(),
            # Receivers that failed (kept by catalogue.receivers): a save went on, but
            # the Dodo work (or email) it should have queued did not happen.
            receiver_failures=recent_failures()[:REPORT_ROWS],
        )
        # Discount codes: the same failed (or pending) and rejected lists.
        codes = DodoDiscount.objects.select_related("code").order_by("-updated_at")
        context.update(
            discounts=(codes.failed() if show == "failed" else codes.needing_sync())[:REPORT_ROWS],
            rejected_discounts=codes.rejected()[:REPORT_ROWS],
        )
        context["failed_count"] += DodoDiscount.objects.failed().count()
        return context


def event_facts(event):
    """What a person needs from a stored event's body: the payment id, the amount with
    its currency, and the customer's email ("" for what the body does not hold).

    The body is Dodo's, as received; a rejected event's may be malformed, so every field
    is checked before it is used.
    """
    try:
        data = json.loads(event.body).get("data")
    except (ValueError, AttributeError):
        data = None
    data = data if isinstance(data, dict) else {}
    currency = data.get("currency") if isinstance(data.get("currency"), str) else ""
    # A payment's total, or a refund's or dispute's amount (the dispute's is a string).
    raw = data.get("total_amount", data.get("amount"))
    try:
        amount = format_money(from_minor(int(raw), currency.upper()), currency.upper())
    except (TypeError, ValueError, UnknownCurrency):
        amount = ""
    customer = data.get("customer") if isinstance(data.get("customer"), dict) else {}
    email = customer.get("email") if isinstance(customer.get("email"), str) else ""
    payment_id = event.payment_id or (data.get("payment_id") if isinstance(data.get("payment_id"), str) else "")
    return {"event": event, "payment_id": payment_id, "amount": amount, "currency": currency.upper(), "email": email}


class EventsReportView(SyncGuardMixin, TemplateView):
    """Dodo events that need a person: payments no order of ours matches (money was
    taken; find the buyer, then replay or refund it in Dodo), and events we refused as
    malformed or not ours, with the reason."""

    template_name = "dodo/admin/events_report.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        events = WebhookEvent.objects.order_by("-received_at")
        unmatched = events.filter(status=WebhookEventStatus.UNMATCHED)
        rejected = events.filter(status=WebhookEventStatus.REJECTED)
        context.update(
            auth_failure=auth_failure(),
            unmatched=[event_facts(event) for event in unmatched[:REPORT_ROWS]],
            rejected=[event_facts(event) for event in rejected[:REPORT_ROWS]],
            unmatched_count=unmatched.count(),
            rejected_count=rejected.count(),
        )
        return context


@require_POST
def retry_sync(request):
    """Retry one record (``kind`` + ``key``) or every failed one (``kind=all``), right now.

    ``kind=webhook`` replays one stored event; ``next`` (a path on this site) says which
    report to go back to.
    """
    if not can_manage_sync(request.user):
        raise PermissionDenied
    kind, key = request.POST.get("kind"), request.POST.get("key")
    if kind == "product":
        outcomes = [sync.sync_product(_int(key))]
    elif kind == "customer":
        outcomes = [sync.sync_customer(_int(key))]
    elif kind == "discount":
        outcomes = [sync.sync_discount(_int(key))]
    elif kind == "webhook":
        event = WebhookEvent.objects.filter(pk=_int(key)).first()
        if event is None:
            raise Http404
        _replay(request, event)
        return redirect(_back(request))
    elif kind == "all":
        outcomes = [sync.sync_product(k) for k in DodoProduct.objects.failed().values_list("page_key", flat=True)]
        outcomes += [sync.sync_customer(k) for k in DodoCustomer.objects.failed().values_list("user_id", flat=True)]
        outcomes += [sync.sync_discount(k) for k in DodoDiscount.objects.failed().values_list("code_key", flat=True)]
    else:
        raise Http404
    ok = sum(1 for outcome in outcomes if outcome in (sync.Outcome.SYNCED, sync.Outcome.GONE))
    failed = len(outcomes) - ok
    if failed:
        messages.warning(request, _("%(ok)s synced, %(failed)s still failing: Dodo said why below.") % {"ok": ok, "failed": failed})
    else:
        messages.success(request, _("%(ok)s synced with Dodo.") % {"ok": ok})
    return redirect(_back(request))


def _replay(request, event):
    """Process a stored event again and tell the editor how it went."""
    status = webhooks.replay(event)
    labels = {"id": event.webhook_id, "error": event.error}
    if status == WebhookEventStatus.UNMATCHED:
        messages.warning(request, _("Webhook %(id)s still matches no order: %(error)s") % labels)
    elif status == WebhookEventStatus.REJECTED:
        messages.warning(request, _("Webhook %(id)s was refused again: %(error)s") % labels)
    elif status in SETTLED_EVENT_STATUSES:
        messages.success(request, _("Webhook %(id)s processed.") % labels)
    else:
        messages.warning(request, _("Webhook %(id)s failed again: %(error)s") % labels)


def _back(request):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse("dodo_sync_report")


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


# REFUNDS


class RefundPanel(Component):
    """The "Refund" box on an order's admin page: full, or a partial amount, with a
    reason; what is left to refund; and, once Dodo's 30-day window has passed, why the
    button is gone. Added to the page through ``catalogue``'s order panels hook."""

    template_name = "dodo/admin/refund_panel.html"

    def __init__(self, order):
        self.order = order

    def get_context_data(self, parent_context=None):
        order = self.order
        deadline = refunds.refund_deadline(order)
        currency = order.paid_currency or order.currency
        left = order.refundable_total
        return {
            "order": order,
            "csrf_token": (parent_context or {}).get("csrf_token"),
            "action_url": reverse("dodo_order_refund", args=(order.pk,)),
            "can_refund": refunds.can_refund(order),
            "deadline": deadline,
            "window_closed": deadline is not None and timezone.now() > deadline,
            "has_payment": bool(order.dodo_payment_id) and order.paid_total is not None,
            "left": format_money(left, currency) if left is not None else "",
            "currency": currency,
        }


def refund_panel(request, order):
    """The refund box for editors who may act on orders (None for others)."""
    return RefundPanel(order) if can_manage_orders(request.user) else None


def _refund_back(request, pk):
    """Where the refund form came from: a same-site ``next`` (a support ticket's admin
    page refunds its order too), else the order's admin page."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return order_admin_url(pk)


@require_POST
def refund_order(request, pk):
    """Ask Dodo to refund an order (all that is left, or the amount typed), then show the
    order's page with the outcome, or with Dodo's reason for refusing."""
    if not can_manage_orders(request.user):
        raise PermissionDenied
    order = get_object_or_404(Order, pk=pk)
    reason = request.POST.get("reason", "").strip()[:500]
    partial = request.POST.get("kind") == "partial"
    try:
        amount = refunds.parse_amount(request.POST.get("amount"), order) if partial else None
        if partial and amount is None:
            raise refunds.RefundRefused(_("Enter the amount to refund, or choose a full refund."))
        refund = refunds.refund_order(order, amount=amount, reason=reason, requested_by=request.user)
    except refunds.RefundRefused as refused:
        messages.error(request, refused.message)
        return redirect(_refund_back(request, pk))
    if refund is None:
        messages.warning(
            request,
            _("Dodo made the refund. It appears on this order once Dodo confirms it, usually within minutes."),
        )
    elif refund.is_partial:
        messages.success(
            request,
            _("Refunded %(amount)s of order #%(pk)s. The buyer keeps the download; the buyer and the seller are emailed.")
            % {"amount": format_money(refund.amount, refund.currency), "pk": pk},
        )
    else:
        messages.success(
            request,
            _("Refunded %(amount)s: order #%(pk)s is fully refunded and its download revoked. The buyer and the seller are emailed.")
            % {"amount": format_money(refund.amount, refund.currency), "pk": pk},
        )
    return redirect(_refund_back(request, pk))


# AN ORDER'S EVENT HISTORY

# The latest events shown on an order's page; the count above the table says how many
# there are in all (a payment has a handful; replays and retries are in ``attempts``).
ORDER_EVENT_ROWS = 50


class OrderEventsPanel(Component):
    """What Dodo told us about an order's payment, its refunds and its disputes, newest
    first: every stored webhook (and what reconciliation found), with how it was
    handled. Refund and dispute events carry their payment's id, so one lookup by the
    payment finds them all. Added to the page through ``catalogue``'s sections hook."""

    template_name = "dodo/admin/order_events.html"

    def __init__(self, order):
        self.order = order

    def get_context_data(self, parent_context=None):
        payment_id = self.order.dodo_payment_id
        events = WebhookEvent.objects.filter(payment_id=payment_id).order_by("-received_at") if payment_id else None
        return {
            "order": self.order,
            "events": [event_facts(event) for event in events[:ORDER_EVENT_ROWS]] if events is not None else [],
            "event_total": events.count() if events is not None else 0,
            "event_rows": ORDER_EVENT_ROWS,
        }


def order_events_panel(request, order):
    """The order's Dodo event history, for editors who may act on orders (None for others)."""
    return OrderEventsPanel(order) if can_manage_orders(request.user) else None
