"""Template helpers for the catalogue: prices and absolute URLs."""

from django import template
from django.conf import settings

from catalogue.formatting import format_money

register = template.Library()


@register.filter
def money(amount, currency=None):
    """``{{ product.price|money }}`` -> ``$19.00`` in the marketplace currency."""
    return format_money(amount, currency or settings.MARKETPLACE_CURRENCY)


@register.filter
def absolute_url(url):
    """Prefix a site-relative URL with ``SITE_URL`` (for canonical and OpenGraph tags)."""
    if not url:
        return ""
    if url.startswith(("http://", "https://")):
        return url
    return settings.SITE_URL + url


@register.inclusion_tag("catalogue/includes/price.html")
def product_price(product, size=""):
    """The price a buyer pays, with the original struck through when discounted."""
    return {"product": product, "size": size}
