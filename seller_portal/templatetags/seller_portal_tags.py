"""Template helpers for the seller portal."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from catalogue.extensions import SYNC_STATE, product_sync_provider

register = template.Library()

# Badge style per sync state (the values the product sync provider reports: dodo's
# SyncStatus; the portal imports nothing from dodo and reads none of its tables).
SYNC_BADGES = {"synced": "badge-success", "pending": "badge-warning", "failed": "badge-danger", "rejected": "badge-danger"}


@register.simple_tag
def dodo_sync_badge(page):
    """The product's checkout state as a badge, from the ``sync_state`` annotation that
    ``seller_products()`` asks the product sync provider for; "Not sent yet" without one."""
    state = getattr(page, SYNC_STATE, None)
    if state is None:
        return format_html('<span class="badge">{}</span>', _("Not sent yet"))
    return format_html('<span class="badge {}">{}</span>', SYNC_BADGES.get(state, ""), product_sync_provider().label(state))
