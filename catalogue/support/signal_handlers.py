"""Receivers that turn support ticket events into emails; connected in ``CatalogueConfig.ready()``.

The services announce what happened (``ticket_opened``, ``ticket_replied``) and Django
the ``assignees`` m2m change; these receivers only decide who hears about it and enqueue
a task that takes ids, after the transaction commits: a rolled-back reply emails nobody,
and a slow mail server never holds up the request. The emails themselves are in
``tasks.py``.
"""

import logging
from functools import partial

from django.db import transaction

from .models import MessageRole
from .services import escalation_recipients
from .tasks import (
    send_ticket_assigned_email,
    send_ticket_escalated_email,
    send_ticket_opened_email,
    send_ticket_reply_email,
    send_ticket_staff_closed_email,
    send_ticket_staff_reply_email,
)

logger = logging.getLogger(__name__)


def email_seller_about_new_ticket(sender, ticket, message, **kwargs):
    """``ticket_opened``: the product's seller hears of the question."""
    transaction.on_commit(partial(send_ticket_opened_email.enqueue, message.pk))


def email_other_side_about_reply(sender, ticket, message, **kwargs):
    """``ticket_replied``: a seller's reply goes to the customer, a customer's to the seller."""
    transaction.on_commit(partial(send_ticket_reply_email.enqueue, message.pk))


def email_newly_assigned_staff(sender, instance, action, reverse, model, pk_set, **kwargs):
    """``m2m_changed`` on ``SupportTicket.assignees``: email each person just assigned, once.

    Only ``post_add`` counts, and its ``pk_set`` holds only the rows that were really
    inserted (Django leaves out people already assigned), so saving the admin form again
    or assigning someone twice sends nothing new. Removals and clears send nothing.

    Both directions are handled: ``ticket.assignees.add(user)`` (``reverse=False``:
    ``instance`` is the ticket, ``pk_set`` user ids) and
    ``user.assigned_support_tickets.add(ticket)`` (``reverse=True``: the other way round).
    """
    if action != "post_add" or not pk_set:
        return
    if reverse:
        pairs = [(ticket_id, instance.pk) for ticket_id in sorted(pk_set)]
    else:
        pairs = [(instance.pk, user_id) for user_id in sorted(pk_set)]
    for ticket_id, user_id in pairs:
        logger.info("Ticket #%s: user #%s assigned, emailing them after commit", ticket_id, user_id)
        transaction.on_commit(partial(send_ticket_assigned_email.enqueue, ticket_id, user_id))


def email_staff_about_escalation(sender, ticket, message, **kwargs):
    """``ticket_escalated``: each assigned staff member (or, with nobody assigned, each
    editor who may change tickets) hears that a side asked the marketplace to step in."""
    for user in escalation_recipients(ticket):
        transaction.on_commit(partial(send_ticket_escalated_email.enqueue, message.pk, user.pk))


def _sides(ticket):
    # A ticket whose product was deleted has no seller left to tell.
    return [MessageRole.CUSTOMER, MessageRole.SELLER] if ticket.product_id else [MessageRole.CUSTOMER]


def email_both_sides_about_staff_reply(sender, ticket, message, **kwargs):
    """``ticket_staff_replied``: the customer and the seller each get the marketplace's message."""
    for role in _sides(ticket):
        transaction.on_commit(partial(send_ticket_staff_reply_email.enqueue, message.pk, str(role)))


def email_both_sides_about_staff_close(sender, ticket, user, **kwargs):
    """``ticket_staff_closed``: the customer and the seller each hear the marketplace closed it."""
    for role in _sides(ticket):
        transaction.on_commit(partial(send_ticket_staff_closed_email.enqueue, ticket.pk, str(role)))
