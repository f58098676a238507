"""Activation links: once only, expiring, tamper-proof; and the resend page."""

from datetime import datetime, timedelta
from unittest import mock

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.tokens import activation_token_generator
from tests.accounts.helpers import comparable, link_from
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

INVALID_PAGE_TEXT = "This activation link is invalid or has expired"


def _uid(user):
    return urlsafe_base64_encode(force_bytes(user.pk))


def _link(user, token=None):
    return f"/accounts/activate/{_uid(user)}/{token or activation_token_generator.make_token(user)}/"


def _token_made(user, ago):
    """A token as it would have been made ``ago`` (a timedelta) in the past."""
    with mock.patch.object(activation_token_generator, "_now", return_value=datetime.now() - ago):
        return activation_token_generator.make_token(user)


def _assert_invalid_page(response):
    assert response.status_code == 400
    html = response.content.decode()
    assert INVALID_PAGE_TEXT in html
    assert "/accounts/activation/resend/" in html  # a way to get a new link
    assert "_auth_user_id" not in response.client.session


def test_link_activates_logs_in_and_works_once(client):
    user = UserFactory(is_active=False, is_customer=True)
    link = _link(user)
    response = client.get(link)
    assert response.status_code == 302 and response["Location"] == "/account/"
    user.refresh_from_db()
    assert user.is_active
    assert int(client.session["_auth_user_id"]) == user.pk

    client.logout()
    _assert_invalid_page(client.get(link))


def test_user_without_a_role_lands_on_the_home_page(client):
    user = UserFactory(is_active=False)
    response = client.get(_link(user))
    assert response["Location"] == "/"


def test_link_expires_after_the_default_three_days(client):
    user = UserFactory(is_active=False)
    _assert_invalid_page(client.get(_link(user, _token_made(user, timedelta(days=3, minutes=1)))))
    user.refresh_from_db()
    assert not user.is_active
    response = client.get(_link(user, _token_made(user, timedelta(days=2, hours=23))))
    assert response.status_code == 302


def test_link_lifetime_follows_the_setting(client, settings):
    settings.ACCOUNT_ACTIVATION_TIMEOUT = 60
    # Longer than the activation lifetime would be accepted by Django's reset timeout.
    settings.PASSWORD_RESET_TIMEOUT = 3600
    user = UserFactory(is_active=False)
    _assert_invalid_page(client.get(_link(user, _token_made(user, timedelta(minutes=2)))))

    settings.ACCOUNT_ACTIVATION_TIMEOUT = 10 * 24 * 3600
    settings.PASSWORD_RESET_TIMEOUT = 3600
    assert client.get(_link(user, _token_made(user, timedelta(days=9)))).status_code == 302


@pytest.mark.parametrize("uidb64", ["!!!", "Zm9v", "MTIzNDU2Nzg5", "", "x" * 300])
def test_tampered_uidb64_is_refused(client, uidb64):
    user = UserFactory(is_active=False)
    token = activation_token_generator.make_token(user)
    if not uidb64:
        response = client.get(f"/accounts/activate//{token}/")
        assert response.status_code == 404
        return
    _assert_invalid_page(client.get(f"/accounts/activate/{uidb64}/{token}/"))
    user.refresh_from_db()
    assert not user.is_active


def test_a_token_for_one_account_does_not_activate_another(client):
    victim = UserFactory(is_active=False)
    attacker = UserFactory(is_active=False)
    token = activation_token_generator.make_token(attacker)
    _assert_invalid_page(client.get(f"/accounts/activate/{_uid(victim)}/{token}/"))
    victim.refresh_from_db()
    assert not victim.is_active


@pytest.mark.parametrize("token", ["abc", "abc-def", "zzzzzzzzzzzzzzzz-1", "-", "a-b-c"])
def test_tampered_token_is_refused(client, token):
    user = UserFactory(is_active=False)
    _assert_invalid_page(client.get(_link(user, token)))


def test_an_edited_token_is_refused(client):
    user = UserFactory(is_active=False)
    token = activation_token_generator.make_token(user)
    edited = token[:-1] + ("0" if token[-1] != "0" else "1")
    _assert_invalid_page(client.get(_link(user, edited)))


def test_a_password_reset_token_does_not_activate(client):
    user = UserFactory(is_active=False)
    _assert_invalid_page(client.get(_link(user, default_token_generator.make_token(user))))


def test_resend_sends_a_working_link_to_an_inactive_account(client, django_capture_on_commit_callbacks):
    user = UserFactory(is_active=False, email="wait@example.com", is_seller=True, is_customer=True)
    response = client.post("/accounts/activation/resend/", {"email": "WAIT@example.com"}, follow=True)
    assert "If an account at WAIT@example.com is waiting for activation" in response.content.decode()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["wait@example.com"]
    response = client.get(link_from(mail.outbox[0], "/accounts/activate/"))
    assert response["Location"] == "/seller/"
    user.refresh_from_db()
    assert user.is_active


@pytest.mark.parametrize("email", ["nobody@example.com", "active@example.com"])
def test_resend_answers_the_same_for_unknown_and_active_addresses(client, email):
    UserFactory(email="active@example.com", is_active=True)
    UserFactory(email="waiting@example.com", is_active=False)
    answers = []
    for address in (email, "waiting@example.com"):
        response = client.post("/accounts/activation/resend/", {"email": address}, follow=True)
        assert response.redirect_chain == [("/accounts/activation/resend/", 302)]
        answers.append(comparable(response, address))
    assert answers[0] == answers[1]
    assert [m.to for m in mail.outbox] == [["waiting@example.com"]]


def test_resend_is_throttled_per_account(client):
    UserFactory(email="waiting@example.com", is_active=False)
    for _ in range(3):
        client.post("/accounts/activation/resend/", {"email": "waiting@example.com"})
    assert len(mail.outbox) == 1


def test_resend_form_explains_bad_input_and_prefills(client):
    response = client.post("/accounts/activation/resend/", {"email": "not-an-email"})
    assert response.status_code == 200
    assert 'id="id_email_error"' in response.content.decode()
    response = client.get("/accounts/activation/resend/?email=ada@example.com")
    assert 'value="ada@example.com"' in response.content.decode()


def test_an_account_an_editor_disabled_is_not_reactivated_by_resend_or_an_old_link(client):
    user = UserFactory(is_active=False, email="gone@example.com", is_customer=True)
    old_link = _link(user, activation_token_generator.make_token(user))
    # The person activated and used the account; then an editor disabled it.
    user.is_active = True
    user.last_login = timezone.now()
    user.save()
    user.is_active = False
    user.save()

    client.post("/accounts/activation/resend/", {"email": "gone@example.com"})
    assert mail.outbox == []
    _assert_invalid_page(client.get(old_link))
    user.refresh_from_db()
    assert not user.is_active
