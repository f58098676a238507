"""/account/support/: the customer's support tickets (guarded by ``IsCustomerMixin``).

Every ticket is looked up through ``SupportTicket.objects.for_customer(request.user)``,
so another customer's ticket, or its attachment, is a 404. The thread, close and
attachment views are written once here and reused by the seller portal
(``seller_portal/support_views.py``) with the seller's owner filter and role.
"""

import logging

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import FormView, ListView
from django.views.generic.detail import SingleObjectMixin

from catalogue import support
from catalogue.models import MessageRole, ProductPage, SupportTicket, TicketMessage
from catalogue.storage import get_private_storage

from .mixins import IsCustomerMixin
from .support_forms import ReplyForm, TicketForm

logger = logging.getLogger(__name__)

TICKETS_PER_PAGE = 20


def _add_validation_error(form, error):
    """Put a model ``ValidationError`` on the form fields it names (or the form)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


# SHARED BY BOTH PORTALS


class TicketScopeMixin:
    """Whose tickets a view shows (``scoped_tickets``, the owner filter) and as which side.

    Each portal's mixin defines ``scoped_tickets()``; every lookup starts from it.
    """

    #: ``MessageRole.CUSTOMER`` or ``MessageRole.SELLER``
    role = None
    #: The URL namespace of the portal (``portal`` / ``seller_portal``)
    namespace = None

    def scoped_tickets(self):
        raise NotImplementedError("A portal's mixin defines its owner filter")

    def get_queryset(self):
        return self.scoped_tickets()

    def detail_url(self, ticket):
        return reverse(f"{self.namespace}:support_detail", kwargs={"pk": ticket.pk})


class TicketThreadView(TicketScopeMixin, SingleObjectMixin, FormView):
    """A ticket's conversation, and the reply form under it (POST here to reply)."""

    form_class = ReplyForm
    context_object_name = "ticket"

    def get_queryset(self):
        # The product and its seller are shown; the thread's authors are prefetched below.
        return super().get_queryset().select_related("product__seller", "customer", "order")

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ticket = self.object
        return super().get_context_data(
            thread=list(ticket.messages.select_related("author")),
            viewer_role=self.role,
            list_url=reverse(f"{self.namespace}:support"),
            close_url=reverse(f"{self.namespace}:support_close", kwargs={"pk": ticket.pk}),
            attachment_url_name=f"{self.namespace}:support_attachment",
            **kwargs,
        )

    def form_valid(self, form):
        ticket = self.object
        try:
            message = support.reply(
                ticket,
                self.request.user,
                self.role,
                form.cleaned_data["body"],
                attachment=form.cleaned_data.get("attachment"),
            )
        except support.TicketNotAllowed as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        except ValidationError as exc:
            _add_validation_error(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, self.reply_sent_message)
        return redirect(f"{self.detail_url(ticket)}#message-{message.pk}")


class TicketActionView(TicketScopeMixin, SingleObjectMixin, View):
    """A POST-only status change (close, reopen) that goes back to the thread."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        ticket = self.get_object()
        try:
            changed = self.act(ticket)
        except support.TicketNotAllowed as exc:
            messages.error(request, exc.message)
        else:
            if changed:
                messages.success(request, self.done_message)
        return redirect(self.detail_url(ticket))

    def act(self, ticket):  # pragma: no cover - subclasses
        raise NotImplementedError


class TicketCloseView(TicketActionView):
    done_message = _("The ticket is closed.")

    def act(self, ticket):
        return support.close(ticket, self.request.user)


class TicketAttachmentView(TicketScopeMixin, View):
    """Serve a message's attachment to a party of the ticket, as a download.

    Looked up through the owner-filtered tickets: a foreign ticket or message is a 404.
    Always ``attachment`` with ``nosniff``, so an uploaded file never renders as a page
    of this site, and ``private, no-store`` so no shared cache keeps a copy.
    """

    http_method_names = ["get", "head"]

    def get(self, request, pk, message_pk):
        message = get_object_or_404(
            TicketMessage.objects.select_related("ticket"),
            pk=message_pk,
            ticket_id=pk,
            ticket__in=self.get_queryset(),
        )
        if not message.attachment:
            raise Http404("This message has no attachment")
        try:
            handle = get_private_storage().open(message.attachment.name, "rb")
        except FileNotFoundError as exc:
            logger.error("Ticket #%s: attachment of message #%s is missing from storage", pk, message.pk)
            raise Http404("The attachment is missing") from exc
        response = FileResponse(handle, as_attachment=True, filename=message.attachment_name or "attachment")
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response


# CUSTOMER PORTAL


class CustomerTicketsMixin(IsCustomerMixin, TicketScopeMixin):
    """The customer's role guard and owner filter: only tickets they opened."""

    role = MessageRole.CUSTOMER
    namespace = "portal"

    def scoped_tickets(self):
        return SupportTicket.objects.for_customer(self.request.user)


class TicketListView(CustomerTicketsMixin, ListView):
    """The customer's tickets, latest activity first, with their status."""

    template_name = "support/customer_ticket_list.html"
    context_object_name = "tickets"
    paginate_by = TICKETS_PER_PAGE

    def get_queryset(self):
        return super().get_queryset().order_by("-updated_at", "-pk")


class TicketCreateView(CustomerTicketsMixin, FormView):
    """Ask a seller a question: from a product page (``?product=<id>``), or about a
    product the customer bought, chosen from a list."""

    form_class = TicketForm
    template_name = "support/customer_ticket_new.html"

    def dispatch(self, request, *args, **kwargs):
        self.product = None
        return super().dispatch(request, *args, **kwargs)

    def _fixed_product(self):
        """The product named by ``?product=`` (or the POSTed one, coming from a product page)."""
        raw = self.request.POST.get("product") if self.request.method == "POST" else self.request.GET.get("product")
        if not raw or (self.request.method == "POST" and not self.request.POST.get("fixed")):
            return None
        try:
            product_id = int(raw)
        except (TypeError, ValueError) as exc:
            raise Http404("No such product") from exc
        user = self.request.user
        bought = support.bought_products(user).values("pk")
        product = (
            ProductPage.objects.filter(Q(live=True) | Q(pk__in=bought))
            .select_related("seller")
            .filter(pk=product_id)
            .first()
        )
        if product is None:
            raise Http404("No such product")
        return product

    def get(self, request, *args, **kwargs):
        self.product = self._fixed_product()
        if self.product is not None:
            try:
                support.check_can_ask(request.user, self.product)
            except support.TicketNotAllowed as exc:
                # Their own product: explain instead of showing a form that cannot succeed.
                return render(request, self.template_name, {"product": self.product, "not_allowed": exc.message})
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.product = self._fixed_product()
        return super().post(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if self.product is not None:
            kwargs["products"] = ProductPage.objects.filter(pk=self.product.pk)
            kwargs["fixed"] = True
            kwargs.setdefault("initial", {})["product"] = self.product.pk
        else:
            kwargs["products"] = support.bought_products(self.request.user).exclude(seller=self.request.user)
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(product=self.product, **kwargs)
        # Without a product from a product page, the customer picks one they bought.
        context["has_choices"] = self.product is not None or context["form"].fields["product"].queryset.exists()
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            ticket = support.open_ticket(
                self.request.user,
                data["product"],
                data["subject"],
                data["body"],
                attachment=data.get("attachment"),
            )
        except support.TicketNotAllowed as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        except ValidationError as exc:
            _add_validation_error(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Your question is on its way to %(seller)s. We'll email you when they answer.")
            % {"seller": ticket.product.seller.display_name},
        )
        return redirect(self.detail_url(ticket))


class TicketDetailView(CustomerTicketsMixin, TicketThreadView):
    template_name = "support/customer_ticket_detail.html"
    reply_sent_message = _("Your reply was sent to the seller.")


class CustomerTicketCloseView(CustomerTicketsMixin, TicketCloseView):
    pass


class CustomerTicketAttachmentView(CustomerTicketsMixin, TicketAttachmentView):
    pass
