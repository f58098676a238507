"""Support ticket emails, run by django-tasks after the change that caused them commits.

``services.py`` decides what happened to a ticket and announces it (``signals.py``);
``signal_handlers.py`` enqueues these tasks; they load the rows by id, re-check that the
email still makes sense and send it through the site's templated email dispatcher
(``catalogue/emails.py``). Every email goes to exactly one person, the other side of the
conversation (or the staff member just assigned), and links back to the thread.
The message is saved whatever the mail server says: a failure to send is logged with the
ticket's id, retried later by the worker (``attempt``) and raised, so the task result is
FAILED (``catalogue.emails.send_email_from_task``). ``False`` means nothing needed sending.
"""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django_tasks import task

from ..emails import send_email_from_task
from .links import ADMIN_CONVERSATION, ADMIN_TICKET, portal_url
from .models import MessageRole, SupportTicket, TicketMessage

logger = logging.getLogger(__name__)


def _absolute(path):
    """Links in emails are built from SITE_URL, never from a request's Host header."""
    return f"{settings.SITE_URL}{path}"


def thread_url(ticket, for_role):
    """The absolute link to the ticket for a customer, a seller or an editor (``"staff"``)."""
    if for_role in (MessageRole.CUSTOMER, MessageRole.SELLER):
        return _absolute(portal_url(for_role, "support_detail", pk=ticket.pk))
    return _absolute(reverse(ADMIN_TICKET, args=[ticket.pk]))


def _load_message(message_id, purpose):
    message = (
        TicketMessage.objects.select_related("ticket__customer", "ticket__product__seller", "author")
        .filter(pk=message_id)
        .first()
    )
    if message is None:
        logger.warning("Ticket message #%s: %s email not sent, the message no longer exists", message_id, purpose)
    return message


def _send(context, ticket, purpose, template, template_context, recipient):
    """Send one templated email to ``recipient`` for the task running with ``context``."""
    if not recipient.is_active:
        logger.info("Ticket #%s: %s email skipped, user #%s is inactive", ticket.pk, purpose, recipient.pk)
        return False
    template_context = {"ticket": ticket, "recipient": recipient, **template_context}
    about = f"Ticket #{ticket.pk}, user #{recipient.pk}: {purpose}"
    return send_email_from_task(context, f"catalogue/emails/{template}", template_context, [recipient.email], about=about)


@task(backend="db", takes_context=True)
def send_ticket_opened_email(context, message_id, attempt=1):
    """Tell the product's seller that a customer asked a question (the first message)."""
    message = _load_message(message_id, "new ticket")
    if message is None:
        return False
    ticket = message.ticket
    if ticket.product is None:
        logger.info("Ticket #%s: new ticket email skipped, the product was deleted", ticket.pk)
        return False
    template_context = {"message": message, "thread_url": thread_url(ticket, MessageRole.SELLER)}
    return _send(context, ticket, "new ticket", "ticket_new", template_context, ticket.product.seller)


@task(backend="db", takes_context=True)
def send_ticket_reply_email(context, message_id, attempt=1):
    """Email a reply to the other side: a seller's to the customer, a customer's to the seller."""
    message = _load_message(message_id, "reply")
    if message is None:
        return False
    ticket = message.ticket
    if message.author_role == MessageRole.SELLER:
        recipient, template, role = ticket.customer, "ticket_reply_to_customer", MessageRole.CUSTOMER
    else:
        if ticket.product is None:
            logger.info("Ticket #%s: reply email skipped, the product was deleted", ticket.pk)
            return False
        recipient, template, role = ticket.product.seller, "ticket_reply_to_seller", MessageRole.SELLER
    if recipient.pk == message.author_id:
        # Nobody needs an email about their own message.
        return False
    template_context = {"message": message, "thread_url": thread_url(ticket, role)}
    return _send(context, ticket, "reply", template, template_context, recipient)


@task(backend="db", takes_context=True)
def send_ticket_assigned_email(context, ticket_id, user_id, attempt=1):
    """Tell a staff member they were assigned to a ticket, if they still are."""
    ticket = SupportTicket.objects.select_related("customer", "product__seller").filter(pk=ticket_id).first()
    user = get_user_model()._default_manager.filter(pk=user_id).first()
    if ticket is None or user is None:
        logger.warning("Ticket #%s: assignment email to user #%s not sent, one of them is gone", ticket_id, user_id)
        return False
    if not user.is_staff or not ticket.assignees.filter(pk=user_id).exists():
        logger.info("Ticket #%s: assignment email skipped, user #%s is no longer an assigned editor", ticket_id, user_id)
        return False
    template_context = {
        "assignee": user,
        "message_count": ticket.messages.count(),
        "thread_url": thread_url(ticket, "staff"),
    }
    return _send(context, ticket, "assignment", "ticket_assigned", template_context, user)


# ESCALATION


@task(backend="db", takes_context=True)
def send_ticket_escalated_email(context, message_id, user_id, attempt=1):
    """Tell a staff member that a side of a ticket asked the marketplace to step in."""
    message = _load_message(message_id, "escalation")
    user = get_user_model()._default_manager.filter(pk=user_id).first()
    if message is None or user is None or not user.is_staff:
        logger.info("Ticket message #%s: escalation email to user #%s skipped", message_id, user_id)
        return False
    ticket = message.ticket
    template_context = {"message": message, "thread_url": _absolute(reverse(ADMIN_CONVERSATION, args=[ticket.pk]))}
    return _send(context, ticket, "escalation", "ticket_escalated", template_context, user)


def _party(ticket, role):
    if role == MessageRole.CUSTOMER:
        return ticket.customer
    return ticket.product.seller if ticket.product else None


@task(backend="db", takes_context=True)
def send_ticket_staff_reply_email(context, message_id, role, attempt=1):
    """Email the marketplace's message to one side of the ticket (``role``)."""
    message = _load_message(message_id, "staff reply")
    if message is None:
        return False
    ticket = message.ticket
    recipient = _party(ticket, role)
    if recipient is None:
        logger.info("Ticket #%s: staff reply email to the %s skipped, nobody there", ticket.pk, role)
        return False
    template_context = {"message": message, "thread_url": thread_url(ticket, role)}
    return _send(context, ticket, f"staff reply to {role}", "ticket_staff_reply", template_context, recipient)


@task(backend="db", takes_context=True)
def send_ticket_staff_closed_email(context, ticket_id, role, attempt=1):
    """Tell one side of the ticket (``role``) that the marketplace closed it."""
    ticket = SupportTicket.objects.select_related("customer", "product__seller").filter(pk=ticket_id).first()
    recipient = _party(ticket, role) if ticket else None
    if recipient is None:
        logger.info("Ticket #%s: staff close email to the %s skipped", ticket_id, role)
        return False
    template_context = {"thread_url": thread_url(ticket, role)}
    return _send(context, ticket, f"staff close to {role}", "ticket_staff_closed", template_context, recipient)
