"""The marketplace's page for one support ticket in Wagtail admin: the conversation,
a message from the marketplace to both sides, the refund of the ticket's order and
closing it. Routed in ``catalogue/wagtail_hooks.py`` (``register_admin_urls``, so only
people who may use the admin reach it); each view also needs the permission to change
support tickets. The work is in ``services.py``; the refund form posts to the dodo
app's refund view (by URL name) with ``next`` pointing back here.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from ..admin_views import can_manage_orders, order_admin_url
from ..refunds import refund_state
from . import services
from .forms import MessageFields
from .links import ADMIN_CONVERSATION, ADMIN_TICKET
from .models import SupportTicket


def can_answer_tickets(user):
    """Staff who may change support tickets (the editors' "Can change support ticket")."""
    return user.is_active and user.is_staff and user.has_perm("catalogue.change_supportticket")


def _ticket(request, pk):
    if not can_answer_tickets(request.user):
        raise PermissionDenied
    return get_object_or_404(SupportTicket.objects.select_related("customer", "product__seller", "order"), pk=pk)


class StaffMessageForm(MessageFields):
    """The marketplace's message: text only (attachments are for the two sides)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["attachment"]
        self.fields["body"].label = _("Message from the marketplace (the customer and the seller both see it)")


def conversation(request, pk):
    """GET: the ticket's page; POST: write to both sides as the marketplace."""
    ticket = _ticket(request, pk)
    form = StaffMessageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            message = services.staff_reply(ticket, request.user, form.cleaned_data["body"])
        except services.TicketNotAllowed as exc:
            messages.error(request, exc.message)
        except ValidationError as exc:
            form.add_error("body", exc.messages)
        else:
            messages.success(request, _("Your message was sent to the customer and the seller."))
            return redirect(f"{reverse(ADMIN_CONVERSATION, args=[ticket.pk])}#message-{message.pk}")
    order = ticket.order
    context = {
        "ticket": ticket,
        "thread": list(ticket.messages.select_related("author")),
        "form": form,
        "edit_url": reverse(ADMIN_TICKET, args=[ticket.pk]),
        "close_url": reverse("catalogue_ticket_close", args=[ticket.pk]),
        "here": reverse(ADMIN_CONVERSATION, args=[ticket.pk]),
        "order": order,
        "order_url": order_admin_url(order.pk) if order else None,
        # The refund form only for those who may refund orders (dodo checks again).
        "refund": refund_state(order) if order and can_manage_orders(request.user) else None,
        "refund_url": reverse("dodo_order_refund", args=[order.pk]) if order else None,
    }
    return TemplateResponse(request, "catalogue/support/admin/conversation.html", context)


@require_POST
def close(request, pk):
    """Close the ticket as the marketplace; both sides are emailed."""
    ticket = _ticket(request, pk)
    try:
        closed = services.staff_close(ticket, request.user)
    except services.TicketNotAllowed as exc:
        messages.error(request, exc.message)
    else:
        if closed:
            messages.success(request, _("Ticket closed. The customer and the seller are emailed."))
        else:
            messages.info(request, _("This ticket was already closed."))
    return redirect(ADMIN_CONVERSATION, pk=ticket.pk)
