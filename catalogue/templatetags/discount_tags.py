"""``{% load discount_tags %}``: what a discount code saved, for receipts and sale emails."""

from django import template

from ..discounts import discount_saving as saving_of
from ..formatting import format_money

register = template.Library()


@register.simple_tag
def discount_saving(order):
    """``{% discount_saving order as saved %}``: the formatted amount the order's code took
    off its price (``$5.00``), or ``""`` when there was none or it cannot be said."""
    saved = saving_of(order)
    return format_money(saved, order.currency) if saved is not None else ""
