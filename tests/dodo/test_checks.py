"""Each Dodo system check fires for its misconfiguration, and only then."""

from __future__ import annotations

import pytest
from django.core.checks.registry import registry

from dodo import checks

VALID_KEY = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
ALL_CHECKS = [
    checks.check_api_key,
    checks.check_environment,
    checks.check_webhook_key,
    checks.check_base_url,
    checks.check_timeouts,
]


@pytest.fixture
def good(settings):
    """A complete, valid production-like Dodo configuration."""
    settings.DEBUG = False
    settings.DODO_PAYMENTS_API_KEY = "sk_test_key"
    settings.DODO_PAYMENTS_ENVIRONMENT = "live_mode"
    settings.DODO_PAYMENTS_WEBHOOK_KEY = VALID_KEY
    settings.DODO_PAYMENTS_BASE_URL = ""
    settings.DODO_CONNECT_TIMEOUT = 3.0
    settings.DODO_READ_TIMEOUT = 10
    settings.DODO_MAX_RETRIES = 2
    return settings


def _ids(check):
    return [message.id for message in check(None)]


def test_a_good_configuration_passes_every_check(good):
    assert [message for check in ALL_CHECKS for message in check(None)] == []


@pytest.mark.parametrize(("debug", "expected"), [(True, "dodo.W001"), (False, "dodo.E001")])
def test_missing_api_key(good, debug, expected):
    good.DEBUG = debug
    good.DODO_PAYMENTS_API_KEY = ""
    assert _ids(checks.check_api_key) == [expected]


@pytest.mark.parametrize("environment", ["", "production", "Test_Mode", None])
def test_invalid_environment(good, environment):
    good.DODO_PAYMENTS_ENVIRONMENT = environment
    assert _ids(checks.check_environment) == ["dodo.E002"]


@pytest.mark.parametrize("environment", ["test_mode", "live_mode"])
def test_valid_environments(good, environment):
    good.DODO_PAYMENTS_ENVIRONMENT = environment
    assert _ids(checks.check_environment) == []


@pytest.mark.parametrize(("debug", "expected"), [(True, "dodo.W002"), (False, "dodo.E003")])
def test_missing_webhook_key(good, debug, expected):
    good.DEBUG = debug
    good.DODO_PAYMENTS_WEBHOOK_KEY = ""
    assert _ids(checks.check_webhook_key) == [expected]


@pytest.mark.parametrize(
    "key",
    [
        "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",  # no prefix
        "whsec_",  # nothing after it
        "whsec_not base64!",
        "whsec_abc$def",
    ],
)
def test_malformed_webhook_key(good, key):
    good.DODO_PAYMENTS_WEBHOOK_KEY = key
    assert _ids(checks.check_webhook_key) == ["dodo.E004"]


def test_unpadded_webhook_key_is_fine(good):
    good.DODO_PAYMENTS_WEBHOOK_KEY = "whsec_ZGV2LWVtdWxhdG8"  # base64 of "dev-emulato", unpadded
    assert _ids(checks.check_webhook_key) == []


@pytest.mark.parametrize("url", ["ftp://dodo.example", "test.dodopayments.com", "http://"])
def test_base_url_must_be_http(good, url):
    good.DODO_PAYMENTS_BASE_URL = url
    assert _ids(checks.check_base_url) == ["dodo.E005"]


@pytest.mark.parametrize(
    ("debug", "url", "expected"),
    [
        (False, "http://127.0.0.1:8010", ["dodo.W003"]),
        (False, "http://localhost:8010/", ["dodo.W003"]),
        (True, "http://127.0.0.1:8010", []),
        (False, "https://test.dodopayments.com", []),
    ],
)
def test_local_base_url_in_production_warns(good, debug, url, expected):
    good.DEBUG = debug
    good.DODO_PAYMENTS_BASE_URL = url
    assert _ids(checks.check_base_url) == expected


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("DODO_CONNECT_TIMEOUT", 0),
        ("DODO_CONNECT_TIMEOUT", "3"),
        ("DODO_READ_TIMEOUT", -1.0),
        ("DODO_READ_TIMEOUT", True),
        ("DODO_MAX_RETRIES", -1),
        ("DODO_MAX_RETRIES", 2.5),
    ],
)
def test_bad_timeouts_and_retries(good, setting, value):
    setattr(good, setting, value)
    messages = checks.check_timeouts(None)
    assert [message.id for message in messages] == ["dodo.E006"]
    assert setting in messages[0].msg


def test_checks_are_registered_with_django():
    # The registry, not run_checks(): other apps' checks must not decide this test.
    assert set(ALL_CHECKS) <= set(registry.get_checks())


@pytest.mark.parametrize(
    ("backend", "expected"),
    [
        ("django.core.cache.backends.locmem.LocMemCache", ["dodo.W004"]),
        ("django.core.cache.backends.dummy.DummyCache", ["dodo.W004"]),
        ("django.core.cache.backends.redis.RedisCache", []),
    ],
)
def test_the_rate_limit_needs_a_cache_every_process_shares(good, backend, expected):
    good.CACHES = {"default": {"BACKEND": backend, "LOCATION": "redis://127.0.0.1:6379/1"}}
    good.DODO_RATE_LIMIT_CACHE = "default"
    good.DODO_RATE_LIMIT_PER_SECOND, good.DODO_RATE_LIMIT_PER_MINUTE = 10, 100
    assert _ids(checks.check_rate_limit_cache) == expected
    good.DEBUG = True
    assert _ids(checks.check_rate_limit_cache) == []
    # With the limiter turned off there is nothing to share.
    good.DEBUG, good.DODO_RATE_LIMIT_PER_SECOND, good.DODO_RATE_LIMIT_PER_MINUTE = False, 0, 0
    assert _ids(checks.check_rate_limit_cache) == []
