"""Wagtail admin pages for the marketplace's money (the "Money" menu, wired in
``wagtail_hooks.py``): the payout run, recording a payout, the bank file, and the
margin report.

One guard for all of them, :func:`catalogue.payouts.can_manage_payouts` ("Can add
payout", or a superuser), since the bank file decrypts sellers' account references.
Nothing here talks to Dodo; the work is done by ``catalogue.payouts``.
"""

import csv
import logging
from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, Q, Sum
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import TemplateView

from . import fees, payouts
from .formatting import format_money
from .models import LedgerEntry, LedgerKind, Payout, PayoutDetails, ProductPage
from .money import quantum, round_money

logger = logging.getLogger(__name__)

RECENT_PAYOUTS = 20
# The margin report's sample prices and window.
SAMPLE_PRICES = ["1", "2", "3", "5", "8", "10", "12", "15", "20", "30", "50"]
REPORT_DAYS = 30


class PayoutGuardMixin:
    def dispatch(self, request, *args, **kwargs):
        if not payouts.can_manage_payouts(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class PayoutRunView(PayoutGuardMixin, TemplateView):
    """Sellers owed at least ``PAYOUT_MINIMUM`` now (one query), with their masked
    details, a "Record payout" button each and the bank file; the latest payouts below."""

    template_name = "catalogue/admin/payout_run.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        candidates = list(payouts.payout_candidates())
        for seller in candidates:
            # Fetched with the list (select_related); a seller without details has none.
            seller.details = getattr(seller, "payout_details", None)
        context.update(
            candidates=candidates,
            total=sum((seller.available for seller in candidates), start=0),
            missing_details=sum(1 for seller in candidates if seller.details is None),
            minimum=settings.PAYOUT_MINIMUM,
            currency=settings.MARKETPLACE_CURRENCY,
            recent=list(Payout.objects.select_related("seller", "recorded_by")[:RECENT_PAYOUTS]),
        )
        return context


class RecordPayoutForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Amount"),
        min_value=0,
        max_digits=14,
        decimal_places=3,
        help_text=_("What was sent, at most what is available."),
    )
    paid_on = forms.DateField(label=_("Sent on"), widget=forms.DateInput(attrs={"type": "date"}))
    reference = forms.CharField(label=_("Reference"), max_length=100, help_text=_("The bank's or PayPal's reference."))
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class RecordPayoutView(PayoutGuardMixin, View):
    """Record money sent to one seller: checked and written by ``payouts.record_payout``
    (the seller locked, the amount against what is available at that moment)."""

    template_name = "catalogue/admin/payout_form.html"

    def get_seller(self, pk):
        return get_object_or_404(get_user_model().objects.filter(is_seller=True), pk=pk)

    def render(self, request, seller, form):
        balance = LedgerEntry.objects.for_seller(seller).summary()
        details = PayoutDetails.objects.filter(seller=seller).first()
        return render(
            request, self.template_name, {"seller": seller, "form": form, "balance": balance, "details": details}
        )

    def get(self, request, pk):
        seller = self.get_seller(pk)
        balance = LedgerEntry.objects.for_seller(seller).summary()
        amount = round_money(max(balance.available, 0), balance.currency)
        form = RecordPayoutForm(initial={"amount": amount, "paid_on": timezone.localdate()})
        return self.render(request, seller, form)

    def post(self, request, pk):
        seller = self.get_seller(pk)
        form = RecordPayoutForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                payout = payouts.record_payout(
                    seller,
                    amount=data["amount"],
                    paid_on=data["paid_on"],
                    reference=data["reference"],
                    note=data["note"],
                    recorded_by=request.user,
                )
            except payouts.PayoutRefused as refused:
                form.add_error(None, refused.message)
            else:
                messages.success(
                    request,
                    _("Payout of %(amount)s to %(seller)s recorded; they are emailed.")
                    % {
                        "amount": format_money(payout.amount, payout.currency),
                        "seller": seller.get_full_name() or seller.email,
                    },
                )
                return redirect("catalogue_payout_run")
        return self.render(request, seller, form)


def _cell(value):
    """Text for the bank's spreadsheet, never read as a formula."""
    value = str(value or "")
    return "'" + value if value.startswith(("=", "+", "-", "@", "\t", "\r")) else value


def export_payout_run(request):
    """The payout run as CSV for the bank: one line per seller owed at least the minimum,
    with the decrypted account reference (only here, only for this guard). Logged."""
    if not payouts.can_manage_payouts(request.user):
        raise PermissionDenied
    rows = payouts.payout_run_rows()
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="payout-run-{timezone.localdate().isoformat()}.csv"'
    response["Cache-Control"] = "private, no-store"
    writer = csv.writer(response)
    writer.writerow(["seller", "email", "account_holder", "method", "account_reference", "amount", "currency"])
    for row in rows:
        seller = row.seller
        writer.writerow(
            [
                _cell(seller.get_full_name()),
                _cell(seller.email),
                _cell(row.account_name),
                row.method,
                _cell(row.account_reference),
                format(row.amount.quantize(quantum(row.currency)), "f"),
                row.currency,
            ]
        )
    logger.info("Payout run exported by user #%s (%d sellers)", request.user.pk, len(rows))
    return response


class MarginReportView(PayoutGuardMixin, TemplateView):
    """For the configured fees: the break-even prices, a sale at sample prices, the last
    30 days' fees against Dodo's estimated fees, and the live products priced at a loss."""

    template_name = "catalogue/admin/margin_report.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        fee_rules = fees.rules()
        abroad = fee_rules.break_even(international=True)
        at_home = fee_rules.break_even(international=False)
        since = timezone.now() - timedelta(days=REPORT_DAYS)
        sales = LedgerEntry.objects.filter(created_at__gte=since, currency=fee_rules.currency).aggregate(
            sales=Count("pk", filter=Q(kind=LedgerKind.SALE)),
            fees=Sum("fee"),
            dodo=Sum("dodo_fee"),
            losing=Count("pk", filter=Q(kind=LedgerKind.SALE, fee__lt=F("dodo_fee"))),
        )
        fees_taken = sales["fees"] or 0
        dodo = sales["dodo"] or 0
        below = ProductPage.objects.live().filter(sort_price__gt=0, sort_price__lt=abroad).count() if abroad else None
        context.update(
            rules=fee_rules,
            percents={
                "fee": _percent(fee_rules.percent),
                "dodo": _percent(fee_rules.dodo_percent),
                "international": _percent(fee_rules.dodo_international_percent),
                "tax": _percent(fees.ASSUMED_TAX_PERCENT),
            },
            tax_percent=fees.ASSUMED_TAX_PERCENT,
            break_even_abroad=abroad,
            break_even_at_home=at_home,
            samples=[
                (fee_rules.margin(price), fee_rules.margin(price, international=False)) for price in SAMPLE_PRICES
            ],
            days=REPORT_DAYS,
            sales=sales["sales"],
            fees_taken=fees_taken,
            dodo_fees=dodo,
            margin=fees_taken - dodo,
            losing_sales=sales["losing"],
            products_below=below,
        )
        return context


def _percent(value):
    """``Decimal("1.50")`` -> ``"1.5"``, ``Decimal("10.0")`` -> ``"10"``."""
    return format(value.normalize(), "f")
