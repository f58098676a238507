"""Editors in Wagtail admin: saving a product syncs it, with a message; the sync report retries."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from wagtail.test.utils.form_data import nested_form_data, rich_text

from catalogue.models import ProductPage
from dodo.models import DodoProduct, SyncStatus
from tests.factories import PDF_BYTES, ProductCategoryFactory, ProductPageFactory, SellerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor_client(client, staff):
    client.force_login(staff)
    return client


def _create_form(seller, category, **overrides):
    data = nested_form_data(
        {
            "title": "Admin-made product",
            "slug": "admin-made-product",
            "seller": seller.pk,
            "category": category.pk,
            "summary": "Made in Wagtail admin.",
            "body": rich_text("<p>Body</p>"),
            "price": "30.00",
            "selling_price": "24.50",
            "tax_category": "digital_products",
            "action-publish": "action-publish",
            # The Previews panel's gallery formset (empty here).
            "gallery_images": {"TOTAL_FORMS": 0, "INITIAL_FORMS": 0, "MIN_NUM_FORMS": 0, "MAX_NUM_FORMS": 1000},
        }
    )
    data.update(overrides)
    data["file"] = SimpleUploadedFile("guide.pdf", PDF_BYTES, content_type="application/pdf")
    return data


def _add_url(index):
    return reverse("wagtailadmin_pages:add", args=("catalogue", "productpage", index.pk))


# Transactional, like a real request: the sync runs when Wagtail's save commits, before
# the admin's after_create_page hook reads the outcome for its message.
@pytest.mark.django_db(transaction=True)
def test_publishing_in_admin_creates_the_dodo_product_and_says_so(
    editor_client, catalogue_index, dodo_settings, dodo_emulator
):
    seller, category = SellerFactory(), ProductCategoryFactory()
    dodo_emulator.reset()  # forget the seller's own customer sync
    response = editor_client.post(_add_url(catalogue_index), _create_form(seller, category), follow=True)
    assert response.status_code == 200
    page = ProductPage.objects.get(title="Admin-made product")
    assert page.live
    [product] = dodo_emulator.state()["products"]
    assert product["price"]["price"] == 2450
    assert DodoProduct.objects.get(page=page).sync_status == SyncStatus.SYNCED
    # One create, no second or third call for the other signals of the same save.
    assert [(r["method"], r["path"]) for r in dodo_emulator.requests()] == [("POST", "/products")]
    assert "Synced to Dodo." in [str(m) for m in response.context["messages"]]


@pytest.mark.django_db(transaction=True)
def test_admin_save_while_dodo_is_down_saves_and_warns(editor_client, catalogue_index, dodo_settings, dodo_emulator):
    seller, category = SellerFactory(), ProductCategoryFactory()
    dodo_emulator.down()
    response = editor_client.post(_add_url(catalogue_index), _create_form(seller, category), follow=True)
    page = ProductPage.objects.get(title="Admin-made product")
    assert page.live
    messages = [str(m) for m in response.context["messages"]]
    assert any(m.startswith("Dodo unreachable: saved, will retry.") for m in messages)
    record = DodoProduct.objects.get(page=page)
    assert record.sync_status == SyncStatus.FAILED and record.sync_attempts == 1

    # The report lists it; "Retry now" fixes it once Dodo is back.
    report = editor_client.get(reverse("dodo_sync_report"))
    assert report.status_code == 200
    assert b"Admin-made product" in report.content
    dodo_emulator.up()
    response = editor_client.post(
        reverse("dodo_sync_retry"), {"kind": "product", "key": page.pk}, follow=True
    )
    assert "1 synced with Dodo." in [str(m) for m in response.context["messages"]]
    assert DodoProduct.objects.get(page=page).sync_status == SyncStatus.SYNCED
    assert b"Every product is in sync with Dodo." in editor_client.get(reverse("dodo_sync_report")).content


def test_draft_save_in_admin_of_a_live_product_sends_nothing(
    editor_client, site_tree, dodo_settings, dodo_emulator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        page = ProductPageFactory(seller=SellerFactory(), price=Decimal("30.00"))
    before = len(dodo_emulator.requests())
    edit_url = reverse("wagtailadmin_pages:edit", args=(page.pk,))
    data = _create_form(page.seller, page.category, title="Draft title", slug=page.slug, price="99.00")
    del data["action-publish"]
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(edit_url, data)
    assert response.status_code == 302
    assert len(dodo_emulator.requests()) == before
    page.refresh_from_db()
    assert page.price == Decimal("30.00") and page.has_unpublished_changes


def test_sync_report_is_for_editors_only(client, customer, site_tree):
    client.force_login(customer)
    response = client.get(reverse("dodo_sync_report"))
    assert response.status_code in (302, 403)
    response = client.post(reverse("dodo_sync_retry"), {"kind": "all"})
    assert response.status_code in (302, 403)
    client.logout()
    assert client.get(reverse("dodo_sync_report")).status_code == 302


def test_product_listing_shows_and_filters_the_dodo_sync_state(editor_client, site_tree):
    from dodo.models import DodoProduct

    synced = ProductPageFactory(title="In sync")
    failed = ProductPageFactory(title="Stuck")
    never = ProductPageFactory(title="Never sent")
    DodoProduct.objects.filter(page=synced).update(sync_status=SyncStatus.SYNCED, product_id="pdt_1")
    DodoProduct.objects.filter(page=failed).update(sync_status=SyncStatus.FAILED, sync_error="Dodo down")
    DodoProduct.objects.filter(page=never).delete()

    html = editor_client.get("/admin/catalogue_products/").content.decode()
    assert "Dodo sync" in html
    assert "Synced" in html and "Failed" in html and "Not sent" in html

    html = editor_client.get("/admin/catalogue_products/", {"dodo_sync": "failed"}).content.decode()
    assert "Stuck" in html and "In sync" not in html and "Never sent" not in html
    html = editor_client.get("/admin/catalogue_products/", {"dodo_sync": "none"}).content.decode()
    assert "Never sent" in html and "Stuck" not in html
