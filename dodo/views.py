"""The only views that talk to Dodo: Buy (start a checkout), the return page, the webhook,
and the buyer's invoice download."""

import logging

from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from accounts import guest
from accounts.mixins import IsCustomerMixin
from catalogue import orders
from catalogue.discounts import CODE_PARAMETER, DiscountRefused
from catalogue.models import Order, OrderStatus, ProductPage
from catalogue.orders import AmountRefused, PurchaseRefused
from catalogue.referrals import REFERRALS_SESSION_KEY

from . import fulfilment, webhooks
from .checkout import CheckoutUnavailable, order_id_from_guest_token, start_checkout
from .client import get_client
from .exceptions import DodoError
from .payloads import MalformedPayload

logger = logging.getLogger(__name__)


class CheckoutView(IsCustomerMixin, View):
    """POST /checkout/<product id>/ by a signed-in customer: send them to Dodo's payment
    page; a free product (or a pay-what-you-want one at 0) goes straight to their library
    instead. (A visitor who is not signed in buys with an email: ``GuestCheckoutView``.)"""

    http_method_names = ["post"]

    def post(self, request, product_id):
        product = get_object_or_404(ProductPage.objects.live().specific(), pk=product_id)
        referral = (request.session.get(REFERRALS_SESSION_KEY) or {}).get(str(product.pk), "")
        typed_amount = request.POST.get("amount", "")
        typed_code = request.POST.get(CODE_PARAMETER, "")[:40]
        try:
            amount = orders.chosen_amount(product, typed_amount) if product.pay_what_you_want else None
            if product.is_free or amount == 0:
                # Nothing to pay: the product goes to the library at once, without Dodo.
                order = orders.get_free(request.user, product, referral_code=referral)
                messages.success(request, _("“%(title)s” is in your library.") % {"title": order.product.title})
                return redirect("portal:products")
            checkout_url = start_checkout(
                request.user, product, referral_code=referral, amount=amount, discount_code=typed_code
            )
        except AmountRefused as refused:
            # Back to the buy box with the message and what they typed, to correct it.
            messages.error(request, refused.message)
            typed = {"amount": typed_amount[:40], CODE_PARAMETER: typed_code}
            return redirect(f"{product.url}?{urlencode({name: value for name, value in typed.items() if value})}")
        except DiscountRefused as refused:
            # Back to the buy box with the message and the code as typed, to correct it.
            messages.error(request, refused.message)
            return redirect(f"{product.url}?{urlencode({CODE_PARAMETER: typed_code})}")
        except PurchaseRefused as refused:
            if refused.order is not None:
                messages.info(request, refused.message)
                return redirect("portal:products")
            messages.error(request, refused.message)
            return redirect(product.url)
        except CheckoutUnavailable as unavailable:
            messages.error(request, unavailable.message)
            return redirect(product.url)
        # Dodo's hosted page, on Dodo's domain (or the emulator's, locally).
        return HttpResponseRedirect(checkout_url)


class GuestCheckoutView(View):
    """POST /checkout/<product id>/ with an ``email``, by a visitor who is not signed in:
    Dodo's payment page for a customer with that email. The order gets its account only
    when the payment succeeds, and the buyer gets in through the link emailed to the
    address (``accounts.guest``). Free products still need an account.

    Not CSRF-checked: the anonymous product page is cached for everyone, so it carries no
    token, and a forged POST could do nothing the forger could not do with their own
    browser (the request carries no session, account or payment of the visitor's).
    """

    http_method_names = ["post"]

    def post(self, request, product_id):
        product = get_object_or_404(ProductPage.objects.live().specific(), pk=product_id)
        referral = (request.session.get(REFERRALS_SESSION_KEY) or {}).get(str(product.pk), "")
        typed_email = request.POST.get("email", "")[:254]
        typed_amount = request.POST.get("amount", "")
        typed_code = request.POST.get(CODE_PARAMETER, "")[:40]
        typed = {"email": typed_email.strip(), "amount": typed_amount[:40], CODE_PARAMETER: typed_code}
        try:
            amount = orders.chosen_amount(product, typed_amount) if product.pay_what_you_want else None
            email = guest.clean_email(typed_email)
            if product.is_free or amount == 0:
                # Free products go to a library at once, with no payment to prove anything.
                messages.info(request, _("Sign in or create a free account to get it for free."))
                return redirect(f"{reverse('accounts:login')}?{urlencode({'next': product.url})}")
            guest.check_rate(request, email)
            checkout_url = start_checkout(
                None, product, referral_code=referral, amount=amount, discount_code=typed_code, guest_email=email
            )
        except guest.GuestEmailRefused:
            # Back to the buy box with what they typed; the field shows what is wrong.
            return _back_to_buy_box(product, {**typed, "email_error": "invalid" if typed["email"] else "missing"})
        except (AmountRefused, DiscountRefused, guest.GuestCheckoutRefused, CheckoutUnavailable) as refused:
            messages.error(request, refused.message)
            return _back_to_buy_box(product, typed)
        except PurchaseRefused as refused:
            messages.error(request, refused.message)
            return redirect(product.url)
        return HttpResponseRedirect(checkout_url)


def _back_to_buy_box(product, typed):
    return redirect(f"{product.url}?{urlencode({name: value for name, value in typed.items() if value})}")


@csrf_exempt  # the guest path carries no token (see GuestCheckoutView); the other is checked
@require_POST
def checkout(request, product_id):
    """A signed-in customer's checkout, or a visitor's with an email (a POST without
    one, e.g. from a page cached before the email field existed, asks to sign in)."""
    if not request.user.is_authenticated and "email" in request.POST:
        return guest_checkout(request, product_id=product_id)
    return customer_checkout(request, product_id=product_id)


class GuestCheckoutReturnView(TemplateView):
    """Where Dodo sends a visitor who bought with an email. The order is shown only with
    the signed token its return URL carries; the page never gives access to the
    download (that is the emailed link's job), only says where the link went."""

    template_name = "dodo/guest_checkout_return.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        order = get_object_or_404(Order.objects.select_related("product"), pk=self.kwargs["order_id"])
        _refresh_pending(order)
        user = self.request.user
        context["order"] = order
        context["email"] = order.guest_email
        context["processing"] = order.status == OrderStatus.PENDING and not order.needs_review
        # Someone already signed in as the buyer (the link used in this browser) may download.
        context["download_url"] = (
            reverse("portal:download", args=(order.pk,))
            if order.status == OrderStatus.PAID and user.is_authenticated and order.customer_id == user.pk
            else ""
        )
        return context


def _refresh_pending(order):
    """A return page's order still pending: ask Dodo now (the webhook may be late), then
    read the row again; Dodo unreachable leaves it as it is ("processing")."""
    if order.status == OrderStatus.PENDING:
        try:
            fulfilment.refresh_from_dodo(order)
        except (DodoError, fulfilment.UnmatchedPayment, MalformedPayload) as error:
            logger.info("Order #%s: return page could not ask Dodo: %s", order.pk, error)
        order.refresh_from_db()


def checkout_return(request):
    """The return page: a guest's (with its signed token) or a signed-in customer's."""
    order_id = request.GET.get("order", "")
    token = request.GET.get("guest", "")
    if token and order_id.isdigit() and order_id_from_guest_token(token) == int(order_id):
        return guest_checkout_return(request, order_id=int(order_id))
    return customer_checkout_return(request)


class CheckoutReturnView(IsCustomerMixin, TemplateView):
    """Where Dodo sends the customer back. The query string is never trusted: the order
    is looked up among the customer's own, and its state comes from our database (filled
    by the webhook), or from Dodo's API when the webhook has not arrived yet.
    """

    template_name = "dodo/checkout_return.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        order_id = self.request.GET.get("order", "")
        if not order_id.isdigit():
            raise Http404
        order = get_object_or_404(Order.objects.for_customer(self.request.user).select_related("product"), pk=order_id)
        _refresh_pending(order)
        context["order"] = order
        context["processing"] = order.status == OrderStatus.PENDING and not order.needs_review
        context["download_url"] = (
            reverse("portal:download", args=(order.pk,)) if order.status == OrderStatus.PAID else ""
        )
        return context


@csrf_exempt  # Dodo cannot send our CSRF token; the signature authenticates the request.
@require_POST
def webhook(request):
    """POST /dodo/webhook/: verified over the raw body, stored once, processed idempotently."""
    headers = {name.lower(): value for name, value in request.headers.items()}
    status, message = webhooks.receive(request.body, headers)
    return HttpResponse(message, status=status, content_type="text/plain")


class InvoiceView(IsCustomerMixin, View):
    """GET /account/orders/<pk>/invoice/: Dodo's invoice PDF of one of the buyer's paid
    orders, fetched from Dodo (the merchant of record issues it) and handed over as a
    download. Another customer's order, or one that never took a Dodo payment (pending,
    failed, free), is a 404; Dodo being unreachable gives a page that says so."""

    http_method_names = ["get"]

    def get(self, request, pk):
        order = get_object_or_404(
            Order.objects.for_customer(request.user).filter(paid_at__isnull=False).exclude(dodo_payment_id=None),
            pk=pk,
        )
        try:
            pdf = get_client().get_payment_invoice(order.dodo_payment_id)
        except DodoError as error:
            logger.warning("Order #%s: invoice not fetched from Dodo: %s", order.pk, error)
            pdf = b""
        if not pdf.startswith(b"%PDF"):
            return TemplateResponse(request, "dodo/invoice_unavailable.html", {"order": order}, status=503)
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="invoice-order-{order.pk}.pdf"'
        response["Cache-Control"] = "private, no-store"
        return response


# The dispatching ``checkout`` is CSRF-exempt for the guest path; a signed-in customer's
# POST is checked here, as the middleware would.
customer_checkout = csrf_protect(CheckoutView.as_view())
guest_checkout = GuestCheckoutView.as_view()
customer_checkout_return = CheckoutReturnView.as_view()
guest_checkout_return = GuestCheckoutReturnView.as_view()
invoice = InvoiceView.as_view()
