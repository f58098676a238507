"""Seller storefronts (catalogue.storefronts): /sellers/<slug>/ with the shop's profile,
rating and live products; profiles made with a unique slug; nothing a seller typed
reaching shoppers as markup; constant queries; purged with the page cache."""

from urllib.parse import quote

import pytest

from catalogue.models import ProductRating, SellerProfile
from catalogue.storefronts import profile_for, safe_links
from tests.factories import (
    CustomerFactory,
    ProductPageFactory,
    SellerFactory,
    SellerProfileFactory,
    WagtailImageFactory,
)

pytestmark = pytest.mark.django_db


def test_a_profile_is_made_once_with_a_unique_slug_from_the_name(db):
    maya = SellerFactory(first_name="Maya", last_name="Okafor")
    namesake = SellerFactory(first_name="Maya", last_name="Okafor")
    profile = profile_for(maya)
    assert profile.slug == "maya-okafor"
    assert profile_for(maya).pk == profile.pk
    other = profile_for(namesake)
    assert other.slug.startswith("maya-okafor-") and other.slug != profile.slug
    assert SellerProfile.objects.count() == 2
    # Nothing usable in the name: a plain word, never an empty slug.
    assert profile_for(SellerFactory(first_name="★", last_name="", email="x@example.com")).slug == "shop"


def test_a_sellers_first_live_product_makes_their_storefront(site_tree):
    seller = SellerFactory(first_name="Lars", last_name="Berg")
    ProductPageFactory(seller=seller, live=False)
    assert not SellerProfile.objects.filter(user=seller).exists()
    ProductPageFactory(seller=seller)
    assert SellerProfile.objects.get(user=seller).slug == "lars-berg"


def test_the_storefront_shows_the_profile_rating_and_live_products_only(client, site_tree):
    seller = SellerFactory(first_name="Maya", last_name="Okafor")
    profile = SellerProfileFactory(
        user=seller,
        slug="maya-makes",
        shop_name="Maya Makes",
        bio="Books about bread.\nAnd starters.",
        website="https://maya.example.com/",
        links=[{"label": "Newsletter", "url": "https://news.example.com/maya"}],
        avatar=WagtailImageFactory(),
    )
    rust = ProductPageFactory(seller=seller, title="Intro to Rust")
    bread = ProductPageFactory(seller=seller, title="Bread Basics")
    ProductPageFactory(seller=seller, title="Secret Draft", live=False)
    ProductPageFactory(title="Someone Else's")
    ProductRating.objects.create(product=rust, review_count=3, rating_total=14)
    ProductRating.objects.create(product=bread, review_count=1, rating_total=3)

    response = client.get("/sellers/maya-makes/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Maya Makes</h1>" in html
    assert "<p>Books about bread.<br>And starters.</p>" in html
    assert 'href="https://maya.example.com/"' in html and ">Newsletter</a>" in html
    assert "fill-160x160" in html  # the avatar
    # 17 stars from 4 reviews over both products: 4.3.
    assert "<strong>4.3</strong>" in html and "4 reviews" in html
    assert "Intro to Rust" in html and "Bread Basics" in html
    assert "Secret Draft" not in html and "Someone Else" not in html
    assert profile.user_id == seller.pk


def test_what_a_seller_types_never_reaches_shoppers_as_markup(client, site_tree):
    seller = SellerFactory()
    SellerProfileFactory(
        user=seller,
        slug="sly",
        shop_name="<b>Sly</b>",
        bio='<script>alert("x")</script>\n<img src=x onerror=alert(1)>',
        website="javascript:alert(1)",
        links=[
            {"label": "Click", "url": "javascript:alert(document.cookie)"},
            {"label": "Data", "url": "data:text/html,<script>alert(1)</script>"},
            {"label": '"><script>alert(1)</script>', "url": "https://ok.example.com/"},
        ],
    )
    ProductPageFactory(seller=seller)
    html = client.get("/sellers/sly/").content.decode()
    head = html.split('class="storefront-head')[1].split("</header>")[0]
    assert "<script" not in head and "<img src=x" not in head and "<b>Sly</b>" not in head
    assert "&lt;script&gt;" in head and "&lt;b&gt;Sly&lt;/b&gt;" in head
    assert "javascript:" not in html and "data:text/html" not in html
    assert 'href="https://ok.example.com/"' in head
    assert safe_links(SellerProfile.objects.get(slug="sly")) == [
        {"label": '"><script>alert(1)</script>', "url": "https://ok.example.com/"}
    ]


def test_unknown_and_deactivated_sellers_have_no_storefront(client, site_tree):
    assert client.get("/sellers/nobody/").status_code == 404
    seller = SellerFactory(is_active=False)
    SellerProfileFactory(user=seller, slug="gone")
    assert client.get("/sellers/gone/").status_code == 404
    assert client.post("/sellers/gone/").status_code == 405


def test_the_storefront_takes_the_same_queries_for_3_or_30_products_and_paginates(
    client, site_tree, django_assert_max_num_queries
):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    small, big = SellerFactory(), SellerFactory()
    SellerProfileFactory(user=small, slug="small")
    SellerProfileFactory(user=big, slug="big")
    for _ in range(3):
        ProductPageFactory(seller=small, with_cover=True)
    for _ in range(30):
        ProductPageFactory(seller=big, with_cover=True)

    def cold_queries(url):
        assert client.get(url).status_code == 200  # renditions made once
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        return len(queries), response

    small_count, _ = cold_queries("/sellers/small/")
    big_count, response = cold_queries("/sellers/big/")
    assert small_count == big_count <= 9
    assert len(response.context["products"]) == 24
    assert 'href="?page=2"' in response.content.decode()
    page_two = client.get("/sellers/big/?page=2")
    assert len(page_two.context["products"]) == 6
    # Warm: the head and the cards come from the cache.
    with django_assert_max_num_queries(big_count - 3):
        client.get("/sellers/big/")


def test_a_profile_change_shows_at_once(client, site_tree):
    seller = SellerFactory()
    profile = SellerProfileFactory(user=seller, slug="renamed", shop_name="Old Name")
    product = ProductPageFactory(seller=seller)
    assert "Old Name" in client.get("/sellers/renamed/").content.decode()
    assert "Old Name" in client.get(product.url).content.decode()
    profile.shop_name = "New Name"
    profile.bio = "Fresh bio."
    profile.save()
    storefront = client.get("/sellers/renamed/").content.decode()
    assert "New Name" in storefront and "Fresh bio." in storefront
    assert "New Name" in client.get(product.url).content.decode()


def test_the_product_page_links_to_the_storefront(client, site_tree):
    seller = SellerFactory()
    SellerProfileFactory(user=seller, slug="linked", shop_name="Linked Shop")
    product = ProductPageFactory(seller=seller)
    html = client.get(product.url).content.decode()
    assert 'by <a href="/sellers/linked/"><strong>Linked Shop</strong></a>' in html


def test_contact_opens_a_pre_sale_ticket_and_asks_visitors_to_sign_in(client, site_tree):
    seller = SellerFactory()
    SellerProfileFactory(user=seller, slug="ask-me", shop_name="Ask Me")
    product = ProductPageFactory(seller=seller)
    contact = f"/account/support/new/?product={product.pk}"
    html = client.get("/sellers/ask-me/").content.decode()
    assert f'href="{contact}"' in html
    response = client.get(contact)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={quote(contact, safe='/')}"

    client.force_login(CustomerFactory())
    response = client.get(contact)
    assert response.status_code == 200
    assert response.context["product"] == product
    # The seller on their own storefront has nobody to contact.
    client.force_login(seller)
    assert contact not in client.get("/sellers/ask-me/").content.decode()
