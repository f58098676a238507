"""Refund requests on the customer's orders page.

{% load refund_tags %}
{% refund_requests orders as requested %}          (one query for the page)
{% for order in orders %}
  {% refund_request_action order requested as ask %}
  {% if ask.ticket_id %}...link to the conversation...{% elif ask.can_ask %}...{% endif %}
"""

from dataclasses import dataclass

from django import template

from catalogue.models import OrderStatus, SupportTicket
from catalogue.refunds import can_refund, is_free

register = template.Library()


@dataclass(frozen=True)
class RefundAsk:
    can_ask: bool
    ticket_id: int | None


@register.simple_tag
def refund_requests(orders):
    """``{order id: ticket id}`` of the refund requests about ``orders`` (one query)."""
    ids = [order.pk for order in orders]
    if not ids:
        return {}
    rows = SupportTicket.objects.filter(order_id__in=ids, refund_requested=True).order_by("pk")
    found = {}
    for order_id, ticket_id in rows.values_list("order_id", "pk"):
        found.setdefault(order_id, ticket_id)
    return found


@register.simple_tag
def refund_request_action(order, requested):
    """Whether the buyer may ask for a refund of ``order`` (paid, not free, something left
    to refund, inside Dodo's window, not asked yet), and the ticket if they asked."""
    ticket_id = requested.get(order.pk)
    can_ask = ticket_id is None and order.status == OrderStatus.PAID and not is_free(order) and can_refund(order)
    return RefundAsk(can_ask=can_ask, ticket_id=ticket_id)
