"""The shared Dodo rate limit (dodo/ratelimit.py), measured at the emulator over HTTP.

Arrival times come from the emulator's request log (``"at"``); every limit is checked
as Dodo counts it, over *sliding* windows, which also bounds every fixed window. The
limiter really waits (that is what limits), so these tests take a few seconds; none of
them asserts how long anything took.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
import uuid
from datetime import datetime
from pathlib import Path

import pytest

from dodo import ratelimit
from dodo.client import get_client
from dodo.exceptions import DodoNotConfigured, DodoRateLimited
from tests.redis_server import REDIS_URL, require_redis

ROOT = Path(__file__).resolve().parents[2]


def _arrivals(log, path=None):
    """Epoch seconds at which the emulator received each (matching) request, in order."""
    return sorted(
        datetime.fromisoformat(entry["at"].replace("Z", "+00:00")).timestamp()
        for entry in log
        if path is None or entry["path"] == path
    )


def _most_in_any(stamps, seconds):
    """The most requests that arrived within any ``seconds``-long sliding window."""
    return max((sum(1 for other in stamps if stamp - seconds < other <= stamp) for stamp in stamps), default=0)


def _explain(log):
    """Each request's arrival (seconds after the first) and status, for failure messages."""
    first = min(_arrivals(log), default=0)
    return " ".join(f"{_arrivals([entry])[0] - first:.3f}:{entry['status']}" for entry in log)


@pytest.fixture
def limiter(dodo_settings):
    """Dodo's limits (10/s, 100/min) on a fresh local-memory cache of this test's own."""
    dodo_settings.CACHES = {
        **dodo_settings.CACHES,
        "dodo-ratelimit": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"dodo-ratelimit-{uuid.uuid4().hex}",
        },
    }
    dodo_settings.DODO_RATE_LIMIT_CACHE = "dodo-ratelimit"
    dodo_settings.DODO_RATE_LIMIT_PER_SECOND = 10
    dodo_settings.DODO_RATE_LIMIT_PER_MINUTE = 100
    dodo_settings.DODO_RATE_LIMIT_MAX_WAIT = 5
    return dodo_settings


# -- many callers --------------------------------------------------------------------


def test_fifty_threads_stay_within_dodos_limits(limiter, dodo_emulator):
    limiter.DODO_RATE_LIMIT_MAX_WAIT = 30  # the last of fifty needs about five seconds
    # Each thread opens its keep-alive connection before the measured call, with no limit:
    # fifty new connections at once overflow the emulator's listen backlog, and a SYN
    # retried a second later would make a request arrive a second after its slot.
    limiter.DODO_CONNECT_TIMEOUT = 5
    limiter.DODO_RATE_LIMIT_PER_SECOND = limiter.DODO_RATE_LIMIT_PER_MINUTE = 0
    warmed, go = threading.Barrier(51, timeout=60), threading.Barrier(51, timeout=60)
    errors = []

    def call():
        client = get_client()
        client.list_products()
        warmed.wait()
        go.wait()
        try:
            client.list_payments()
        except DodoRateLimited as exc:  # a 429 after the retries, or no slot in time
            errors.append(exc)

    threads = [threading.Thread(target=call) for _ in range(50)]
    for thread in threads:
        thread.start()
    warmed.wait()
    limiter.DODO_RATE_LIMIT_PER_SECOND, limiter.DODO_RATE_LIMIT_PER_MINUTE = 10, 100
    dodo_emulator.set_rate_limit(per_second=10, per_minute=100)  # as strict as Dodo
    go.wait()
    for thread in threads:
        thread.join()

    measured = [entry for entry in dodo_emulator.requests() if entry["path"] == "/payments"]
    stamps = _arrivals(measured)
    explained = _explain(measured)
    assert errors == [], explained
    assert [entry["status"] for entry in measured] == [200] * 50, explained  # sent once each, no 429
    assert _most_in_any(stamps, 1) <= 10, explained
    assert _most_in_any(stamps, 60) <= 100, explained


CHILD = r"""
import json, sys, threading
import django
django.setup()
from django.test.utils import override_settings
from dodo.client import get_client

config = json.loads(sys.argv[1])
override_settings(**config["settings"], DODO_RATE_LIMIT_PER_SECOND=0, DODO_RATE_LIMIT_PER_MINUTE=0).enable()
warmed = threading.Barrier(config["threads"] + 1, timeout=60)
go = threading.Barrier(config["threads"] + 1, timeout=60)
errors = []

def work():
    client = get_client()
    client.list_products()  # open the keep-alive connection before the measured calls
    warmed.wait()
    go.wait()
    for _ in range(config["calls"]):
        try:
            client.list_payments()
        except Exception as exc:
            errors.append(repr(exc))

threads = [threading.Thread(target=work) for _ in range(config["threads"])]
for thread in threads:
    thread.start()
warmed.wait()
override_settings(DODO_RATE_LIMIT_PER_SECOND=10, DODO_RATE_LIMIT_PER_MINUTE=100).enable()
print("ready", flush=True)
sys.stdin.readline()
go.wait()
for thread in threads:
    thread.join()
print(json.dumps(errors), flush=True)
"""


def test_two_processes_sharing_redis_stay_within_the_limit(dodo_settings, dodo_emulator, tmp_path):
    require_redis()
    config = {
        "threads": 5,
        "calls": 3,
        "settings": {
            "DODO_PAYMENTS_BASE_URL": dodo_emulator.base_url,
            "DODO_PAYMENTS_API_KEY": dodo_emulator.api_key,
            "DODO_PAYMENTS_ENVIRONMENT": "test_mode",
            "DODO_CONNECT_TIMEOUT": 5,
            "DODO_READ_TIMEOUT": 5,
            "CACHES": {
                "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
                "dodo-ratelimit": {
                    "BACKEND": "django.core.cache.backends.redis.RedisCache",
                    "LOCATION": REDIS_URL,
                    "KEY_PREFIX": f"test-{uuid.uuid4().hex}",  # no counts from other runs
                },
            },
            "DODO_RATE_LIMIT_CACHE": "dodo-ratelimit",
            "DODO_RATE_LIMIT_MAX_WAIT": 30,
        },
    }
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "site_config.settings.test",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    children = []
    for number in range(2):
        log = (tmp_path / f"child-{number}.log").open("w")
        children.append(
            (
                subprocess.Popen(
                    [sys.executable, "-c", CHILD, json.dumps(config)],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=log,
                    text=True,
                    cwd=ROOT,
                    env=env,
                ),
                log,
            )
        )
    try:
        for child, log in children:
            line = child.stdout.readline().strip()
            assert line == "ready", Path(log.name).read_text()
        dodo_emulator.set_rate_limit(per_second=10, per_minute=100)
        for child, _ in children:
            child.stdin.write("go\n")
            child.stdin.flush()
        for child, log in children:
            out, _ = child.communicate(timeout=120)
            assert child.returncode == 0, Path(log.name).read_text()
            assert json.loads(out.strip().splitlines()[-1]) == [], Path(log.name).read_text()
    finally:
        for child, log in children:
            if child.poll() is None:
                child.kill()
                child.wait()
            log.close()

    measured = [entry for entry in dodo_emulator.requests() if entry["path"] == "/payments"]
    explained = _explain(measured)
    assert [entry["status"] for entry in measured] == [200] * 30, explained
    assert _most_in_any(_arrivals(measured), 1) <= 10, explained


# -- waiting and giving up -----------------------------------------------------------


def test_a_full_second_waits_for_the_next_slot(limiter, dodo_emulator):
    limiter.DODO_RATE_LIMIT_PER_SECOND = 2
    for _ in range(6):
        get_client().list_products()
    stamps = _arrivals(dodo_emulator.requests())
    assert len(stamps) == 6
    assert _most_in_any(stamps, 1) <= 2


def test_a_full_minute_fails_at_once_and_sends_nothing(limiter, dodo_emulator):
    limiter.DODO_RATE_LIMIT_PER_SECOND = 0
    limiter.DODO_RATE_LIMIT_PER_MINUTE = 3
    for _ in range(3):
        get_client().list_products()
    with pytest.raises(DodoRateLimited) as caught:
        get_client().list_products()
    # No waiting most of a minute inside a web request: the caller reschedules.
    assert limiter.DODO_RATE_LIMIT_MAX_WAIT < caught.value.retry_after <= 66
    assert caught.value.status_code is None
    assert "not sent" in str(caught.value)
    assert len(dodo_emulator.requests()) == 3


def test_no_slot_within_max_wait_raises(limiter, dodo_emulator):
    limiter.DODO_RATE_LIMIT_PER_SECOND = 1
    limiter.DODO_RATE_LIMIT_MAX_WAIT = 0
    get_client().list_products()
    with pytest.raises(DodoRateLimited) as caught:
        get_client().list_products()
    assert 0 < caught.value.retry_after <= 1.41  # the second and its margin
    assert len(dodo_emulator.requests()) == 1


def test_retries_take_slots_too(limiter, dodo_emulator, dodo_retry_sleeps):
    limiter.DODO_RATE_LIMIT_PER_MINUTE = 2
    dodo_emulator.fail(1)
    get_client().list_products()  # a 503, then the retry: two requests, two slots
    with pytest.raises(DodoRateLimited):
        get_client().list_products()
    assert [entry["status"] for entry in dodo_emulator.requests()] == [503, 200]


def test_limits_are_counted_per_api_key(limiter):
    limiter.DODO_RATE_LIMIT_PER_SECOND = 0
    limiter.DODO_RATE_LIMIT_PER_MINUTE = 2
    limiter.DODO_RATE_LIMIT_MAX_WAIT = 0
    for _ in range(2):
        ratelimit.acquire("sk_first")
    with pytest.raises(DodoRateLimited):
        ratelimit.acquire("sk_first")
    ratelimit.acquire("sk_second")
    assert "sk_first" not in ratelimit.key_prefix("sk_first")  # only its hash is stored


def test_zero_turns_the_limits_off(dodo_settings, dodo_emulator):
    dodo_settings.DODO_RATE_LIMIT_PER_SECOND = 0
    dodo_settings.DODO_RATE_LIMIT_PER_MINUTE = 0
    dodo_settings.DODO_RATE_LIMIT_CACHE = "no-such-cache"  # never touched
    for _ in range(12):
        get_client().list_products()
    assert len(dodo_emulator.requests()) == 12


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("DODO_RATE_LIMIT_PER_SECOND", -1),
        ("DODO_RATE_LIMIT_PER_MINUTE", "100"),
        ("DODO_RATE_LIMIT_PER_SECOND", True),
        ("DODO_RATE_LIMIT_CACHE", "no-such-cache"),
        ("DODO_RATE_LIMIT_MAX_WAIT", -1),
    ],
)
def test_bad_settings_send_nothing(limiter, dodo_emulator, setting, value):
    setattr(limiter, setting, value)
    with pytest.raises(DodoNotConfigured, match=setting):
        get_client().list_products()
    assert dodo_emulator.requests() == []


@pytest.mark.parametrize(
    "cache",
    [
        # Nothing listens on the discard port: the Redis client's connection is refused.
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:9/0"},
        {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
    ],
    ids=["redis-down", "dummy"],
)
def test_a_cache_that_cannot_count_lets_calls_through_with_a_warning(limiter, dodo_emulator, caplog, cache):
    limiter.CACHES = {**limiter.CACHES, "dodo-ratelimit": cache}
    with caplog.at_level(logging.WARNING, logger="dodo.ratelimit"):
        get_client().list_products()
    assert [entry["status"] for entry in dodo_emulator.requests()] == [200]
    assert "Dodo rate limit not applied to GET /products" in caplog.text
