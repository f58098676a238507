"""Editors manage users, and grant roles, in Wagtail admin (Settings -> Users)."""

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from tests.factories import CustomerFactory

User = get_user_model()
pytestmark = pytest.mark.django_db


def test_the_users_listing_opens(client, staff):
    client.force_login(staff)
    response = client.get("/admin/users/")
    assert response.status_code == 200
    assert staff.email in response.content.decode()


def test_an_editor_creates_a_seller(client, staff):
    client.force_login(staff)
    response = client.get("/admin/users/new/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="is_seller"' in html and 'name="is_customer"' in html
    assert 'name="username"' not in html

    response = client.post(
        "/admin/users/new/",
        {
            "email": "Maker@Example.com",
            "first_name": "Mia",
            "last_name": "Maker",
            "password1": "Maple-Lantern-77",
            "password2": "Maple-Lantern-77",
            "is_customer": "on",
            "is_seller": "on",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    user = User.objects.get(email="maker@example.com")
    assert (user.is_active, user.is_customer, user.is_seller, user.is_staff) == (True, True, True, False)
    assert user.check_password("Maple-Lantern-77")
    assert mail.outbox == []  # editors create active accounts: no activation email


def test_an_editor_edits_roles(client, staff):
    customer = CustomerFactory(email="c@example.com")
    client.force_login(staff)
    url = f"/admin/users/edit/{customer.pk}/"
    response = client.get(url)
    assert response.status_code == 200
    assert 'name="is_seller"' in response.content.decode()
    response = client.post(
        url,
        {
            "email": "c@example.com",
            "first_name": "Cleo",
            "last_name": customer.last_name,
            "is_active": "on",
            "is_seller": "on",
            "is_trusted_seller": "on",
            # is_customer left unticked: the role is taken away
            "password1": "",
            "password2": "",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    customer.refresh_from_db()
    assert (customer.first_name, customer.is_customer, customer.is_seller, customer.is_trusted_seller) == (
        "Cleo",
        False,
        True,
        True,
    )
    assert customer.check_password("correct-horse-battery-staple")


def test_the_admin_refuses_a_duplicate_email(client, staff):
    CustomerFactory(email="c@example.com")
    client.force_login(staff)
    response = client.post(
        "/admin/users/new/",
        {
            "email": "C@example.com",
            "first_name": "X",
            "last_name": "Y",
            "password1": "Maple-Lantern-77",
            "password2": "Maple-Lantern-77",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["email"] == ["Another account already uses this email address."]
