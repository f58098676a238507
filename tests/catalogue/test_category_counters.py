"""Category counters (``ProductCategory.live_product_count``): kept exact by the signal
handlers on publish, unpublish, delete and category change, recounted by
``manage.py recount_categories``, and read by the listings and the home grid."""

from io import StringIO

import pytest
from django.core.management import call_command
from wagtail.actions.unpublish_page import UnpublishPageAction

from catalogue.models import ProductCategory, ProductPage
from catalogue.services import CatalogueQuery, browse_catalogue
from tests.factories import ProductCategoryFactory, ProductPageFactory

pytestmark = pytest.mark.django_db


def counts(*categories):
    stored = dict(ProductCategory.objects.values_list("pk", "live_product_count"))
    return [stored[category.pk] for category in categories]


def recomputed(*categories):
    return [ProductPage.objects.live().filter(category=category).count() for category in categories]


@pytest.fixture
def shelves(site_tree):
    return ProductCategoryFactory(name="E-books"), ProductCategoryFactory(name="Templates")


def test_publishing_unpublishing_and_deleting_keep_the_counts(shelves):
    ebooks, templates = shelves
    first = ProductPageFactory(category=ebooks)
    ProductPageFactory(category=ebooks)
    draft = ProductPageFactory(category=ebooks, live=False)
    assert counts(ebooks, templates) == recomputed(ebooks, templates) == [2, 0]

    draft.save_revision().publish()
    assert counts(ebooks, templates) == recomputed(ebooks, templates) == [3, 0]

    UnpublishPageAction(first).execute(skip_permission_checks=True)
    assert counts(ebooks, templates) == recomputed(ebooks, templates) == [2, 0]

    ProductPage.objects.get(pk=draft.pk).delete()
    assert counts(ebooks, templates) == recomputed(ebooks, templates) == [1, 0]


def test_moving_a_product_recounts_both_categories(shelves):
    ebooks, templates = shelves
    product = ProductPageFactory(category=ebooks)
    ProductPageFactory(category=ebooks)

    product.category = templates
    product.save_revision().publish()
    assert counts(ebooks, templates) == recomputed(ebooks, templates) == [1, 1]


def test_a_draft_revision_changes_no_count(shelves):
    ebooks, templates = shelves
    product = ProductPageFactory(category=ebooks)
    product.category = templates
    product.save_revision()  # not published: the live page stays in E-books
    assert counts(ebooks, templates) == recomputed(ebooks, templates) == [1, 0]


def test_the_command_recounts_what_a_bulk_write_left_behind(shelves):
    ebooks, templates = shelves
    ProductPageFactory(category=ebooks)
    ProductPageFactory(category=templates)
    ProductCategory.objects.update(live_product_count=7)  # as after a load that skipped the signals

    out = StringIO()
    call_command("recount_categories", stdout=out)
    assert counts(ebooks, templates) == recomputed(ebooks, templates) == [1, 1]
    assert "2 recounted, 2 changed" in out.getvalue()


def test_listing_totals_come_from_the_counters_and_match_the_rows(shelves):
    ebooks, templates = shelves
    for _ in range(3):
        ProductPageFactory(category=ebooks)
    ProductPageFactory(category=templates)
    ProductPageFactory(category=templates, live=False)

    everything = browse_catalogue(CatalogueQuery())
    assert everything.total == ProductPage.objects.live().count() == 4
    ebooks.refresh_from_db()
    assert browse_catalogue(CatalogueQuery(category=ebooks)).total == 3


def test_the_catalogue_pages_show_the_totals(client, shelves):
    ebooks, templates = shelves
    for _ in range(2):
        ProductPageFactory(category=ebooks)
    ProductPageFactory(category=templates)
    assert "3 products" in client.get("/catalogue/").content.decode()
    assert "2 products" in client.get(f"/catalogue/category/{ebooks.slug}/").content.decode()
