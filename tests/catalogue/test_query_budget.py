"""Query budgets: the catalogue and category pages take at most 11 queries, a product page
at most 13, whether the catalogue holds 10 products or 2,000.

Counts are taken on a cold cache (Wagtail's site-root-path and rendition caches, the
cached pages and their fragments emptied) after one warm-up request, which generates the
cover thumbnails once, as the first visitor after an upload would. Cold, a listing reads
its page's ids, then the products of the cards not cached (all of them here).
"""

from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.management import call_command
from django.db.models import F
from django.utils import timezone
from wagtail.models import Page

from catalogue.models import CatalogueIndexPage, ProductPage
from tests.factories import (
    CustomerFactory,
    ProductCategoryFactory,
    ProductPageFactory,
    SellerFactory,
    WagtailImageFactory,
)

pytestmark = pytest.mark.django_db

CATALOGUE_BUDGET = 11
# 13: the product page reads its reviews and rating in one query (catalogue.reviews, issue 16).
PRODUCT_BUDGET = 13


def bulk_create_products(index, count, categories, sellers, images):
    """Insert ``count`` live products under ``index`` quickly, like a fixture load does.

    Page-by-page creation runs Wagtail's validation, search indexing and reference
    indexing for each page (about a minute for 2,000); here the tree rows are built in
    one bulk insert and each product row is saved raw, which skips all of that.
    """
    content_type = ContentType.objects.get_for_model(ProductPage)
    first_step = index.numchild + 1
    now = timezone.now()
    base_pages = []
    for offset in range(count):
        step = first_step + offset
        slug = f"bulk-product-{step}"
        base_pages.append(
            Page(
                title=f"Bulk product {step}",
                draft_title=f"Bulk product {step}",
                slug=slug,
                content_type=content_type,
                locale_id=index.locale_id,
                path=Page._get_path(index.path, index.depth + 1, step),
                depth=index.depth + 1,
                numchild=0,
                url_path=f"{index.url_path}{slug}/",
                live=True,
                first_published_at=now - timedelta(minutes=step),
                last_published_at=now - timedelta(minutes=step),
            )
        )
    Page.objects.bulk_create(base_pages, batch_size=500)
    for offset, base in enumerate(base_pages):
        price = Decimal(5 + offset % 50)
        product = ProductPage(
            page_ptr_id=base.pk,
            seller=sellers[offset % len(sellers)],
            category=categories[offset % len(categories)],
            summary="A bulk-created product.",
            cover_image=images[offset % len(images)],
            price=price,
            selling_price=price - 1 if offset % 3 == 0 else None,
            sort_price=price - 1 if offset % 3 == 0 else price,
            file=f"products/bulk/{offset}.pdf",
            file_name="bulk.pdf",
        )
        # raw=True: only this table's row, as loaddata does (signal receivers skip raw saves).
        product.save_base(raw=True, force_insert=True)
    CatalogueIndexPage.objects.filter(pk=index.pk).update(numchild=F("numchild") + count)
    index.refresh_from_db()
    # Raw saves skip the receivers that keep the category counters and the search index,
    # as a fixture load does; recount and rebuild them as after one.
    call_command("recount_categories", stdout=StringIO())
    call_command("rebuild_search", stdout=StringIO())


@pytest.fixture(params=[10, 2000], ids=["10-products", "2000-products"])
def catalogue(request, site_tree):
    _, index = site_tree
    categories = ProductCategoryFactory.create_batch(3)
    sellers = SellerFactory.create_batch(2)
    images = WagtailImageFactory.create_batch(3)
    if request.param == 10:
        for number in range(10):
            ProductPageFactory(
                category=categories[number % 3], seller=sellers[number % 2], cover_image=images[number % 3]
            )
    else:
        bulk_create_products(index, request.param, categories, sellers, images)
    assert ProductPage.objects.live().count() == request.param
    product = ProductPage.objects.live().filter(category=categories[0]).first()
    return {"count": request.param, "category": categories[0], "product": product}


def measure(client, url, django_assert_max_num_queries, budget):
    """Warm up once (thumbnails), empty the cache, then count a request's queries."""
    assert client.get(url).status_code == 200
    cache.clear()
    with django_assert_max_num_queries(budget):
        response = client.get(url)
    assert response.status_code == 200
    return response


def test_catalogue_page_budget(client, catalogue, django_assert_max_num_queries):
    response = measure(client, "/catalogue/", django_assert_max_num_queries, CATALOGUE_BUDGET)
    assert len(response.context["products"]) == min(catalogue["count"], 24)
    assert response.context["listing"].total == catalogue["count"]


def test_catalogue_page_budget_with_search_sort_and_page(client, catalogue, django_assert_max_num_queries):
    measure(client, "/catalogue/?sort=price_desc&page=2", django_assert_max_num_queries, CATALOGUE_BUDGET)
    response = measure(client, "/catalogue/?q=product&sort=price_asc", django_assert_max_num_queries, CATALOGUE_BUDGET)
    assert len(response.context["products"]) == min(catalogue["count"], 24)
    # Best match first, two words, page 2 (the search's own index: catalogue.search).
    response = measure(client, "/catalogue/?q=product+bulk&page=2", django_assert_max_num_queries, CATALOGUE_BUDGET)
    assert len(response.context["products"]) == (24 if catalogue["count"] > 24 else 0)


def test_category_page_budget(client, catalogue, django_assert_max_num_queries):
    url = f"/catalogue/category/{catalogue['category'].slug}/"
    response = measure(client, url, django_assert_max_num_queries, CATALOGUE_BUDGET)
    assert response.context["products"]


def test_product_page_budget(client, catalogue, django_assert_max_num_queries):
    response = measure(client, catalogue["product"].url, django_assert_max_num_queries, PRODUCT_BUDGET)
    assert 3 <= len(response.context["related_products"]) <= 4


def test_product_page_budget_signed_in(client, catalogue, django_assert_max_num_queries):
    # A signed-in customer costs three more than the anonymous budget allows for: Django's
    # session and user lookups, and the buy box's "do you already own this?" lookup.
    client.force_login(CustomerFactory())
    measure(client, catalogue["product"].url, django_assert_max_num_queries, PRODUCT_BUDGET + 1)
