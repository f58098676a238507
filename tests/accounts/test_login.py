"""Login by email, one message for every failure, safe ``next``, logout, password change and reset."""

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from accounts.forms import INVALID_LOGIN_MESSAGE
from tests.accounts.helpers import comparable, field_errors, link_from
from tests.factories import TEST_PASSWORD, CustomerFactory, SellerFactory, StaffFactory, UserFactory

User = get_user_model()
pytestmark = pytest.mark.django_db


def _login(client, email, password=TEST_PASSWORD, **extra):
    return client.post("/accounts/login/", {"username": email, "password": password, **extra})


@pytest.mark.parametrize(
    ("factory", "landing"),
    [(CustomerFactory, "/account/"), (SellerFactory, "/seller/"), (UserFactory, "/"), (StaffFactory, "/")],
)
def test_login_by_email_lands_on_the_persons_portal(client, factory, landing):
    user = factory(email="person@example.com")
    response = _login(client, "  Person@Example.COM ")
    assert response.status_code == 302
    assert response["Location"] == landing
    assert int(client.session["_auth_user_id"]) == user.pk


def test_login_page_uses_the_auth_card_and_offers_resend(client):
    response = client.get("/accounts/login/")
    html = response.content.decode()
    assert 'class="card auth-card' in html
    assert 'name="username"' in html and 'type="email"' in html
    assert "/accounts/activation/resend/" in html
    assert "/accounts/password/reset/" in html


def test_wrong_password_unknown_email_and_inactive_account_get_the_same_answer(client):
    CustomerFactory(email="known@example.com")
    UserFactory(email="sleeping@example.com", is_active=False, is_customer=True)
    responses = {
        "wrong password": _login(client, "known@example.com", "not-the-password"),
        "unknown email": _login(client, "nobody@example.com"),
        "inactive, right password": _login(client, "sleeping@example.com"),
    }
    pages = set()
    for case, response in responses.items():
        assert response.status_code == 200, case
        assert "_auth_user_id" not in client.session, case
        assert [str(e) for e in response.context["form"].non_field_errors()] == [str(INVALID_LOGIN_MESSAGE)], case
        html = response.content.decode()
        assert "/accounts/activation/resend/" in html, case
        assert "not-the-password" not in html and TEST_PASSWORD not in html, case
        pages.add(comparable(response, "known@example.com", "nobody@example.com", "sleeping@example.com"))
    assert len(pages) == 1


def test_login_keeps_the_email_typed(client):
    response = _login(client, "typo@example.com", "nope")
    assert 'value="typo@example.com"' in response.content.decode()


def test_login_form_explains_missing_fields(client):
    response = _login(client, "", "")
    assert field_errors(response, "username") and field_errors(response, "password")


def test_a_safe_next_path_is_followed(client):
    CustomerFactory(email="c@example.com")
    response = _login(client, "c@example.com", next="/account/profile/")
    assert response["Location"] == "/account/profile/"


@pytest.mark.parametrize(
    "next_url",
    [
        "//example.com",
        "//example.com/account/",
        "https://example.com",
        "http://example.com/account/",
        "/\\example.com",
        "\\\\example.com",
        "javascript:alert(1)",
        "JavaScript:alert(document.cookie)",
        "data:text/html,<script>alert(1)</script>",
        "https:example.com",
        "///example.com",
    ],
)
def test_open_redirects_through_next_fall_back_to_the_portal(client, next_url):
    CustomerFactory(email="c@example.com")
    response = _login(client, "c@example.com", next=next_url)
    assert response.status_code == 302
    assert response["Location"] == "/account/"
    # The login page never echoes an unsafe next into its form either.
    client.logout()
    response = client.get("/accounts/login/", {"next": next_url})
    assert 'name="next" value=""' in response.content.decode()


def test_the_login_page_sends_signed_in_people_on(client, customer):
    client.force_login(customer)
    response = client.get("/accounts/login/", {"next": "https://example.com"})
    assert response.status_code == 302 and response["Location"] == "/account/"


def test_logout_is_post_only(client, customer):
    client.force_login(customer)
    response = client.get("/accounts/logout/")
    assert response.status_code == 405
    assert "_auth_user_id" in client.session
    response = client.post("/accounts/logout/")
    assert response.status_code == 302 and response["Location"] == "/"
    assert "_auth_user_id" not in client.session


def test_header_logs_out_with_a_post_form_and_offers_sign_up(client, customer):
    response = client.get("/accounts/login/")
    html = response.content.decode()
    assert 'href="/accounts/register/"' in html
    client.force_login(customer)
    html = client.get("/account/").content.decode()
    assert '<form method="post" action="/accounts/logout/">' in html


def test_password_change(client, customer):
    client.force_login(customer)
    response = client.post(
        "/accounts/password/change/",
        {"old_password": "wrong", "new_password1": "Maple-Lantern-77", "new_password2": "Maple-Lantern-77"},
    )
    assert field_errors(response, "old_password")
    response = client.post(
        "/accounts/password/change/",
        {"old_password": TEST_PASSWORD, "new_password1": "Maple-Lantern-77", "new_password2": "Maple-Lantern-78"},
    )
    assert field_errors(response, "new_password2")
    response = client.post(
        "/accounts/password/change/",
        {"old_password": TEST_PASSWORD, "new_password1": "Maple-Lantern-77", "new_password2": "Maple-Lantern-77"},
    )
    assert response.status_code == 302 and response["Location"] == "/account/profile/"
    # Still signed in (the session hash was updated), and the new password works.
    assert client.get("/account/").status_code == 200
    customer.refresh_from_db()
    assert customer.check_password("Maple-Lantern-77")


@pytest.mark.parametrize("factory", [StaffFactory, UserFactory])
def test_password_change_is_open_to_every_signed_in_person(client, factory):
    client.force_login(factory())
    assert client.get("/accounts/password/change/").status_code == 200


def test_password_change_needs_a_login(client):
    response = client.get("/accounts/password/change/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/accounts/password/change/"


def test_password_reset_answers_the_same_for_known_and_unknown_addresses(client, settings):
    settings.SITE_URL = "https://shop.example.com"
    user = CustomerFactory(email="known@example.com")
    UserFactory(email="sleeping@example.com", is_active=False)
    pages = []
    for email in ("nobody@example.com", "sleeping@example.com", "KNOWN@example.com"):
        response = client.post("/accounts/password/reset/", {"email": email}, follow=True)
        assert response.redirect_chain == [("/accounts/password/reset/done/", 302)]
        pages.append(comparable(response))
    assert pages[0] == pages[1] == pages[2]
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["known@example.com"]
    # The link is built from SITE_URL, never from the request's Host header.
    path = link_from(message, "/accounts/reset/", base="https://shop.example.com")
    assert "https://shop.example.com/accounts/reset/" in message.alternatives[0][0]

    response = client.get(path, follow=True)
    assert response.context["validlink"]
    set_password_url = response.redirect_chain[-1][0]
    response = client.post(set_password_url, {"new_password1": "password", "new_password2": "password"})
    assert field_errors(response, "new_password2")  # Django's validators apply
    response = client.post(set_password_url, {"new_password1": "Maple-Lantern-77", "new_password2": "Maple-Lantern-77"})
    assert response["Location"] == "/accounts/reset/done/"
    user.refresh_from_db()
    assert user.check_password("Maple-Lantern-77")
    # The link worked once.
    response = client.get(path, follow=True)
    assert not response.context["validlink"]
    assert "invalid or has expired" in response.content.decode()


def test_password_reset_emails_are_limited_per_account_and_the_page_does_not_tell(client, settings):
    settings.PASSWORD_RESET_EMAILS_PER_HOUR = 3
    CustomerFactory(email="known@example.com")
    CustomerFactory(email="other@example.com")
    pages = []
    for _ in range(4):
        response = client.post("/accounts/password/reset/", {"email": "known@example.com"}, follow=True)
        assert response.redirect_chain == [("/accounts/password/reset/done/", 302)]
        pages.append(comparable(response))
    assert len(set(pages)) == 1
    assert [m.to for m in mail.outbox] == [["known@example.com"]] * 3
    # Another account has its own count.
    client.post("/accounts/password/reset/", {"email": "other@example.com"})
    assert mail.outbox[-1].to == ["other@example.com"] and len(mail.outbox) == 4


def test_password_reset_ignores_the_host_header(client):
    CustomerFactory(email="known@example.com")
    client.post("/accounts/password/reset/", {"email": "known@example.com"}, HTTP_HOST="localhost")
    assert "http://testserver/accounts/reset/" in mail.outbox[0].body
    assert "localhost" not in mail.outbox[0].body


def test_a_tampered_reset_link_is_invalid(client, customer):
    response = client.get("/accounts/reset/Zm9v/abc-def/", follow=True)
    assert response.status_code == 200
    assert not response.context["validlink"]
    assert "/accounts/password/reset/" in response.content.decode()


def test_password_reset_form_explains_bad_input(client):
    response = client.post("/accounts/password/reset/", {"email": "nope"})
    assert response.status_code == 200
    assert field_errors(response, "email")
    assert 'value="nope"' in response.content.decode()
