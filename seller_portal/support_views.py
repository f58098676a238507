"""/seller/support/: the support inbox, tickets about the signed-in seller's products.

Guarded by ``IsSellerMixin``; every lookup starts from
``SupportTicket.objects.for_seller(request.user)`` (tickets whose product the seller
sells), so another seller's ticket or attachment is a 404. The thread, close and
attachment views are shared with the customer portal (``accounts/support_views.py``).
"""

from django import forms
from django.db.models import Case, IntegerField, Value, When
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.generic import ListView

from accounts.mixins import IsSellerMixin
from accounts.support_views import (
    TICKETS_PER_PAGE,
    TicketActionView,
    TicketAttachmentView,
    TicketCloseView,
    TicketScopeMixin,
    TicketThreadView,
)
from catalogue import support
from catalogue.models import MessageRole, ProductPage, SupportTicket, TicketStatus
from catalogue.models.support import unanswered_q

UNANSWERED = "unanswered"


class SellerTicketsMixin(IsSellerMixin, TicketScopeMixin):
    """The seller's role guard and owner filter: tickets about the products they sell."""

    role = MessageRole.SELLER
    namespace = "seller_portal"

    def scoped_tickets(self):
        return SupportTicket.objects.for_seller(self.request.user)


class TicketFilterForm(forms.Form):
    """``?status=`` and ``?product=`` for the inbox; unknown values are ignored."""

    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All tickets")), (UNANSWERED, _("Needs a reply")), *TicketStatus.choices],
    )
    product = forms.ModelChoiceField(
        label=_("Product"), required=False, queryset=ProductPage.objects.none(), empty_label=_("All products")
    )

    def __init__(self, *args, seller, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the seller's products that have tickets: a short list, and a foreign id
        # is simply not a valid choice.
        self.fields["product"].queryset = (
            ProductPage.objects.filter(seller=seller, support_tickets__isnull=False).distinct().order_by("title")
        )


class SellerTicketListView(SellerTicketsMixin, ListView):
    """The inbox: tickets that need a reply first, then open, answered and closed ones,
    each group by latest activity; filterable by status and product."""

    template_name = "support/seller_ticket_list.html"
    context_object_name = "tickets"
    paginate_by = TICKETS_PER_PAGE

    def get_filter_form(self):
        if not hasattr(self, "_filter_form"):
            self._filter_form = TicketFilterForm(self.request.GET or None, seller=self.request.user)
            self._filter_form.is_valid()
        return self._filter_form

    def get_queryset(self):
        tickets = (
            super()
            .get_queryset()
            .select_related("customer")
            .annotate(
                rank=Case(
                    When(unanswered_q(), then=Value(0)),
                    When(status=TicketStatus.OPEN, then=Value(1)),
                    When(status=TicketStatus.ANSWERED, then=Value(2)),
                    default=Value(3),
                    output_field=IntegerField(),
                )
            )
            .order_by("rank", "-updated_at", "-pk")
        )
        filters = getattr(self.get_filter_form(), "cleaned_data", {})
        status = filters.get("status")
        if status == UNANSWERED:
            tickets = tickets.filter(unanswered_q())
        elif status:
            tickets = tickets.filter(status=status)
        if filters.get("product"):
            tickets = tickets.filter(product=filters["product"])
        return tickets

    def get_context_data(self, **kwargs):
        form = self.get_filter_form()
        active = {key: value for key, value in getattr(form, "cleaned_data", {}).items() if value}
        params = {key: getattr(value, "pk", value) for key, value in active.items()}
        return super().get_context_data(
            filter_form=form,
            is_filtered=bool(active),
            querystring_base=(urlencode(params) + "&") if params else "",
            counts=support.seller_ticket_counts(self.request.user),
            **kwargs,
        )


class SellerTicketDetailView(SellerTicketsMixin, TicketThreadView):
    template_name = "support/seller_ticket_detail.html"
    reply_sent_message = _("Your answer was sent to the customer.")


class SellerTicketCloseView(SellerTicketsMixin, TicketCloseView):
    pass


class SellerTicketReopenView(SellerTicketsMixin, TicketActionView):
    done_message = _("The ticket is open again.")

    def act(self, ticket):
        return support.reopen(ticket, self.request.user)


class SellerTicketAttachmentView(SellerTicketsMixin, TicketAttachmentView):
    pass
