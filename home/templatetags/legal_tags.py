"""``{% legal_links as legal %}``: the legal pages by kind (``legal.terms.url``,
``legal.refunds.title``) for the footer and the buy box. Their addresses are fixed by
kind, so a page view adds no query."""

from django import template

from home.legal import legal_links as fixed_legal_links

register = template.Library()


@register.simple_tag
def legal_links():
    return fixed_legal_links()
