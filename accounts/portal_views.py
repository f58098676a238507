"""The customer portal under /account/. Every view here starts with ``IsCustomerMixin``.

Support tickets: the pages are written once for both portals in
``catalogue/support/views.py``; the customer's side is the thin subclasses at the end.
"""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse_lazy
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView, TemplateView, UpdateView

from catalogue.models import MessageRole, Order
from catalogue.refunds import RefundRequestForm, refund_state
from catalogue.support import views as tickets
from catalogue.support.services import TicketNotAllowed, check_can_request_refund, refund_request_of, request_refund

from . import services
from .exceptions import EmailAddressTaken
from .forms import EmailChangeForm, ProfileForm
from .mixins import IsCustomerMixin


class PortalHomeView(IsCustomerMixin, TemplateView):
    """Overview: a greeting and the ways into purchases, orders and support."""

    template_name = "accounts/portal/home.html"


class ProfileView(IsCustomerMixin, UpdateView):
    """Edit one's own name; the email and password have their own, confirmed flows."""

    form_class = ProfileForm
    template_name = "accounts/portal/profile.html"
    success_url = reverse_lazy("portal:profile")

    def get_object(self, queryset=None):
        # Always the signed-in user: there is no id in the URL to tamper with. A fresh
        # copy, so a rejected edit does not show up in the header while it is corrected.
        return get_user_model()._default_manager.get(pk=self.request.user.pk)

    def form_valid(self, form):
        messages.success(self.request, _("Your profile has been saved."))
        return super().form_valid(form)


class EmailChangeView(IsCustomerMixin, FormView):
    """Ask to move the account to a new address; a link sent there confirms it."""

    form_class = EmailChangeForm
    template_name = "accounts/portal/email_change.html"
    success_url = reverse_lazy("portal:profile")

    def get_form_kwargs(self):
        return {"user": self.request.user, **super().get_form_kwargs()}

    def form_valid(self, form):
        new_email = form.cleaned_data["new_email"]
        try:
            services.request_email_change(self.request.user, new_email)
        except EmailAddressTaken as exc:
            form.add_error("new_email", exc.message)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _(
                "We've sent a confirmation link to %(email)s. Your address changes once you follow it; "
                "until then you keep signing in with %(current)s."
            )
            % {"email": new_email, "current": self.request.user.email},
        )
        return super().form_valid(form)


# REFUND REQUESTS (/account/orders/<pk>/refund/)


class RefundRequestView(IsCustomerMixin, FormView):
    """Ask the seller for a refund of one of the customer's orders: a support ticket
    marked as a refund request, the reason as its first message. While the order cannot
    be refunded, or was asked about already, the page says why instead."""

    form_class = RefundRequestForm
    template_name = "accounts/portal/refund_request.html"

    @cached_property
    def order(self):
        # Looked up after the role guard ran: another customer's order is a 404.
        orders = Order.objects.for_customer(self.request.user).select_related("product__seller")
        return get_object_or_404(orders, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        try:
            check_can_request_refund(self.request.user, self.order)
            not_allowed = ""
        except TicketNotAllowed as exc:
            not_allowed = exc.message
        return super().get_context_data(
            order=self.order,
            refund=refund_state(self.order),
            not_allowed=not_allowed,
            existing=refund_request_of(self.order),
            **kwargs,
        )

    def form_valid(self, form):
        try:
            ticket = request_refund(self.request.user, self.order, form.cleaned_data["reason"])
        except TicketNotAllowed as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        except ValidationError as exc:
            form.add_error("reason", exc.messages)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Your refund request is with %(seller)s. We'll email you when they answer.")
            % {"seller": self.order.product.seller.display_name},
        )
        return redirect("portal:support_detail", pk=ticket.pk)


# SUPPORT TICKETS (/account/support/)


class CustomerTicketsMixin(IsCustomerMixin):
    """The customer's side of a ticket page: the role guard, and the role, which scopes
    every lookup to the tickets they opened."""

    role = MessageRole.CUSTOMER


class TicketListView(CustomerTicketsMixin, tickets.TicketListView):
    pass


class TicketCreateView(CustomerTicketsMixin, tickets.TicketCreateView):
    pass


class TicketDetailView(CustomerTicketsMixin, tickets.TicketThreadView):
    pass


class TicketCloseView(CustomerTicketsMixin, tickets.TicketCloseView):
    pass


class TicketEscalateView(CustomerTicketsMixin, tickets.TicketEscalateView):
    pass


class TicketAttachmentView(CustomerTicketsMixin, tickets.TicketAttachmentView):
    pass
