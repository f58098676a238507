"""Fixtures for catalogue tests."""

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _empty_cache():
    """Start each test with an empty cache.

    Wagtail caches site root paths and image renditions; rows from an earlier test are
    rolled back but would survive in the local-memory cache, and query counts would
    depend on test order.
    """
    cache.clear()
    yield
    cache.clear()
