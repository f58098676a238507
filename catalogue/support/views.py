"""The support ticket pages, written once for both sides of the conversation.

Every view works for one ``role`` (a :class:`MessageRole`): the side the signed-in person
is on. The role decides

- whose tickets: every lookup starts from ``SupportTicket.objects.for_party(role, user)``,
  so another party's ticket, or its attachment, is a 404;
- the portal's URLs (``links.portal_url``) and the templates,
  ``catalogue/support/<role>_ticket_<page>.html``;
- the wording that differs between the sides.

The catalogue knows no portal: each portal subclasses these views with its role guard
(``IsCustomerMixin`` in ``accounts/portal_views.py``, ``IsSellerMixin`` in
``seller_portal/views.py``), which also sets the role, and routes them in its ``urls.py``.
Views parse input, call one function of ``services.py`` and pick the response.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import FormView, ListView
from django.views.generic.detail import SingleObjectMixin

from ..files import serve_private_file
from ..models import ProductPage
from ..refunds import refund_state
from . import services
from .forms import EscalateForm, ReplyForm, TicketFilterForm, TicketForm
from .links import portal_url, portal_url_name
from .models import MessageRole, SupportTicket, TicketMessage

TICKETS_PER_PAGE = 20

REPLY_SENT = {
    MessageRole.CUSTOMER: _("Your reply was sent to the seller."),
    MessageRole.SELLER: _("Your answer was sent to the customer."),
}


def _add_validation_error(form, error):
    """Put a model ``ValidationError`` on the form fields it names (or the form)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class TicketViewMixin:
    """The side a view serves (``role``), its owner filter, URLs and templates.

    ``role`` is set by the portal's subclass (or ``as_view(role=...)``); a view without
    one is a programming error, not a page.
    """

    #: ``MessageRole.CUSTOMER`` or ``MessageRole.SELLER``
    role = None
    #: ``<role>_ticket_<page>.html`` under ``catalogue/support/``
    page = None

    def get_queryset(self):
        return SupportTicket.objects.for_party(self.role, self.request.user)

    def get_template_names(self):
        return [f"catalogue/support/{self.role}_ticket_{self.page}.html"]

    def portal_url(self, name, **kwargs):
        return portal_url(self.role, name, **kwargs)

    def detail_url(self, ticket):
        return self.portal_url("support_detail", pk=ticket.pk)


class TicketListView(TicketViewMixin, ListView):
    """A party's tickets, latest activity first, with their status."""

    page = "list"
    context_object_name = "tickets"
    paginate_by = TICKETS_PER_PAGE

    def get_queryset(self):
        return super().get_queryset().order_by("-updated_at", "-pk")


class TicketInboxView(TicketListView):
    """The seller's inbox: tickets that need a reply first, then open, answered and closed
    ones, each group by latest activity; filterable by status and product."""

    role = MessageRole.SELLER

    def get_filter_form(self):
        if not hasattr(self, "_filter_form"):
            self._filter_form = TicketFilterForm(self.request.GET or None, seller=self.request.user)
            self._filter_form.is_valid()
        return self._filter_form

    def get_queryset(self):
        tickets = super().get_queryset().select_related("customer").in_inbox_order()
        # "Refund requested" (or "Refunded") beside a buyer's refund request.
        return services.with_refund_state(self.get_filter_form().filter(tickets))

    def get_context_data(self, **kwargs):
        form = self.get_filter_form()
        active = {key: value for key, value in getattr(form, "cleaned_data", {}).items() if value}
        params = {key: getattr(value, "pk", value) for key, value in active.items()}
        return super().get_context_data(
            filter_form=form,
            is_filtered=bool(active),
            querystring_base=(urlencode(params) + "&") if params else "",
            counts=services.seller_ticket_counts(self.request.user),
            **kwargs,
        )


class TicketCreateView(TicketViewMixin, FormView):
    """Ask a seller a question: from a product page (``?product=<id>``), or about a
    product the customer bought, chosen from a list. Only customers open tickets."""

    role = MessageRole.CUSTOMER
    page = "new"
    form_class = TicketForm

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
        bought = services.bought_products(self.request.user).values("pk")
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
                services.check_can_ask(request.user, self.product)
            except services.TicketNotAllowed as exc:
                # Their own product: explain instead of showing a form that cannot succeed.
                context = {"product": self.product, "not_allowed": exc.message}
                return render(request, self.get_template_names(), context)
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
            kwargs["products"] = services.bought_products(self.request.user).exclude(seller=self.request.user)
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(product=self.product, **kwargs)
        # Without a product from a product page, the customer picks one they bought.
        context["has_choices"] = self.product is not None or context["form"].fields["product"].queryset.exists()
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            ticket = services.open_ticket(
                self.request.user,
                data["product"],
                data["subject"],
                data["body"],
                attachment=data.get("attachment"),
            )
        except services.TicketNotAllowed as exc:
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


class TicketThreadView(TicketViewMixin, SingleObjectMixin, FormView):
    """A ticket's conversation, and the reply form under it (POST here to reply)."""

    page = "detail"
    form_class = ReplyForm
    context_object_name = "ticket"

    def get_queryset(self):
        # The product and its seller are shown; the thread's authors are loaded below.
        tickets = super().get_queryset().select_related("product__seller", "customer", "order")
        return services.with_refund_state(tickets)

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ticket = self.object
        escalate_form = kwargs.pop("escalate_form", None) or EscalateForm()
        return super().get_context_data(
            thread=list(ticket.messages.select_related("author")),
            # A buyer's refund request: whether the order can still be refunded (the
            # seller approves it from the ticket, see includes/refund_request.html).
            refund=refund_state(ticket.order) if ticket.refund_requested and ticket.order_id else None,
            viewer_role=self.role,
            list_url=self.portal_url("support"),
            close_url=self.portal_url("support_close", pk=ticket.pk),
            escalate_url=self.portal_url("support_escalate", pk=ticket.pk),
            escalate_form=escalate_form,
            attachment_url_name=portal_url_name(self.role, "support_attachment"),
            **kwargs,
        )

    def form_valid(self, form):
        ticket = self.object
        try:
            message = services.reply(
                ticket,
                self.request.user,
                self.role,
                form.cleaned_data["body"],
                attachment=form.cleaned_data.get("attachment"),
            )
        except services.TicketNotAllowed as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        except ValidationError as exc:
            _add_validation_error(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, REPLY_SENT[self.role])
        return redirect(f"{self.detail_url(ticket)}#message-{message.pk}")


class TicketEscalateView(TicketThreadView):
    """Ask the marketplace to step in (POST, once per ticket): the thread page again with
    the reason's error next to it, or back to the thread with the escalation noted."""

    http_method_names = ["post"]
    form_class = EscalateForm

    def get_context_data(self, **kwargs):
        # ``form`` stays the reply form of the page; the bound escalation form is passed
        # as ``escalate_form`` by form_invalid.
        kwargs.setdefault("form", ReplyForm())
        return super().get_context_data(**kwargs)

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(escalate_form=form))

    def form_valid(self, form):
        ticket = self.object
        try:
            services.escalate(ticket, self.request.user, self.role, form.cleaned_data["reason"])
        except services.TicketNotAllowed as exc:
            messages.error(self.request, exc.message)
        except ValidationError as exc:
            form.add_error("reason", exc.messages)
            return self.form_invalid(form)
        else:
            messages.success(self.request, _("The marketplace has been asked to step in. Its staff will write here."))
        return redirect(self.detail_url(ticket))


class TicketActionView(TicketViewMixin, SingleObjectMixin, View):
    """A POST-only status change (close, reopen) that goes back to the thread."""

    http_method_names = ["post"]
    done_message = None

    def post(self, request, *args, **kwargs):
        ticket = self.get_object()
        try:
            changed = self.act(ticket)
        except services.TicketNotAllowed as exc:
            messages.error(request, exc.message)
        else:
            if changed:
                messages.success(request, self.done_message)
        return redirect(self.detail_url(ticket))

    def act(self, ticket):  # pragma: no cover - subclasses
        raise NotImplementedError


class TicketCloseView(TicketActionView):
    """Either side may close a ticket."""

    done_message = _("The ticket is closed.")

    def act(self, ticket):
        return services.close(ticket, self.request.user)


class TicketReopenView(TicketActionView):
    """Reopen a closed ticket without writing (the seller's action: a customer reopens
    one by replying)."""

    done_message = _("The ticket is open again.")

    def act(self, ticket):
        return services.reopen(ticket, self.request.user)


class TicketAttachmentView(TicketViewMixin, View):
    """Serve a message's attachment to a party of the ticket, as a private download.

    Looked up through the owner-filtered tickets: a foreign ticket or message is a 404.
    Served like a product file (``catalogue.files.serve_private_file``).
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
        return serve_private_file(request, message.attachment, message.attachment_name or "attachment")
