"""Template filters for dates shown to people (``{% load dates %}``); the formats live in
``catalogue.dates`` so pages, emails and admin columns read the same.

* ``{{ order.created_at|day }}``       -> ``1 Dec 2026``
* ``{{ order.created_at|day_time }}``  -> ``1 Dec 2026, 14:33``
  (``|day_time:"zone"`` -> ``1 Dec 2026, 14:33 UTC``, for emails)
* ``{{ ticket.updated_at|ago }}``      -> ``<time datetime="2026-12-01T14:33:00+00:00"
  title="1 Dec 2026, 14:33">5 minutes ago</time>``: HTML, so use it in page text only,
  never inside an attribute or a plain-text email (those use ``day``/``day_time``; an
  email is read later, when "5 minutes ago" is no longer true).
"""

from django import template
from django.utils.html import format_html

from catalogue import dates

register = template.Library()


@register.filter(expects_localtime=False)
def day(value):
    """``1 Dec 2026``."""
    return dates.format_day(value)


@register.filter(expects_localtime=False)
def day_time(value, arg=""):
    """``1 Dec 2026, 14:33`` in local time; ``|day_time:"zone"`` adds the zone
    (``1 Dec 2026, 14:33 UTC``), for emails."""
    return dates.format_day_time(value, with_zone=arg == "zone")


@register.filter(expects_localtime=False)
def ago(value):
    """``just now`` / ``5 minutes ago`` / ... in a ``<time>`` element whose ``datetime`` is
    the ISO instant and whose ``title`` shows the exact time on hover."""
    if not value:
        return ""
    return format_html(
        '<time datetime="{}" title="{}">{}</time>',
        dates.iso(value),
        dates.format_day_time(value),
        dates.format_ago(value),
    )
