"""The anonymous page cache (issue 14, point 1): who gets a cached page, and when it goes."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import caches
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from wagtail.models import Site

from catalogue.models import ProductPage
from catalogue.page_cache import PageCacheMiddleware
from tests.factories import CustomerFactory, ProductPageFactory, SellerFactory

pytestmark = pytest.mark.django_db

PUBLIC = "public, max-age=60, s-maxage=300"


@pytest.fixture(autouse=True)
def _page_cache_on(settings):
    settings.PAGE_CACHE_TIMEOUT = 300
    settings.PAGE_CACHE_MAX_AGE = 60


@pytest.fixture
def product(site_tree):
    return ProductPageFactory(title="Field Guide", price=Decimal("19.00"), seller=SellerFactory(first_name="Mara"))


def queries_of(client, url, **kwargs):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **kwargs)
    return response, len(queries)


@pytest.mark.parametrize("address", ["home", "catalogue", "category", "product"])
def test_an_anonymous_second_request_is_served_from_the_cache(client, product, address):
    url = {
        "home": "/",
        "catalogue": "/catalogue/",
        "category": f"/catalogue/category/{product.category.slug}/",
        "product": product.url,
    }[address]
    first, first_queries = queries_of(client, url)
    second, second_queries = queries_of(client, url)
    assert first.status_code == second.status_code == 200
    assert first_queries > 1
    assert second_queries <= 1
    assert second.content == first.content
    assert second["Cache-Control"] == PUBLIC
    assert "Cookie" in second["Vary"]


def test_an_anonymous_product_page_has_no_csrf_token_and_no_cookie(client, product):
    response = client.get(product.url)
    assert b"csrfmiddlewaretoken" not in response.content
    assert not response.cookies
    assert b"Log in to buy" in response.content


def test_publishing_a_new_price_shows_on_the_next_anonymous_request(client, product):
    client.get("/catalogue/")
    client.get(product.url)
    product.price = Decimal("27.50")
    product.save_revision().publish()
    assert b"$27.50" in client.get(product.url).content
    assert b"$27.50" in client.get("/catalogue/").content


def test_unpublishing_removes_the_product_from_the_cached_pages(client, product):
    assert b"Field Guide" in client.get("/catalogue/").content
    assert client.get(product.url).status_code == 200
    product.unpublish()
    assert b"Field Guide" not in client.get("/catalogue/").content
    assert client.get(product.url).status_code == 404


def test_renaming_a_category_shows_on_the_next_anonymous_request(client, product):
    assert product.category.name.encode() in client.get(product.url).content
    product.category.name = "Almanacs"
    product.category.save()
    assert b"Almanacs" in client.get(product.url).content
    assert b"Almanacs" in client.get("/catalogue/").content


def test_renaming_the_seller_shows_on_the_next_anonymous_request(client, product):
    assert b"Mara" in client.get(product.url).content
    product.seller.first_name = "Odile"
    product.seller.save()
    assert b"Odile" in client.get(product.url).content


def test_a_draft_save_keeps_the_cached_page(client, product):
    client.get(product.url)
    product.title = "Draft title"
    product.save_revision()
    response, queries = queries_of(client, product.url)
    assert queries <= 1
    assert b"Draft title" not in response.content


def test_a_signed_in_visitor_never_gets_nor_stores_a_cached_page(client, product):
    client.get(product.url)  # cached for anonymous visitors
    customer = CustomerFactory(first_name="Zelda", last_name="Quist")
    client.force_login(customer)
    signed_in, queries = queries_of(client, product.url)
    assert queries > 1
    assert b"Zelda" in signed_in.content
    assert "private" in signed_in["Cache-Control"] and "public" not in signed_in["Cache-Control"]

    caches["default"].clear()  # nothing cached: only the signed-in visit can have stored one
    client.force_login(customer)
    client.get(product.url)
    client.get("/catalogue/")
    client.logout()
    for url in (product.url, "/catalogue/"):
        anonymous, queries = queries_of(client, url)
        assert queries > 1  # rendered, not served from what the customer saw
        assert b"Zelda" not in anonymous.content


def test_a_signed_in_listing_reuses_cached_cards_until_something_changes(client, product):
    """The cards are the same for everyone: kept with the cached pages, purged with them."""
    client.force_login(CustomerFactory())
    assert b"Field Guide" in client.get("/catalogue/").content
    # A change that bypasses every signal: the card in the cache is what is shown.
    ProductPage.objects.filter(pk=product.pk).update(title="Renamed Quietly")
    assert b"Field Guide" in client.get("/catalogue/").content
    # A published change expires the cards with the pages.
    product.refresh_from_db()
    product.title = "Field Guide, Second Edition"
    product.save_revision().publish()
    page = client.get("/catalogue/").content
    assert b"Field Guide, Second Edition" in page
    assert b"Renamed Quietly" not in page


def test_a_signed_in_product_page_reads_its_related_products_once(client, product):
    ProductPageFactory(title="Atlas of Birds", category=product.category, seller=product.seller)
    client.force_login(CustomerFactory())
    first, first_queries = queries_of(client, product.url)
    second, second_queries = queries_of(client, product.url)
    assert b"Atlas of Birds" in first.content and b"Atlas of Birds" in second.content
    assert second_queries < first_queries  # the "More in ..." section came from the cache
    ProductPageFactory(title="Book of Clouds", category=product.category, seller=product.seller)
    assert b"Book of Clouds" in client.get(product.url).content


def test_a_signed_in_product_page_keeps_its_description_until_the_next_publish(client, product):
    product.body = "<p>First words.</p>"
    product.save_revision().publish()
    client.force_login(CustomerFactory())
    assert b"First words." in client.get(product.url).content
    ProductPage.objects.filter(pk=product.pk).update(body="<p>Quiet words.</p>")
    response = client.get(product.url)
    assert b"First words." in response.content
    assert b"Buy now" in response.content  # the buy box is the visitor's own, never cached
    product.refresh_from_db()
    product.body = "<p>Published words.</p>"
    product.save_revision().publish()
    assert b"Published words." in client.get(product.url).content


def test_the_wagtail_site_is_looked_up_once_until_a_site_changes(client, product):
    client.force_login(CustomerFactory())

    def site_queries():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(product.url).status_code == 200
        return [query for query in queries.captured_queries if "wagtailcore_site" in query["sql"]]

    assert site_queries()
    assert not site_queries()  # routing started from the cached Site
    site = Site.objects.get(is_default_site=True)
    site.site_name = "Brightshelf Market"
    site.save()
    assert site_queries()


def test_a_signed_in_listing_with_every_card_cached_loads_only_the_ids(client, product):
    ProductPageFactory(title="Atlas of Birds", category=product.category, seller=product.seller)
    client.force_login(CustomerFactory())
    first, first_queries = queries_of(client, "/catalogue/")
    with CaptureQueriesContext(connection) as queries:
        second = client.get("/catalogue/")
    assert second.content.count(b'class="product-card') == first.content.count(b'class="product-card') == 2
    product_reads = [query["sql"] for query in queries.captured_queries if '"catalogue_productpage"' in query["sql"]]
    assert len(queries.captured_queries) < first_queries
    assert len(product_reads) == 1 and '"catalogue_productpage"."summary"' not in product_reads[0]


def test_fragments_are_not_cached_when_the_page_cache_is_off(client, product, settings):
    settings.PAGE_CACHE_TIMEOUT = 0
    client.force_login(CustomerFactory())
    client.get("/catalogue/")
    ProductPage.objects.filter(pk=product.pk).update(title="Renamed Quietly")
    assert b"Renamed Quietly" in client.get("/catalogue/").content


def test_a_visitor_with_a_pending_message_gets_a_fresh_page_that_is_not_stored(client, product):
    client.get(product.url)
    client.cookies[CookieStorage.cookie_name] = CookieStorage(HttpRequest())._encode(
        [Message(constants.SUCCESS, "Welcome back, traveller")]
    )
    response, queries = queries_of(client, product.url)
    assert queries > 1
    assert b"Welcome back, traveller" in response.content
    assert "private" in response["Cache-Control"]
    del client.cookies[CookieStorage.cookie_name]
    assert b"Welcome back, traveller" not in client.get(product.url).content


def test_a_response_that_sets_a_cookie_is_not_stored(site_tree):
    request = RequestFactory().get("/catalogue/")
    request.user = AnonymousUser()

    def sets_a_cookie(request):
        response = HttpResponse("token 1234")
        response.set_cookie("csrftoken", "1234")
        return response

    first = PageCacheMiddleware(sets_a_cookie)(request)
    assert "private" in first["Cache-Control"]
    again = RequestFactory().get("/catalogue/")
    again.user = AnonymousUser()
    assert PageCacheMiddleware(lambda request: HttpResponse("fresh"))(again).content == b"fresh"


def test_query_variants_are_cached_apart_and_unknown_parameters_are_not_cached(client, site_tree):
    for number in range(3):
        ProductPageFactory(title=f"Priced {number}", price=Decimal(10 + number))
    cheap_first = client.get("/catalogue/?sort=price_asc").content
    dear_first = client.get("/catalogue/?sort=price_desc").content
    assert cheap_first.index(b"Priced 0") < cheap_first.index(b"Priced 2")
    assert dear_first.index(b"Priced 2") < dear_first.index(b"Priced 0")
    # The same query, parameters in another order or repeated empty ones: one entry.
    client.get("/catalogue/?sort=price_asc&page=1")
    _, queries = queries_of(client, "/catalogue/?page=1&sort=price_asc")
    assert queries <= 1

    for url in ("/catalogue/?utm_source=mail", "/catalogue/?q=priced"):
        client.get(url)
        response, queries = queries_of(client, url)
        assert queries > 1
        assert "public" not in response.get("Cache-Control", "")


def test_posts_and_missing_pages_are_not_cached(client, product):
    for _ in range(2):
        missing, queries = queries_of(client, "/catalogue/no-such-product/")
        assert missing.status_code == 404
        assert queries > 1
        assert "public" not in missing.get("Cache-Control", "")
    posted = client.post(product.url)
    assert "public" not in posted.get("Cache-Control", "")
    _, queries = queries_of(client, product.url)
    assert queries > 1  # the POST stored nothing


def test_a_page_cache_timeout_of_zero_turns_it_off(client, product, settings):
    settings.PAGE_CACHE_TIMEOUT = 0
    client.get(product.url)
    response, queries = queries_of(client, product.url)
    assert queries > 1
    assert "public" not in response.get("Cache-Control", "")


def test_renditions_are_written_to_their_own_cache_not_the_default(client, site_tree):
    ProductPageFactory(with_cover=True)
    client.get("/catalogue/")

    def rendition_keys(alias):
        return [key for key in caches[alias]._cache if "wagtail-rendition-" in key]

    assert rendition_keys("renditions")
    assert rendition_keys("default") == []


def test_pagination_renders_a_bounded_number_of_links_at_1000_pages():
    page_obj = Paginator(range(1000), 1).page(500)
    html = render_to_string("includes/pagination.html", {"page_obj": page_obj, "querystring_base": "sort=newest&"})
    assert html.count("<a ") <= 8  # previous, 1, 498, 499, 501, 502, 1000, next
    for number in (1, 498, 499, 501, 502, 1000):
        assert f'page={number}"' in html
    assert 'aria-current="page">500<' in html
