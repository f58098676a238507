"""Fixtures for the accounts tests."""

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _clear_cache():
    """The activation-resend throttle lives in the process-wide locmem cache."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def broken_email(settings):
    """Every email fails as if the SMTP server dropped the connection."""
    settings.EMAIL_BACKEND = "tests.accounts.helpers.BrokenEmailBackend"
