"""Short links: codes, collisions, reserved words, the redirect, clicks and attribution."""

import re
from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from catalogue.models import OrderStatus
from catalogue.referrals import REFERRALS_SESSION_KEY
from seller_portal import codes, services
from seller_portal.models import ShortLink
from tests.factories import OrderFactory, ProductPageFactory, ShortLinkFactory

from .conftest import count_queries

pytestmark = pytest.mark.django_db

CREATE_URL = reverse("seller_portal:short_link_create")
LIST_URL = reverse("seller_portal:short_links")


# CODES


def test_random_codes_are_eight_unambiguous_characters():
    drawn = {codes.random_code() for _ in range(500)}
    assert len(drawn) == 500
    for code in drawn:
        assert len(code) == 8
        assert re.fullmatch(r"[23456789abcdefghjkmnpqrstuvwxyz]{8}", code)
        assert not set(code) & set("0O1lIio")


def test_a_random_code_is_never_a_reserved_word():
    with mock.patch.object(codes.secrets, "choice", side_effect=list("payments") + list("k7dq2mxa")):
        assert codes.random_code() == "k7dq2mxa"


@pytest.mark.parametrize("code", ["spring-sale", "ABC", "a" * 40, "Pasta-2025"])
def test_chosen_codes_that_are_allowed(code):
    codes.validate_code(code)


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("ab", "3 to 40"),
        ("a" * 41, "3 to 40"),
        ("spring sale", "3 to 40"),
        ("sale/2", "3 to 40"),
        ("../admin", "3 to 40"),
        ("sälé", "3 to 40"),
        ("admin", "reserved"),
        ("Checkout", "reserved"),
        ("SELLER", "reserved"),
        ("static", "reserved"),
        ("api", "reserved"),
    ],
)
def test_chosen_codes_that_are_refused(code, message):
    with pytest.raises(Exception, match=message):
        codes.validate_code(code)


# CREATING


def test_a_seller_creates_a_random_code_for_their_product(seller_client, seller, site_tree):
    product = ProductPageFactory(seller=seller)
    response = seller_client.post(CREATE_URL, {"product": product.pk, "code": "", "seller": "999", "clicks": "500"})
    assert response.status_code == 302
    link = ShortLink.objects.get()
    assert (link.seller, link.product, link.clicks, link.is_active) == (seller, product, 0, True)
    assert len(link.code) == 8


def test_a_seller_chooses_a_code(seller_client, seller, site_tree):
    product = ProductPageFactory(seller=seller)
    seller_client.post(CREATE_URL, {"product": product.pk, "code": " Spring-Sale "})
    assert ShortLink.objects.get().code == "Spring-Sale"


def test_a_chosen_code_is_unique_whatever_its_case(seller_client, seller, site_tree):
    ShortLinkFactory(code="spring-sale")
    product = ProductPageFactory(seller=seller)
    response = seller_client.post(CREATE_URL, {"product": product.pk, "code": "SPRING-sale"})
    assert response.status_code == 200
    assert "already taken" in response.context["form"].errors["code"][0]
    assert 'value="SPRING-sale"' in response.content.decode()
    assert ShortLink.objects.count() == 1
    # The database says so too, should two requests race past the form's check.
    with pytest.raises(IntegrityError), transaction.atomic():
        ShortLink.objects.create(seller=seller, product=product, code="Spring-SALE")


def test_reserved_and_malformed_codes_are_refused_by_the_form(seller_client, seller, site_tree):
    product = ProductPageFactory(seller=seller)
    for code, message in (("admin", "reserved"), ("no spaces", "letters, digits or dashes")):
        response = seller_client.post(CREATE_URL, {"product": product.pk, "code": code})
        assert message in response.context["form"].errors["code"][0]
    assert not ShortLink.objects.exists()


def test_only_the_sellers_own_products_can_be_linked(seller_client, seller, site_tree):
    mine = ProductPageFactory(seller=seller)
    theirs = ProductPageFactory()
    form = seller_client.get(CREATE_URL).context["form"]
    assert list(form.fields["product"].queryset) == [mine]

    response = seller_client.post(CREATE_URL, {"product": theirs.pk, "code": "steal-it"})
    assert "product" in response.context["form"].errors
    assert not ShortLink.objects.exists()


def test_a_random_code_collision_draws_again(seller, site_tree):
    product = ProductPageFactory(seller=seller)
    ShortLinkFactory(code="aaaaaaaa")
    with mock.patch.object(services, "random_code", side_effect=["aaaaaaaa", "bbbbbbbb"]):
        link = services.create_short_link(seller, product)
    assert link.code == "bbbbbbbb"


def test_a_chosen_code_taken_at_the_last_moment_is_reported_on_the_field(seller_client, seller, site_tree):
    product = ProductPageFactory(seller=seller)
    with mock.patch.object(services, "create_short_link", side_effect=services.ShortLinkCodeTaken("late")):
        response = seller_client.post(CREATE_URL, {"product": product.pk, "code": "late"})
    assert "taken a moment ago" in response.context["form"].errors["code"][0]


# FOLLOWING


def test_following_a_link_redirects_to_the_product_page_and_counts_the_click(client, site_tree):
    link = ShortLinkFactory(code="pasta")
    response = client.get("/s/pasta/")
    assert response.status_code == 302
    # The fragment names the link to the page's view counter (catalogue.analytics).
    assert response["Location"] == f"{link.product.url}#via=pasta"
    assert response["Location"].startswith("/catalogue/")
    link.refresh_from_db()
    assert link.clicks == 1
    assert timezone.now() - link.last_clicked_at < timedelta(seconds=5)

    # Any letter case; every click counts.
    client.get("/s/PASTA/")
    link.refresh_from_db()
    assert link.clicks == 2


def test_a_head_request_is_answered_but_not_counted(client, site_tree):
    link = ShortLinkFactory(code="preview")
    response = client.head("/s/preview/")
    assert response.status_code == 302
    link.refresh_from_db()
    assert link.clicks == 0
    assert REFERRALS_SESSION_KEY not in client.session


def test_clicks_are_counted_in_the_database_not_from_a_stale_copy(client, site_tree):
    link = ShortLinkFactory(code="race")
    # Another request counted clicks since this object was loaded.
    ShortLink.objects.filter(pk=link.pk).update(clicks=41)
    services.follow_short_link("race", client.session)
    link.refresh_from_db()
    assert link.clicks == 42


def test_unknown_disabled_and_unpublished_links_are_not_found(client, site_tree):
    ShortLinkFactory(code="off", is_active=False)
    draft = ShortLinkFactory(code="draft", product=ProductPageFactory(live=False))
    for code in ("nothing-here", "off", "draft"):
        assert client.get(f"/s/{code}/").status_code == 404
    draft.refresh_from_db()
    assert draft.clicks == 0


def test_a_short_link_cannot_redirect_off_site(client, site_tree):
    ShortLinkFactory(code="safe")
    for path in ("/s/%2F%2Fevil.example/", "/s/http:%2F%2Fevil.example/", "/s/safe/?next=https://evil.example"):
        response = client.get(path)
        if response.status_code == 302:
            assert response["Location"].startswith("/catalogue/")
        else:
            assert response.status_code == 404
    assert client.post("/s/safe/").status_code == 405


def test_following_a_link_remembers_the_code_for_the_products_checkout(client, site_tree):
    first = ShortLinkFactory(code="first")
    second = ShortLinkFactory(code="second")
    client.get("/s/first/")
    client.get("/s/second/")
    assert client.session[REFERRALS_SESSION_KEY] == {
        str(first.product_id): "first",
        str(second.product_id): "second",
    }
    # The last link followed to a product wins.
    third = ShortLinkFactory(code="third", product=first.product, seller=first.seller)
    client.get("/s/THIRD/")
    assert client.session[REFERRALS_SESSION_KEY][str(third.product_id)] == "third"


# LISTING


def test_the_list_shows_clicks_last_click_and_the_sales_that_followed(seller_client, seller, site_tree):
    product = ProductPageFactory(seller=seller, price=Decimal("12.00"))
    link = ShortLinkFactory(product=product, code="newsletter")
    ShortLinkFactory(product=product, code="quiet")
    ShortLinkFactory(code="not-mine")
    ShortLink.objects.filter(pk=link.pk).update(clicks=7, last_clicked_at=timezone.now() - timedelta(hours=2))
    OrderFactory(product=product, referral_code="newsletter")
    OrderFactory(product=product, referral_code="newsletter", status=OrderStatus.REFUNDED)
    OrderFactory(product=product, referral_code="newsletter", status=OrderStatus.PENDING, paid_at=None)
    OrderFactory(product=product)  # not through a link

    response = seller_client.get(LIST_URL)
    links = {item.code: item for item in response.context["links"]}
    assert set(links) == {"newsletter", "quiet"}
    assert (links["newsletter"].clicks, links["newsletter"].sales) == (7, 2)
    assert (links["quiet"].clicks, links["quiet"].sales) == (0, 0)
    html = response.content.decode()
    assert "http://testserver/s/newsletter/" in html
    assert ">2 hours ago</time>" in html
    assert "Never" in html

    # Sales are counted in the same query as the rows, not per link.
    before = count_queries(seller_client, LIST_URL)
    for n in range(5):
        other = ProductPageFactory(seller=seller)
        ShortLinkFactory(product=other, code=f"more-{n}")
        OrderFactory(product=other, referral_code=f"more-{n}")
    assert count_queries(seller_client, LIST_URL) == before


def test_disabling_enabling_and_deleting(seller_client, seller, client, site_tree):
    link = ShortLinkFactory(product=ProductPageFactory(seller=seller), code="toggle")
    active_url = reverse("seller_portal:short_link_active", args=[link.pk])

    seller_client.post(active_url, {"active": "0"})
    link.refresh_from_db()
    assert not link.is_active
    assert seller_client.get("/s/toggle/").status_code == 404

    seller_client.post(active_url, {"active": "1"})
    link.refresh_from_db()
    assert link.is_active
    assert seller_client.get("/s/toggle/").status_code == 302

    assert seller_client.get(reverse("seller_portal:short_link_delete", args=[link.pk])).status_code == 405
    seller_client.post(reverse("seller_portal:short_link_delete", args=[link.pk]))
    assert not ShortLink.objects.filter(pk=link.pk).exists()


# ATTRIBUTION, END TO END


def test_a_sale_through_a_short_link_is_attributed_to_it(
    seller_client, seller, site_tree, customer, dodo_settings, django_capture_on_commit_callbacks
):
    """Click -> session -> checkout stores the code on the order -> the link's sales.

    The checkout side belongs to the dodo app; this checks the contract between the two
    (the ``short_link_referrals`` session key), so it is skipped where checkout is absent.
    """
    try:
        reverse("dodo:checkout", args=[1])
    except NoReverseMatch:
        pytest.skip("no checkout view in this tree yet")

    with django_capture_on_commit_callbacks(execute=True):
        product = ProductPageFactory(seller=seller, price=Decimal("15.00"))
    ShortLinkFactory(product=product, code="podcast")

    buyer = Client()
    buyer.force_login(customer)
    buyer.get("/s/podcast/")
    with django_capture_on_commit_callbacks(execute=True):
        response = buyer.post(reverse("dodo:checkout", args=[product.pk]))
    assert response.status_code == 302
    order = product.orders.get(customer=customer)
    assert order.referral_code == "podcast"

    # Once paid (the webhook's job), the sale shows on the seller's link.
    product.orders.filter(pk=order.pk).update(status=OrderStatus.PAID, paid_at=timezone.now())
    [link] = seller_client.get(LIST_URL).context["links"]
    assert link.sales == 1
