"""A product that has been ordered cannot be deleted, from any path; nothing reaches Dodo."""

import pytest
from django.db.models import ProtectedError
from django.urls import reverse

from catalogue.models import ProductHasOrdersError, ProductPage
from tests.factories import OrderFactory, ProductPageFactory, SellerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ordered_product(site_tree, dodo_settings, dodo_emulator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        product = ProductPageFactory(seller=SellerFactory())
    OrderFactory(product=product)
    dodo_emulator.reset()  # only what happens next counts
    return product


def _archive_calls(emulator):
    return [r for r in emulator.requests() if r["method"] == "DELETE"]


def test_code_delete_is_refused_with_a_clear_message(ordered_product, dodo_emulator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ProductHasOrdersError) as refused:
        ordered_product.delete()
    assert "has 1 order, so it cannot be deleted" in str(refused.value)
    assert "Unpublish it instead" in str(refused.value)
    assert ProductPage.objects.filter(pk=ordered_product.pk).exists()
    assert _archive_calls(dodo_emulator) == []


def test_queryset_and_parent_deletes_are_refused_by_the_database_rule(ordered_product, catalogue_index):
    with pytest.raises(ProtectedError):
        ProductPage.objects.filter(pk=ordered_product.pk).delete()
    assert ProductPage.objects.filter(pk=ordered_product.pk).exists()


def test_admin_delete_shows_a_friendly_page_suggesting_unpublish(
    client, staff, ordered_product, dodo_emulator, django_capture_on_commit_callbacks
):
    client.force_login(staff)
    url = reverse("wagtailadmin_pages:delete", args=(ordered_product.pk,))
    response = client.get(url)
    assert response.status_code == 409
    assert b"Unpublish instead" in response.content
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 409
    assert ProductPage.objects.filter(pk=ordered_product.pk).exists()
    assert _archive_calls(dodo_emulator) == []


def test_admin_delete_of_the_catalogue_index_is_refused_too(client, staff, ordered_product, catalogue_index):
    client.force_login(staff)
    response = client.post(reverse("wagtailadmin_pages:delete", args=(catalogue_index.pk,)))
    assert response.status_code == 409
    assert ProductPage.objects.filter(pk=ordered_product.pk).exists()


def test_admin_bulk_delete_is_refused(client, staff, ordered_product, dodo_emulator, django_capture_on_commit_callbacks):
    client.force_login(staff)
    url = reverse("wagtail_bulk_action", args=("wagtailcore", "page", "delete")) + f"?id={ordered_product.pk}"
    # Orders are in Wagtail's reference index (an admin snippet), so Wagtail's own bulk
    # page explains the refusal and offers no delete button; our hook backs it up.
    confirm = client.get(url).content.decode()
    assert "prevent it from being deleted" in confirm
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code in (302, 403, 409)
    assert ProductPage.objects.filter(pk=ordered_product.pk).exists()
    assert _archive_calls(dodo_emulator) == []


def test_a_product_without_orders_can_still_be_deleted(client, staff, site_tree):
    product = ProductPageFactory()
    client.force_login(staff)
    response = client.post(reverse("wagtailadmin_pages:delete", args=(product.pk,)))
    assert response.status_code == 302
    assert not ProductPage.objects.filter(pk=product.pk).exists()
