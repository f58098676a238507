"""The only views that talk to Dodo: Buy (start a checkout), the return page, the webhook."""

import logging

from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from accounts.mixins import IsCustomerMixin
from catalogue import orders
from catalogue.discounts import CODE_PARAMETER, DiscountRefused
from catalogue.models import Order, OrderStatus, ProductPage
from catalogue.orders import AmountRefused, PurchaseRefused
from catalogue.referrals import REFERRALS_SESSION_KEY

from . import fulfilment, webhooks
from .checkout import CheckoutUnavailable, start_checkout
from .exceptions import DodoError
from .payloads import MalformedPayload

logger = logging.getLogger(__name__)



class CheckoutView(IsCustomerMixin, View):
    """POST /checkout/<product id>/: send the customer to Dodo's payment page; a free
    product (or a pay-what-you-want one at 0) goes straight to their library instead."""

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
        if order.status == OrderStatus.PENDING:
            try:
                fulfilment.refresh_from_dodo(order)
            except (DodoError, fulfilment.UnmatchedPayment, MalformedPayload) as error:
                logger.info("Order #%s: return page could not ask Dodo: %s", order.pk, error)
            order.refresh_from_db()
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


checkout = CheckoutView.as_view()
checkout_return = CheckoutReturnView.as_view()
