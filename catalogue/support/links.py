"""Where each side of a ticket reads it: the portals' URL names, in one place.

Both portals route the ticket pages under the same URL names (``support``,
``support_new``, ``support_detail``, ``support_close``, ``support_reopen``,
``support_attachment``), each in its own namespace: ``accounts/portal_urls.py`` for
customers, ``seller_portal/urls.py`` for sellers. Pages and emails link through
:func:`portal_url`, so the names are spelled here only.
"""

from django.urls import reverse

from .models import MessageRole

PORTAL_NAMESPACES = {MessageRole.CUSTOMER: "portal", MessageRole.SELLER: "seller_portal"}

# Editors read a ticket on its Wagtail snippet edit page (catalogue/wagtail_hooks.py).
ADMIN_TICKET = "wagtailsnippets_catalogue_supportticket:edit"
# Staff write to both sides, refund the order and close the ticket on its conversation
# page (catalogue/support/admin_views.py), linked from the edit page.
ADMIN_CONVERSATION = "catalogue_ticket_conversation"


def portal_url_name(role, name):
    """``"<namespace>:<name>"`` in the portal of ``role`` (a :class:`MessageRole`)."""
    return f"{PORTAL_NAMESPACES[role]}:{name}"


def portal_url(role, name, **kwargs):
    """The path of ticket page ``name`` in the portal of ``role``."""
    return reverse(portal_url_name(role, name), kwargs=kwargs)
