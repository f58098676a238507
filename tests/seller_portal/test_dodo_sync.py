"""A product's life in the seller portal, as Dodo (the emulator, over HTTP) sees it.

Each portal request runs inside ``django_capture_on_commit_callbacks(execute=True)``,
so the sync tasks the signals queue after the commit run, as after a real request. The
rows follow DESIGN.md's sync table.
"""

from decimal import Decimal

import pytest
from django.urls import reverse

from catalogue.models import ProductPage
from dodo.models import DodoProduct, SyncStatus
from tests.factories import OrderFactory

from .conftest import pdf_upload, product_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def request_as_seller(seller_client, dodo_settings, django_capture_on_commit_callbacks):
    """POST as the signed-in seller; the request's on-commit work runs at its end."""

    def post(url, data=None):
        with django_capture_on_commit_callbacks(execute=True):
            response = seller_client.post(url, data or {})
        assert response.status_code == 302, response.content.decode()[:2000]
        return response

    return post


def _product_calls(emulator, method=None):
    return [
        r
        for r in emulator.requests()
        if r["path"].startswith("/products") and (method is None or r["method"] == method)
    ]


def _only_dodo_product(emulator):
    [product] = emulator.state()["products"]
    return product


def test_a_product_created_edited_unpublished_and_deleted_in_the_portal_reaches_dodo(
    request_as_seller, category, site_tree, dodo_emulator
):
    # Create, publish now: Dodo gets the product at its selling price, in cents.
    request_as_seller(
        reverse("seller_portal:product_create"),
        {**product_data(category, title="Pasta by hand", price="30.00", selling_price="24.99"), "file": pdf_upload()},
    )
    page = ProductPage.objects.get()
    [create] = _product_calls(dodo_emulator, "POST")
    assert create["path"] == "/products"
    assert create["json"]["name"] == "Pasta by hand"
    assert create["json"]["price"]["price"] == 2499
    record = DodoProduct.objects.get(page=page)
    assert record.sync_status == SyncStatus.SYNCED
    assert _only_dodo_product(dodo_emulator)["archived"] is False

    edit_url = reverse("seller_portal:product_edit", args=[page.pk])

    # Edit the price and publish: one PATCH with the new price.
    request_as_seller(edit_url, product_data(category, title="Pasta by hand", price="32.00", action="publish"))
    [patch] = _product_calls(dodo_emulator, "PATCH")
    assert patch["json"]["price"]["price"] == 3200
    assert _only_dodo_product(dodo_emulator)["price"]["price"] == 3200

    # A draft of a change: nothing reaches Dodo until it is published.
    before = len(dodo_emulator.requests())
    request_as_seller(edit_url, product_data(category, title="Pasta by hand", price="40.00", action="draft"))
    assert len(dodo_emulator.requests()) == before
    assert _only_dodo_product(dodo_emulator)["price"]["price"] == 3200

    # Unpublish: archived on Dodo.
    request_as_seller(reverse("seller_portal:product_unpublish", args=[page.pk]))
    assert _product_calls(dodo_emulator, "DELETE")
    assert _only_dodo_product(dodo_emulator)["archived"] is True

    # Publish again (the draft with 40.00 goes live): unarchived, new price.
    request_as_seller(reverse("seller_portal:product_publish", args=[page.pk]))
    product = _only_dodo_product(dodo_emulator)
    assert product["archived"] is False
    assert product["price"]["price"] == 4000
    assert any(call["path"].endswith("/unarchive") for call in _product_calls(dodo_emulator, "POST"))

    # Delete (no orders): archived on Dodo, the record kept with its id.
    request_as_seller(reverse("seller_portal:product_delete", args=[page.pk]))
    assert not ProductPage.objects.filter(pk=page.pk).exists()
    assert _only_dodo_product(dodo_emulator)["archived"] is True
    assert DodoProduct.objects.get(page_key=page.pk).archived


def test_a_draft_created_in_the_portal_is_archived_on_dodo_until_published(
    request_as_seller, category, site_tree, dodo_emulator
):
    request_as_seller(
        reverse("seller_portal:product_create"),
        {**product_data(category, action="draft"), "file": pdf_upload()},
    )
    page = ProductPage.objects.get()
    assert _only_dodo_product(dodo_emulator)["archived"] is True

    request_as_seller(reverse("seller_portal:product_publish", args=[page.pk]))
    assert _only_dodo_product(dodo_emulator)["archived"] is False


def test_deleting_a_product_with_a_paid_order_is_refused_and_sends_nothing(
    request_as_seller, seller, site_tree, dodo_emulator, django_capture_on_commit_callbacks
):
    from tests.factories import ProductPageFactory

    with django_capture_on_commit_callbacks(execute=True):
        page = ProductPageFactory(seller=seller, price=Decimal("9.00"))
        OrderFactory(product=page)
    before = len(dodo_emulator.requests())

    response = request_as_seller(reverse("seller_portal:product_delete", args=[page.pk]))
    assert response["Location"] == reverse("seller_portal:product_delete", args=[page.pk])
    assert ProductPage.objects.filter(pk=page.pk, live=True).exists()
    assert len(dodo_emulator.requests()) == before
    assert _only_dodo_product(dodo_emulator)["archived"] is False
