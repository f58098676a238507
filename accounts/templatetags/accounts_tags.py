"""Template helpers for the portals and account pages."""

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import ngettext

register = template.Library()


@register.simple_tag(takes_context=True)
def portal_nav_link(context, view_name, label, exact=False):
    """A portal navigation link, marked current on its page and, unless ``exact``, on
    pages below it.

    A ``view_name`` that does not resolve raises ``NoReverseMatch``: a wrong URL name
    is a bug to see, not a link to leave out.
    """
    url = reverse(view_name)
    request = context.get("request")
    path = request.path if request else ""
    current = path == url if exact else path.startswith(url)
    if current:
        return format_html('<a href="{}" aria-current="page">{}</a>', url, label)
    return format_html('<a href="{}">{}</a>', url, label)


@register.filter
def humanize_duration(delta):
    """A ``timedelta`` in words: "15 minutes", "1 hour", "30 seconds"."""
    if delta is None:
        return ""
    seconds = max(0, int(delta.total_seconds()))
    if seconds >= 3600 and seconds % 3600 == 0:
        hours = seconds // 3600
        return ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours}
    if seconds >= 60:
        minutes = round(seconds / 60)
        return ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}
    return ngettext("%(n)d second", "%(n)d seconds", seconds) % {"n": seconds}
