"""Product money methods, the stored sort price, deletion rules and rich-text cleaning."""

from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import ProtectedError

from catalogue.formatting import format_money
from catalogue.models import CategoryInUseError, ProductCategory, ProductPage
from catalogue.sanitize import sanitize_rich_text
from tests.factories import ProductCategoryFactory, ProductPageFactory

# Even an unsaved page looks up its content type (cached, but the cache may be cold).
pytestmark = pytest.mark.django_db

# MONEY


def test_money_methods_without_a_discount():
    product = ProductPage(price=Decimal("19.99"))
    assert product.effective_price == Decimal("19.99")
    assert product.is_discounted is False
    assert product.discount_percent == 0
    assert product.price_minor == 1999


def test_money_methods_with_a_discount():
    product = ProductPage(price=Decimal("30.00"), selling_price=Decimal("19.99"))
    assert product.effective_price == Decimal("19.99")
    assert product.is_discounted is True
    # 33.36% off, rounded down: never claim more than the saving.
    assert product.discount_percent == 33
    assert product.price_minor == 1999


def test_price_cents_at_dodos_limit():
    assert ProductPage(price=Decimal("21474836.47")).price_minor == 2_147_483_647
    assert ProductPage(price=Decimal("0.10")).price_minor == 10


def test_currency_comes_from_settings(settings):
    settings.MARKETPLACE_CURRENCY = "EUR"
    assert ProductPage().currency == "EUR"


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        (Decimal("1234.5"), "USD", "$1,234.50"),
        (Decimal("19"), "EUR", "€19.00"),
        (Decimal("5.00"), "CHF", "5.00 CHF"),
        (None, "USD", ""),
    ],
)
def test_format_money(amount, currency, expected):
    assert format_money(amount, currency) == expected


def test_sort_price_follows_the_effective_price(site_tree):
    product = ProductPageFactory(price=Decimal("30.00"))
    assert product.sort_price == Decimal("30.00")
    product.selling_price = Decimal("25.00")
    product.save(update_fields=["selling_price"])
    product.refresh_from_db()
    assert product.sort_price == Decimal("25.00")
    product.selling_price = None
    product.save()
    assert ProductPage.objects.get(pk=product.pk).sort_price == Decimal("30.00")


def test_sort_price_follows_a_published_revision(site_tree):
    product = ProductPageFactory(price=Decimal("30.00"))
    product.selling_price = Decimal("10.00")
    product.save_revision().publish()
    assert ProductPage.objects.get(pk=product.pk).sort_price == Decimal("10.00")


# DELETION RULES


def test_a_category_with_products_cannot_be_deleted(site_tree):
    category = ProductCategoryFactory(name="E-books")
    ProductPageFactory.create_batch(2, category=category)
    with pytest.raises(CategoryInUseError) as caught:
        category.delete()
    assert str(caught.value) == (
        "“E-books” still has 2 products, so it cannot be deleted. Move them to another category or delete them first."
    )
    # It is a ProtectedError, as the database rule raises for bulk deletes.
    assert isinstance(caught.value, ProtectedError)
    with pytest.raises(ProtectedError):
        ProductCategory.objects.filter(pk=category.pk).delete()
    assert ProductCategory.objects.filter(pk=category.pk).exists()


def test_an_empty_category_can_be_deleted():
    category = ProductCategoryFactory()
    category.delete()
    assert not ProductCategory.objects.exists()


def test_a_seller_with_products_cannot_be_deleted(site_tree):
    product = ProductPageFactory()
    with pytest.raises(ProtectedError):
        product.seller.delete()
    assert ProductPage.objects.filter(pk=product.pk).exists()


def test_a_deleted_owner_leaves_the_category():
    from tests.factories import SellerFactory

    seller = SellerFactory()
    category = ProductCategoryFactory(owner=seller)
    seller.delete()
    category.refresh_from_db()
    assert category.owner is None


def test_filtered_and_sorted_columns_are_indexed():
    def indexed_columns(table):
        with connection.cursor() as cursor:
            constraints = connection.introspection.get_constraints(cursor, table)
        return {tuple(info["columns"]) for info in constraints.values() if info["index"] or info["unique"]}

    product_indexes = indexed_columns("catalogue_productpage")
    for columns in [("category_id",), ("seller_id",), ("featured",), ("sort_price",), ("category_id", "sort_price")]:
        assert columns in product_indexes, columns
    assert ("first_published_at",) in indexed_columns("wagtailcore_page")
    assert ("slug",) in indexed_columns("catalogue_productcategory")


# SANITISING


def test_sanitize_strips_scripts_handlers_and_javascript_links():
    dirty = (
        '<p onclick="steal()">Hello <b>world</b></p>'
        "<script>alert(1)</script>"
        '<img src="x" onerror="alert(2)">'
        '<a href="javascript:alert(3)">click</a>'
        '<a href="https://example.com/" target="_blank" style="color:red">ok</a>'
        '<iframe src="https://evil.example/"></iframe>'
        "<h2>Heading</h2><ul><li>item</li></ul><span>kept text</span>"
    )
    clean = sanitize_rich_text(dirty)
    assert "<script" not in clean and "alert(1)" not in clean
    assert "onerror" not in clean and "onclick" not in clean and "<img" not in clean
    assert "javascript:" not in clean
    assert "<iframe" not in clean and "style=" not in clean and "target=" not in clean
    assert '<a href="https://example.com/" rel="nofollow noopener noreferrer">ok</a>' in clean
    assert "<p>Hello <b>world</b></p>" in clean
    assert "<h2>Heading</h2><ul><li>item</li></ul>kept text" in clean


def test_sanitize_keeps_wagtails_internal_links_only():
    clean = sanitize_rich_text(
        '<p><a linktype="page" id="3">a page</a> <a linktype="evil" id="x">bad</a> <a id="name">named</a></p>'
    )
    assert '<a linktype="page" id="3"' in clean
    assert 'linktype="evil"' not in clean and 'id="x"' not in clean and 'id="name"' not in clean


def test_sanitized_body_renders_through_wagtail(site_tree):
    from wagtail.rich_text import expand_db_html

    product = ProductPageFactory()
    html = expand_db_html(sanitize_rich_text(f'<a linktype="page" id="{product.pk}" onclick="x()">see</a>'))
    assert html == f'<a href="{product.url}">see</a>'


def test_sanitize_empty():
    assert sanitize_rich_text("") == ""
    assert sanitize_rich_text(None) == ""
