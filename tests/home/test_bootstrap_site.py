"""``manage.py bootstrap_site``: a freshly migrated database becomes a shop, and a second
run changes nothing."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from wagtail.models import Page, Site

from catalogue.defaults import DEFAULT_CATEGORIES
from catalogue.models import CatalogueIndexPage, ProductCategory
from home.models import HomePage
from home.site_tree import site_address

pytestmark = pytest.mark.django_db


def bootstrap():
    out = StringIO()
    call_command("bootstrap_site", stdout=out)
    return out.getvalue()


def test_a_migrated_database_becomes_a_shop(client, settings):
    settings.SITE_URL = "https://shop.example.com"
    settings.ALLOWED_HOSTS = ["shop.example.com", "testserver"]
    # What `migrate` leaves: Wagtail's own "Welcome to your new Wagtail site!" page.
    assert not HomePage.objects.exists()

    output = bootstrap()

    site = Site.objects.get(is_default_site=True)
    assert (site.hostname, site.port, site.site_name) == ("shop.example.com", 443, settings.MARKETPLACE_NAME)
    assert site.root_page.specific_class is HomePage
    assert CatalogueIndexPage.objects.get().get_parent().pk == site.root_page_id
    assert sorted(ProductCategory.objects.values_list("slug", flat=True)) == sorted(s for s, _, _ in DEFAULT_CATEGORIES)
    assert not get_user_model().objects.exists()
    assert "https://shop.example.com/" in output

    home = client.get("/", HTTP_HOST="shop.example.com")
    assert home.status_code == 200
    assert b"Welcome to your new Wagtail site" not in home.content
    assert b"Browse the catalogue" in home.content
    catalogue = client.get("/catalogue/", HTTP_HOST="shop.example.com")
    assert catalogue.status_code == 200
    assert b"E-books" in catalogue.content or b"Catalogue" in catalogue.content


def test_a_second_run_changes_nothing(settings):
    settings.SITE_URL = "https://shop.example.com"
    bootstrap()
    pages = list(Page.objects.order_by("pk").values_list("pk", "path", "title"))
    categories = list(ProductCategory.objects.order_by("pk").values_list("pk", "name"))
    sites = list(Site.objects.values_list("pk", "hostname", "port", "root_page_id"))

    output = bootstrap()

    assert list(Page.objects.order_by("pk").values_list("pk", "path", "title")) == pages
    assert list(ProductCategory.objects.order_by("pk").values_list("pk", "name")) == categories
    assert list(Site.objects.values_list("pk", "hostname", "port", "root_page_id")) == sites
    assert "Categories: kept as they are." in output


def test_the_categories_editors_made_are_kept_and_no_defaults_are_added(settings):
    ProductCategory.objects.create(name="Fonts", slug="fonts")
    bootstrap()
    assert list(ProductCategory.objects.values_list("slug", flat=True)) == ["fonts"]


def test_a_new_site_url_moves_the_default_site(settings):
    settings.SITE_URL = "http://127.0.0.1:8000"
    bootstrap()
    settings.SITE_URL = "https://shop.example.com:8443/"
    bootstrap()
    site = Site.objects.get(is_default_site=True)
    assert (site.hostname, site.port) == ("shop.example.com", 8443)
    assert Site.objects.count() == 1


@pytest.mark.parametrize("url", ["shop.example.com", "ftp://shop.example.com", ""])
def test_a_site_url_that_is_not_an_address_is_refused_with_its_reason(url):
    with pytest.raises(ImproperlyConfigured, match="SITE_URL must be an http"):
        site_address(url)


def test_a_sellers_first_product_has_a_catalogue_to_live_in(client, settings, seller):
    """The 500 a deploy without `seed_demo` gave: a seller's first product needs the index."""
    bootstrap()
    client.force_login(seller)
    response = client.get("/seller/products/new/")
    assert response.status_code == 200
