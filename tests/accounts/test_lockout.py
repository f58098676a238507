"""Brute-force protection (django-axes): lock by account or by address, then lift."""

import time
from datetime import timedelta

import pytest

from tests.factories import TEST_PASSWORD, CustomerFactory

pytestmark = pytest.mark.django_db

LOCKED_TEXT = "Too many failed attempts"


@pytest.fixture(autouse=True)
def _small_limit(settings):
    settings.AXES_FAILURE_LIMIT = 3


def _login(client, email, password, ip="10.0.0.1"):
    return client.post("/accounts/login/", {"username": email, "password": password}, REMOTE_ADDR=ip)


def _assert_locked(response):
    assert response.status_code == 429
    html = response.content.decode()
    assert LOCKED_TEXT in html
    assert "site-header" in html  # the site's page, not a bare text
    assert "_auth_user_id" not in response.client.session


def test_repeated_failures_lock_the_account_and_the_right_password_does_not_bypass_it(client):
    CustomerFactory(email="c@example.com")
    for _ in range(2):
        assert _login(client, "c@example.com", "wrong").status_code == 200
    _assert_locked(_login(client, "c@example.com", "wrong"))
    _assert_locked(_login(client, "c@example.com", TEST_PASSWORD))


def test_the_account_is_locked_from_every_address_and_every_spelling(client):
    CustomerFactory(email="c@example.com")
    for n, email in enumerate(["c@example.com", "C@Example.com", " c@example.COM "]):
        _login(client, email, "wrong", ip=f"10.0.1.{n}")
    _assert_locked(_login(client, "c@example.com", TEST_PASSWORD, ip="10.0.9.9"))


def test_one_address_is_locked_across_accounts(client):
    CustomerFactory(email="victim@example.com")
    for n in range(3):
        _login(client, f"guess{n}@example.com", "wrong", ip="10.0.2.1")
    _assert_locked(_login(client, "victim@example.com", TEST_PASSWORD, ip="10.0.2.1"))
    # Someone else, elsewhere, signs in as usual.
    assert _login(client, "victim@example.com", TEST_PASSWORD, ip="10.0.2.2").status_code == 302


def test_the_lockout_page_says_how_long_to_wait(client, settings):
    settings.AXES_COOLOFF_TIME = 0.25  # hours, as AXES_COOLOFF_HOURS sets it
    for _ in range(3):
        response = _login(client, "c@example.com", "wrong")
    _assert_locked(response)
    assert "15 minutes" in response.content.decode()
    assert "/accounts/password/reset/" in response.content.decode()


def test_the_lock_lifts_by_itself_after_the_cool_off(client, settings):
    settings.AXES_COOLOFF_TIME = timedelta(seconds=1)
    CustomerFactory(email="c@example.com")
    for _ in range(3):
        _login(client, "c@example.com", "wrong")
    _assert_locked(_login(client, "c@example.com", TEST_PASSWORD))
    time.sleep(1.1)
    response = _login(client, "c@example.com", TEST_PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/account/"


def test_a_success_before_the_limit_resets_the_count(client):
    CustomerFactory(email="c@example.com")
    for _ in range(2):
        _login(client, "c@example.com", "wrong")
    assert _login(client, "c@example.com", TEST_PASSWORD).status_code == 302
    client.logout()
    for _ in range(2):
        assert _login(client, "c@example.com", "wrong").status_code == 200


def test_limit_and_cool_off_are_settings(settings):
    assert isinstance(settings.AXES_FAILURE_LIMIT, int)
    assert settings.AXES_COOLOFF_TIME
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
