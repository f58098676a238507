"""Open a shop (/account/open-shop/): a customer becomes a seller in one form.

They accept the terms for sellers; their account gets the seller role and the
acceptance is recorded in one transaction, then the seller portal opens. Someone who
already sells is sent straight to their portal.
"""

import logging

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db import transaction
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView

from catalogue import storefronts

from .forms import OpenShopForm
from .mixins import IsCustomerMixin
from .models import TermsAcceptance
from .terms import record_acceptance

logger = logging.getLogger(__name__)


@transaction.atomic
def open_shop(user, shop_name=""):
    """Make ``user`` a seller, recording their acceptance of the seller terms' current
    version, and name their storefront ``shop_name`` if given (else it shows their own
    name). Idempotent: an account that already sells is left as it is (``False``)."""
    # Locked, so a double submission makes one acceptance, not two.
    locked = get_user_model()._default_manager.select_for_update().get(pk=user.pk)
    if locked.is_seller:
        return False
    locked.is_seller = True
    locked.save(update_fields=["is_seller"])
    record_acceptance(locked, TermsAcceptance.Document.SELLER_TERMS)
    if shop_name:
        profile = storefronts.profile_for(locked)
        profile.shop_name = shop_name
        storefronts.save_profile(profile)
    user.is_seller = True
    logger.info("User #%s: opened a shop", user.pk)
    return True


class OpenShopView(IsCustomerMixin, FormView):
    """The one form: accept the seller terms (and name the shop), then the seller portal."""

    form_class = OpenShopForm
    template_name = "accounts/portal/open_shop.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.user.is_seller:
            return redirect("seller_portal:dashboard")
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        open_shop(self.request.user, shop_name=form.cleaned_data["shop_name"].strip())
        messages.success(
            self.request,
            _(
                "Welcome to your shop! List your first product to start selling; it goes live as soon as you publish it."
            ),
        )
        return redirect("seller_portal:dashboard")
