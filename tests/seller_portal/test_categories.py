"""Categories in the seller portal: the seller's own, created, edited and deleted."""

import pytest
from django.urls import reverse

from catalogue.models import CategoryStatus, ProductCategory
from tests.factories import ProductCategoryFactory, ProductPageFactory

pytestmark = pytest.mark.django_db

LIST_URL = reverse("seller_portal:categories")


def test_the_list_shows_only_the_sellers_own_categories(seller_client, seller, other_seller, site_tree):
    mine = ProductCategoryFactory(name="Knitting patterns", owner=seller)
    ProductCategoryFactory(name="Someone else's", owner=other_seller)
    ProductCategoryFactory(name="Editors' pick")
    ProductPageFactory(category=mine)

    response = seller_client.get(LIST_URL)
    assert list(response.context["categories"]) == [mine]
    assert response.context["categories"][0].product_count == 1
    html = response.content.decode()
    assert "Knitting patterns" in html and "Someone else" not in html
    assert "/catalogue/category/knitting-patterns/" in html


def test_creating_a_category_fills_the_slug_and_sets_the_owner(seller_client, seller, other_seller, site_tree):
    response = seller_client.post(
        reverse("seller_portal:category_create"),
        {"name": "  Sewing   patterns ", "description": "Patterns to sew.", "owner": str(other_seller.pk), "slug": "x"},
    )
    assert response.status_code == 302
    category = ProductCategory.objects.get()
    assert category.name == "Sewing patterns"
    assert category.slug == "sewing-patterns"  # from the signal, not the POST
    assert category.owner == seller


def test_a_category_form_with_errors_keeps_what_was_typed(seller_client, site_tree):
    ProductCategoryFactory(name="E-books")
    response = seller_client.post(
        reverse("seller_portal:category_create"), {"name": "e-books", "description": "x" * 501}
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "already a category called" in errors["name"][0]
    assert errors["description"]
    html = response.content.decode()
    assert 'value="e-books"' in html
    assert 'id="id_name_error"' in html
    assert ProductCategory.objects.count() == 1


def test_editing_a_category(seller_client, seller, site_tree):
    # A proposal (an approved category is the editors': tests/seller_portal/test_category_proposals.py).
    category = ProductCategoryFactory(name="Old", owner=seller, status=CategoryStatus.PENDING)
    slug = category.slug
    seller_client.post(reverse("seller_portal:category_edit", args=[category.pk]), {"name": "New", "description": ""})
    category.refresh_from_db()
    assert category.name == "New"
    assert category.slug == slug  # addresses stay put
    assert category.owner == seller


def test_deleting_an_empty_category(seller_client, seller, site_tree):
    category = ProductCategoryFactory(owner=seller, status=CategoryStatus.PENDING)
    url = reverse("seller_portal:category_delete", args=[category.pk])
    assert "No products use it" in seller_client.get(url).content.decode()
    assert seller_client.post(url).status_code == 302
    assert not ProductCategory.objects.filter(pk=category.pk).exists()


def test_deleting_a_category_with_products_is_refused_with_a_message(seller_client, seller, site_tree):
    category = ProductCategoryFactory(name="Busy", owner=seller, status=CategoryStatus.REJECTED)
    ProductPageFactory(category=category)
    url = reverse("seller_portal:category_delete", args=[category.pk])
    assert "cannot be deleted" in seller_client.get(url).content.decode()

    response = seller_client.post(url, follow=True)
    assert ProductCategory.objects.filter(pk=category.pk).exists()
    messages = [str(message) for message in response.context["messages"]]
    assert any("“Busy” still has 1 product, so it cannot be deleted" in m for m in messages)
