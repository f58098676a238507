"""Support tickets: the rules for opening, replying, closing and reopening, and counts.

Both portals and the demo seed go through these functions, so the rules hold whichever
way a ticket changes:

- A **customer** may ask about a live product, or about a product they bought (a paid
  order, linked to the ticket) even once it is unpublished. Nobody asks about their own
  product.
- The status follows the conversation: a **seller's reply marks the ticket answered**; a
  **customer's reply sets it back to open**, also on an answered or closed ticket (a
  customer who writes again needs an answer, so replying is how they reopen). Either
  side may close; the seller may reopen without writing.
- A ticket whose product was deleted has nobody left to answer: it stays readable but
  takes no more replies.

Each change sends a signal from ``signals.py`` inside its transaction (``ticket_opened``,
``ticket_replied``); the receivers in ``signal_handlers.py`` email the other side after
the commit (``tasks.py``). These functions never send email themselves.
"""

import logging
import os

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.permission_policies import ModelPermissionPolicy

from .. import refunds
from ..formatting import format_money
from ..models import Order, OrderRefund, OrderStatus, ProductPage
from .models import MessageRole, SupportTicket, TicketMessage, TicketStatus, unanswered_q
from .signals import ticket_escalated, ticket_opened, ticket_replied, ticket_staff_closed, ticket_staff_replied

logger = logging.getLogger(__name__)


class TicketNotAllowed(Exception):
    """What was asked of a ticket is not allowed; ``message`` can be shown to the person."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


# WHO MAY ASK ABOUT WHAT


def bought_products(customer):
    """Products the customer has a paid order of, newest purchase first (distinct)."""
    product_ids = Order.objects.for_customer(customer).paid().values("product_id")
    return ProductPage.objects.filter(pk__in=product_ids).order_by("title")


def purchase_of(customer, product):
    """The customer's latest paid order of ``product``, or ``None`` (a pre-sale question)."""
    return Order.objects.for_customer(customer).paid().filter(product=product).order_by("-paid_at", "-pk").first()


def check_can_ask(customer, product):
    """Raise :class:`TicketNotAllowed` unless ``customer`` may open a ticket about ``product``.

    Returns the customer's order of the product, or ``None`` for a pre-sale question.
    """
    if not getattr(customer, "is_customer", False):
        raise TicketNotAllowed(_("Only customers can ask sellers questions."))
    if product.seller_id == customer.pk:
        raise TicketNotAllowed(
            _("You sell this product: customers' questions about it arrive in your support inbox.")
        )
    order = purchase_of(customer, product)
    if order is None and not product.live:
        raise TicketNotAllowed(_("This product is not on sale, so its seller cannot take questions about it."))
    return order


# CHANGING TICKETS


def _new_message(ticket, author, role, body, attachment):
    message = TicketMessage(ticket=ticket, author=author, author_role=role, body=body.strip())
    if attachment:
        message.attachment = attachment
        # The stored name is generated (upload_to); the person's name is kept for downloads.
        message.attachment_name = os.path.basename(attachment.name)[:255]
        message.attachment_size = attachment.size
    message.full_clean(exclude=["ticket"])
    return message


@transaction.atomic
def open_ticket(customer, product, subject, body, attachment=None, *, refund_of=None):
    """Open a ticket about ``product`` with the customer's first message; return it.

    Links the customer's paid order of the product when there is one. Raises
    :class:`TicketNotAllowed` (see :func:`check_can_ask`) or ``ValidationError``.
    Sends ``ticket_opened`` (the seller is emailed after the commit). ``refund_of``: the
    order the customer asks their money back for (see :func:`request_refund`).
    """
    order = check_can_ask(customer, product)
    ticket = SupportTicket(
        customer=customer,
        product=product,
        product_title=product.title[:255],
        order=refund_of or order,
        refund_requested=refund_of is not None,
        subject=" ".join(subject.split()),
        status=TicketStatus.OPEN,
    )
    ticket.full_clean(exclude=["last_customer_message_at"])
    message = _new_message(ticket, customer, MessageRole.CUSTOMER, body, attachment)
    ticket.save()
    message.ticket = ticket
    message.save()
    # The first message's own time, so "who wrote last" compares like with like.
    ticket.last_customer_message_at = message.created_at
    ticket.save(update_fields=["last_customer_message_at", "updated_at"])
    logger.info(
        "Ticket #%s: opened by user #%s about product #%s (order #%s)",
        ticket.pk,
        customer.pk,
        product.pk,
        order.pk if order else None,
    )
    ticket_opened.send(sender=SupportTicket, ticket=ticket, message=message)
    return ticket


def _check_party(ticket, user, role):
    if role == MessageRole.CUSTOMER:
        allowed = user.pk == ticket.customer_id
    elif role == MessageRole.SELLER:
        allowed = ticket.product_id is not None and user.pk == ticket.product.seller_id
    else:
        allowed = False
    if not allowed:
        # Views only ever pass tickets from the owner-filtered querysets: this is a bug.
        raise TicketNotAllowed(_("You are not part of this conversation."))


@transaction.atomic
def reply(ticket, author, role, body, attachment=None):
    """Add ``author``'s message, written as ``role`` (a :class:`MessageRole`); return it.

    A seller's reply marks the ticket ``answered``; a customer's sets it back to ``open``
    (reopening it if it was closed). Raises :class:`TicketNotAllowed` when ``author`` is
    not that side of the ticket or the product is gone, ``ValidationError`` for a bad
    body or attachment. Sends ``ticket_replied`` (the other side is emailed after commit).
    """
    _check_party(ticket, author, role)
    if not ticket.accepts_replies:
        raise TicketNotAllowed(_("This product was removed, so the conversation is closed for replies."))
    message = _new_message(ticket, author, role, body, attachment)
    message.save()
    if role == MessageRole.SELLER:
        changes = {"status": TicketStatus.ANSWERED, "last_seller_message_at": message.created_at}
    else:
        changes = {"status": TicketStatus.OPEN, "last_customer_message_at": message.created_at}
    changes["closed_at"] = None
    previous = ticket.status
    _update(ticket, **changes)
    logger.info(
        "Ticket #%s: %s #%s replied (message #%s), %s -> %s",
        ticket.pk,
        role,
        author.pk,
        message.pk,
        previous,
        ticket.status,
    )
    ticket_replied.send(sender=SupportTicket, ticket=ticket, message=message)
    return message


def close(ticket, user):
    """Close the ticket; returns ``False`` if it already was. Either side may close."""
    if ticket.status == TicketStatus.CLOSED:
        return False
    _update(ticket, status=TicketStatus.CLOSED, closed_at=timezone.now())
    logger.info("Ticket #%s: closed by user #%s", ticket.pk, user.pk)
    return True


def reopen(ticket, user):
    """Reopen a closed ticket (the seller's action); returns ``False`` if it was not closed.

    It becomes ``open``: "unanswered" again only if the customer wrote last.
    """
    if ticket.status != TicketStatus.CLOSED:
        return False
    if not ticket.accepts_replies:
        raise TicketNotAllowed(_("This product was removed, so the conversation cannot be reopened."))
    _update(ticket, status=TicketStatus.OPEN, closed_at=None)
    logger.info("Ticket #%s: reopened by user #%s", ticket.pk, user.pk)
    return True


def _update(ticket, **changes):
    """Write ``changes`` with one UPDATE (no read-modify-write race), then onto ``ticket``."""
    changes["updated_at"] = timezone.now()
    SupportTicket.objects.filter(pk=ticket.pk).update(**changes)
    for field, value in changes.items():
        setattr(ticket, field, value)


# ESCALATION: either side asks the marketplace to step in; staff write and close from
# Wagtail admin (catalogue/admin_tickets.py). Staff messages change neither the status
# nor "who wrote last": they are a third voice, the seller's inbox still follows the
# customer and the seller.

ESCALATION_PREFIX = _("I asked the marketplace to step in: ")


@transaction.atomic
def escalate(ticket, user, role, reason):
    """Mark the ticket escalated and save ``user``'s reason (written as ``role``) in its
    thread; return the message. Once per ticket: the UPDATE only matches a ticket not yet
    escalated, so two quick clicks make one escalation. Raises :class:`TicketNotAllowed`
    or ``ValidationError`` (an empty or too long reason). Sends ``ticket_escalated``
    (staff are emailed after the commit, see ``signal_handlers.py``)."""
    _check_party(ticket, user, role)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"body": _("Say in a few words what the marketplace should look at.")})
    message = _new_message(ticket, user, role, f"{ESCALATION_PREFIX}{reason}", None)
    now = timezone.now()
    if not SupportTicket.objects.filter(pk=ticket.pk, escalated_at__isnull=True).update(
        escalated_at=now, updated_at=now
    ):
        raise TicketNotAllowed(_("The marketplace has already been asked to step in on this ticket."))
    ticket.escalated_at = now
    message.save()
    logger.info("Ticket #%s: escalated by %s #%s (message #%s)", ticket.pk, role, user.pk, message.pk)
    ticket_escalated.send(sender=SupportTicket, ticket=ticket, message=message)
    return message


def escalation_recipients(ticket):
    """Who hears of an escalation: the staff assigned to the ticket, or, when nobody is,
    every active staff member who may change tickets in Wagtail admin (the editors)."""
    assigned = list(ticket.assignees.filter(is_active=True, is_staff=True))
    if assigned:
        return assigned
    users = ModelPermissionPolicy(SupportTicket).users_with_permission("change")
    return list(users.filter(is_staff=True).order_by("pk"))


@transaction.atomic
def staff_reply(ticket, staff, body):
    """Add a message from the marketplace (``staff`` writing as :attr:`MessageRole.STAFF`)
    and return it. The views check the admin permission; this checks the person is staff.
    Sends ``ticket_staff_replied`` (both sides are emailed after the commit)."""
    if not staff.is_staff:
        raise TicketNotAllowed(_("Only marketplace staff write as the marketplace."))
    message = _new_message(ticket, staff, MessageRole.STAFF, body, None)
    message.save()
    _update(ticket)
    logger.info("Ticket #%s: staff #%s wrote (message #%s)", ticket.pk, staff.pk, message.pk)
    ticket_staff_replied.send(sender=SupportTicket, ticket=ticket, message=message)
    return message


@transaction.atomic
def staff_close(ticket, staff):
    """Close the ticket as the marketplace; ``False`` if it already was. Sends
    ``ticket_staff_closed`` (both sides are emailed after the commit)."""
    if not staff.is_staff:
        raise TicketNotAllowed(_("Only marketplace staff close tickets from the admin."))
    if not close(ticket, staff):
        return False
    ticket_staff_closed.send(sender=SupportTicket, ticket=ticket, user=staff)
    return True


# COUNTS (one query each)


def seller_ticket_counts(user):
    """``{"open": n, "unanswered": n}`` for the seller's products.

    ``open``: conversations not closed (open or answered); ``unanswered``: open tickets
    whose customer wrote after the seller's last reply (the seller's to-do list).
    """
    return SupportTicket.objects.for_seller(user).aggregate(
        open=Count("pk", filter=~Q(status=TicketStatus.CLOSED)),
        unanswered=Count("pk", filter=unanswered_q()),
    )


def customer_ticket_counts(user):
    """``{"open": n, "answered": n}`` for the customer's tickets.

    ``open``: conversations not closed; ``answered``: those where the seller wrote last
    (waiting for the customer to read and, perhaps, reply).
    """
    return SupportTicket.objects.for_customer(user).aggregate(
        open=Count("pk", filter=~Q(status=TicketStatus.CLOSED)),
        answered=Count("pk", filter=Q(status=TicketStatus.ANSWERED)),
    )


# REFUND REQUESTS: a buyer asks for their money back, the seller approves in one step


def refund_request_of(order):
    """The buyer's refund-request ticket about ``order``, or None."""
    return SupportTicket.objects.filter(order=order, refund_requested=True).order_by("pk").first()


def check_can_request_refund(customer, order):
    """Raise :class:`TicketNotAllowed` unless ``customer`` may ask for ``order``'s money back:
    their own paid order, with something left to refund, inside Dodo's 30-day window,
    not asked for before (the conversation they started goes on in that ticket)."""
    if order.customer_id != customer.pk:
        raise TicketNotAllowed(_("You can only ask for a refund of your own orders."))
    if refunds.is_free(order):
        raise TicketNotAllowed(_("This product was free: there is nothing to refund."))
    if order.status != OrderStatus.PAID or not order.refundable_total:
        raise TicketNotAllowed(_("This order has nothing left to refund."))
    if not refunds.can_refund(order):
        raise TicketNotAllowed(
            _("Refunds can be made for 30 days after a purchase, and that time has passed for this order.")
        )
    if refund_request_of(order) is not None:
        raise TicketNotAllowed(
            _("You already asked for a refund of this order: the seller answers in that conversation.")
        )


@transaction.atomic
def request_refund(customer, order, reason):
    """Open a support ticket asking the seller to refund ``order``, the buyer's reason as
    its first message, marked ``refund_requested`` (the seller may approve it from the
    ticket in one step). Raises :class:`TicketNotAllowed` or ``ValidationError``.

    The order row is locked first, so two quick submissions make one ticket.
    """
    order = Order.objects.select_for_update().select_related("product").get(pk=order.pk)
    check_can_request_refund(customer, order)
    subject = _("Refund request: %(title)s") % {"title": order.product.title}
    return open_ticket(customer, order.product, str(subject)[:150], reason, refund_of=order)


def refund_made_since(prefix=""):
    """``Exists``: a refund was recorded on the ticket's order after the ticket opened
    (``prefix`` for joins). A refund request is handled once it is true; it is read
    from the order's refunds, whoever made them (the seller, an editor, Dodo's
    dashboard), so nothing needs to be stored on the ticket."""
    return Exists(
        OrderRefund.objects.filter(
            order_id=OuterRef(f"{prefix}order_id"), created_at__gte=OuterRef(f"{prefix}created_at")
        )
    )


def with_refund_state(tickets):
    """Annotate ``refund_made`` (see :func:`refund_made_since`) on ``tickets``."""
    return tickets.annotate(refund_made=refund_made_since())


def note_refund(refund):
    """Tell the buyer, in each refund-request ticket about the refunded order, that the
    refund was made (a message in the seller's name, the ticket marked answered unless
    it was closed). Sends no ``ticket_replied``: the refund email already tells the buyer.
    """
    tickets = SupportTicket.objects.filter(
        order_id=refund.order_id, refund_requested=True, product__seller__isnull=False
    ).select_related("product")
    for ticket in tickets:
        amount = format_money(refund.amount, refund.currency)
        if refund.is_partial:
            body = _(
                "A refund of %(amount)s (tax included) was made on this order. It goes back to the way you paid; "
                "your bank may take a few days to show it. You keep your download."
            ) % {"amount": amount}
        else:
            body = _(
                "A refund of %(amount)s (tax included) was made on this order: it is now fully refunded, so its "
                "download has ended. The money goes back to the way you paid; your bank may take a few days to show it."
            ) % {"amount": amount}
        message = TicketMessage.objects.create(
            ticket=ticket, author_id=ticket.product.seller_id, author_role=MessageRole.SELLER, body=str(body)
        )
        changes = {"last_seller_message_at": message.created_at}
        if ticket.status != TicketStatus.CLOSED:
            changes["status"] = TicketStatus.ANSWERED
        _update(ticket, **changes)
        logger.info("Ticket #%s: refund %s of order #%s noted", ticket.pk, refund.refund_id, refund.order_id)
