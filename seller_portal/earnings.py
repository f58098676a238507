"""The seller's money under /seller/earnings/: balance by state, the next payout, every
ledger entry (paginated, and as a streamed CSV), the payouts, and where to be paid.

Every figure is a sum of the seller's own ledger rows (``LedgerEntry.objects.for_seller``,
balances in ``LedgerEntryQuerySet``), so another seller's rows can never show. The page
costs the same few queries however many entries the seller has.
"""

import csv
import re
from decimal import Decimal

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.validators import EmailValidator
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import ListView

from accounts.mixins import IsSellerMixin
from catalogue import payouts
from catalogue.models import LedgerEntry, Payout, PayoutDetails, PayoutMethod
from catalogue.money import round_money

ENTRIES_PER_PAGE = 25
RECENT_PAYOUTS = 10
# Rows fetched per query while the CSV streams.
CSV_CHUNK = 2000


def seller_entries(seller):
    """The seller's ledger rows, newest first, with what each one names."""
    return (
        LedgerEntry.objects.for_seller(seller).select_related("order__product", "payout").order_by("-created_at", "-pk")
    )


def next_payout(seller, balance, now=None):
    """What the seller can expect next: ``{"ready", "amount", "minimum", "short",
    "next_day", "next_amount"}``. Ready when the available balance reaches
    ``PAYOUT_MINIMUM``; otherwise what is missing, and when pending money comes free."""
    minimum = settings.PAYOUT_MINIMUM
    upcoming = LedgerEntry.objects.for_seller(seller).next_available(now, balance.currency)
    return {
        "ready": balance.available >= minimum and balance.available > 0,
        "amount": max(balance.available, Decimal("0")),
        "minimum": minimum,
        "short": max(minimum - balance.available, Decimal("0")),
        "next_day": upcoming[0] if upcoming else None,
        "next_amount": upcoming[1] if upcoming else None,
    }


class EarningsView(IsSellerMixin, ListView):
    """Balance by state, the next payout, every entry and the latest payouts."""

    template_name = "seller_portal/earnings.html"
    context_object_name = "entries"
    paginate_by = ENTRIES_PER_PAGE

    def get_queryset(self):
        return seller_entries(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        seller = self.request.user
        now = timezone.now()
        balance = LedgerEntry.objects.for_seller(seller).summary(now)
        for entry in context["entries"]:
            # As the seller reads them: the fee comes off the sale (a refund gives it back),
            # a release or loss ends a hold of that much.
            entry.fee_change = -entry.fee
            entry.held_released = -entry.held
        context.update(
            now=now,
            balance=balance,
            next_payout=next_payout(seller, balance, now),
            details=PayoutDetails.objects.filter(seller=seller).first(),
            payouts=list(Payout.objects.for_seller(seller).order_by("-paid_on", "-pk")[:RECENT_PAYOUTS]),
            hold_days=settings.EARNINGS_HOLD_DAYS,
            fee_percent=settings.MARKETPLACE_FEE_PERCENT,
            fee_minimum=settings.MARKETPLACE_FEE_MINIMUM,
        )
        return context


class _Echo:
    """A file-like object whose ``write`` hands the line back, for streaming csv."""

    def write(self, value):
        return value


# Spreadsheets run a cell that starts with these as a formula: text cells get a quote.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _text(value):
    value = str(value or "")
    return "'" + value if value.startswith(FORMULA_START) else value


def _amount(value, currency):
    """The stored amount, exactly: to the currency's decimals when nothing is lost."""
    if value is None:
        return ""
    rounded = round_money(value, currency)
    return str(rounded if rounded == value else value)


CSV_HEADER = [
    "date",
    "kind",
    "order",
    "product",
    "reference",
    "currency",
    "sale_net_of_tax",
    "marketplace_fee",
    "earnings",
    "held",
    "available_from",
]


def entry_csv_row(entry):
    currency = entry.currency
    return [
        entry.created_at.isoformat(),
        entry.get_kind_display(),
        entry.order_id or "",
        _text(entry.order.product.title if entry.order_id else ""),
        _text(entry.payout.reference if entry.payout_id else entry.reference),
        currency,
        _amount(entry.gross, currency),
        _amount(entry.fee, currency),
        _amount(entry.earnings, currency),
        _amount(entry.held, currency),
        entry.available_at.isoformat() if entry.available_at else "",
    ]


class EarningsExportView(IsSellerMixin, View):
    """Every ledger entry of the seller as CSV, streamed (any number of rows, little
    memory), newest first. Amounts are the stored decimals, never floats."""

    def get(self, request):
        writer = csv.writer(_Echo())

        def lines():
            yield writer.writerow(CSV_HEADER)
            for entry in seller_entries(request.user).iterator(chunk_size=CSV_CHUNK):
                yield writer.writerow(entry_csv_row(entry))

        response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
        stamp = timezone.localdate().isoformat()
        response["Content-Disposition"] = f'attachment; filename="earnings-{stamp}.csv"'
        response["Cache-Control"] = "private, no-store"
        return response


# PAYOUT DETAILS

IBAN = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$")
ACCOUNT_NUMBER = re.compile(r"^[A-Z0-9]{6,34}$")


def iban_is_valid(iban):
    """The ISO 13616 check: moved four characters, letters as numbers, mod 97 is 1."""
    moved = iban[4:] + iban[:4]
    digits = "".join(str(int(char, 36)) for char in moved)
    return int(digits) % 97 == 1


class PayoutDetailsForm(forms.Form):
    """Where the seller is paid. The account reference is never shown again once saved:
    leave it empty to keep the stored one."""

    account_name = forms.CharField(
        label=_("Account holder"),
        max_length=200,
        help_text=_("The name on the bank or PayPal account, as the bank expects it."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    method = forms.ChoiceField(label=_("Paid by"), choices=PayoutMethod.choices, widget=forms.RadioSelect)
    account_reference = forms.CharField(
        label=_("Account"),
        max_length=100,
        required=False,
        help_text=_("Bank transfer: your IBAN or account number. PayPal: your PayPal email address. Wise: either."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "off"}),
    )

    def __init__(self, *args, details=None, **kwargs):
        self.details = details
        if details is not None:
            kwargs.setdefault("initial", {"account_name": details.account_name, "method": details.method})
        super().__init__(*args, **kwargs)
        if details is not None:
            self.fields["account_reference"].help_text = _(
                "Saved: %(masked)s. Leave empty to keep it, or enter a new one to replace it."
            ) % {"masked": details.masked_reference}

    def clean_account_name(self):
        return " ".join(self.cleaned_data["account_name"].split())

    def clean(self):
        cleaned = super().clean()
        method = cleaned.get("method")
        reference = (cleaned.get("account_reference") or "").strip()
        if not method:
            return cleaned
        if not reference:
            if self.details is None:
                self.add_error("account_reference", _("Enter where we should send your money."))
            elif self.details.method != method:
                self.add_error("account_reference", _("You changed how you are paid: enter the new account."))
            return cleaned
        is_email = "@" in reference
        if method == PayoutMethod.PAYPAL and not is_email:
            self.add_error("account_reference", _("For PayPal, enter the email address of your PayPal account."))
        elif is_email:
            if method == PayoutMethod.BANK_TRANSFER:
                self.add_error("account_reference", _("For a bank transfer, enter your IBAN or account number."))
            else:
                try:
                    EmailValidator()(reference)
                except forms.ValidationError:
                    self.add_error("account_reference", _("Enter a valid email address, e.g. name@example.com."))
        else:
            number = payouts.normalize_reference(method, reference)
            if IBAN.match(number):
                if not iban_is_valid(number):
                    self.add_error(
                        "account_reference", _("This IBAN's check digits do not match: please check it for typos.")
                    )
            elif not ACCOUNT_NUMBER.match(number):
                self.add_error(
                    "account_reference", _("Enter an IBAN or an account number: 6 to 34 letters and digits.")
                )
        cleaned["account_reference"] = reference
        return cleaned


class PayoutDetailsView(IsSellerMixin, View):
    """The seller's own payout details (no id in the URL: always the signed-in seller's)."""

    template_name = "seller_portal/earnings_payout_details.html"

    def get_details(self):
        return PayoutDetails.objects.filter(seller=self.request.user).first()

    def get(self, request):
        details = self.get_details()
        return render(request, self.template_name, {"form": PayoutDetailsForm(details=details), "details": details})

    def post(self, request):
        details = self.get_details()
        form = PayoutDetailsForm(request.POST, details=details)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form, "details": details})
        saved = payouts.save_payout_details(
            request.user,
            account_name=form.cleaned_data["account_name"],
            method=form.cleaned_data["method"],
            account_reference=form.cleaned_data["account_reference"],
        )
        messages.success(
            request,
            _("Your payout details are saved: %(method)s %(masked)s.")
            % {"method": saved.get_method_display(), "masked": saved.masked_reference},
        )
        return redirect("seller_portal:earnings")
