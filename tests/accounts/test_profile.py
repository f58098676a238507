"""The profile: edit the name, and change the email only through a confirmed link."""

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from accounts.tokens import make_email_change_token
from tests.accounts.helpers import field_errors, link_from, run_accounts_callbacks
from tests.factories import TEST_PASSWORD, CustomerFactory, SellerFactory, UserFactory

User = get_user_model()
pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client):
    user = CustomerFactory(email="me@example.com", first_name="Ada", last_name="Lovelace")
    client.force_login(user)
    return user


def test_profile_page_shows_the_name_form_in_the_portal(client, signed_in):
    response = client.get("/account/profile/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="portal"' in html and 'class="portal-nav"' in html
    assert 'value="Ada"' in html and "me@example.com" in html
    assert 'href="/account/profile/" aria-current="page"' in html
    assert "/account/profile/email/" in html and "/accounts/password/change/" in html


def test_name_can_be_changed(client, signed_in):
    response = client.post("/account/profile/", {"first_name": "Augusta", "last_name": "King"})
    assert response.status_code == 302 and response["Location"] == "/account/profile/"
    signed_in.refresh_from_db()
    assert (signed_in.first_name, signed_in.last_name) == ("Augusta", "King")


def test_forged_fields_on_the_profile_are_ignored(client, signed_in):
    other = UserFactory(email="other@example.com")
    client.post(
        "/account/profile/",
        {
            "first_name": "Augusta",
            "last_name": "King",
            "is_seller": "on",
            "is_staff": "on",
            "is_superuser": "on",
            "email": "other@example.com",
            "password": "x",
            "id": other.pk,
            "pk": other.pk,
        },
    )
    signed_in.refresh_from_db()
    assert signed_in.first_name == "Augusta"
    assert (signed_in.is_seller, signed_in.is_staff, signed_in.is_superuser) == (False, False, False)
    assert signed_in.email == "me@example.com"
    assert signed_in.check_password(TEST_PASSWORD)
    other.refresh_from_db()
    assert other.first_name != "Augusta"


def test_a_blank_first_name_is_explained_and_not_saved(client, signed_in):
    response = client.post("/account/profile/", {"first_name": "", "last_name": "King"})
    assert response.status_code == 200
    assert field_errors(response, "first_name")
    assert 'value="King"' in response.content.decode()
    signed_in.refresh_from_db()
    assert signed_in.first_name == "Ada"


def _request_change(client, new_email, password=TEST_PASSWORD):
    return client.post("/account/profile/email/", {"new_email": new_email, "password": password})


def test_email_change_is_confirmed_from_the_new_address(client, signed_in, django_capture_on_commit_callbacks):
    response = _request_change(client, " New@Example.com ")
    assert response.status_code == 302 and response["Location"] == "/account/profile/"
    signed_in.refresh_from_db()
    assert signed_in.email == "me@example.com"  # unchanged until confirmed
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new@example.com"]
    link = link_from(message, "/accounts/email/confirm/")

    with django_capture_on_commit_callbacks() as callbacks:
        response = client.get(link)
    assert run_accounts_callbacks(callbacks) == 1
    assert response.status_code == 302 and response["Location"] == "/account/profile/"
    signed_in.refresh_from_db()
    assert signed_in.email == "new@example.com"
    # The old address hears about it.
    assert mail.outbox[1].to == ["me@example.com"]
    assert "new@example.com" in mail.outbox[1].body

    # The link works once.
    response = client.get(link)
    assert response.status_code == 400
    assert "invalid or has expired" in response.content.decode()


def test_email_change_needs_the_current_password(client, signed_in):
    response = _request_change(client, "new@example.com", password="wrong")
    assert response.status_code == 200
    assert field_errors(response, "password")
    html = response.content.decode()
    assert 'value="new@example.com"' in html and 'value="wrong"' not in html
    assert mail.outbox == []


def test_email_change_to_an_address_in_use_is_explained(client, signed_in):
    UserFactory(email="taken@example.com")
    response = _request_change(client, "TAKEN@example.com")
    assert "already uses this email address" in field_errors(response, "new_email")
    response = _request_change(client, "me@example.com")
    assert "already your email address" in field_errors(response, "new_email")
    assert mail.outbox == []


def test_an_address_taken_before_confirmation_is_refused(client, signed_in):
    _request_change(client, "new@example.com")
    UserFactory(email="new@example.com")
    response = client.get(link_from(mail.outbox[0], "/accounts/email/confirm/"))
    assert response.status_code == 400
    assert "already uses this email address" in response.content.decode()
    signed_in.refresh_from_db()
    assert signed_in.email == "me@example.com"


def test_the_confirmation_link_needs_the_accounts_login(client, signed_in):
    _request_change(client, "new@example.com")
    link = link_from(mail.outbox[0], "/accounts/email/confirm/")
    client.logout()
    response = client.get(link)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=/accounts/email/")

    client.force_login(CustomerFactory())  # someone else
    assert client.get(link).status_code == 400
    signed_in.refresh_from_db()
    assert signed_in.email == "me@example.com"


@pytest.mark.parametrize("token", ["garbage", "eyJ1c2VyIjoxfQ:1abc:forged"])
def test_a_tampered_confirmation_link_is_refused(client, signed_in, token):
    assert client.get(f"/accounts/email/confirm/{token}/").status_code == 400
    signed_in.refresh_from_db()
    assert signed_in.email == "me@example.com"


def test_a_stale_confirmation_link_is_refused(client, signed_in, settings):
    token = make_email_change_token(signed_in, "new@example.com")
    settings.ACCOUNT_EMAIL_CHANGE_TIMEOUT = -1
    assert client.get(f"/accounts/email/confirm/{token}/").status_code == 400
    signed_in.refresh_from_db()
    assert signed_in.email == "me@example.com"


def test_a_seller_only_account_confirms_too(client):
    seller = SellerFactory(is_customer=False, email="s@example.com")
    client.force_login(seller)
    token = make_email_change_token(seller, "shop@example.com")
    response = client.get(f"/accounts/email/confirm/{token}/")
    assert response.status_code == 302 and response["Location"] == "/seller/"
    seller.refresh_from_db()
    assert seller.email == "shop@example.com"
