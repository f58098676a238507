"""seed_demo's catalogue: six categories, about forty products, covers and real files."""

import pytest
from django.core.management import call_command
from wagtail.images import get_image_model

from catalogue.models import ProductCategory, ProductPage
from catalogue.storage import get_private_storage
from catalogue.validators import content_matches_extension, file_extension

pytestmark = pytest.mark.django_db


def test_seed_demo_builds_a_catalogue_once(capsys):
    call_command("seed_demo")
    first = capsys.readouterr().out
    assert "6 new categories, 40 new products" in first

    assert ProductCategory.objects.count() == 6
    products = ProductPage.objects.live().select_related("seller", "cover_image")
    assert products.count() == 40
    sellers = {product.seller.email for product in products}
    assert sellers == {"maya@example.com", "lars@example.com"}
    assert products.filter(featured=True).count() >= 6
    assert products.filter(selling_price__isnull=False).count() >= 8
    assert all(product.first_published_at for product in products)

    storage = get_private_storage()
    for product in products:
        assert product.cover_image is not None and product.cover_image.width == 1200
        with storage.open(product.file.name) as handle:
            head = handle.read(8192)
        assert content_matches_extension(file_extension(product.file_name), head), product.file_name
        assert product.file_size == storage.size(product.file.name)

    counts = (ProductCategory.objects.count(), ProductPage.objects.count(), get_image_model().objects.count())
    call_command("seed_demo")
    second = capsys.readouterr().out
    assert "0 new categories, 0 new products" in second
    assert (ProductCategory.objects.count(), ProductPage.objects.count(), get_image_model().objects.count()) == counts
