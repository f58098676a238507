"""Support ticket counts for the portals' navigation, one COUNT query each.

    {% load ticket_tags %}
    {% customer_open_tickets as n %}{% nav_label_with_count "Support" n "open" as label %}
    {% portal_nav_link "portal:support" label %}

Django finds tag libraries only in an app's ``templatetags`` package: this library is
registered there as ``ticket_tags`` (``catalogue/templatetags/ticket_tags.py``).
"""

from django import template
from django.utils.html import format_html
from django.utils.translation import ngettext

from .models import SupportTicket

register = template.Library()


def _user(context):
    user = context.get("user")
    return user if user is not None and user.is_authenticated else None


@register.simple_tag(takes_context=True)
def customer_open_tickets(context):
    """How many of the signed-in customer's tickets are not closed (0 when signed out)."""
    user = _user(context)
    if user is None:
        return 0
    return SupportTicket.objects.for_customer(user).not_closed().count()


@register.simple_tag(takes_context=True)
def seller_unanswered_tickets(context):
    """How many tickets about the signed-in seller's products wait for their reply."""
    user = _user(context)
    if user is None:
        return 0
    return SupportTicket.objects.for_seller(user).unanswered().count()


def _spoken(count, kind):
    if kind == "unanswered":
        return ngettext("%(n)d ticket waiting for your reply", "%(n)d tickets waiting for your reply", count) % {
            "n": count
        }
    return ngettext("%(n)d open ticket", "%(n)d open tickets", count) % {"n": count}


@register.simple_tag
def nav_label_with_count(label, count, kind="open"):
    """``label`` followed by a count badge (nothing when the count is 0), as safe HTML.

    ``kind`` (``"open"`` or ``"unanswered"``) words what a screen reader hears for the
    number, since a bare "2" beside "Support" says nothing.
    """
    if not count:
        return format_html("{}", label)
    return format_html(
        '{} <span class="badge badge-brand nav-count" aria-hidden="true">{}</span>'
        '<span class="visually-hidden"> ({})</span>',
        label,
        count,
        _spoken(count, kind),
    )
