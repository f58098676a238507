"""Template helpers for the seller portal."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

register = template.Library()

# Badge style per Dodo sync state (the values of dodo.models.SyncStatus, read through the
# page's ``dodo_product`` relation; the portal imports nothing from dodo).
SYNC_BADGES = {"synced": "badge-success", "pending": "badge-warning", "failed": "badge-danger"}


@register.simple_tag
def dodo_sync_badge(page):
    """The product's Dodo sync state as a badge; "Not sent yet" when it has no record."""
    record = getattr(page, "dodo_product", None)
    if record is None:
        return format_html('<span class="badge">{}</span>', _("Not sent yet"))
    css = SYNC_BADGES.get(record.sync_status, "")
    return format_html('<span class="badge {}">{}</span>', css, record.get_sync_status_display())
