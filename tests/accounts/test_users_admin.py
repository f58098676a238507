"""The users admin (Settings -> Users): roles shown and filtered, seller-only lookups,
and links from a user to their orders, products and tickets (accounts/viewsets.py,
accounts/wagtail_hooks.py)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import (
    CustomerFactory,
    OrderFactory,
    ProductCategoryFactory,
    ProductPageFactory,
    SellerFactory,
    SupportTicketFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

USERS = "/admin/users/"


def _roles_by_email(html):
    """{email: [role keys]} from the listing's rows."""
    rows = re.findall(r"<tr\b.*?</tr>", html, flags=re.S)
    found = {}
    for row in rows:
        email = re.search(r"[\w.+-]+@example\.com", row)
        if email:
            found[email.group(0)] = re.findall(r'data-role="(\w+)"', row)
    return found


def test_the_list_shows_and_filters_by_role(client, staff):
    CustomerFactory(email="cara@example.com")
    SellerFactory(email="sam@example.com")  # a seller who also buys
    UserFactory(email="nobody@example.com")
    SellerFactory(email="tia@example.com", is_trusted_seller=True)
    client.force_login(staff)

    html = client.get(USERS).content.decode()
    assert re.search(r"<th class=\"roles\">\s*Roles\s*</th>", html)
    roles = _roles_by_email(html)
    assert roles["cara@example.com"] == ["customer"]
    assert roles["sam@example.com"] == ["customer", "seller"]
    assert roles["nobody@example.com"] == []
    assert roles["tia@example.com"] == ["customer", "seller", "trusted_seller"]
    assert "staff" in roles[staff.email]

    sellers = _roles_by_email(client.get(USERS, {"role": "seller"}).content.decode())
    assert set(sellers) == {"sam@example.com", "tia@example.com"}
    trusted = _roles_by_email(client.get(USERS, {"role": "trusted_seller"}).content.decode())
    assert set(trusted) == {"tia@example.com"}
    both = _roles_by_email(client.get(USERS, {"role": ["trusted_seller", "staff"]}).content.decode())
    assert set(both) == {"tia@example.com", staff.email}
    # Search by email or by name.
    assert set(_roles_by_email(client.get(USERS, {"q": "cara@"}).content.decode())) == {"cara@example.com"}


def test_the_list_query_count_does_not_grow(client, staff):
    client.force_login(staff)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(USERS).status_code == 200
        return len(queries)

    SellerFactory.create_batch(2)
    few = count()
    SellerFactory.create_batch(14)
    CustomerFactory.create_batch(13)
    assert count() == few


def test_seller_lookups_offer_sellers_only_by_name_and_email(client, staff, site_tree):
    seller = SellerFactory(email="sam@example.com", first_name="Sam", last_name="Stone")
    customer = CustomerFactory(email="cara@example.com", first_name="Cara", last_name="Cole")
    category = ProductCategoryFactory()
    product = ProductPageFactory(seller=seller, category=category)
    client.force_login(staff)

    for url in (f"/admin/snippets/catalogue/productcategory/edit/{category.pk}/", f"/admin/pages/{product.pk}/edit/"):
        html = client.get(url).content.decode()
        assert "Sam Stone &lt;sam@example.com&gt;" in html, url
        assert "cara@example.com" not in html, url

    # A customer posted as the owner is refused next to the field.
    response = client.post(
        f"/admin/snippets/catalogue/productcategory/edit/{category.pk}/",
        {"name": category.name, "slug": category.slug, "description": "", "owner": customer.pk},
    )
    assert response.status_code == 200
    assert "owner" in response.context["form"].errors
    category.refresh_from_db()
    assert category.owner_id != customer.pk


def test_a_users_page_links_to_their_orders_products_and_tickets(client, staff, site_tree):
    seller = SellerFactory(email="sam@example.com")
    mine = ProductPageFactory(seller=seller, title="Sam's sketches")
    ProductPageFactory(title="Other brushes")
    buyer = CustomerFactory(email="cara@example.com")
    OrderFactory(customer=buyer, product=mine)
    OrderFactory(product=mine)  # another customer's order of the same product
    SupportTicketFactory(customer=buyer, product=mine, subject="Cara asks")
    SupportTicketFactory(product=mine, subject="Someone else asks")
    client.force_login(staff)

    html = client.get(f"/admin/users/edit/{buyer.pk}/").content.decode()
    links = dict(re.findall(r'href="([^"]+)" data-record="(\w+)"', html))
    links = {key: url.replace("&amp;", "&") for url, key in links.items()}
    assert set(links) == {"orders", "tickets"}  # a customer sells nothing

    orders = client.get(links["orders"])
    assert [order.customer for order in orders.context["object_list"]] == [buyer]
    assert "cara@example.com" in orders.content.decode()  # the pill says whose
    tickets = client.get(links["tickets"]).content.decode()
    assert "Cara asks" in tickets and "Someone else asks" not in tickets

    seller_page = client.get(f"/admin/users/edit/{seller.pk}/").content.decode()
    products_url = re.search(r'href="([^"]+)" data-record="products"', seller_page).group(1).replace("&amp;", "&")
    products = client.get(products_url).content.decode()
    assert "Sam&#x27;s sketches" in products and "Other brushes" not in products

    # The same links are in the row's actions on the list.
    listing = client.get(USERS).content.decode()
    assert links["orders"].replace("&", "&amp;") in listing or links["orders"] in listing


def test_the_orders_filters_hide_the_customer_filter_unless_linked(client, staff):
    client.force_login(staff)
    html = client.get("/admin/snippets/catalogue/order/").content.decode()
    assert 'name="customer"' not in html


@pytest.mark.parametrize("factory", [CustomerFactory, SellerFactory])
def test_customers_and_sellers_cannot_reach_the_users_admin(client, factory):
    other = CustomerFactory()
    client.force_login(factory())
    for url in (USERS, f"{USERS}?role=seller", f"/admin/users/edit/{other.pk}/"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response["Location"], url
