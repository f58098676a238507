"""The seller's storage quota holds in Wagtail admin too: ``ProductPage.clean_fields()``
checks a new upload against the product's seller's usage, whoever edits it."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from wagtail.test.utils.form_data import nested_form_data, rich_text

from catalogue.models import ProductPage
from catalogue.quota import format_bytes
from tests.factories import PDF_BYTES, ProductCategoryFactory, ProductPageFactory, SellerFactory

pytestmark = pytest.mark.django_db

KB = 1024


@pytest.fixture
def full_seller(site_tree, settings):
    """A seller with a 1 MB quota and a product whose file counts as 1000 KB."""
    settings.SELLER_STORAGE_QUOTA = 1024 * KB
    seller = SellerFactory()
    product = ProductPageFactory(seller=seller)
    ProductPage.objects.filter(pk=product.pk).update(file_size=1000 * KB)
    return seller


def big_pdf(size):
    return PDF_BYTES + b" " * (size - len(PDF_BYTES))


def test_format_bytes():
    assert format_bytes(80) == "80 bytes"
    assert format_bytes(120 * 1024**2) == "120 MB"
    assert format_bytes(5 * 1024**3) == "5 GB"
    assert format_bytes(int(1.25 * 1024**3)) == "1.2 GB"
    # A total just over a limit does not read as the limit.
    assert format_bytes(5 * 1024**3 + 10, round_up=True) == "5.1 GB"


def test_a_new_upload_over_the_quota_fails_validation(full_seller):
    product = ProductPage(seller=full_seller, title="Over", file=ContentFile(big_pdf(100 * KB), name="b.pdf"))
    with pytest.raises(ValidationError) as error:
        product.clean_fields(exclude=[f.name for f in ProductPage._meta.fields if f.name != "file"])
    assert "would take your storage to 1.1 MB of your 1 MB" in str(error.value.message_dict["file"])


def test_a_stored_file_is_not_checked_again(full_seller, settings):
    # Publishing an old revision saves a file already in storage: no quota check, however full.
    product = ProductPage.objects.get(seller=full_seller)
    settings.SELLER_STORAGE_QUOTA = 1
    product.save_revision().publish()


def test_wagtail_admin_refuses_an_upload_over_the_sellers_quota(client, staff, full_seller, catalogue_index):
    client.force_login(staff)
    url = reverse("wagtailadmin_pages:add", args=["catalogue", "productpage", catalogue_index.pk])
    data = nested_form_data(
        {
            "title": "Made in the admin",
            "slug": "made-in-the-admin",
            "seller": full_seller.pk,
            "category": ProductCategoryFactory().pk,
            "summary": "Created through Wagtail's page editor.",
            "body": rich_text("<p>Body</p>"),
            "price": "10.00",
            "selling_price": "",
            "tax_category": "e_book",
            "comments": {"TOTAL_FORMS": 0, "INITIAL_FORMS": 0, "MIN_NUM_FORMS": 0, "MAX_NUM_FORMS": 1000},
            "gallery_images": {"TOTAL_FORMS": 0, "INITIAL_FORMS": 0, "MIN_NUM_FORMS": 0, "MAX_NUM_FORMS": 1000},
            "action-publish": "publish",
        }
    )
    data["file"] = SimpleUploadedFile("Admin Book.pdf", big_pdf(100 * KB))
    response = client.post(url, data)
    assert response.status_code == 200
    assert "This file (100 KB) would take your storage to 1.1 MB of your 1 MB" in response.content.decode()
    assert not ProductPage.objects.filter(slug="made-in-the-admin").exists()
