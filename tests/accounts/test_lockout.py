"""Brute-force protection (django-axes): lock an account from one address, or an address
that guesses many accounts, then lift."""

import time
from datetime import timedelta

import pytest

from tests.factories import TEST_PASSWORD, CustomerFactory

pytestmark = pytest.mark.django_db

LOCKED_TEXT = "Too many failed attempts"


@pytest.fixture(autouse=True)
def _small_limit(settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_IP_FAILURE_LIMIT = 6


@pytest.fixture
def behind_proxy(settings):
    """As AXES_PROXY_COUNT=1 sets it; read on every request by accounts.lockout.get_client_ip."""
    settings.LOGIN_PROXY_COUNT = 1


def _login(client, email, password, ip="10.0.0.1"):
    return client.post("/accounts/login/", {"username": email, "password": password}, REMOTE_ADDR=ip)


def _login_via_proxy(client, email, password, client_ip, forged="10.9.9.9"):
    """Every request arrives from nginx (127.0.0.1), which appends the client's address to
    whatever X-Forwarded-For the client sent."""
    return client.post(
        "/accounts/login/",
        {"username": email, "password": password},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR=f"{forged}, {client_ip}",
    )


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


def test_the_account_is_locked_from_that_address_in_every_spelling(client):
    CustomerFactory(email="c@example.com")
    for email in ["c@example.com", "C@Example.com", " c@example.COM "]:
        _login(client, email, "wrong")
    _assert_locked(_login(client, "c@example.com", TEST_PASSWORD))


def test_a_stranger_elsewhere_cannot_lock_the_owner_out(client):
    CustomerFactory(email="c@example.com")
    for _ in range(5):
        _login(client, "c@example.com", "wrong", ip="10.6.6.6")
    _assert_locked(_login(client, "c@example.com", TEST_PASSWORD, ip="10.6.6.6"))
    response = _login(client, "c@example.com", TEST_PASSWORD, ip="10.0.1.1")
    assert response.status_code == 302 and response["Location"] == "/account/"


def test_one_address_guessing_many_accounts_is_locked_at_the_address_limit(client):
    CustomerFactory(email="victim@example.com")
    # Two failures per account stay under the per-account limit (3); six in all reach
    # the address limit.
    for n in range(3):
        for _ in range(2):
            assert _login(client, f"guess{n}@example.com", "wrong", ip="10.0.2.1").status_code in (200, 429)
    _assert_locked(_login(client, "victim@example.com", TEST_PASSWORD, ip="10.0.2.1"))
    # Someone else, elsewhere, signs in as usual.
    assert _login(client, "victim@example.com", TEST_PASSWORD, ip="10.0.2.2").status_code == 302


def test_the_address_limit_is_higher_than_the_account_limit(client):
    CustomerFactory(email="victim@example.com")
    for n in range(5):
        _login(client, f"guess{n}@example.com", "wrong", ip="10.0.2.1")
    # Five failures from the address: under its limit (6), so a real account still signs in.
    assert _login(client, "victim@example.com", TEST_PASSWORD, ip="10.0.2.1").status_code == 302


def test_signing_in_to_an_own_account_does_not_reset_the_address_count(client):
    CustomerFactory(email="mine@example.com")
    for n in range(5):
        _login(client, f"guess{n}@example.com", "wrong", ip="10.0.2.1")
    assert _login(client, "mine@example.com", TEST_PASSWORD, ip="10.0.2.1").status_code == 302
    client.logout()
    _assert_locked(_login(client, "guess9@example.com", "wrong", ip="10.0.2.1"))


def test_behind_the_proxy_clients_are_told_apart_by_their_forwarded_address(client, behind_proxy):
    CustomerFactory(email="c@example.com")
    # A forged X-Forwarded-For entry, new each time, does not give the attacker a fresh count.
    for n in range(3):
        response = _login_via_proxy(client, "c@example.com", "wrong", client_ip="203.0.113.7", forged=f"10.9.9.{n}")
    _assert_locked(response)
    _assert_locked(_login_via_proxy(client, "c@example.com", TEST_PASSWORD, client_ip="203.0.113.7"))
    # The owner, behind the same proxy but at their own address, still signs in.
    response = _login_via_proxy(client, "c@example.com", TEST_PASSWORD, client_ip="198.51.100.4")
    assert response.status_code == 302 and response["Location"] == "/account/"


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
    assert isinstance(settings.AXES_IP_FAILURE_LIMIT, int)
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert settings.AXES_COOLOFF_TIME
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
