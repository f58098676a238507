"""Wagtail admin views for editors acting on orders: the order's page (what was charged,
its refunds, disputes, ledger rows and download log) and granting a flagged order.

Nothing here talks to Dodo. Other apps add their own actions to the order's page
through the ``ORDER_ADMIN_PANELS_HOOK`` hook (the dodo app adds "Refund"), so the
domain never imports them; they reuse :func:`can_manage_orders` as their guard.
"""

import logging

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from wagtail import hooks
from wagtail.permissions import policy_registry
from wagtail.snippets.views.snippets import InspectView as SnippetInspectView

from . import admin_orders, orders
from .models import Dispute, Order, OrderStatus

logger = logging.getLogger(__name__)

# Apps register ``fn(request, order)`` under this name, answering a Wagtail/laces
# ``Component`` to show on the order's admin page (or None when it has nothing to offer).
ORDER_ADMIN_PANELS_HOOK = "register_order_admin_panel"
# The same, for a whole section below the order's own tables (the dodo app adds the
# order's event history): ``fn(request, order)`` answers a ``Component`` or None.
ORDER_ADMIN_SECTIONS_HOOK = "register_order_admin_section"

# The download log is evidence for disputes; the page shows the latest rows, and the
# count above it says how many there are in all.
DOWNLOAD_LOG_ROWS = 50


def can_manage_orders(user):
    """Whether ``user`` may act on orders (grant a flagged one, refund, see disputes).

    The one check for every money action in the admin: whoever the Orders snippet's
    permission policy lets change an order (superusers, or a group given "Can change
    order" in Settings > Groups).
    """
    return bool(user.is_active and policy_registry.get_by_type(Order).user_has_permission(user, "change"))


def order_admin_url(order_pk):
    """The order's page in Wagtail admin (its inspect view), where the actions are."""
    return reverse(Order.snippet_viewset.get_url_name("inspect"), args=(order_pk,))


class OrderInspectView(SnippetInspectView):
    """Everything about one order's money on one page, with the actions editors may take.

    A fixed number of queries however many refunds, disputes, ledger rows or downloads
    the order has: one per list.
    """

    template_name = "catalogue/admin/order_inspect.html"

    def get_object(self, queryset=None):
        queryset = Order.objects.select_related("product", "customer", "seller")
        order = queryset.filter(pk=self.pk).first()
        if order is None:
            raise Http404
        return order

    def get_fields_context(self):
        # The template lays the fields out itself, grouped by what they mean.
        return []

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        order = self.object
        manage = can_manage_orders(self.request.user)
        context.update(
            order=order,
            refunds=list(order.refunds.select_related("requested_by")),
            disputes=list(order.disputes.all()),
            ledger=list(order.ledger_entries.all()),
            downloads=list(order.downloads.all()[:DOWNLOAD_LOG_ROWS]),
            download_total=order.downloads.count(),
            download_log_rows=DOWNLOAD_LOG_ROWS,
            can_manage=manage,
            can_grant=manage and _grantable(order),
            can_resend_receipt=manage and admin_orders.can_resend_receipt(order),
            can_reset_downloads=manage and admin_orders.can_reset_downloads(order),
            download_limit=settings.DOWNLOAD_LIMIT_PER_ORDER,
            edit_url=reverse(Order.snippet_viewset.get_url_name("edit"), args=(order.pk,)),
            panels=[panel for fn in hooks.get_hooks(ORDER_ADMIN_PANELS_HOOK) if (panel := fn(self.request, order))],
            sections=[part for fn in hooks.get_hooks(ORDER_ADMIN_SECTIONS_HOOK) if (part := fn(self.request, order))],
        )
        return context


def _grantable(order):
    """Whether "Grant" may work: a flagged, unpaid order with a recorded payment (the
    domain checks again, under the lock, and explains a refusal)."""
    return (
        order.needs_review
        and order.can_become(OrderStatus.PAID)
        and bool(order.dodo_payment_id)
        and order.paid_total is not None
    )


@require_POST
def grant_order(request, pk):
    """Grant a flagged order whose payment the editor checked: it becomes paid (the buyer
    gets the download and a receipt) with what was recorded as charged."""
    if not can_manage_orders(request.user):
        raise PermissionDenied
    note = request.POST.get("note", "").strip()[:500]
    who = request.user.get_full_name() or request.user.email
    try:
        with transaction.atomic():
            order = orders.locked_order(pk)
            if order is None:
                raise Http404
            orders.grant_flagged(order, f"Granted by {who}" + (f": {note}" if note else "."))
    except orders.OrderActionRefused as refused:
        messages.error(request, refused.message)
    else:
        logger.info("Order #%s: granted by user #%s", pk, request.user.pk)
        messages.success(
            request, _("Order #%(pk)s is granted: the buyer can download it and gets a receipt.") % {"pk": pk}
        )
    return redirect(order_admin_url(pk))


def _order_action(request, pk, action, success_message):
    """Run an editor's order action (``action(pk, editor)``) for those who may manage
    orders: its refusal or ``success_message(result)`` as a message, back to the order."""
    if not can_manage_orders(request.user):
        raise PermissionDenied
    try:
        result = action(pk, request.user)
    except Order.DoesNotExist:
        raise Http404 from None
    except orders.OrderActionRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, success_message(result))
    return redirect(order_admin_url(pk))


@require_POST
def resend_receipt(request, pk):
    """Queue the buyer's receipt again (they lost it, or it bounced and was fixed)."""
    return _order_action(
        request,
        pk,
        admin_orders.resend_receipt,
        lambda order: _("The receipt for order #%(pk)s is on its way to %(email)s.")
        % {"pk": pk, "email": order.customer.email},
    )


@require_POST
def reset_downloads(request, pk):
    """Give the buyer their download limit back (a failed or lost download, say)."""
    return _order_action(
        request,
        pk,
        admin_orders.reset_download_count,
        lambda used: _(
            "Order #%(pk)s: the %(used)s downloads used are reset; the buyer may download %(limit)s times again."
        )
        % {"pk": pk, "used": used, "limit": settings.DOWNLOAD_LIMIT_PER_ORDER},
    )


class DisputeInspectView(SnippetInspectView):
    """One dispute with the evidence we hold for it: who bought, when they paid, the
    payment id, and every download of the file (time, IP address, browser)."""

    template_name = "catalogue/admin/dispute_inspect.html"

    def get_object(self, queryset=None):
        dispute = Dispute.objects.select_related("order__customer", "order__product").filter(pk=self.pk).first()
        if dispute is None:
            raise Http404
        return dispute

    def get_fields_context(self):
        return []

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        order = self.object.order
        context.update(
            dispute=self.object,
            order=order,
            order_url=order_admin_url(order.pk),
            downloads=list(order.downloads.all()[:DOWNLOAD_LOG_ROWS]),
            download_total=order.downloads.count(),
            download_log_rows=DOWNLOAD_LOG_ROWS,
        )
        return context
