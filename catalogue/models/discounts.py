"""Discount codes: a percentage off, made by a seller for their products or by an editor
for the whole marketplace. Dodo checks the code at checkout, so each code is mirrored
to Dodo's ``/discounts`` (the ``dodo`` app listens to saves and deletes)."""

import re
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Count, DecimalField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..ownership import SELLER, OwnedQuerySet
from .orders import Order, OrderStatus

# Dodo upper-cases codes, keeps at most 16 characters (its ``Discount.code``) and needs
# at least 3; letters, digits, "-" and "_" read the same in every font and URL.
CODE_MIN_LENGTH = 3
CODE_MAX_LENGTH = 16
CODE_PATTERN = re.compile(r"^[A-Z0-9_-]+$")
# An order whose payment used the code: a redemption, whatever happened to it later (Dodo
# counts a refunded payment's use too). The seller portal's SALE_STATUSES, by design.
REDEEMED_STATUSES = (OrderStatus.PAID, OrderStatus.REFUNDED, OrderStatus.CHARGEBACK)
MONEY = DecimalField(max_digits=14, decimal_places=3)


def normalize_code(raw):
    """A code as stored and compared: trimmed and upper-case (`` spring20 `` -> ``SPRING20``)."""
    return (raw or "").strip().upper()


def validate_code(code):
    """Raise ``ValidationError`` unless ``code`` (normalized) is a code Dodo accepts."""
    if not CODE_MIN_LENGTH <= len(code) <= CODE_MAX_LENGTH:
        raise ValidationError(
            _("A code has %(min)d to %(max)d characters."),
            code="code_length",
            params={"min": CODE_MIN_LENGTH, "max": CODE_MAX_LENGTH},
        )
    if not CODE_PATTERN.match(code):
        raise ValidationError(
            _("Use only letters, digits, “-” and “_” (no spaces), e.g. SPRING-20."), code="code_characters"
        )


class DiscountCodeQuerySet(OwnedQuerySet):
    OWNER_FIELDS = {SELLER: "seller"}

    def marketplace(self):
        """Codes made by editors for every seller's products."""
        return self.filter(seller__isnull=True)

    def with_usage(self):
        """Annotate ``uses`` (orders whose payment used the code) and ``revenue`` (their
        sales net of tax, less refunds, of orders still paid: the dashboard's rule).

        One grouped subquery per figure inside the same SQL statement, not a query per row.
        """
        redeemed = Order.objects.filter(discount_code=OuterRef("code"), status__in=REDEEMED_STATUSES).order_by()
        uses = redeemed.values("discount_code").annotate(n=Count("pk")).values("n")
        revenue = (
            redeemed.filter(status=OrderStatus.PAID)
            .values("discount_code")
            .annotate(
                total=Sum(
                    Coalesce(models.F("net_amount"), models.F("amount")) - models.F("refunded_amount"),
                    output_field=MONEY,
                )
            )
            .values("total")
        )
        return self.annotate(
            uses=Coalesce(Subquery(uses, output_field=models.IntegerField()), Value(0)),
            revenue=Coalesce(Subquery(revenue, output_field=MONEY), Value(Decimal("0")), output_field=MONEY),
        )


class DiscountCode(models.Model):
    """A code (kept upper-case, unique in the marketplace as Dodo requires) taking
    ``percent`` off. ``seller`` is None for a marketplace-wide code made by an editor.
    An empty ``products`` means every product of the seller (or of the marketplace).

    A code that was used keeps its text (orders record the code they used, and uses are
    counted by it) and cannot be deleted, only deactivated.
    """

    seller = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="discount_codes",
        verbose_name=_("seller"),
    )
    # Help texts live in the forms (seller portal, Wagtail admin), so the fields stay as
    # catalogue migration 0013 made them.
    code = models.CharField(_("code"), max_length=32, unique=True)
    percent = models.PositiveSmallIntegerField(
        _("percent off"), validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    usage_limit = models.PositiveIntegerField(_("usage limit"), null=True, blank=True)
    products = models.ManyToManyField(
        "catalogue.ProductPage", blank=True, related_name="discount_codes", verbose_name=_("products")
    )
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = DiscountCodeQuerySet.as_manager()

    class Meta:
        verbose_name = _("discount code")
        verbose_name_plural = _("discount codes")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(percent__gte=1, percent__lte=100), name="catalogue_discount_percent_range"
            )
        ]

    def __str__(self):
        return f"{self.code} ({self.percent}% off)"

    def save(self, *args, **kwargs):
        self.code = normalize_code(self.code)
        super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        self.code = normalize_code(self.code)
        if self.code:  # an empty one is the field's own "required" error
            try:
                validate_code(self.code)
            except ValidationError as error:
                raise ValidationError({"code": error}) from None
        if self.usage_limit is not None and self.usage_limit < 1:  # the field allows 0
            raise ValidationError({"usage_limit": _("A usage limit is at least 1; leave it empty for no limit.")})
        if self.pk is not None and self.has_been_used():
            stored = type(self).objects.filter(pk=self.pk).values_list("code", flat=True).first()
            if stored is not None and stored != self.code:
                raise ValidationError(
                    {"code": _("This code was used already, so it cannot be renamed. Make a new code instead.")}
                )

    @property
    def is_marketplace(self):
        return self.seller_id is None

    def is_expired(self, now=None):
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())

    def last_day(self):
        """The last local day the code works on (it expires at the end of it)."""
        if self.expires_at is None:
            return None
        return (timezone.localtime(self.expires_at) - timedelta(microseconds=1)).date()

    def redemptions(self):
        """The orders whose payment used this code."""
        return Order.objects.filter(discount_code=self.code, status__in=REDEEMED_STATUSES)

    def use_count(self):
        """How many purchases used the code (the ``uses`` annotation when present)."""
        uses = vars(self).get("uses")
        return uses if uses is not None else self.redemptions().count()

    def has_been_used(self):
        return self.redemptions().exists()

    def is_used_up(self):
        return self.usage_limit is not None and self.use_count() >= self.usage_limit

    def applies_to(self, product):
        """Whether the code may take money off ``product`` (a ``ProductPage``)."""
        if not self.is_marketplace and product.seller_id != self.seller_id:
            return False
        restricted = [page.pk for page in self.products.all()]
        return not restricted or product.pk in restricted

    def state(self, now=None):
        """``"active"``, ``"inactive"``, ``"expired"`` or ``"used_up"``: what buyers meet."""
        if not self.active:
            return "inactive"
        if self.is_expired(now):
            return "expired"
        if self.is_used_up():
            return "used_up"
        return "active"

    def state_label(self, now=None):
        return {
            "active": _("Active"),
            "inactive": _("Deactivated"),
            "expired": _("Expired"),
            "used_up": _("Used up"),
        }[self.state(now)]
