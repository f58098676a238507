"""A category whose last live product goes is hidden from shoppers (filters, chips, the
home page's grid, its own page answers 404) and comes back with its next product;
editors and sellers still see it where they manage categories and products."""

import pytest

from tests.factories import ProductCategoryFactory, ProductPageFactory, SellerFactory

pytestmark = pytest.mark.django_db


def shopper_sees(client, slug):
    """Where a shopper could meet the category: (catalogue filters, home grid, its page)."""
    catalogue = client.get("/catalogue/").content.decode()
    home = client.get("/").content.decode()
    return (
        f'value="{slug}"' in catalogue and f"/catalogue/category/{slug}/" in catalogue,
        f"/catalogue/category/{slug}/" in home,
        client.get(f"/catalogue/category/{slug}/").status_code,
    )


def test_a_category_without_live_products_is_hidden_from_shoppers_only(client, site_tree, staff):
    fonts = ProductCategoryFactory(name="Fonts")
    ProductPageFactory(category=ProductCategoryFactory(name="E-books"))  # the shop is not empty
    product = ProductPageFactory(category=fonts)
    assert shopper_sees(client, "fonts") == (True, True, 200)

    product.unpublish()
    assert shopper_sees(client, "fonts") == (False, False, 404)

    client.force_login(staff)
    assert "Fonts" in client.get("/admin/snippets/catalogue/productcategory/").content.decode()
    client.force_login(SellerFactory())
    assert ">Fonts</option>" in client.get("/seller/products/new/").content.decode()

    client.logout()
    product.save_revision().publish()
    assert shopper_sees(client, "fonts") == (True, True, 200)
