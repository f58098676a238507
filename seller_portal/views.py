"""Seller portal views under /seller/; every one is guarded by ``IsSellerMixin``."""

from django.views.generic import TemplateView

from accounts.mixins import IsSellerMixin


class DashboardView(IsSellerMixin, TemplateView):
    """The seller's home: how to get started, and (later) products and sales at a glance."""

    template_name = "seller_portal/dashboard.html"
