"""Each seller's catalogue row (``SellerCatalogue``: live and draft products, storage used)
against a recomputation from the product rows through every change a product goes
through; the dashboard and product list reading it in the same queries with 3 products
or 30; ``manage.py recount_sales`` rebuilding it after a bulk write."""

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from wagtail.actions.unpublish_page import UnpublishPageAction
from wagtail.models import Page
from wagtail.test.utils.form_data import nested_form_data, rich_text

from catalogue.models import Order, ProductPage
from seller_portal import services, stats
from seller_portal.models import SALE_STATUSES, SellerCatalogue
from tests.factories import PDF_BYTES, ProductPageFactory, SellerFactory

from .conftest import count_queries, pdf_upload

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("seller_portal:dashboard")
LIST_URL = reverse("seller_portal:products")
KB = 1024


def upload(size, name="book.pdf"):
    """A valid PDF upload of exactly ``size`` bytes."""
    return pdf_upload(name=name, data=PDF_BYTES + b" " * (size - len(PDF_BYTES)))


def shown(seller):
    """What the portal shows: the seller's row (zeros without one)."""
    row = SellerCatalogue.objects.of_seller(seller.pk)
    return (row.live_products, row.draft_products, row.storage_used)


def recomputed(seller):
    """The same figures worked out from the product rows, in Python."""
    products = list(ProductPage.objects.filter(seller=seller))
    files = {product.file.name: product.file_size or 0 for product in products if product.file}
    live = sum(1 for product in products if product.live)
    return (live, len(products) - live, sum(files.values()))


def stored_rows():
    return set(SellerCatalogue.objects.values_list("seller_id", "live_products", "draft_products", "storage_used"))


def new_product(category, title, size):
    return ProductPage(
        title=title,
        category=category,
        summary="A product made through the seller portal's services.",
        body="<p>Inside.</p>",
        price="10.00",
        tax_category="e_book",
        file=upload(size),
    )


def test_the_row_equals_a_recomputation_through_every_product_change(seller, other_seller, category, site_tree):
    def check(expected, other=(0, 0, 0)):
        assert shown(seller) == recomputed(seller) == expected
        assert shown(other_seller) == recomputed(other_seller) == other

    check((0, 0, 0))
    guide = services.create_product(new_product(category, "Guide", 100 * KB), seller, publish=False)
    check((0, 1, 100 * KB))
    services.publish_product(guide, seller)
    check((1, 0, 100 * KB))
    course = services.create_product(new_product(category, "Course", 200 * KB), seller, publish=True)
    check((2, 0, 300 * KB))
    services.unpublish_product(ProductPage.objects.get(pk=course.pk), seller)
    check((1, 1, 300 * KB))

    # A new file in a draft is in the revision, not the row: nothing changes until it is published.
    draft = ProductPage.objects.get(pk=guide.pk).get_latest_revision_as_object()
    draft.file = upload(50 * KB)
    services.update_product(draft, seller, publish=False)
    check((1, 1, 300 * KB))
    services.publish_product(ProductPage.objects.get(pk=guide.pk), seller)
    check((1, 1, 250 * KB))

    # A copy names the same stored file: counted once.
    copy = ProductPage.objects.get(pk=course.pk).copy(update_attrs={"slug": "course-copy", "title": "Copy"})
    assert copy.file.name == course.file.name
    check((1, 2, 250 * KB))
    services.delete_product(ProductPage.objects.get(pk=copy.pk), seller)
    check((1, 1, 250 * KB))

    # Given to another seller (as Wagtail admin does): both rows follow.
    moved = ProductPage.objects.get(pk=guide.pk)
    moved.seller = other_seller
    moved.save_revision().publish()
    check((0, 1, 200 * KB), other=(1, 0, 50 * KB))

    # The last product gone, the seller has no row, as a full recount would leave it.
    services.delete_product(ProductPage.objects.get(pk=course.pk), seller)
    check((0, 0, 0), other=(1, 0, 50 * KB))
    assert not SellerCatalogue.objects.filter(seller=seller).exists()

    # The rows are a cache: rewriting them all from the product rows changes nothing.
    kept_up = stored_rows()
    call_command("recount_sales", stdout=io.StringIO())
    assert stored_rows() == kept_up


def test_wagtail_unpublish_delete_and_draft_saves_keep_the_row(seller, site_tree):
    first = ProductPageFactory(seller=seller)
    second = ProductPageFactory(seller=seller)
    third = ProductPageFactory(seller=seller, live=False)
    assert shown(seller) == recomputed(seller) == (2, 1, 3 * first.file_size)

    UnpublishPageAction(first).execute(skip_permission_checks=True)
    assert shown(seller) == recomputed(seller) == (1, 2, 3 * first.file_size)

    # Saves of draft bookkeeping only (a revision, a lock) leave the row alone.
    with CaptureQueriesContext(connection) as queries:
        second.save_revision()
    assert not [query for query in queries if "seller_portal_sellercatalogue" in query["sql"]]

    # Deleting through the base page (Wagtail's tree) reaches the product too.
    Page.objects.get(pk=third.pk).delete()
    assert shown(seller) == recomputed(seller) == (1, 1, 2 * first.file_size)


def test_a_seller_changed_in_wagtail_admin_moves_the_product_between_rows(
    client, staff, seller, other_seller, category, site_tree
):
    product = ProductPageFactory(seller=seller, category=category)
    ProductPageFactory(seller=seller)
    client.force_login(staff)
    data = nested_form_data(
        {
            "title": product.title,
            "slug": product.slug,
            "seller": other_seller.pk,
            "category": category.pk,
            "summary": product.summary,
            "body": rich_text(product.body),
            "price": "19.00",
            "selling_price": "",
            "tax_category": "e_book",
            "comments": {"TOTAL_FORMS": 0, "INITIAL_FORMS": 0, "MIN_NUM_FORMS": 0, "MAX_NUM_FORMS": 1000},
            "gallery_images": {"TOTAL_FORMS": 0, "INITIAL_FORMS": 0, "MIN_NUM_FORMS": 0, "MAX_NUM_FORMS": 1000},
            "action-publish": "publish",
        }
    )
    response = client.post(reverse("wagtailadmin_pages:edit", args=[product.pk]), data)
    assert response.status_code == 302
    assert ProductPage.objects.get(pk=product.pk).seller_id == other_seller.pk
    assert shown(seller) == recomputed(seller) == (1, 0, product.file_size)
    assert shown(other_seller) == recomputed(other_seller) == (1, 0, product.file_size)


def test_recount_sales_rebuilds_the_rows_a_bulk_write_left_behind(seller, other_seller, site_tree):
    ProductPageFactory(seller=seller)
    ProductPageFactory(seller=seller, live=False)
    ProductPageFactory(seller=other_seller)
    kept_up = stored_rows()
    # As after a load that skipped the signals: a wrong row, a missing one, a stray one.
    SellerCatalogue.objects.filter(seller=seller).update(live_products=7, storage_used=1)
    SellerCatalogue.objects.filter(seller=other_seller).delete()
    SellerCatalogue.objects.create(seller=SellerFactory(), live_products=3)

    out = io.StringIO()
    call_command("recount_sales", stdout=out)
    assert stored_rows() == kept_up
    assert shown(seller) == recomputed(seller) == (1, 1, 2 * len(PDF_BYTES))
    assert shown(other_seller) == recomputed(other_seller) == (1, 0, len(PDF_BYTES))
    assert "2 seller catalogues" in out.getvalue()


# READERS


def test_the_dashboard_and_product_list_show_the_row(seller_client, seller, site_tree):
    ProductPageFactory(seller=seller)
    ProductPageFactory(seller=seller)
    ProductPageFactory(seller=seller, live=False)

    dashboard = seller_client.get(DASHBOARD)
    assert dashboard.context["products"] == {"live": 2, "draft": 1}
    listing = seller_client.get(LIST_URL)
    assert listing.context["paginator"].count == 3
    assert str(listing.context["storage_usage"]).startswith(f"Storage: {3 * len(PDF_BYTES)} bytes")


def test_a_seller_without_products_sees_zeros(seller_client, seller, site_tree):
    assert stats.product_counts(seller) == {"live": 0, "draft": 0}
    listing = seller_client.get(LIST_URL)
    assert listing.context["paginator"].count == 0
    assert "Storage: 0 bytes" in listing.content.decode()


def _queries(client, url):
    client.get(url)  # warm-up: session, site root paths
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return [query["sql"] for query in queries]


@pytest.mark.parametrize("url", [DASHBOARD, LIST_URL])
def test_the_query_count_does_not_grow_with_the_products(seller_client, seller, site_tree, url):
    for _ in range(3):
        ProductPageFactory(seller=seller)
    with_three = _queries(seller_client, url)
    for _ in range(27):
        ProductPageFactory(seller=seller)
    with_thirty = _queries(seller_client, url)
    assert len(with_three) == len(with_thirty)
    # Neither page counts the seller's products nor sums their files: the row holds both.
    over_products = [sql for sql in with_thirty if 'FROM "catalogue_productpage"' in sql]
    assert not [sql for sql in over_products if "COUNT(" in sql or "DISTINCT" in sql]


def test_the_product_list_pages_through_the_known_total(seller_client, seller, site_tree):
    for _ in range(30):
        ProductPageFactory(seller=seller)
    assert count_queries(seller_client, LIST_URL) == count_queries(seller_client, LIST_URL + "?page=2")
    second = seller_client.get(LIST_URL + "?page=2")
    assert second.context["paginator"].num_pages == 2
    assert len(second.context["products"]) == 5


def test_recent_sales_has_an_index_on_exactly_the_sale_statuses():
    # The partial index on Order serves stats.recent_sales only while its condition names
    # the statuses that query filters on.
    [index] = [index for index in Order._meta.indexes if index.name == "catalogue_order_seller_recent"]
    [(lookup, statuses)] = index.condition.children
    assert (lookup, set(statuses)) == ("status__in", set(SALE_STATUSES))
