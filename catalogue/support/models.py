"""Support tickets: a customer asks a product's seller a question, the seller answers.

A ticket is about one product (and the order, when the customer bought it) and holds a
thread of plain-text messages, each with an optional small attachment in private
storage. Editors can assign staff to a ticket to step in. The rules that move a ticket
between statuses live in ``catalogue/support/services.py``; this module only declares
the data.

These are models of the ``catalogue`` app (``catalogue/models/__init__.py`` imports
them), so their app label and tables are those they always had. Migration
``catalogue/0004`` names ``support_attachment_upload_to`` and
``validate_support_attachment`` by their path here: renaming or moving either means
updating that migration too.
"""

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..ownership import CUSTOMER, SELLER, OwnedQuerySet
from ..storage import get_private_storage, private_upload_path
from ..validators import check_upload, validate_no_nul

SUBJECT_MAX_LENGTH = 150
MESSAGE_MAX_LENGTH = 5000


class TicketStatus(models.TextChoices):
    # Waiting for the seller: new, or the customer wrote last (or a seller reopened it).
    OPEN = "open", _("Open")
    # The seller wrote last: waiting for the customer.
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed")


class MessageRole(models.TextChoices):
    """Which side of the conversation wrote a message (kept, so the thread still reads
    right if an editor later moves the product to another seller)."""

    CUSTOMER = "customer", _("Customer")
    SELLER = "seller", _("Seller")
    # Marketplace staff writing from Wagtail admin on an escalated ticket (shown to both
    # sides as "Brightshelf team", whoever the staff member is).
    STAFF = "staff", _("Brightshelf team")


def unanswered_q(prefix=""):
    """The condition "the seller owes a reply", as a ``Q`` (``prefix`` for joins).

    Open, and the customer wrote after the seller's last message (or the seller has not
    written yet). Computed from two timestamps, so SQL can count and sort by it.
    """
    return Q(**{f"{prefix}status": TicketStatus.OPEN}) & (
        Q(**{f"{prefix}last_seller_message_at__isnull": True})
        | Q(**{f"{prefix}last_customer_message_at__gt": F(f"{prefix}last_seller_message_at")})
    )


class SupportTicketQuerySet(OwnedQuerySet):
    """The owner filters every portal lookup goes through: a foreign ticket is a 404."""

    # The customer who opened a ticket, and the seller of the product it is about (a
    # product that was deleted has no seller).
    OWNER_FIELDS = {CUSTOMER: "customer", SELLER: "product__seller"}

    def for_party(self, role, user):
        """The tickets ``user`` takes part in as ``role`` (a :class:`MessageRole`): the
        owner filter of both portals' ticket pages."""
        return self.owned_by(user, str(role))

    def not_closed(self):
        return self.exclude(status=TicketStatus.CLOSED)

    def unanswered(self):
        return self.filter(unanswered_q())

    def in_inbox_order(self):
        """A seller's inbox order: those waiting for a reply first, then open, answered
        and closed ones, each group latest activity first.

        Annotates ``inbox_rank`` (0 = needs a reply, 1 open, 2 answered, 3 closed); not
        ``is_unanswered``, which is the model's read-only property.
        """
        return self.annotate(
            inbox_rank=models.Case(
                models.When(unanswered_q(), then=models.Value(0)),
                models.When(status=TicketStatus.OPEN, then=models.Value(1)),
                models.When(status=TicketStatus.ANSWERED, then=models.Value(2)),
                default=models.Value(3),
                output_field=models.IntegerField(),
            )
        ).order_by("inbox_rank", "-updated_at", "-pk")


class SupportTicket(models.Model):
    """A customer's question about one product, answered by that product's seller.

    ``status`` follows the conversation (see ``catalogue/support/services.py``): ``open`` while the
    seller owes a reply, ``answered`` once they replied, ``closed`` when either side closes
    it. ``last_customer_message_at`` and ``last_seller_message_at`` make "unanswered"
    computable in SQL.
    """

    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("customer"),
        # Accounts are deactivated, not deleted; the conversation is a record for both sides.
        on_delete=models.PROTECT,
        related_name="support_tickets",
    )
    # SET_NULL, not PROTECT: a pre-sale question must not stop a seller from deleting a
    # product nobody bought (bought products cannot be deleted at all: Order.product is
    # PROTECT). Not CASCADE either: the customer keeps their conversation, read-only,
    # under the title kept in ``product_title``.
    product = models.ForeignKey(
        "catalogue.ProductPage",
        verbose_name=_("product"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="support_tickets",
    )
    product_title = models.CharField(
        _("product title"),
        max_length=255,
        editable=False,
        help_text=_("The product's title when the ticket was opened, kept if the product is deleted."),
    )
    order = models.ForeignKey(
        "catalogue.Order",
        verbose_name=_("order"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="support_tickets",
        help_text=_("The customer's order of the product; empty for a question before buying."),
    )
    # The buyer asked for their money back on ``order``; the seller may approve it from
    # the ticket in one step (a refund through Dodo).
    refund_requested = models.BooleanField(_("refund requested"), default=False)
    subject = models.CharField(
        _("subject"),
        max_length=SUBJECT_MAX_LENGTH,
        validators=[validate_no_nul],
    )
    status = models.CharField(_("status"), max_length=10, choices=TicketStatus.choices, default=TicketStatus.OPEN)
    assignees = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned staff"),
        blank=True,
        related_name="assigned_support_tickets",
        limit_choices_to={"is_staff": True},
        help_text=_("Staff who step in on this ticket; each is emailed when assigned."),
    )
    created_at = models.DateTimeField(_("opened"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    last_customer_message_at = models.DateTimeField(_("last customer message"), null=True, blank=True)
    last_seller_message_at = models.DateTimeField(_("last seller reply"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # The buyer or the seller asked the marketplace to step in (once; their reason is a
    # message of the thread). Staff then write in the conversation from Wagtail admin.
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True, editable=False)

    objects = SupportTicketQuerySet.as_manager()

    class Meta:
        verbose_name = _("support ticket")
        verbose_name_plural = _("support tickets")
        ordering = ["-updated_at", "-pk"]
        indexes = [
            # The seller's inbox: tickets of their products, by status, latest first.
            models.Index(fields=["product", "status", "updated_at"], name="catalogue_ticket_product"),
            # The customer's list and the nav badge count.
            models.Index(fields=["customer", "status", "updated_at"], name="catalogue_ticket_customer"),
            # Editors' listing filtered by status.
            models.Index(fields=["status", "updated_at"], name="catalogue_ticket_status"),
        ]

    def __str__(self):
        return f"#{self.pk} {self.subject}"

    def save(self, *args, **kwargs):
        # Editors change the status in Wagtail admin with a plain form save: keep the
        # closing time in step with it (the services set both themselves).
        if self.status == TicketStatus.CLOSED and self.closed_at is None:
            self.closed_at = timezone.now()
        elif self.status != TicketStatus.CLOSED:
            self.closed_at = None
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "status" in update_fields:
            kwargs["update_fields"] = {*update_fields, "closed_at"}
        super().save(*args, **kwargs)

    @property
    def is_unanswered(self):
        """Python twin of :func:`unanswered_q`, for one ticket already loaded."""
        if self.status != TicketStatus.OPEN:
            return False
        if self.last_seller_message_at is None:
            return True
        return bool(self.last_customer_message_at and self.last_customer_message_at > self.last_seller_message_at)

    @property
    def accepts_replies(self):
        """A ticket whose product was deleted has nobody left to answer: read-only."""
        return self.product_id is not None


def validate_support_attachment(value):
    """Check a newly uploaded attachment like a product file, with support's own limits
    (``SUPPORT_ATTACHMENT_EXTENSIONS``, ``SUPPORT_ATTACHMENT_MAX_SIZE``)."""
    check_upload(
        value,
        extensions=settings.SUPPORT_ATTACHMENT_EXTENSIONS,
        max_size=settings.SUPPORT_ATTACHMENT_MAX_SIZE,
        type_message=_("Files of type “.%(extension)s” cannot be attached. Allowed types: %(allowed)s."),
        size_message=_("The file is %(size)s; attachments can be at most %(max)s."),
    )


def support_attachment_upload_to(instance, filename):
    """A server-generated name, ``support/<uuid>/<uuid>.<ext>``: nothing of the uploader's
    file name reaches storage (it is kept in ``attachment_name`` for the download)."""
    return private_upload_path("support", filename)


class TicketMessage(models.Model):
    """One message of a ticket's thread: plain text (shown escaped), maybe one attachment."""

    ticket = models.ForeignKey(
        SupportTicket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="messages"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )
    author_role = models.CharField(_("written as"), max_length=10, choices=MessageRole.choices)
    body = models.TextField(
        _("message"),
        max_length=MESSAGE_MAX_LENGTH,
        validators=[MaxLengthValidator(MESSAGE_MAX_LENGTH), validate_no_nul],
    )
    attachment = models.FileField(
        _("attachment"),
        upload_to=support_attachment_upload_to,
        storage=get_private_storage,
        max_length=255,
        blank=True,
        validators=[validate_support_attachment],
    )
    attachment_name = models.CharField(_("attachment name"), max_length=255, blank=True, editable=False)
    attachment_size = models.PositiveBigIntegerField(_("attachment size"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("sent"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("ticket message")
        verbose_name_plural = _("ticket messages")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"Message #{self.pk} on ticket #{self.ticket_id}"

    @property
    def from_seller(self):
        return self.author_role == MessageRole.SELLER

    @property
    def from_staff(self):
        return self.author_role == MessageRole.STAFF
