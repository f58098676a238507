"""Sellers' discount codes in the portal: list, create, edit, deactivate, delete, and
ownership (another seller's code or product is a 404 or a refused choice)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from catalogue.models import DiscountCode, OrderStatus
from tests.factories import DiscountCodeFactory, OrderFactory, ProductPageFactory

from .conftest import count_queries

pytestmark = pytest.mark.django_db

LIST_URL = reverse("seller_portal:discounts")
CREATE_URL = reverse("seller_portal:discount_create")


def _url(name, code):
    return reverse(f"seller_portal:discount_{name}", args=[code.pk])


def _form(**overrides):
    data = {"code": "spring-20", "percent": "20", "last_day": "", "usage_limit": ""}
    data.update(overrides)
    return data


def test_the_nav_leads_to_the_discounts(seller_client):
    html = seller_client.get(reverse("seller_portal:short_links")).content.decode()
    assert f'href="{LIST_URL}"' in html and "Discounts" in html


def test_creating_a_code_for_some_of_my_products(seller_client, seller, site_tree):
    mine = ProductPageFactory(seller=seller, title="Brush Pack")
    ProductPageFactory(seller=seller, title="Paper Pack")
    last_day = timezone.localdate() + timedelta(days=30)
    response = seller_client.post(
        CREATE_URL, _form(products=[str(mine.pk)], usage_limit="100", last_day=last_day.isoformat())
    )
    assert response.status_code == 302 and response["Location"] == LIST_URL
    code = DiscountCode.objects.get()
    assert (code.code, code.percent, code.usage_limit, code.seller) == ("SPRING-20", 20, 100, seller)
    assert list(code.products.all()) == [mine]
    assert code.last_day() == last_day  # it works until the end of that day
    assert not code.is_expired(timezone.now() + timedelta(days=30))


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("code", "ab", "A code has 3 to 16 characters."),
        ("code", "SEVENTEEN-LETTERS", "A code has 3 to 16 characters."),
        ("code", "spring 20", "Use only letters, digits, “-” and “_” (no spaces), e.g. SPRING-20."),
        ("percent", "0", "Ensure this value is greater than or equal to 1."),
        ("percent", "101", "Ensure this value is less than or equal to 100."),
        ("usage_limit", "0", "A usage limit is at least 1; leave it empty for no limit."),
        ("last_day", "2001-01-01", "The last day can't be in the past."),
    ],
)
def test_bad_input_is_explained_beside_the_field_and_kept(seller_client, field, value, message):
    response = seller_client.post(CREATE_URL, _form(**{field: value}))
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert f'value="{value}"' in response.content.decode()
    assert not DiscountCode.objects.exists()


def test_a_code_taken_anywhere_in_the_marketplace_is_refused(seller_client):
    DiscountCodeFactory(code="SPRING-20")  # another seller's
    response = seller_client.post(CREATE_URL, _form(code="Spring-20"))
    assert response.context["form"].errors["code"] == [
        "“SPRING-20” is already taken: codes are unique across the marketplace. Try another."
    ]
    assert DiscountCode.objects.count() == 1


def test_another_sellers_product_cannot_be_chosen(seller_client, site_tree, other_seller):
    theirs = ProductPageFactory(seller=other_seller)
    response = seller_client.post(CREATE_URL, _form(products=[str(theirs.pk)]))
    assert response.status_code == 200
    assert "products" in response.context["form"].errors
    assert not DiscountCode.objects.exists()
    # Nor is it offered.
    assert theirs.title not in seller_client.get(CREATE_URL).content.decode()


def test_another_sellers_code_is_not_found(seller_client, other_seller, site_tree):
    theirs = DiscountCodeFactory(seller=other_seller, code="THEIRS")
    assert seller_client.get(_url("edit", theirs)).status_code == 404
    assert seller_client.post(_url("edit", theirs), _form(code="MINE-NOW")).status_code == 404
    assert seller_client.post(_url("active", theirs), {"active": "0"}).status_code == 404
    assert seller_client.post(_url("delete", theirs)).status_code == 404
    assert "THEIRS" not in seller_client.get(LIST_URL).content.decode()
    theirs.refresh_from_db()
    assert theirs.code == "THEIRS" and theirs.active


def test_editing_keeps_products_to_my_own(seller_client, seller, site_tree):
    mine = ProductPageFactory(seller=seller)
    code = DiscountCodeFactory(seller=seller, code="EDIT-ME", percent=10)
    response = seller_client.post(_url("edit", code), _form(code="EDIT-ME", percent="15", products=[str(mine.pk)]))
    assert response.status_code == 302
    code.refresh_from_db()
    assert code.percent == 15 and list(code.products.all()) == [mine]


def test_a_used_code_keeps_its_text_cannot_be_deleted_and_can_be_deactivated(seller_client, seller, site_tree):
    product = ProductPageFactory(seller=seller)
    code = DiscountCodeFactory(seller=seller, code="USED")
    OrderFactory(product=product, discount_code="USED")

    form = seller_client.get(_url("edit", code)).context["form"]
    assert form.fields["code"].disabled
    seller_client.post(_url("edit", code), _form(code="RENAMED", percent="20"), follow=True)
    code.refresh_from_db()
    assert code.code == "USED"

    response = seller_client.post(_url("delete", code), follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        "USED was used, so its orders keep it: deactivate it instead."
    ]
    assert DiscountCode.objects.filter(pk=code.pk).exists()

    seller_client.post(_url("active", code), {"active": "0"})
    code.refresh_from_db()
    assert not code.active
    seller_client.post(_url("active", code), {"active": "1"})
    code.refresh_from_db()
    assert code.active


def test_an_unused_code_can_be_deleted(seller_client, seller):
    code = DiscountCodeFactory(seller=seller, code="NEVERUSED")
    response = seller_client.post(_url("delete", code), follow=True)
    assert [str(m) for m in response.context["messages"]] == ["NEVERUSED is deleted."]
    assert not DiscountCode.objects.exists()


def test_the_list_shows_uses_limit_revenue_and_state_in_a_bounded_number_of_queries(seller_client, seller, site_tree):
    product = ProductPageFactory(seller=seller, title="Brush Pack", price=Decimal("25.00"))
    code = DiscountCodeFactory(seller=seller, code="LAUNCH", usage_limit=10, products=[product])
    OrderFactory(product=product, discount_code="LAUNCH", amount=Decimal("25.00"), net_amount=Decimal("20.00"))
    OrderFactory(product=product, discount_code="LAUNCH", amount=Decimal("25.00"), net_amount=Decimal("20.00"))
    # A refunded order used the code (a use) but brings no revenue; a pending one neither.
    OrderFactory(product=product, discount_code="LAUNCH", status=OrderStatus.REFUNDED, net_amount=Decimal("20.00"))
    OrderFactory(product=product, discount_code="LAUNCH", status=OrderStatus.PENDING, paid_at=None)
    DiscountCodeFactory(seller=seller, code="OLD", expires_at=timezone.now() - timedelta(days=1))
    DiscountCodeFactory(seller=seller, code="PAUSED", active=False)

    html = seller_client.get(LIST_URL).content.decode()
    assert "LAUNCH" in html and "3 / 10" in html and "$40.00" in html and "Brush Pack" in html
    assert "Expired" in html and "Deactivated" in html and "All your products" in html
    assert 'data-label="Uses"' in html  # rows become labelled cards on phones
    listed = DiscountCode.objects.with_usage().get(pk=code.pk)
    assert (listed.uses, listed.revenue) == (3, Decimal("40.00"))

    before = count_queries(seller_client, LIST_URL)
    for n in range(5):
        other = ProductPageFactory(seller=seller)
        DiscountCodeFactory(seller=seller, code=f"MORE{n}", products=[other])
        OrderFactory(product=other, discount_code=f"MORE{n}")
    assert count_queries(seller_client, LIST_URL) == before


def test_the_portal_needs_a_seller(client, customer):
    client.force_login(customer)
    assert client.get(LIST_URL).status_code in (302, 403)


def test_seed_demo_codes_once(site_tree, seller, other_seller):
    from catalogue.discount_demo import seed_discount_codes

    rust = ProductPageFactory(seller=seller, title="Intro to Rust: a friendly first book")
    assert seed_discount_codes([seller, other_seller]) == 5
    assert seed_discount_codes([seller, other_seller]) == 0
    codes = {code.code: code for code in DiscountCode.objects.all()}
    assert codes["SPRING20"].seller is None and codes["SPRING20"].percent == 20
    assert list(codes["RUST-FRIENDS"].products.all()) == [rust]
    assert codes["LAUNCH-15"].seller == seller and codes["LAUNCH-15"].state() == "active"
    assert codes["BLACKFRIDAY"].seller == other_seller and not codes["BLACKFRIDAY"].active
