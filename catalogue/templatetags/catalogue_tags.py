"""Template helpers for the catalogue: prices, tax wording, what an order charged, and
absolute URLs."""

from dataclasses import dataclass
from decimal import Decimal

from django import template
from django.conf import settings
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from catalogue.formatting import format_money
from catalogue.models import OrderStatus
from catalogue.page_cache import cached_fragments
from catalogue.services import ProductCards

register = template.Library()


@register.filter
def money(amount, currency=None):
    """``{{ product.price|money }}`` -> ``$19.00`` in the marketplace currency."""
    return format_money(amount, currency or settings.MARKETPLACE_CURRENCY)


@register.filter
def page_window(page_obj):
    """``{% for number in page_obj|page_window %}``: the first and last page numbers and two
    either side of the current one, with ``None`` for each gap. A bounded list, however
    many pages there are (Django's ``Paginator.get_elided_page_range``)."""
    numbers = page_obj.paginator.get_elided_page_range(page_obj.number, on_each_side=2, on_ends=1)
    return [None if number == page_obj.paginator.ELLIPSIS else number for number in numbers]


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


PRODUCT_CARD_TEMPLATE = "catalogue/includes/product_card.html"


@register.simple_tag(takes_context=True)
def product_cards(context, products):
    """``{% product_cards products %}``: the grid's cards, each the same for every visitor.

    Cards come from the page cache's fragments (one cache read for the whole grid), so a
    signed-in visitor's listing renders and routes only the cards not seen since the last
    change; ``products`` must be loaded with ``ProductPage.objects.with_card_data()``.
    """
    if isinstance(products, ProductCards):
        # Ids only: the products of the cards not in the cache are loaded in render().
        by_name = {f"product-card:{pk}": pk for pk in products.ids}
        load = products.load
    else:
        by_name = {f"product-card:{product.pk}": product for product in products}
        load = None
    template = context.template.engine.get_template(PRODUCT_CARD_TEMPLATE)

    def render(names):
        missing = [by_name[name] for name in names]
        if load is not None:
            missing = load(missing)
        pieces = {}
        for product in missing:
            with context.push(product=product):
                pieces[f"product-card:{product.pk}"] = template.render(context)
        return pieces

    pieces = cached_fragments(context.get("request"), by_name, render)
    # A product gone between the page's ids and its loading (just deleted) has no card.
    return mark_safe("".join(pieces.get(name, "") for name in by_name))  # noqa: S308 (rendered templates)


class CachedFragmentNode(template.Node):
    def __init__(self, nodelist, name, key):
        self.nodelist, self.name, self.key = nodelist, name, key

    def render(self, context):
        name = f"{self.name}:{self.key.resolve(context)}"
        pieces = cached_fragments(
            context.get("request"), [name], lambda names: {name: self.nodelist.render(context) for name in names}
        )
        return pieces[name]


@register.tag("cached_fragment")
def do_cached_fragment(parser, token):
    """``{% cached_fragment "related" page.pk %}...{% endcached_fragment %}``: a piece of a
    page that is the same for every visitor, kept with the cached pages and purged with
    them (``page_cache.cached_fragments``). Whatever it reads must be evaluated inside it
    (a lazy queryset), so a cached piece costs no query."""
    bits = token.split_contents()
    if len(bits) != 3 or bits[1][0] not in "'\"" or bits[1][0] != bits[1][-1]:
        raise template.TemplateSyntaxError(f"{bits[0]} takes a quoted name and a key")
    nodelist = parser.parse(("endcached_fragment",))
    parser.delete_first_token()
    return CachedFragmentNode(nodelist, bits[1][1:-1], parser.compile_filter(bits[2]))


@register.simple_tag
def tax_note():
    """Whether a product's price already includes tax, as a buyer should read it.

    Dodo adds VAT or sales tax by the buyer's country unless prices are set to include
    it (``PRICES_INCLUDE_TAX``); saying which, before the buyer presses Buy, is what
    keeps the total on Dodo's page from being a surprise. Read at render time, so a
    settings change shows at once.
    """
    if settings.PRICES_INCLUDE_TAX:
        return _("Tax included")
    return _("VAT/sales tax added at checkout where applicable")


@dataclass(frozen=True)
class PaidSummary:
    """What a buyer paid for an order, ready to show them (strings already formatted).

    Buyers see what they were charged, in the currency they paid in; the settlement
    (what reached the marketplace after a conversion) is the operator's business.
    """

    currency: str
    total: str
    subtotal: str  # the total less its tax; "" when no tax figure is known
    tax: str  # "" for orders paid before the tax was recorded
    has_tax: bool  # some tax was charged (a zero tax line is noise in a table)
    discount_code: str
    refunded: str  # "" when nothing was refunded
    left_after_refund: str  # what the buyer paid in the end, after partial refunds
    is_partly_refunded: bool
    is_refunded: bool
    is_charged_back: bool


@register.simple_tag
def paid_summary(order):
    """``{% paid_summary order as paid %}``: total, tax, currency, discount and refunds.

    Orders paid before the charge was recorded (``paid_total`` is None) show their
    price and currency, which is all that is known of them.
    """
    recorded = order.paid_total is not None
    currency = (order.paid_currency if recorded and order.paid_currency else order.currency) or ""
    total = order.paid_total if recorded else order.amount
    tax = order.paid_tax if recorded else None
    refunded = order.refunded_total or Decimal("0")
    return PaidSummary(
        currency=currency.upper(),
        total=format_money(total, currency),
        subtotal=format_money(total - tax, currency) if tax is not None else "",
        tax=format_money(tax, currency) if tax is not None else "",
        has_tax=bool(tax),
        discount_code=order.discount_code,
        refunded=format_money(refunded, currency) if refunded > 0 else "",
        left_after_refund=format_money(max(total - refunded, Decimal("0")), currency) if refunded > 0 else "",
        is_partly_refunded=order.status == OrderStatus.PAID and refunded > 0,
        is_refunded=order.status == OrderStatus.REFUNDED,
        is_charged_back=order.status == OrderStatus.CHARGEBACK,
    )


@register.filter
def signed_money(amount, currency=None):
    """``-10`` -> ``−$10.00``, ``5`` -> ``+$5.00``: a change to a balance, sign first."""
    if amount is None:
        return ""
    currency = currency or settings.MARKETPLACE_CURRENCY
    # A real minus sign (U+2212): a hyphen reads as a dash in running text.
    sign = "\u2212" if amount < 0 else "+" if amount > 0 else ""
    return sign + format_money(abs(amount), currency)
