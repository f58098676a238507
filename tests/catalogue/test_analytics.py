"""Counting product page views and checkout starts (catalogue/analytics.py): the beacon
endpoint, the cache buffer and its flush to the daily rows."""

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from catalogue import analytics
from catalogue.models import ProductDailyStats, ProductTraffic, TaskEffect, TrafficKind
from catalogue.tasks import flush_product_analytics
from tests.dodo.purchase import sellable_product
from tests.factories import CustomerFactory, ProductPageFactory
from tests.redis_server import REDIS_URL, require_redis

BEACON = "/p/viewed/"


def _beacon(client, product_id, referrer="", via=""):
    return client.post(BEACON, {"product": str(product_id), "referrer": referrer, "via": via})


def _traffic(product):
    return {(row.kind, row.source): row.views for row in ProductTraffic.objects.filter(product=product).order_by("pk")}


def _later():
    """A moment at which every bucket counted so far has closed (Redis claims closed ones)."""
    return timezone.now() + timedelta(minutes=2)


# THE BEACON


def test_the_beacon_counts_in_the_cache_without_any_query(client, site_tree, django_assert_num_queries):
    product = ProductPageFactory()
    with django_assert_num_queries(0):
        response = _beacon(client, product.pk, referrer="https://news.example.org/story")
    assert response.status_code == 204
    assert not ProductDailyStats.objects.exists()  # nothing written on the hot path

    result = analytics.flush_counters(now=_later())
    assert (result.views, result.checkout_starts) == (1, 0)
    row = ProductDailyStats.objects.get(product=product)
    assert (row.day, row.views, row.checkout_starts) == (timezone.localdate(), 1, 0)


def test_only_the_referrers_host_is_kept(client, site_tree):
    product = ProductPageFactory()
    for referrer in (
        "https://www.News.Example.org:8443/2026/story?email=someone@example.com#top",
        "http://news.example.org/other",
        "https://blog.example.net/",
    ):
        assert _beacon(client, product.pk, referrer=referrer).status_code == 204
    analytics.flush_counters(now=_later())
    assert _traffic(product) == {
        (TrafficKind.REFERRER, "news.example.org"): 2,
        (TrafficKind.REFERRER, "blog.example.net"): 1,
    }
    stored = " ".join(ProductTraffic.objects.values_list("source", flat=True))
    assert "story" not in stored and "email" not in stored and "8443" not in stored


def test_own_pages_count_as_marketplace_and_no_referrer_as_direct(client, site_tree, settings):
    settings.SITE_URL = "https://shop.example.com"
    product = ProductPageFactory()
    _beacon(client, product.pk, referrer="http://testserver/catalogue/")  # the request's host
    _beacon(client, product.pk, referrer="https://shop.example.com/sellers/ann/")  # SITE_URL's host
    _beacon(client, product.pk, referrer="")
    _beacon(client, product.pk, referrer="android-app://com.example.app/")  # not a web page
    analytics.flush_counters(now=_later())
    assert _traffic(product) == {(TrafficKind.MARKETPLACE, ""): 2, (TrafficKind.DIRECT, ""): 2}
    assert ProductDailyStats.objects.get(product=product).views == 4


def test_a_short_link_view_counts_as_the_link_whatever_the_referrer(client, site_tree):
    product = ProductPageFactory()
    _beacon(client, product.pk, referrer="https://t.co/abc", via="spring-sale")
    _beacon(client, product.pk, referrer="", via="spring-sale")
    analytics.flush_counters(now=_later())
    assert _traffic(product) == {(TrafficKind.SHORT_LINK, "spring-sale"): 2}


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"product": ""},
        {"product": "abc"},
        {"product": "0"},
        {"product": "-3"},
        {"product": "12.5"},
        {"product": "99999999999"},
        {"product": "٣"},  # a digit, but not an ASCII one
        {"product": "7", "via": "no spaces"},
        {"product": "7", "via": "x" * 41},
        {"product": "7", "via": "<script>"},
    ],
)
def test_malformed_beacons_are_refused_with_400_and_count_nothing(client, db, data, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.post(BEACON, data)
    assert response.status_code == 400
    assert analytics.flush_counters(now=_later()).batches == 0


def test_only_post_is_answered(client, db):
    assert client.get(BEACON).status_code == 405
    assert client.put(BEACON).status_code == 405


def test_odd_but_harmless_input_is_counted_or_dropped_never_an_error(client, site_tree):
    product = ProductPageFactory()
    assert _beacon(client, product.pk, referrer="https://" + "a" * 3000 + ".example/").status_code == 204
    assert _beacon(client, product.pk, referrer="not a url at all").status_code == 204
    assert _beacon(client, product.pk, referrer="https://bad host!/x").status_code == 204
    assert _beacon(client, product.pk, referrer="https://[::1/").status_code == 204
    # Host names IDNA cannot encode (an empty or over-long label).
    assert _beacon(client, product.pk, referrer="http://é..example/").status_code == 204
    assert _beacon(client, product.pk, referrer="https://" + "é" * 70 + ".example/").status_code == 204
    # A well-formed id of no product is accepted (telling would need a query) and dropped.
    assert _beacon(client, 987654, referrer="").status_code == 204
    result = analytics.flush_counters(now=_later())
    assert (result.views, result.dropped) == (6, 1)
    assert _traffic(product) == {(TrafficKind.DIRECT, ""): 6}
    assert not ProductDailyStats.objects.filter(product_id=987654).exists()


def test_the_product_page_loads_the_counter_script_and_stays_cacheable(client, site_tree):
    product = ProductPageFactory()
    response = client.get(product.url)
    html = response.content.decode()
    assert 'src="/static/js/product_page.js"' in html
    assert f'data-product="{product.pk}"' in html
    assert f'data-endpoint="{reverse("product_viewed")}"' in html
    assert "public" in response["Cache-Control"]  # the page cache still keeps it


# FLUSHING


def test_the_flush_adds_to_existing_rows(client, site_tree):
    product = ProductPageFactory()
    for _ in range(3):
        _beacon(client, product.pk, referrer="https://example.org/")
    analytics.flush_counters(now=_later())
    for _ in range(2):
        _beacon(client, product.pk, referrer="https://example.org/")
    analytics.record_checkout_start(product.pk)
    analytics.flush_counters(now=_later())
    row = ProductDailyStats.objects.get(product=product)
    assert (row.views, row.checkout_starts) == (5, 1)
    assert _traffic(product) == {(TrafficKind.REFERRER, "example.org"): 5}
    # Nothing left: another flush changes nothing.
    assert analytics.flush_counters(now=_later()).batches == 0
    assert ProductDailyStats.objects.get(product=product).views == 5


def test_views_count_on_the_local_day_they_happened(site_tree, settings):
    settings.TIME_ZONE = "Pacific/Auckland"
    product = ProductPageFactory()
    moment = datetime(2026, 11, 30, 12, 30, tzinfo=UTC)  # 01:30 on 1 Dec there
    analytics.record_view(product.pk, TrafficKind.DIRECT, "", now=moment)
    analytics.flush_counters(now=_later())
    assert ProductDailyStats.objects.get(product=product).day.isoformat() == "2026-12-01"


def test_a_batch_applied_before_a_crash_is_not_counted_again(client, site_tree):
    """The worker died after the commit, before deleting the batch from the cache."""
    product = ProductPageFactory()
    for _ in range(4):
        _beacon(client, product.pk)
    buffer = analytics.get_buffer()
    buffer.claim(analytics.current_bucket(_later()))
    [batch] = buffer.batches()
    assert analytics._apply(batch, buffer.read(batch), analytics.FlushResult())  # committed...
    # ... and the process ended here: the batch is still in the cache.
    assert buffer.batches() == [batch]

    result = analytics.flush_counters(now=_later())
    assert (result.batches, result.already_applied, result.views) == (1, 1, 0)
    assert ProductDailyStats.objects.get(product=product).views == 4
    assert buffer.batches() == []
    assert TaskEffect.objects.filter(task_result_id=f"analytics:{batch}", name=analytics.FLUSHED).exists()


def test_a_flush_that_failed_before_its_commit_is_applied_once_by_the_next(client, site_tree, monkeypatch):
    product = ProductPageFactory()
    for _ in range(3):
        _beacon(client, product.pk, referrer="https://example.org/")
    real_upsert = analytics._upsert

    def fail_on_traffic(model, *args):
        if model is ProductTraffic:
            raise IntegrityError("the database went away mid-flush")
        return real_upsert(model, *args)

    monkeypatch.setattr(analytics, "_upsert", fail_on_traffic)
    with pytest.raises(IntegrityError):
        analytics.flush_counters(now=_later())
    # Rolled back as a whole: no half-added batch, no marker.
    assert not ProductDailyStats.objects.exists()
    assert not TaskEffect.objects.filter(name=analytics.FLUSHED).exists()

    monkeypatch.setattr(analytics, "_upsert", real_upsert)
    assert analytics.flush_counters(now=_later()).views == 3
    assert ProductDailyStats.objects.get(product=product).views == 3
    assert _traffic(product) == {(TrafficKind.REFERRER, "example.org"): 3}


def test_the_flush_runs_as_a_scheduled_task(client, site_tree, settings):
    entry = settings.TASK_SCHEDULE["product-analytics"]
    assert entry == {"task": "catalogue.tasks.flush_product_analytics", "every": 60}
    product = ProductPageFactory()
    _beacon(client, product.pk)
    result = flush_product_analytics.enqueue()
    assert result.return_value["views"] == 1
    assert ProductDailyStats.objects.get(product=product).views == 1


# CHECKOUT STARTS


def test_a_checkout_session_counts_one_checkout_start(
    client, site_tree, dodo_settings, dodo_emulator, django_capture_on_commit_callbacks
):
    def commit(fn):
        with django_capture_on_commit_callbacks(execute=True):
            return fn()

    product = sellable_product(commit, price=Decimal("12.00"))
    client.force_login(commit(lambda: CustomerFactory(email="buyer@example.com")))
    buy = reverse("dodo:checkout", args=(product.pk,))
    assert client.post(buy)["Location"].startswith(dodo_emulator.base_url)
    assert client.post(buy).status_code == 302  # the same session again: not a new start
    client.logout()
    guest = client.post(buy, {"email": "guest@example.com"})
    assert guest.status_code == 302 and guest["Location"].startswith(dodo_emulator.base_url)

    analytics.flush_counters(now=_later())
    row = ProductDailyStats.objects.get(product=product)
    assert (row.views, row.checkout_starts) == (0, 2)


# MANY AT ONCE


@pytest.fixture(params=["redis", "locmem"])
def shared_cache(request, settings):
    """The default cache as production has it (Redis, a key prefix of this test's own) or
    as development has it (local memory)."""
    prefix = f"test-analytics-{uuid.uuid4().hex}"
    if request.param == "redis":
        require_redis()
        settings.CACHES = {
            **settings.CACHES,
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": REDIS_URL,
                "KEY_PREFIX": prefix,
            },
        }
    else:
        settings.CACHES = {
            **settings.CACHES,
            "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": prefix},
        }
    yield request.param
    if request.param == "redis":
        import redis

        client = redis.Redis.from_url(REDIS_URL)
        for key in client.scan_iter(f"{prefix}:*"):
            client.delete(key)


def test_a_hundred_concurrent_views_are_all_counted_after_the_flush(shared_cache, transactional_db):
    """100 beacons at the same moment, each request in its own thread through the whole
    Django stack (the cache connection is per thread, as it is per worker thread in
    production), then two flushes racing each other."""
    from home.site_tree import ensure_site_tree

    ensure_site_tree()
    product = ProductPageFactory()
    other = ProductPageFactory()
    buffer = analytics.get_buffer()
    assert isinstance(buffer, analytics.RedisBuffer if shared_cache == "redis" else analytics.LocalBuffer)
    start = threading.Barrier(100)

    def view(number):
        target = product if number % 10 else other
        referrer = ("https://example.org/", "", "http://testserver/catalogue/")[number % 3]
        client = Client()
        start.wait(timeout=60)
        return _beacon(client, target.pk, referrer=referrer, via="launch" if number % 7 == 0 else "").status_code

    with ThreadPoolExecutor(max_workers=100) as pool:
        statuses = list(pool.map(view, range(100)))
    assert statuses == [204] * 100

    # Two flushes racing each other still add every view once.
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda _: analytics.flush_counters(now=_later()), range(2)))
    assert sum(result.views for result in results) == 100
    assert analytics.flush_counters(now=_later()).views == 0

    assert ProductDailyStats.objects.get(product=product).views == 90
    assert ProductDailyStats.objects.get(product=other).views == 10
    assert sum(ProductTraffic.objects.values_list("views", flat=True)) == 100
    expected_links = sum(1 for number in range(100) if number % 7 == 0)
    assert sum(ProductTraffic.objects.filter(kind=TrafficKind.SHORT_LINK).values_list("views", flat=True)) == (
        expected_links
    )
