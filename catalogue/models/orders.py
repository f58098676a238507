"""Orders: one customer buying one product, and the downloads a paid order grants."""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..dates import format_day_time
from ..ownership import CUSTOMER, SELLER, OwnedQuerySet


class OrderStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting payment")
    PAID = "paid", _("Paid")
    FAILED = "failed", _("Payment failed")
    CANCELLED = "cancelled", _("Cancelled")
    REFUNDED = "refunded", _("Refunded")
    # The buyer's bank took the money back (a lost dispute): access is revoked.
    CHARGEBACK = "chargeback", _("Charged back")


# Which status may follow which; nothing ever goes back to pending.
# - A success is authoritative (money was taken), so it can settle an attempt that first
#   reported failed or cancelled, but a late failure never undoes a payment.
# - A refund proves a payment happened, so it also settles an order whose success event
#   has not arrived yet (events come out of order); that late success then changes nothing.
# - A lost dispute (chargeback) ends a paid order like a refund does, but the bank, not
#   the marketplace, returned the money.
ORDER_TRANSITIONS = {
    OrderStatus.PENDING: {OrderStatus.PAID, OrderStatus.FAILED, OrderStatus.CANCELLED, OrderStatus.REFUNDED},
    OrderStatus.FAILED: {OrderStatus.PAID, OrderStatus.REFUNDED},
    OrderStatus.CANCELLED: {OrderStatus.PAID, OrderStatus.REFUNDED},
    OrderStatus.PAID: {OrderStatus.REFUNDED, OrderStatus.CHARGEBACK},
    OrderStatus.REFUNDED: set(),
    OrderStatus.CHARGEBACK: set(),
}


class InvalidOrderTransition(Exception):
    """An order was asked to move to a status that may not follow its current one."""

    def __init__(self, order, status):
        super().__init__(f"Order #{order.pk}: {order.status} -> {status} is not allowed")
        self.order, self.status = order, status


class OrderQuerySet(OwnedQuerySet):
    # The buyer's orders, and the orders of what a seller sold (frozen at checkout).
    OWNER_FIELDS = {CUSTOMER: "customer", SELLER: "seller"}

    def paid(self):
        """Orders whose buyer may download the product: paid, not refunded or charged back."""
        return self.filter(status=OrderStatus.PAID)

    def flagged(self):
        return self.filter(needs_review=True)

    def open_for(self, customer, product):
        return self.filter(customer=customer, product=product, status=OrderStatus.PENDING)


class Order(models.Model):
    """One customer buying one product through one Dodo checkout.

    Amount and currency are frozen at checkout, so a later price change never alters
    what was charged. A paid order is a purchase: it grants downloads until refunded.
    """

    # Empty only while a guest's order (bought with just an email) waits for payment: the
    # payment gives it the account for ``guest_email`` (created inactive if none exists).
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
        verbose_name=_("customer"),
    )
    guest_email = models.EmailField(
        _("bought with email"),
        blank=True,
        help_text=_("The address a visitor bought with, without signing in."),
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
    # The product's price when the checkout started, in the marketplace currency, net of
    # tax: what the buyer agreed to pay before any discount code, tax or conversion.
    amount = models.DecimalField(_("price"), max_digits=10, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    # Whether ``amount`` included tax (the PRICES_INCLUDE_TAX setting at checkout).
    tax_inclusive = models.BooleanField(_("price included tax"), default=False)

    # What Dodo really charged, recorded when a payment succeeds (the truth from then
    # on): the buyer's total and its tax in the currency they paid in (Adaptive Currency
    # may charge EUR for a USD price), what reached the marketplace in its own currency
    # (settlement), and the discount code the buyer used.
    paid_total = models.DecimalField(_("total paid"), max_digits=14, decimal_places=3, null=True, blank=True)
    paid_tax = models.DecimalField(_("tax paid"), max_digits=14, decimal_places=3, null=True, blank=True)
    paid_currency = models.CharField(_("currency paid"), max_length=3, blank=True)
    settlement_amount = models.DecimalField(
        _("settlement amount"), max_digits=14, decimal_places=3, null=True, blank=True
    )
    settlement_tax = models.DecimalField(_("settlement tax"), max_digits=14, decimal_places=3, null=True, blank=True)
    settlement_currency = models.CharField(_("settlement currency"), max_length=3, blank=True)
    # When Dodo took the payment (its created_at): Dodo's 30-day refund window counts from it.
    charged_at = models.DateTimeField(_("charged"), null=True, blank=True)
    discount_code = models.CharField(_("discount code"), max_length=64, blank=True)
    discount_id = models.CharField(_("Dodo discount"), max_length=64, blank=True)
    # The sale net of tax in the marketplace currency: the settlement amount less its
    # tax. Fees and earnings are computed on it.
    net_amount = models.DecimalField(_("net of tax"), max_digits=14, decimal_places=3, null=True, blank=True)
    # Refunded so far: in the currency paid, tax included (as Dodo reports refunds), and
    # the matching share of ``net_amount`` in the marketplace currency.
    refunded_total = models.DecimalField(
        _("refunded (paid currency)"), max_digits=14, decimal_places=3, default=Decimal("0")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=OrderStatus.choices, default=OrderStatus.PENDING, db_index=True
    )
    # What the operator owes the seller for a paid order (Dodo pays the operator, who
    # settles with sellers): the amount less the marketplace fee, fixed when paid.
    platform_fee = models.DecimalField(_("marketplace fee"), max_digits=14, decimal_places=3, default=Decimal("0"))
    seller_earnings = models.DecimalField(_("seller earnings"), max_digits=14, decimal_places=3, default=Decimal("0"))
    refunded_amount = models.DecimalField(_("refunded"), max_digits=14, decimal_places=3, default=Decimal("0"))

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
    # The license key Dodo issued for this purchase (license_key.created), if the product
    # issues keys; disabled through Dodo on a full refund or a lost dispute.
    license_key = models.CharField(_("license key"), max_length=200, blank=True)
    license_key_id = models.CharField(_("Dodo license key"), max_length=64, blank=True, db_index=True)
    license_key_disabled_at = models.DateTimeField(_("license key disabled"), null=True, blank=True)
    # Held by the request creating this order's Dodo checkout session, so that ten quick
    # clicks on Buy make one session, not ten.
    checkout_lease_until = models.DateTimeField(null=True, blank=True, editable=False)
    # Held while an editor's refund request is with Dodo, so two editors (or two clicks)
    # cannot refund the same payment twice.
    refund_lease_until = models.DateTimeField(null=True, blank=True, editable=False)

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
            models.UniqueConstraint(
                fields=["guest_email", "product"],
                condition=Q(status="pending", customer__isnull=True),
                name="catalogue_order_one_pending_guest",
            ),
            # An order has a buyer: an account, or (while a guest's checkout is open) an email.
            models.CheckConstraint(
                condition=Q(customer__isnull=False) | ~Q(guest_email=""), name="catalogue_order_has_buyer"
            ),
            # 0 is a free product's order (no payment); nothing is ever sold below 0.
            models.CheckConstraint(condition=Q(amount__gte=0), name="catalogue_order_amount_not_negative"),
        ]
        indexes = [
            models.Index(fields=["seller", "status", "paid_at"], name="catalogue_order_seller_sales"),
            # The customer's library: their paid orders, newest first (also serves the
            # (customer, status) lookups the old two-column index did).
            models.Index(fields=["customer", "status", "paid_at"], name="catalogue_order_customer_paid"),
            models.Index(fields=["product", "status"], name="catalogue_order_product"),
            # Marketplace-wide windows by payment time: the admin dashboard's sales today and
            # this week, the editors' analytics report.
            models.Index(fields=["paid_at"], name="catalogue_order_paid_at"),
            # The seller dashboard's recent sales (seller_portal.stats.recent_sales): the
            # seller's sold orders (its SALE_STATUSES), newest first, so the latest few are
            # the first rows of the seller's range however many orders they have.
            models.Index(
                fields=["seller", "-paid_at", "-id"],
                condition=Q(status__in=[OrderStatus.PAID, OrderStatus.REFUNDED, OrderStatus.CHARGEBACK]),
                name="catalogue_order_seller_recent",
            ),
        ]

    def __str__(self):
        return f"Order #{self.pk} ({self.get_status_display()})"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        if "stored_values" in vars(self):
            # The lock is still held (it lasts until the transaction ends, and
            # ``locked_order`` forgets the values when it commits): the row now holds
            # what was just written.
            update_fields = kwargs.get("update_fields")
            fields = None
            if update_fields is not None:
                fields = [self._meta.get_field(name).attname for name in update_fields]
            self.remember_stored_values(fields)

    def remember_stored_values(self, fields=None):
        """Note what the stored row holds: the order was just loaded under a row lock
        (``catalogue.orders.locked_order``), or saved while it is held.

        Receivers that keep figures in step with orders read ``stored_values`` as the
        row's values before a save, instead of querying the row again: under the lock
        nobody else can have changed it. ``fields`` (attnames) refreshes only those, as
        after a save with ``update_fields``.
        """
        names = fields if fields is not None else [field.attname for field in self._meta.concrete_fields]
        stored = dict(vars(self).get("stored_values") or {})
        stored.update((name, getattr(self, name)) for name in names)
        self.stored_values = stored

    @property
    def is_downloadable(self):
        return self.status == OrderStatus.PAID

    @property
    def refundable_total(self):
        """What is left to refund, in the currency paid, tax included (None before payment)."""
        if self.paid_total is None:
            return None
        return max(self.paid_total - self.refunded_total, Decimal("0"))

    @property
    def is_partly_refunded(self):
        return self.status == OrderStatus.PAID and self.refunded_total > 0

    def can_become(self, status):
        return status in ORDER_TRANSITIONS[OrderStatus(self.status)]

    def move_to(self, status):
        """Set a new status, or raise ``InvalidOrderTransition`` (the caller saves)."""
        if not self.can_become(status):
            raise InvalidOrderTransition(self, status)
        self.status = status

    def compute_earnings(self):
        """Split the sale net of tax into the marketplace fee and the seller's earnings.

        Uses ``net_amount`` (what reached the marketplace, less tax, in its currency);
        before a payment recorded one, the price stands in for it.
        """
        from ..fees import marketplace_fee

        net = self.net_amount if self.net_amount is not None else self.amount
        # The percentage with its minimum per sale, never more than the sale (catalogue.fees).
        self.platform_fee = marketplace_fee(net, self.currency)
        self.seller_earnings = net - self.platform_fee


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
        return f"Download of order #{self.order_id} at {format_day_time(self.created_at)}"


class OrderRefund(models.Model):
    """One refund Dodo made on an order's payment, full or partial, stored once by its id.

    ``amount`` is in the currency the buyer paid and includes tax, as Dodo reports it;
    ``net_amount`` is its share of the order's net-of-tax sale in the marketplace
    currency, which is what the seller's earnings are reduced by.
    """

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="refunds", verbose_name=_("order"))
    refund_id = models.CharField(_("Dodo refund"), max_length=64, unique=True)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=3)
    currency = models.CharField(_("currency"), max_length=3)
    net_amount = models.DecimalField(_("net of tax"), max_digits=14, decimal_places=3, default=Decimal("0"))
    is_partial = models.BooleanField(_("partial"), default=False)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    # The editor who asked Dodo for it from Wagtail admin (empty when Dodo's dashboard did).
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"Refund {self.refund_id} of order #{self.order_id}"


class DisputeStatus(models.TextChoices):
    """Dodo's ``dispute_status`` values."""

    OPENED = "dispute_opened", _("Opened")
    CHALLENGED = "dispute_challenged", _("Challenged")
    ACCEPTED = "dispute_accepted", _("Accepted (lost)")
    LOST = "dispute_lost", _("Lost")
    WON = "dispute_won", _("Won")
    CANCELLED = "dispute_cancelled", _("Cancelled")
    EXPIRED = "dispute_expired", _("Expired")


# Still undecided: the seller's earnings are held.
OPEN_DISPUTE_STATUSES = frozenset({DisputeStatus.OPENED, DisputeStatus.CHALLENGED})
# The bank took the money back.
LOST_DISPUTE_STATUSES = frozenset({DisputeStatus.LOST, DisputeStatus.ACCEPTED})
# Decided for the marketplace: the hold is released.
RELEASED_DISPUTE_STATUSES = frozenset({DisputeStatus.WON, DisputeStatus.CANCELLED, DisputeStatus.EXPIRED})


class Dispute(models.Model):
    """A buyer's bank disputing an order's payment (a chargeback request), as Dodo reports it."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="disputes", verbose_name=_("order"))
    dispute_id = models.CharField(_("Dodo dispute"), max_length=64, unique=True)
    status = models.CharField(_("status"), max_length=20, choices=DisputeStatus.choices, db_index=True)
    stage = models.CharField(_("stage"), max_length=20, blank=True)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=3)
    currency = models.CharField(_("currency"), max_length=3)
    remarks = models.TextField(_("remarks"), blank=True)
    opened_at = models.DateTimeField(_("opened"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        ordering = ["-opened_at"]

    def __str__(self):
        return f"Dispute {self.dispute_id} on order #{self.order_id} ({self.get_status_display()})"

    @property
    def is_open(self):
        return self.status in OPEN_DISPUTE_STATUSES


class LedgerKind(models.TextChoices):
    SALE = "sale", _("Sale")
    REFUND = "refund", _("Refund")
    DISPUTE_HOLD = "dispute_hold", _("Dispute: earnings held")
    DISPUTE_RELEASE = "dispute_release", _("Dispute: hold released")
    DISPUTE_LOSS = "dispute_loss", _("Dispute lost")
    PAYOUT = "payout", _("Payout")


LEDGER_MONEY = models.DecimalField(max_digits=14, decimal_places=3)


@dataclass(frozen=True)
class Balance:
    """A seller's balance in one currency, by state; every figure a sum of ledger rows.

    ``pending + available + on_hold`` is what the marketplace owes the seller now;
    ``earned`` is everything earned net of fees, refunds and lost disputes, payouts
    aside (``earned - paid_out`` is what is owed). ``available`` may be negative: a
    refund or lost dispute after a payout is taken from the next earnings.
    """

    currency: str
    pending: Decimal = Decimal("0")
    available: Decimal = Decimal("0")
    on_hold: Decimal = Decimal("0")
    paid_out: Decimal = Decimal("0")
    earned: Decimal = Decimal("0")

    @property
    def owed(self):
        return self.pending + self.available + self.on_hold


class LedgerEntryQuerySet(OwnedQuerySet):
    """Balances are computed here and nowhere else.

    A row's ``earnings`` less its ``held`` counts as *pending* until its ``available_at``
    and *available* from then on; ``held`` sums to what is *on hold*; payout rows
    (negative earnings) sum to what was *paid out*. The marketplace sells in one
    currency (``MARKETPLACE_CURRENCY``), but rows carry their currency and balances are
    kept apart by it, so a change of currency never adds dollars to euros.
    """

    OWNER_FIELDS = {SELLER: "seller"}

    @staticmethod
    def _free(now):
        """Rows whose earnings can be paid out at ``now`` (rows from before the hold
        period existed have no date: available)."""
        return Q(available_at__lte=now) | Q(available_at__isnull=True)

    @classmethod
    def balance_sums(cls, now):
        """The aggregates of a :class:`Balance`, for ``aggregate`` or ``annotate``."""

        def total(expression, condition=None):
            return Coalesce(
                models.Sum(expression, filter=condition, output_field=LEDGER_MONEY),
                Value(Decimal("0")),
                output_field=LEDGER_MONEY,
            )

        unheld = F("earnings") - F("held")
        return {
            "pending": total(unheld, ~cls._free(now)),
            "available": total(unheld, cls._free(now)),
            "on_hold": total("held"),
            "paid_out": -total("earnings", Q(kind=LedgerKind.PAYOUT)),
            "earned": total("earnings", ~Q(kind=LedgerKind.PAYOUT)),
        }

    def balances(self, now=None):
        """``{currency: Balance}`` of these rows at ``now`` (one query)."""
        now = now or timezone.now()
        rows = self.order_by().values("currency").annotate(**self.balance_sums(now))
        return {row["currency"]: Balance(**row) for row in rows}

    def summary(self, now=None, currency=None):
        """The :class:`Balance` in ``currency`` (the marketplace's by default)."""
        currency = currency or settings.MARKETPLACE_CURRENCY
        return self.balances(now).get(currency) or Balance(currency=currency)

    def available_by_seller(self, now=None, currency=None):
        """``seller_id`` and ``available`` per seller (a grouped query, usable as a subquery)."""
        now = now or timezone.now()
        return (
            self.filter(currency=currency or settings.MARKETPLACE_CURRENCY)
            .order_by()
            .values("seller_id")
            .annotate(available=self.balance_sums(now)["available"])
        )

    def next_available(self, now=None, currency=None):
        """``(day, amount)``: the next local day on which pending earnings become
        available and how much, or ``None`` when nothing is pending (one query)."""
        now = now or timezone.now()
        row = (
            self.filter(currency=currency or settings.MARKETPLACE_CURRENCY, available_at__gt=now)
            .order_by()
            .annotate(day=TruncDate("available_at"))
            .values("day")
            .annotate(amount=models.Sum(F("earnings") - F("held"), output_field=LEDGER_MONEY))
            .order_by("day")
            .first()
        )
        return (row["day"], row["amount"]) if row else None

    def balance(self):
        """``{"earned", "held", "available"}`` over every row, whatever the hold period:
        the figures the dispute tests read. Prefer :meth:`summary`, the seller's balance
        by state."""
        sums = self.aggregate(earned=models.Sum("earnings"), held=models.Sum("held"))
        earned, held = sums["earned"] or Decimal("0"), sums["held"] or Decimal("0")
        return {"earned": earned, "held": held, "available": earned - held}


class LedgerEntry(models.Model):
    """One money event in a seller's account, written once and never changed.

    ``earnings`` is the change to what the seller earned (a sale adds its earnings, a
    refund or a lost dispute takes its share back); ``held`` is the change to the part
    of it on hold (an open dispute holds the order's earnings, its outcome releases
    them). The seller's balance is the sum of the rows: earned = Σ earnings, on hold =
    Σ held, available = earned − on hold. ``gross`` and ``fee`` record the sale amount
    net of tax and the marketplace fee the row's earnings come from. ``reference`` is
    Dodo's id for the event (payment, refund, dispute), so a replayed event cannot
    write a second row.
    """

    seller = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="ledger_entries", verbose_name=_("seller")
    )
    # Every entry but a payout is about one order.
    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, null=True, blank=True, related_name="ledger_entries", verbose_name=_("order")
    )
    payout = models.ForeignKey(
        "catalogue.Payout",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_entries",
        verbose_name=_("payout"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=LedgerKind.choices)
    reference = models.CharField(_("reference"), max_length=100)
    currency = models.CharField(_("currency"), max_length=3)
    gross = models.DecimalField(_("sale net of tax"), max_digits=14, decimal_places=3, default=Decimal("0"))
    fee = models.DecimalField(_("marketplace fee"), max_digits=14, decimal_places=3, default=Decimal("0"))
    earnings = models.DecimalField(_("earnings"), max_digits=14, decimal_places=3, default=Decimal("0"))
    held = models.DecimalField(_("held"), max_digits=14, decimal_places=3, default=Decimal("0"))
    # The estimated share of Dodo's fee in the row (a sale's, or a refund's reversal of
    # it): the operator's margin report, never taken from the seller.
    dodo_fee = models.DecimalField(_("estimated Dodo fee"), max_digits=14, decimal_places=3, default=Decimal("0"))
    # When the row's earnings stop being pending and can be paid out: a sale's hold
    # period (EARNINGS_HOLD_DAYS, Dodo's refund window) after it; at once for the rest.
    available_at = models.DateTimeField(_("available from"), null=True, blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    objects = LedgerEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["order", "kind", "reference"], name="catalogue_ledger_once_per_event"),
            models.UniqueConstraint(fields=["payout"], condition=Q(kind="payout"), name="catalogue_ledger_payout_once"),
            models.CheckConstraint(
                condition=Q(kind="payout", order__isnull=True, payout__isnull=False)
                | (~Q(kind="payout") & Q(order__isnull=False, payout__isnull=True)),
                name="catalogue_ledger_order_or_payout",
            ),
        ]
        indexes = [
            models.Index(fields=["seller", "created_at"], name="catalogue_ledger_seller"),
            models.Index(fields=["seller", "available_at"], name="catalogue_ledger_available"),
        ]

    def __str__(self):
        about = f"payout #{self.payout_id}" if self.payout_id else f"order #{self.order_id}"
        return f"{self.get_kind_display()} {self.earnings} {self.currency} ({about})"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ValueError("Ledger entries are written once and never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Ledger entries are never deleted.")
