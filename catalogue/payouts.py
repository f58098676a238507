"""Paying sellers: where a seller wants to be paid, and payouts recorded by editors.

Dodo pays every sale to the marketplace; the operator sends sellers their available
earnings by bank or PayPal and an editor records each payout here, which writes its
``payout`` row in the seller's ledger (``catalogue.ledger``) and emails the seller.

A seller's account reference (IBAN, account number, PayPal address) is stored only
encrypted with Fernet (``PAYOUT_DETAILS_KEY``; several keys rotate: the first encrypts,
any decrypts). Pages show its hint (``PayoutDetails.masked_reference``); only the
editors' bank export (:func:`payout_run_rows`) decrypts it.
"""

import logging
import re
from dataclasses import dataclass
from decimal import Decimal

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tasks import task

from . import ledger
from .formatting import format_money
from .models import LedgerEntry, Payout, PayoutDetails, PayoutMethod
from .money import fits_currency

logger = logging.getLogger(__name__)

# How many trailing characters of an account number the pages show.
HINT_LENGTH = 4


class PayoutRefused(Exception):
    """A payout cannot be recorded; ``message`` says why, fit to show the editor."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


# ENCRYPTION


def _fernet():
    keys = [key for key in settings.PAYOUT_DETAILS_KEY if key]
    if not keys:
        raise ImproperlyConfigured("Set PAYOUT_DETAILS_KEY to store sellers' payout details (catalogue.E020).")
    return MultiFernet([Fernet(key) for key in keys])


def encrypt_reference(reference):
    return _fernet().encrypt(reference.encode()).decode()


def decrypt_reference(token):
    """The account reference in clear, or ``""`` when no configured key opens it (a
    rotated-away key): the editor then asks the seller to enter it again."""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        logger.error("Payout details: a reference could not be decrypted with PAYOUT_DETAILS_KEY")
        return ""


def normalize_reference(method, reference):
    """An IBAN or account number without spaces, upper case; an email address trimmed."""
    reference = (reference or "").strip()
    if method == PayoutMethod.PAYPAL or "@" in reference:
        return reference
    return re.sub(r"[\s-]", "", reference).upper()


def reference_hint(reference):
    """The few characters pages may show: the end of an account number; for an email
    address its first two letters and its domain's (the end, ".com", says nothing)."""
    if "@" in reference:
        local, _at, domain = reference.partition("@")
        return f"{local[:2]}@{domain[:2]}"
    return reference[-HINT_LENGTH:]


def save_payout_details(seller, *, account_name, method, account_reference=""):
    """Create or change the seller's payout details. An empty ``account_reference``
    keeps the stored one (the form never shows it again); a new one is encrypted."""
    details = PayoutDetails.objects.filter(seller=seller).first() or PayoutDetails(seller=seller)
    details.account_name = account_name.strip()
    details.method = method
    if account_reference:
        reference = normalize_reference(method, account_reference)
        details.account_reference_encrypted = encrypt_reference(reference)
        details.account_hint = reference_hint(reference)
    elif not details.account_reference_encrypted:
        raise ValueError("A new payout details row needs an account reference.")
    details.save()
    logger.info("Seller #%s: payout details saved (%s)", seller.pk, method)
    return details


# PAYOUTS


def can_manage_payouts(user):
    """Who may see the payout run, record payouts and export the bank file (decrypted
    account references): superusers, or editors given "Can add payout" in Settings >
    Groups."""
    return bool(user.is_active and user.has_perm("catalogue.add_payout"))


def payout_candidates(now=None, minimum=None, currency=None):
    """Sellers whose available balance is at least ``minimum`` (``PAYOUT_MINIMUM``), most
    owed first, each with ``available`` and their ``payout_details``: one query."""
    minimum = settings.PAYOUT_MINIMUM if minimum is None else minimum
    available = LedgerEntry.objects.filter(seller=OuterRef("pk")).available_by_seller(now, currency).values("available")
    return (
        get_user_model()
        .objects.annotate(available=Subquery(available))
        .filter(available__gte=minimum, available__gt=0)
        .select_related("payout_details")
        .order_by("-available", "pk")
    )


def record_payout(seller, *, amount, paid_on, reference, note="", recorded_by=None, now=None, notify=True):
    """Record money sent to ``seller``: a :class:`Payout` and its ledger row, in one
    transaction, then (after commit) the seller's email. Answers the payout.

    The seller's user row is locked first, so two editors recording a payout for the
    same seller at once take turns: the second sees the first's row in the balance.
    Raises :class:`PayoutRefused` (not positive, more than available, too many decimals,
    a date in the future, or the same reference recorded for this seller already, as a
    double submission would). ``notify=False`` sends no email (demo data).
    """
    currency = settings.MARKETPLACE_CURRENCY
    reference = (reference or "").strip()
    if amount is None or amount <= 0:
        raise PayoutRefused(_("Enter an amount above zero."))
    if not fits_currency(amount, currency):
        raise PayoutRefused(_("%(currency)s amounts cannot have that many decimals.") % {"currency": currency})
    if paid_on > timezone.localdate():
        raise PayoutRefused(_("Enter the date the money was sent: it cannot be in the future."))
    if not reference:
        raise PayoutRefused(_("Enter the bank's or PayPal's reference for this transfer."))
    with transaction.atomic():
        get_user_model().objects.select_for_update().filter(pk=seller.pk).first()
        if Payout.objects.filter(seller=seller, reference=reference).exists():
            raise PayoutRefused(
                _("A payout with the reference “%(reference)s” is already recorded for this seller.")
                % {"reference": reference}
            )
        available = LedgerEntry.objects.for_seller(seller).summary(now, currency).available
        if amount > available:
            raise PayoutRefused(
                _("%(seller)s has %(available)s available: record at most that.")
                % {"seller": seller.get_full_name() or seller.email, "available": format_money(available, currency)}
            )
        payout = Payout.objects.create(
            seller=seller,
            amount=amount,
            currency=currency,
            paid_on=paid_on,
            reference=reference[:100],
            note=note or "",
            recorded_by=recorded_by,
        )
        ledger.record_payout(payout)
        payout_id = payout.pk
        if notify:
            transaction.on_commit(lambda: send_payout_notice.enqueue(payout_id))
    logger.info("Seller #%s: payout #%s of %s %s recorded", seller.pk, payout.pk, amount, currency)
    return payout


@dataclass(frozen=True)
class PayoutRunRow:
    """One line of the bank file."""

    seller: object
    account_name: str
    method: str
    account_reference: str
    amount: Decimal
    currency: str


def payout_run_rows(now=None):
    """The payout run for the bank: every candidate with their decrypted reference
    (empty when they gave no details). Only for editors who may manage payouts."""
    currency = settings.MARKETPLACE_CURRENCY
    rows = []
    for seller in payout_candidates(now):
        details = getattr(seller, "payout_details", None)
        rows.append(
            PayoutRunRow(
                seller=seller,
                account_name=details.account_name if details else "",
                method=details.get_method_display() if details else "",
                account_reference=decrypt_reference(details.account_reference_encrypted) if details else "",
                amount=seller.available,
                currency=currency,
            )
        )
    return rows


# EMAIL


@task(backend="db", takes_context=True)
def send_payout_notice(context, payout_id, attempt=1):
    """Tell the seller a payout was sent: how much, when, the reference, and what is
    left on their balance."""
    from .emails import send_email_from_task

    payout = Payout.objects.select_related("seller").filter(pk=payout_id).first()
    if payout is None:
        logger.warning("Payout #%s: email not sent, the payout no longer exists", payout_id)
        return False
    seller = payout.seller
    template_context = {
        "payout": payout,
        "user": seller,
        "balance": LedgerEntry.objects.for_seller(seller).summary(currency=payout.currency),
        "earnings_url": settings.SITE_URL + reverse("seller_portal:earnings"),
    }
    return send_email_from_task(
        context, "catalogue/emails/payout", template_context, [seller.email], about=f"Payout #{payout_id}"
    )
