"""Fixtures for the support ticket tests: a product, its seller, a buyer, small files."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.factories import CustomerFactory, OrderFactory, ProductPageFactory


@pytest.fixture
def product(site_tree):
    """A live product; its seller is ``product.seller``."""
    return ProductPageFactory()


@pytest.fixture
def buyer(product):
    """A customer with a paid order of ``product`` (``buyer.order``)."""
    customer = CustomerFactory()
    customer.order = OrderFactory(customer=customer, product=product)
    return customer


@pytest.fixture
def png_bytes():
    buffer = io.BytesIO()
    Image.new("RGB", (8, 6), "#4338ca").save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def png_upload(png_bytes):
    """A fresh uploaded PNG each time it is called (uploads are read once)."""
    return lambda name="screen shot.png": SimpleUploadedFile(name, png_bytes, content_type="image/png")
