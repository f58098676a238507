"""Buyers learn before they press Buy whether tax comes on top of the price, and after
paying what the tax was (PRICES_INCLUDE_TAX decides which wording applies)."""

from decimal import Decimal

import pytest
from django.test import override_settings

from catalogue.models import OrderStatus
from catalogue.templatetags.catalogue_tags import paid_summary
from tests.factories import CustomerFactory, OrderFactory, ProductPageFactory

pytestmark = pytest.mark.django_db

ADDED = "VAT/sales tax added at checkout where applicable"
INCLUDED = "Tax included"


@pytest.fixture
def product(site_tree):
    return ProductPageFactory(title="Field Recordings", price=Decimal("12.50"))


@pytest.mark.parametrize("signed_in", [False, True])
@override_settings(PRICES_INCLUDE_TAX=False)
def test_tax_added_at_checkout_is_said_beside_the_price_and_the_buy_button(client, product, signed_in):
    if signed_in:
        client.force_login(CustomerFactory())
    html = client.get(product.url).content.decode()
    assert ADDED in html and INCLUDED not in html
    buy_box = html[html.index('class="buy-box'):html.index("</aside>")]
    assert ADDED in buy_box
    if signed_in:
        assert buy_box.index("$12.50") < buy_box.index(ADDED) < buy_box.index("Buy now")


@pytest.mark.parametrize("signed_in", [False, True])
@override_settings(PRICES_INCLUDE_TAX=True)
def test_tax_included_is_said_when_prices_include_it(client, product, signed_in):
    if signed_in:
        client.force_login(CustomerFactory())
    html = client.get(product.url).content.decode()
    buy_box = html[html.index('class="buy-box'):html.index("</aside>")]
    assert INCLUDED in buy_box and ADDED not in html


def test_what_was_paid_is_shown_in_the_currency_paid_with_its_tax(site_tree):
    order = OrderFactory(
        amount=Decimal("12.50"),
        currency="USD",
        paid_total=Decimal("14.20"),
        paid_tax=Decimal("2.37"),
        paid_currency="EUR",
        settlement_amount=Decimal("15.40"),
        settlement_currency="USD",
        discount_code="SPRING10",
        refunded_total=Decimal("4.20"),
    )
    paid = paid_summary(order)
    assert (paid.total, paid.tax, paid.subtotal, paid.currency) == ("€14.20", "€2.37", "€11.83", "EUR")
    assert paid.discount_code == "SPRING10" and paid.refunded == "€4.20" and paid.left_after_refund == "€10.00"
    assert paid.is_partly_refunded and not paid.is_refunded


def test_an_order_paid_before_charges_were_recorded_shows_its_price(site_tree):
    paid = paid_summary(OrderFactory(amount=Decimal("1000"), currency="JPY", status=OrderStatus.REFUNDED))
    assert (paid.total, paid.tax, paid.currency, paid.refunded) == ("¥1,000", "", "JPY", "")
    assert paid.is_refunded
