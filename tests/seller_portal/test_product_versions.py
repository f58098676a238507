"""A product's files and versions in the seller portal (seller_portal/releases.py)."""

import pytest
from django.core import mail
from django.urls import reverse

from catalogue.models import ProductFile, ProductRelease
from seller_portal.models import SellerCatalogue
from tests.factories import PDF_BYTES, OrderFactory, ProductPageFactory, add_product_files

from .conftest import pdf_upload

pytestmark = pytest.mark.django_db


def test_a_seller_adds_files_to_the_current_version_and_removes_them(seller_client, seller, site_tree):
    product = ProductPageFactory(seller=seller)
    url = reverse("seller_portal:product_files", args=(product.pk,))
    response = seller_client.post(url, {"files": [pdf_upload("one.pdf"), pdf_upload("two.pdf")]})
    assert response.status_code == 302
    current = ProductRelease.objects.current().get(product=product)
    assert [item.name for item in current.files.all()] == ["product.pdf", "one.pdf", "two.pdf"]
    assert SellerCatalogue.objects.get(seller=seller).storage_used == 3 * len(PDF_BYTES)
    html = seller_client.get(url).content.decode()
    assert "one.pdf" in html and "main file" in html

    one = current.files.get(name="one.pdf")
    remove = reverse("seller_portal:product_file_remove", args=(product.pk,))
    assert seller_client.post(remove, {"file": one.pk}).status_code == 302
    main = current.files.get(name="product.pdf")
    seller_client.post(remove, {"file": main.pk})  # the main file stays: replace it in the form
    assert sorted(current.files.values_list("name", flat=True)) == ["product.pdf", "two.pdf"]
    assert SellerCatalogue.objects.get(seller=seller).storage_used == 2 * len(PDF_BYTES)
    # Another product's file, named on this product's URL: 404.
    [foreign] = add_product_files(ProductPageFactory(seller=seller), "foreign.pdf")
    assert seller_client.post(remove, {"file": foreign.pk}).status_code == 404


def test_a_file_of_a_type_not_sold_is_refused_next_to_the_field(seller_client, seller, site_tree):
    product = ProductPageFactory(seller=seller)
    url = reverse("seller_portal:product_files", args=(product.pk,))
    response = seller_client.post(url, {"files": [pdf_upload("tool.exe", b"MZ\x90\x00" + b"\x00" * 60)]})
    assert response.status_code == 200
    assert "tool.exe" in response.content.decode()
    assert ProductFile.objects.filter(release__product=product).count() == 1


def test_publishing_a_new_version_emails_its_buyers_and_keeps_the_old_one(
    seller_client, seller, site_tree, django_capture_on_commit_callbacks
):
    product = ProductPageFactory(seller=seller, title="Sourdough Handbook")
    [extra] = add_product_files(product, "recipes.pdf")
    buyers = [OrderFactory(product=product).customer.email for _ in range(2)]
    url = reverse("seller_portal:product_version_new", args=(product.pk,))
    assert "Publish version 2" in seller_client.get(url).content.decode()

    # No file at all: said next to the field, the note kept.
    response = seller_client.post(url, {"note": "Rye chapter added.", "keep_previous": "on"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "at least one file" in html and "Rye chapter added." in html

    with django_capture_on_commit_callbacks(execute=True):
        response = seller_client.post(
            url,
            {
                "note": "Rye chapter added.",
                "carried": [extra.pk],
                "files": [pdf_upload("handbook-v2.pdf")],
                "keep_previous": "on",
            },
        )
    assert response.status_code == 302
    new = ProductRelease.objects.current().get(product=product)
    assert new.number == 2 and [item.name for item in new.files.all()] == ["recipes.pdf", "handbook-v2.pdf"]
    assert ProductRelease.objects.get(product=product, number=1).kept
    assert sorted(address for message in mail.outbox for address in message.to) == sorted(buyers)
    assert all("Rye chapter added." in message.body for message in mail.outbox)
    html = seller_client.get(reverse("seller_portal:product_files", args=(product.pk,))).content.decode()
    assert "Version 2" in html and "Version 1" in html and "kept for its buyers" in html
