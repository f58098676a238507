"""Payouts to sellers, and where a seller wants to be paid.

Dodo pays every sale to the marketplace; the operator settles sellers itself. An editor
records each payout (the money already sent by bank or PayPal) as a :class:`Payout`,
which writes one ``payout`` row in the seller's ledger (``catalogue.ledger``).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..ownership import SELLER, OwnedQuerySet


class PayoutQuerySet(OwnedQuerySet):
    OWNER_FIELDS = {SELLER: "seller"}


class Payout(models.Model):
    """Money the marketplace sent a seller, recorded by an editor (never edited after)."""

    seller = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payouts", verbose_name=_("seller")
    )
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=3)
    currency = models.CharField(_("currency"), max_length=3)
    paid_on = models.DateField(_("paid on"))
    reference = models.CharField(_("reference"), max_length=100, help_text=_("The bank's or PayPal's reference."))
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    objects = PayoutQuerySet.as_manager()

    class Meta:
        verbose_name = _("payout")
        verbose_name_plural = _("payouts")
        ordering = ["-paid_on", "-pk"]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="catalogue_payout_positive")]
        indexes = [models.Index(fields=["seller", "-paid_on"], name="catalogue_payout_seller")]

    def __str__(self):
        return f"Payout #{self.pk}: {self.amount} {self.currency} on {self.paid_on}"


class PayoutMethod(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    PAYPAL = "paypal", _("PayPal")
    WISE = "wise", _("Wise")


class PayoutDetails(models.Model):
    """Where a seller is paid. The account reference (IBAN, account number, PayPal
    address) is kept only encrypted; pages show its last characters (``account_hint``)."""

    seller = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="payout_details", verbose_name=_("seller")
    )
    account_name = models.CharField(_("account holder"), max_length=200)
    method = models.CharField(_("method"), max_length=20, choices=PayoutMethod.choices)
    account_reference_encrypted = models.TextField(_("account reference (encrypted)"), editable=False)
    account_hint = models.CharField(_("account ends in"), max_length=8, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("payout details")
        verbose_name_plural = _("payout details")

    def __str__(self):
        return f"{self.get_method_display()} {self.masked_reference}"

    @property
    def masked_reference(self):
        """The reference as pages show it: ``•••• 1234``, or ``ma•••@ex•••`` for an email."""
        if "@" in self.account_hint:
            local, _at, domain = self.account_hint.partition("@")
            return f"{local}•••@{domain}•••"
        return f"•••• {self.account_hint}"
