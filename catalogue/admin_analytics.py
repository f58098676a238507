"""The editors' product analytics report in Wagtail admin (Reports > Product analytics):
the seller page's figures (``catalogue.analytics``) for the whole marketplace, per
product with its seller, for 7, 30 or 90 days, and the same rows as CSV.

Guard: editors who may see orders (:func:`can_view_sales_reports`: "Can view order" or
"Can change order", given in Settings > Groups, or a superuser). The figures are sales
figures of every seller, so an editor without access to orders does not see them.
"""

import csv

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.views import View
from django.views.generic import TemplateView
from wagtail.permissions import policy_registry

from . import analytics
from .models import Order, ProductPage
from .money import round_money

# Product rows on the page; the CSV has them all.
REPORT_ROWS = 200
# Spreadsheets run a cell that starts with these as a formula: text cells get a quote.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

CSV_HEADER = [
    "product_id",
    "product",
    "seller",
    "seller_email",
    "live",
    "first_day",
    "last_day",
    "views",
    "checkout_starts",
    "paid_orders",
    "conversion_percent",
    "revenue",
    "refunds",
    "refunded",
    "currency",
]


def can_view_sales_reports(user):
    """Whether ``user`` may see every seller's views and sales: whoever the Orders
    snippet's permission policy lets view or change orders."""
    policy = policy_registry.get_by_type(Order)
    return bool(user.is_active and policy.user_has_any_permission(user, ["view", "change"]))


class ReportGuardMixin:
    def dispatch(self, request, *args, **kwargs):
        if not can_view_sales_reports(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


def marketplace_report(request):
    """The report for the period ``?days=`` asks for: every product with views or sales."""
    analytics.flush_if_local()
    period = analytics.period_from_query(request.GET.get("days"))
    return analytics.report(ProductPage.objects.all(), Order.objects.all(), period, include_idle=False)


class AnalyticsReportView(ReportGuardMixin, TemplateView):
    template_name = "catalogue/admin/analytics_report.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        report = marketplace_report(self.request)
        context.update(
            report=report,
            rows=report.products[:REPORT_ROWS],
            more_rows=max(len(report.products) - REPORT_ROWS, 0),
            periods=analytics.PERIODS,
            currency=settings.MARKETPLACE_CURRENCY,
        )
        return context


def _text(value):
    value = str(value or "")
    return "'" + value if value.startswith(FORMULA_START) else value


def _amount(value, currency):
    """The amount as a plain decimal, to the currency's decimals when nothing is lost."""
    rounded = round_money(value, currency)
    return str(rounded if rounded == value else value)


def csv_row(row, period, currency):
    """One product's figures: text cells safe from formulas, money as plain decimals."""
    return [
        row.product_id,
        _text(row.title),
        _text(row.seller_name),
        _text(row.seller_email),
        "yes" if row.live else "no",
        period.first_day.isoformat(),
        period.last_day.isoformat(),
        row.views,
        row.checkout_starts,
        row.paid_orders,
        "" if row.conversion is None else str(row.conversion),
        _amount(row.revenue, currency),
        row.refunds,
        _amount(row.refunded, currency),
        currency,
    ]


class _Echo:
    """A file-like object whose ``write`` hands the line back, for streaming csv."""

    def write(self, value):
        return value


class AnalyticsExportView(ReportGuardMixin, View):
    """The report's product rows as CSV (all of them), streamed."""

    def get(self, request):
        report = marketplace_report(request)
        currency = settings.MARKETPLACE_CURRENCY
        writer = csv.writer(_Echo())

        def lines():
            yield writer.writerow(CSV_HEADER)
            for row in report.products:
                yield writer.writerow(csv_row(row, report.period, currency))

        response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
        period = report.period
        name = f"product-analytics-{period.first_day.isoformat()}-to-{period.last_day.isoformat()}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        response["Cache-Control"] = "private, no-store"
        return response
