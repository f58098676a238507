"""Template tags about the signed-in user's orders."""

from django import template

from catalogue.orders import owned_order

register = template.Library()


@register.simple_tag(takes_context=True)
def owned_order_of(context, product):
    """The signed-in user's paid order of ``product`` (one query), or None."""
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return None
    return owned_order(user, product)
