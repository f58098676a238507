"""Pay what you want (issue 15, point 6): the product's rules, the seller's and the
editor's forms, the buy box, and the Buy POST refusing an amount it cannot charge.

The checkout and payment through the emulator are in tests/dodo/test_pwyw_checkout.py.
A refused amount never reaches Dodo, so these tests need no emulator.
"""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from wagtail.test.utils.form_data import nested_form_data, rich_text

from catalogue.models import Order, ProductPage
from tests.factories import PDF_BYTES, CustomerFactory, ProductCategoryFactory, ProductPageFactory, SellerFactory
from tests.seller_portal.conftest import pdf_upload, product_data

pytestmark = pytest.mark.django_db


def _errors(page):
    with pytest.raises(ValidationError) as caught:
        page.full_clean()
    return {field: [str(message) for message in messages] for field, messages in caught.value.message_dict.items()}


@pytest.fixture
def pwyw(site_tree):
    """Pay what you want from 5.00, 12.00 suggested."""
    return ProductPageFactory(
        title="Soundtrack Sampler", price=Decimal("5.00"), pay_what_you_want=True, suggested_price=Decimal("12.00")
    )


# THE PRODUCT'S RULES


def test_a_suggestion_below_the_minimum_is_refused(pwyw):
    pwyw.suggested_price = Decimal("4.99")
    assert _errors(pwyw)["suggested_price"] == ["The suggested price must be at least the minimum price (5.00)."]


def test_pay_what_you_want_has_no_selling_price(pwyw):
    pwyw.selling_price = Decimal("4.00")
    assert _errors(pwyw)["selling_price"] == [
        "Pay what you want has a minimum price, not a selling price: leave the selling price empty."
    ]


def test_a_minimum_of_zero_is_allowed_and_lets_buyers_take_it_free(site_tree):
    page = ProductPageFactory(price=Decimal("0"), pay_what_you_want=True)
    page.full_clean()
    assert page.may_be_had_free and not page.is_free
    assert page.suggested_amount == Decimal("0")


def test_a_suggestion_without_pay_what_you_want_is_dropped(site_tree):
    page = ProductPageFactory(price=Decimal("9.00"), suggested_price=Decimal("12.00"))
    page.full_clean()
    assert page.suggested_price is None


def test_the_minimum_and_the_suggestion(pwyw):
    assert (pwyw.minimum_price, pwyw.suggested_amount, pwyw.sort_price) == (
        Decimal("5.00"),
        Decimal("12.00"),
        Decimal("5.00"),  # listings sort it by what it costs at least
    )
    assert pwyw.suggested_price_minor == 1200


# THE SELLER'S FORM

CREATE_URL = reverse("seller_portal:product_create")


@pytest.fixture
def seller_client(client, db):
    seller = SellerFactory()
    client.force_login(seller)
    return client


def test_seller_sets_pay_what_you_want_with_a_minimum_and_a_suggestion(seller_client, site_tree):
    category = ProductCategoryFactory()
    data = product_data(category, price="3.00", pay_what_you_want="on", suggested_price="8.00", file=pdf_upload())
    assert seller_client.post(CREATE_URL, data).status_code == 302
    page = ProductPage.objects.get(title="The Sourdough Handbook")
    assert page.pay_what_you_want and page.price == Decimal("3.00") and page.suggested_price == Decimal("8.00")


def test_seller_form_explains_a_suggestion_below_the_minimum_and_keeps_what_was_typed(seller_client, site_tree):
    category = ProductCategoryFactory()
    data = product_data(category, price="10.00", pay_what_you_want="on", suggested_price="7.50", file=pdf_upload())
    response = seller_client.post(CREATE_URL, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "The suggested price must be at least the minimum price (10.00)." in html
    assert 'value="7.50"' in html and 'value="10.00"' in html
    assert not ProductPage.objects.exists()


def test_seller_form_offers_pay_what_you_want(seller_client, site_tree):
    html = seller_client.get(CREATE_URL).content.decode()
    assert 'name="pay_what_you_want"' in html and 'name="suggested_price"' in html
    assert "Enter 0 to give the product away free" in html


# THE EDITOR'S FORM (Wagtail admin)


def _admin_data(category, seller, **overrides):
    data = {
        "title": "Made in the admin",
        "slug": "made-in-the-admin",
        "seller": seller.pk,
        "category": category.pk,
        "summary": "Created through Wagtail's page editor.",
        "body": rich_text("<p>Body</p>"),
        "price": "4.00",
        "selling_price": "",
        "pay_what_you_want": "on",
        "suggested_price": "9.00",
        "tax_category": "e_book",
        "comments": {"TOTAL_FORMS": 0, "INITIAL_FORMS": 0, "MIN_NUM_FORMS": 0, "MAX_NUM_FORMS": 1000},
        "gallery_images": {"TOTAL_FORMS": 0, "INITIAL_FORMS": 0, "MIN_NUM_FORMS": 0, "MAX_NUM_FORMS": 1000},
        "action-publish": "publish",
    }
    data.update(overrides)
    data = nested_form_data(data)
    data["file"] = SimpleUploadedFile("book.pdf", PDF_BYTES)
    return data


def test_editor_sets_pay_what_you_want_in_wagtail_admin(client, staff, catalogue_index):
    client.force_login(staff)
    url = reverse("wagtailadmin_pages:add", args=["catalogue", "productpage", catalogue_index.pk])
    assert 'name="suggested_price"' in client.get(url).content.decode()
    response = client.post(url, _admin_data(ProductCategoryFactory(), SellerFactory()))
    assert response.status_code == 302, response.content.decode()[:2000]
    page = ProductPage.objects.get(slug="made-in-the-admin")
    assert page.pay_what_you_want and page.suggested_price == Decimal("9.00")


def test_editor_sees_a_suggestion_below_the_minimum_refused(client, staff, catalogue_index):
    client.force_login(staff)
    url = reverse("wagtailadmin_pages:add", args=["catalogue", "productpage", catalogue_index.pk])
    response = client.post(url, _admin_data(ProductCategoryFactory(), SellerFactory(), suggested_price="3.00"))
    assert response.status_code == 200
    assert "The suggested price must be at least the minimum price (4.00)." in response.content.decode()
    assert not ProductPage.objects.filter(slug="made-in-the-admin").exists()


# WHAT BUYERS SEE


def test_the_buy_box_asks_for_an_amount_prefilled_with_the_suggestion(client, pwyw):
    client.force_login(CustomerFactory())
    html = client.get(pwyw.url).content.decode()
    assert "Pay what you want" in html and "minimum $5.00" in html
    assert 'name="amount"' in html and 'value="12.00"' in html
    assert "the seller suggests $12.00" in html


def test_cards_say_from_the_minimum_or_pay_what_you_want(client, pwyw, catalogue_index):
    ProductPageFactory(title="Name a fair price", price=Decimal("0"), pay_what_you_want=True)
    ProductPageFactory(title="Given away", price=Decimal("0"))
    html = client.get(catalogue_index.url).content.decode()
    assert "From $5.00" in html
    assert "Pay what you want" in html
    assert ">Free<" in html


# THE BUY POST REFUSES WHAT IT CANNOT CHARGE


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("4.99", "The minimum for this product is $5.00: enter that or more."),
        ("0", "The minimum for this product is $5.00: enter that or more."),
        ("twelve", "Enter the amount as a number, for example 12.50."),
        ("", "Enter the amount you want to pay."),
        ("12.505", "Amounts in USD can have at most 2 decimal places."),
        ("99999999", "Enter an amount of at most $21,474,836.47."),
        ("NaN", "Enter the amount as a number, for example 12.50."),
    ],
)
def test_an_amount_that_cannot_be_charged_is_refused_on_the_product_page_as_typed(client, pwyw, typed, message):
    client.force_login(CustomerFactory())
    response = client.post(reverse("dodo:checkout", args=(pwyw.pk,)), {"amount": typed}, follow=True)
    html = response.content.decode()
    assert response.redirect_chain[-1][0].startswith(pwyw.url)
    assert message in html
    if typed:
        assert f'value="{typed}"' in html  # what they typed, to correct
    assert not Order.objects.exists()
