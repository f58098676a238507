"""Fixtures for the seller portal tests."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import PDF_BYTES, ProductCategoryFactory, SellerFactory


@pytest.fixture
def seller_client(client, seller):
    """A test client signed in as ``seller``."""
    client.force_login(seller)
    return client


@pytest.fixture
def category(db):
    return ProductCategoryFactory(name="E-books")


@pytest.fixture
def other_seller(db):
    return SellerFactory()


def pdf_upload(name="guide.pdf", data=PDF_BYTES):
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def product_data(category, **overrides):
    """A valid product form POST (without files)."""
    data = {
        "title": "The Sourdough Handbook",
        "category": str(category.pk),
        "summary": "Everything about sourdough, from starter to crust.",
        "body": "Twelve chapters.\n\nWith photos.",
        "price": "24.00",
        "selling_price": "",
        "tax_category": "e_book",
        "action": "publish",
    }
    data.update(overrides)
    return data


PRICE = Decimal("24.00")


def count_queries(client, url):
    """How many queries a GET of ``url`` takes, after a warm-up request."""
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)
