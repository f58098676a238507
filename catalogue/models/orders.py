"""Orders: one customer buying one product, and the downloads a paid order grants."""

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class OrderStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting payment")
    PAID = "paid", _("Paid")
    FAILED = "failed", _("Payment failed")
    CANCELLED = "cancelled", _("Cancelled")
    REFUNDED = "refunded", _("Refunded")


# Which status may follow which; nothing ever goes back to pending.
# - A success is authoritative (money was taken), so it can settle an attempt that first
#   reported failed or cancelled, but a late failure never undoes a payment.
# - A refund proves a payment happened, so it also settles an order whose success event
#   has not arrived yet (events come out of order); that late success then changes nothing.
ORDER_TRANSITIONS = {
    OrderStatus.PENDING: {OrderStatus.PAID, OrderStatus.FAILED, OrderStatus.CANCELLED, OrderStatus.REFUNDED},
    OrderStatus.FAILED: {OrderStatus.PAID, OrderStatus.REFUNDED},
    OrderStatus.CANCELLED: {OrderStatus.PAID, OrderStatus.REFUNDED},
    OrderStatus.PAID: {OrderStatus.REFUNDED},
    OrderStatus.REFUNDED: set(),
}


class InvalidOrderTransition(Exception):
    """An order was asked to move to a status that may not follow its current one."""

    def __init__(self, order, status):
        super().__init__(f"Order #{order.pk}: {order.status} -> {status} is not allowed")
        self.order, self.status = order, status


class OrderQuerySet(models.QuerySet):
    def for_customer(self, user):
        """The signed-in customer's own orders (the owner filter for every portal lookup)."""
        return self.filter(customer=user)

    def for_seller(self, user):
        """Orders of products the seller sold."""
        return self.filter(seller=user)

    def paid(self):
        return self.filter(status=OrderStatus.PAID)

    def downloadable(self):
        """Orders whose buyer may download the product: paid and not refunded."""
        return self.filter(status=OrderStatus.PAID)

    def open_for(self, customer, product):
        return self.filter(customer=customer, product=product, status=OrderStatus.PENDING)


class Order(models.Model):
    """One customer buying one product through one Dodo checkout.

    Amount and currency are frozen at checkout, so a later price change never alters
    what was charged. A paid order is a purchase: it grants downloads until refunded.
    """

    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders", verbose_name=_("customer")
    )
    # PROTECT: a product with orders cannot be deleted (unpublish it instead); the
    # financial record and the buyers' downloads depend on it.
    product = models.ForeignKey(
        "catalogue.ProductPage", on_delete=models.PROTECT, related_name="orders", verbose_name=_("product")
    )
    # Frozen at checkout: the seller who is owed the earnings, even if the product moves.
    seller = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="sales", verbose_name=_("seller")
    )
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    status = models.CharField(
        _("status"), max_length=10, choices=OrderStatus.choices, default=OrderStatus.PENDING, db_index=True
    )
    # What the operator owes the seller for a paid order (Dodo pays the operator, who
    # settles with sellers): the amount less the marketplace fee, fixed when paid.
    platform_fee = models.DecimalField(_("marketplace fee"), max_digits=10, decimal_places=2, default=Decimal("0"))
    seller_earnings = models.DecimalField(_("seller earnings"), max_digits=10, decimal_places=2, default=Decimal("0"))
    refunded_amount = models.DecimalField(_("refunded"), max_digits=10, decimal_places=2, default=Decimal("0"))

    dodo_checkout_session_id = models.CharField(
        _("Dodo checkout session"), max_length=64, unique=True, null=True, blank=True
    )
    dodo_checkout_url = models.URLField(_("Dodo checkout URL"), max_length=500, blank=True)
    dodo_payment_id = models.CharField(_("Dodo payment"), max_length=64, unique=True, null=True, blank=True)
    # The seller's short link the customer followed before buying (sales attribution).
    referral_code = models.CharField(_("short link"), max_length=40, blank=True, db_index=True)
    # Set when a payment did not match the order (amount, currency or product): an editor
    # must look; the order is not granted.
    needs_review = models.BooleanField(_("needs review"), default=False, db_index=True)
    review_note = models.TextField(_("review note"), blank=True)
    download_count = models.PositiveIntegerField(_("downloads"), default=0)

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    refunded_at = models.DateTimeField(_("refunded at"), null=True, blank=True)

    objects = OrderQuerySet.as_manager()

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-created_at"]
        constraints = [
            # Buy reuses the open order instead of stacking new ones, even under races.
            models.UniqueConstraint(
                fields=["customer", "product"], condition=Q(status="pending"), name="catalogue_order_one_pending"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="catalogue_order_amount_positive"),
        ]
        indexes = [
            models.Index(fields=["seller", "status", "paid_at"], name="catalogue_order_seller_sales"),
            models.Index(fields=["customer", "status"], name="catalogue_order_customer"),
            models.Index(fields=["product", "status"], name="catalogue_order_product"),
        ]

    def __str__(self):
        return f"Order #{self.pk} ({self.get_status_display()})"

    @property
    def amount_cents(self):
        """The frozen amount in integer minor units, as Dodo reports payments."""
        return int((self.amount * 100).to_integral_value(rounding=ROUND_HALF_UP))

    @property
    def is_downloadable(self):
        return self.status == OrderStatus.PAID

    def can_become(self, status):
        return status in ORDER_TRANSITIONS[OrderStatus(self.status)]

    def move_to(self, status):
        """Set a new status, or raise ``InvalidOrderTransition`` (the caller saves)."""
        if not self.can_become(status):
            raise InvalidOrderTransition(self, status)
        self.status = status

    def compute_earnings(self):
        """Split the amount into the marketplace fee and the seller's earnings."""
        percent = Decimal(str(settings.MARKETPLACE_FEE_PERCENT))
        self.platform_fee = (self.amount * percent / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        self.seller_earnings = self.amount - self.platform_fee


class Download(models.Model):
    """One download of a purchased file: who, when, from where (kept for support and abuse)."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="downloads")
    created_at = models.DateTimeField(auto_now_add=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("download")
        verbose_name_plural = _("downloads")
        ordering = ["-created_at"]

    def __str__(self):
        return f"Download of order #{self.order_id} at {self.created_at:%Y-%m-%d %H:%M}"
