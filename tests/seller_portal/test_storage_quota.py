"""The seller's storage quota (``SELLER_STORAGE_QUOTA``) in the seller portal: an upload
that would go over it is refused with the figures, nothing stored or saved; replacing a
product's file counts the new file instead of the old; 0 means unlimited; the seller sees
their usage."""

import pytest
from django.urls import reverse

from catalogue.models import ProductPage
from catalogue.storage import get_private_storage
from tests.factories import PDF_BYTES, ProductPageFactory

from .conftest import pdf_upload, product_data

pytestmark = pytest.mark.django_db

CREATE_URL = reverse("seller_portal:product_create")
LIST_URL = reverse("seller_portal:products")
KB = 1024


def upload(size):
    """A valid PDF upload of exactly ``size`` bytes."""
    return pdf_upload(name="big.pdf", data=PDF_BYTES + b" " * (size - len(PDF_BYTES)))


def stored_product_files():
    storage = get_private_storage()
    folders, _ = storage.listdir("products")
    return {f"products/{folder}/{name}" for folder in folders for name in storage.listdir(f"products/{folder}")[1]}


@pytest.fixture
def quota(settings):
    settings.SELLER_STORAGE_QUOTA = 1024 * KB  # 1 MB
    return settings


@pytest.fixture
def existing(seller, site_tree):
    """A product of the seller's whose file counts as 950 KB."""
    product = ProductPageFactory(seller=seller, title="Existing")
    product.file_size = 950 * KB
    product.save(update_fields=["file_size"])
    return product


def test_an_upload_over_the_quota_is_refused_with_the_figures(seller_client, quota, existing, category):
    files_before = stored_product_files()
    response = seller_client.post(
        CREATE_URL, {**product_data(category, title="One too many"), "file": upload(120 * KB)}
    )

    assert response.status_code == 200
    errors = response.context["form"].errors["file"]
    assert (
        "This file (120 KB) would take your storage to 1.1 MB of your 1 MB (950 KB used by your other product "
        "files). Delete or replace an older product file, or contact us."
    ) in errors
    assert "Choose the file again after fixing this." in errors
    # Nothing half-saved: no page, no revision, no stored file; the other fields are kept.
    assert not ProductPage.objects.filter(title="One too many").exists()
    assert stored_product_files() == files_before
    assert 'value="One too many"' in response.content.decode()


def test_an_upload_within_the_quota_is_accepted(seller_client, quota, existing, category):
    response = seller_client.post(CREATE_URL, {**product_data(category, title="Fits"), "file": upload(70 * KB)})
    assert response.status_code == 302
    assert ProductPage.objects.get(title="Fits").file_size == 70 * KB


def test_replacing_a_file_counts_the_new_one_instead_of_the_old(seller_client, seller, quota, existing, category):
    # 950 KB + 120 KB would be over 1 MB, but the 950 KB file is the one being replaced.
    old_name = existing.file.name
    url = reverse("seller_portal:product_edit", args=[existing.pk])
    response = seller_client.post(url, {**product_data(category, title="Existing"), "file": upload(120 * KB)})

    assert response.status_code == 302
    existing.refresh_from_db()
    assert existing.file_size == 120 * KB and existing.file.name != old_name
    # The old file stays in storage for the earlier revision.
    assert get_private_storage().exists(old_name)
    assert "Storage: 120 KB of 1 MB used." in seller_client.get(LIST_URL).content.decode()


def test_a_file_shared_by_two_products_counts_once(seller, quota, existing):
    from catalogue.quota import storage_used

    existing.refresh_from_db()
    copy = existing.copy(update_attrs={"slug": "a-copy", "title": "A copy"})
    assert copy.file.name == existing.file.name
    assert storage_used(seller.pk) == 950 * KB


def test_zero_means_unlimited(seller_client, settings, existing, category):
    settings.SELLER_STORAGE_QUOTA = 0
    existing.file_size = 50 * 1024**4
    existing.save(update_fields=["file_size"])
    response = seller_client.post(CREATE_URL, {**product_data(category, title="No limit"), "file": upload(120 * KB)})
    assert response.status_code == 302
    assert ProductPage.objects.filter(title="No limit").exists()
    assert "Storage: 50 TB used." in seller_client.get(LIST_URL).content.decode()


def test_the_seller_sees_their_usage_on_the_list_and_the_form(seller_client, quota, existing, other_seller):
    ProductPageFactory(seller=other_seller)  # not theirs: not counted
    assert "Storage: 950 KB of 1 MB used." in seller_client.get(LIST_URL).content.decode()
    help_text = seller_client.get(CREATE_URL).context["form"].fields["file"].help_text
    assert help_text.endswith("Storage: 950 KB of 1 MB used.")
