"""Accepting the terms: what sign-up and "open a shop" record (``TermsAcceptance``).

The terms are a Wagtail page of the home app, so this module is where accounts reads
them (``home.legal``): their current version, and the link shown beside the checkbox.
"""

from django.utils.html import format_html
from django.utils.translation import gettext as _

from home.legal import current_terms_version, legal_url

from .models import TermsAcceptance


def record_acceptance(user, *documents):
    """Record that ``user`` accepted ``documents`` (``TermsAcceptance.Document`` values) in
    the version published now. Call it in the transaction that grants what they accept
    for, so there is never an account or a shop without its acceptance."""
    version = current_terms_version()
    return TermsAcceptance.objects.bulk_create(
        [TermsAcceptance(user=user, document=document, version=version) for document in documents]
    )


def terms_link_help():
    """The help text under an "I accept the terms" box: a link to read them first (in a
    new tab, so the form keeps what was typed)."""
    return format_html(
        '<a href="{}" target="_blank" rel="noopener">{}</a>', legal_url("terms"), _("Read the terms of service")
    )
