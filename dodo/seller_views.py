"""A seller refunding a buyer from their portal: ``POST /seller/orders/<pk>/refund/``.

It lives in ``dodo`` because it asks Dodo for the refund (``dodo.refunds.refund_order``,
the function editors' refunds use too); the order page it comes from and goes back to is
the seller portal's (``seller_portal:order_detail``). Two guards, as for every portal
object: ``IsSellerMixin`` on the view, and the order looked up among the seller's own
(``Order.objects.for_seller``), so another seller's order is a 404.

Two ways in:

- the refund form on the order page: everything left or an amount, and a reason. Bad
  input, or a refund Dodo or the rules refuse, shows the order page again with the
  message beside the form and what was typed kept;
- "Approve refund" on a buyer's refund-request ticket (``ticket`` in the POST): all that
  is left, the buyer's reason. The outcome is shown on the ticket.
"""

import logging

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views import View

from accounts.mixins import IsSellerMixin
from catalogue.formatting import format_money
from catalogue.models import Order, SupportTicket
from catalogue.refunds import REASON_MAX_LENGTH, RefundForm, order_page_context

from . import refunds

logger = logging.getLogger(__name__)

ORDER_TEMPLATE = "seller_portal/order_detail.html"


def seller_orders(user):
    """The seller's orders, with what the order page shows loaded."""
    return Order.objects.for_seller(user).select_related("product", "customer")


class SellerRefundView(IsSellerMixin, View):
    """Refund one of the seller's orders through Dodo, fully or partly, with a reason."""

    http_method_names = ["post"]

    def post(self, request, pk):
        order = get_object_or_404(seller_orders(request.user), pk=pk)
        ticket_id = request.POST.get("ticket", "")
        if ticket_id:
            return self.approve_request(order, ticket_id)
        form = RefundForm(request.POST, order=order)
        if form.is_valid():
            try:
                refund = refunds.refund_order(
                    order,
                    amount=form.cleaned_data["amount"],
                    reason=form.cleaned_data["reason"],
                    requested_by=request.user,
                )
            except refunds.RefundRefused as refused:
                form.add_error(None, refused.message)
            else:
                messages.success(request, self.done_message(order, refund))
                return redirect("seller_portal:order_detail", pk=order.pk)
        order.refresh_from_db()
        return TemplateResponse(request, ORDER_TEMPLATE, order_page_context(order, form))

    def approve_request(self, order, ticket_id):
        """The buyer's refund request approved from its ticket: all that is left, their reason."""
        if not ticket_id.isdigit():
            return redirect("seller_portal:order_detail", pk=order.pk)
        ticket = get_object_or_404(
            SupportTicket.objects.for_seller(self.request.user), pk=ticket_id, order=order, refund_requested=True
        )
        first = ticket.messages.order_by("created_at", "pk").first()
        reason = (first.body if first is not None else ticket.subject).strip()
        reason = " ".join(reason.split())[:REASON_MAX_LENGTH]
        try:
            refund = refunds.refund_order(order, amount=None, reason=reason, requested_by=self.request.user)
        except refunds.RefundRefused as refused:
            messages.error(self.request, refused.message)
        else:
            messages.success(self.request, self.done_message(order, refund))
        return redirect(reverse("seller_portal:support_detail", args=(ticket.pk,)))

    def done_message(self, order, refund):
        if refund is None:
            return _("Dodo made the refund. It shows on this order once Dodo confirms it, usually within minutes.")
        amount = format_money(refund.amount, refund.currency)
        if refund.is_partial:
            return _(
                "Refunded %(amount)s of order #%(pk)s. The buyer keeps the download; you and the buyer are emailed."
            ) % {"amount": amount, "pk": order.pk}
        return _(
            "Refunded %(amount)s: order #%(pk)s is fully refunded and its download has ended. "
            "You and the buyer are emailed."
        ) % {"amount": amount, "pk": order.pk}


refund = SellerRefundView.as_view()
