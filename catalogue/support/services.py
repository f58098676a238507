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

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import Order, ProductPage
from .models import MessageRole, SupportTicket, TicketMessage, TicketStatus, unanswered_q
from .signals import ticket_opened, ticket_replied

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
def open_ticket(customer, product, subject, body, attachment=None):
    """Open a ticket about ``product`` with the customer's first message; return it.

    Links the customer's paid order of the product when there is one. Raises
    :class:`TicketNotAllowed` (see :func:`check_can_ask`) or ``ValidationError``.
    Sends ``ticket_opened`` (the seller is emailed after the commit).
    """
    order = check_can_ask(customer, product)
    ticket = SupportTicket(
        customer=customer,
        product=product,
        product_title=product.title[:255],
        order=order,
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

