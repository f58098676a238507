"""Seller B on every one of seller A's object URLs: 404, nothing changes, Dodo hears nothing.

The URLs are read from the resolver (the ``seller_portal`` namespace), so a page added
later is covered the day it appears; a URL with an id this test cannot fill fails
``test_every_object_url_is_covered`` until it is taught which object the id names.
Ticket URLs are checked by tests/catalogue/support/test_scoping.py.
"""

import re
from decimal import Decimal

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from catalogue.models import DiscountCode, ProductCategory, ProductPage, Review
from seller_portal.models import ShortLink
from tests.factories import (
    DiscountCodeFactory,
    OrderFactory,
    ProductCategoryFactory,
    ProductPageFactory,
    ReviewFactory,
    SellerFactory,
    ShortLinkFactory,
)

from .conftest import pdf_upload, product_data

pytestmark = pytest.mark.django_db

PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>\w+)>")
# Which of seller A's objects a URL's id names, by the URL name's prefix.
OBJECT_BY_NAME_PREFIX = {
    "product_": "product",
    "category_": "category",
    "short_link_": "link",
    "discount_": "discount",
    "order_": "order",
    "review_": "review",
}


def _walk(patterns, prefix=""):
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield route, entry.name


def object_urls():
    """``(url name, route)`` for every seller portal URL that takes a parameter."""
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and entry.namespace == "seller_portal":
            for route, name in _walk(entry.url_patterns, "/" + str(entry.pattern)):
                if PARAMETER.search(route) and not (name or "").startswith("support"):
                    yield name, route


OBJECT_URLS = sorted(object_urls())


def _object_for(name):
    return next((kind for prefix, kind in OBJECT_BY_NAME_PREFIX.items() if name.startswith(prefix)), None)


def test_every_object_url_is_covered():
    names = {name for name, _ in OBJECT_URLS}
    assert {"product_edit", "product_delete", "category_edit", "short_link_delete"} <= names
    for name, route in OBJECT_URLS:
        assert _object_for(name), f"{name} ({route}): teach OBJECT_BY_NAME_PREFIX which object its id names"
        assert [m.group("name") for m in PARAMETER.finditer(route)] == ["pk"], route


@pytest.fixture
def seller_a_objects(site_tree):
    seller_a = SellerFactory()
    category = ProductCategoryFactory(owner=seller_a, name="A's shelf")
    product = ProductPageFactory(seller=seller_a, category=category, price=Decimal("10.00"), title="A's product")
    draft = ProductPageFactory(seller=seller_a, category=category, live=False, title="A's draft")
    link = ShortLinkFactory(product=product, code="a-link")
    discount = DiscountCodeFactory(seller=seller_a, code="A-CODE", products=[product])
    order = OrderFactory(product=product)
    review = ReviewFactory(product=product, title="A's review")
    return {
        "seller": seller_a,
        "category": category,
        "product": product,
        "draft": draft,
        "link": link,
        "discount": discount,
        "order": order,
        "review": review,
    }


def _snapshot():
    """Everything seller B might try to change, as plain values."""
    return {
        "products": sorted(
            ProductPage.objects.values_list(
                "pk",
                "title",
                "draft_title",
                "live",
                "price",
                "seller_id",
                "has_unpublished_changes",
                "latest_revision_id",
            )
        ),
        "categories": sorted(ProductCategory.objects.values_list("pk", "name", "description", "owner_id")),
        "links": sorted(ShortLink.objects.values_list("pk", "code", "is_active", "clicks", "seller_id", "product_id")),
        "discounts": sorted(
            DiscountCode.objects.values_list("pk", "code", "percent", "active", "seller_id", "products", "expires_at")
        ),
        "reviews": sorted(Review.objects.values_list("pk", "seller_reply", "hidden", "rating")),
    }


@pytest.mark.parametrize(("name", "route"), OBJECT_URLS, ids=[name for name, _ in OBJECT_URLS])
def test_another_sellers_object_is_404_and_untouched(
    client, name, route, seller_a_objects, dodo_settings, dodo_emulator, django_capture_on_commit_callbacks
):
    seller_b = SellerFactory()
    ProductPageFactory(seller=seller_b)  # B has objects of their own
    client.force_login(seller_b)
    kind = _object_for(name)
    targets = (
        [seller_a_objects["product"], seller_a_objects["draft"]] if kind == "product" else [seller_a_objects[kind]]
    )
    before = _snapshot()
    dodo_emulator.reset()

    for target in targets:
        path = PARAMETER.sub(str(target.pk), route)
        posts = [
            {},
            {**product_data(seller_a_objects["category"], title="Hijacked", action="publish"), "file": pdf_upload()},
            {"name": "Hijacked", "description": "", "active": "0", "code": "hijack"},
        ]
        with django_capture_on_commit_callbacks(execute=True):
            assert client.get(path).status_code in {404, 405}, f"GET {path}"
            for data in posts:
                assert client.post(path, data).status_code == 404, f"POST {path}"
            assert client.delete(path).status_code in {404, 405}, f"DELETE {path}"

    assert _snapshot() == before
    assert dodo_emulator.requests() == []
