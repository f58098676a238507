"""``/seller/analytics/``: which of the seller's products are viewed, bought and refunded.

Views and checkout starts come from the daily rows the worker fills from the cache
(``catalogue.analytics``); paid orders, revenue and refunds from the seller's order rows,
by the dashboard's revenue rule (``seller_portal.stats``). A period of 7, 30 or 90 local
days (``?days=``), optionally one product (``?product=<id>``: one of the seller's own, or
404). The same handful of queries whatever the number of products, days or orders.
"""

from django.db.models.functions import Lower
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.views.generic import TemplateView

from accounts.mixins import IsSellerMixin
from catalogue import analytics
from catalogue.models import Order, ProductPage, TrafficKind

from .models import ShortLink


class AnalyticsView(IsSellerMixin, TemplateView):
    template_name = "seller_portal/analytics.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        period = analytics.period_from_query(self.request.GET.get("days"))
        products = ProductPage.objects.for_seller(user)
        product = None
        raw_product = self.request.GET.get("product", "")
        if raw_product:
            try:
                product_id = analytics.parse_product_id(raw_product)
            except analytics.InvalidBeacon:
                raise Http404("No such product") from None
            product = get_object_or_404(products.only("pk", "title"), pk=product_id)
            products = products.filter(pk=product.pk)
        # With the process-local counters of development nobody else can flush them.
        analytics.flush_if_local()
        # Top short links: the seller's own links only (a forged code in a beacon is not
        # shown), compared in lower case as the short-link redirect reports them.
        codes = ShortLink.objects.for_seller(user).annotate(code_lower=Lower("code")).values("code_lower")
        report = analytics.report(products, Order.objects.for_seller(user), period, short_link_codes=codes)
        context.update(
            report=report,
            product=product,
            periods=analytics.PERIODS,
            kind_labels=dict(TrafficKind.choices),
        )
        return context
