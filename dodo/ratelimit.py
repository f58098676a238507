"""A rate limit on calls to Dodo shared by every process, kept in Django's cache.

Dodo allows 100 requests a minute per API key, with bursts of 10 a second, and answers
429 beyond that. Web workers and task workers all call Dodo with the same key, so each
process counting for itself is not enough: :func:`acquire` takes a slot from counters
in a shared cache (Redis in production) before :mod:`dodo.client` sends any request.

Settings, read on every call (``0`` turns a limit off):

- ``DODO_RATE_LIMIT_PER_SECOND`` (default 10) and ``DODO_RATE_LIMIT_PER_MINUTE``
  (default 100): requests per window for one API key, across all processes.
- ``DODO_RATE_LIMIT_CACHE`` (default ``"default"``): the cache alias holding the
  counters. It must be shared by every process (Redis, Memcached); a local-memory cache
  limits each process on its own.
- ``DODO_RATE_LIMIT_MAX_WAIT`` (default 5): seconds a caller may wait for a slot.

Why fixed windows, counted in slices: every counter is a fixed window keyed by the API
key's hash and the window's number, taken with one atomic ``INCR`` (``cache.add``
creates it; both are atomic in Redis and in the local-memory cache). No lock, no sorted
set, no Lua script, and a counter expires by itself soon after its window. But a fixed
window as long as the limit allows up to twice the limit across a boundary (the end of
one window plus the start of the next): 20 requests within one second. Dodo does not
document how it counts; a server counting sliding windows, as the emulator does,
answers such a burst with 429s (the emulator did, 22 times for 50 calls, with plain
one-second windows). So each limit is checked against the
sum of short fixed windows, *slices* (100 ms for the second, 3 s for the minute), that
cover the limit's length plus a margin (300 ms and 3 s): then no sliding window of that
length holds more than the limit, even when a request reaches Dodo a little later than
it took its slot (a busy machine can delay a thread that long) or the hosts' clocks
differ a little. The cost is one multi-get per request and some throughput in bursts
(at worst 10 requests per 1.4 s, 100 per 66 s), which matters little because 100 a
minute is the tighter limit anyway. The per-second limit is checked as well as the
per-minute one so that a minute's 100 requests cannot arrive in one burst.

When a limit is reached the caller sleeps, in real time (never through the client's
patchable ``sleep``: a limiter that does not really wait does not limit), until enough
old slices have left the span, then tries again; if the wait would go beyond
``DODO_RATE_LIMIT_MAX_WAIT`` it raises :class:`~dodo.exceptions.DodoRateLimited` at
once, with ``retry_after`` set to when a slot can next be free, and sends nothing. A
full minute therefore fails fast rather than holding a web request for most of it.

If the cache itself fails (Redis down), the request goes ahead unlimited and a warning
is logged: Dodo's own 429s still protect the account, whereas failing closed would stop
every payment while the cache is down.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches

from .exceptions import DodoNotConfigured, DodoRateLimited

logger = logging.getLogger(__name__)

DEFAULT_PER_SECOND = 10
DEFAULT_PER_MINUTE = 100
DEFAULT_CACHE = "default"
DEFAULT_MAX_WAIT = 5.0

KEY_PREFIX = "dodo:ratelimit"
# Wake this long after a slice's end, so that the clock surely reads the next slice.
WAKE_MARGIN_SECONDS = 0.005
# Counters outlive the span they are summed in by this much: long enough for every
# process to finish reading them, short enough that old slices do not fill the cache.
EXPIRY_MARGIN_SECONDS = 5


def _cache_errors() -> tuple[type[Exception], ...]:
    """The errors a cache backend raises when its server is unreachable."""
    errors: list[type[Exception]] = [OSError]
    try:
        from redis.exceptions import RedisError
    except ImportError:  # redis is only needed when a Redis cache is configured
        pass
    else:
        errors.append(RedisError)
    return tuple(errors)


class CacheUnusable(Exception):
    """The cache accepted a counter but cannot count it (e.g. Django's DummyCache)."""


CACHE_ERRORS = (*_cache_errors(), CacheUnusable)


@dataclass(frozen=True)
class Window:
    """At most ``limit`` requests in any ``seconds``, counted in ``slices`` fixed slices
    and kept ``margin`` slices apart beyond that."""

    seconds: int
    limit: int
    slices: int
    margin: int

    @property
    def slice_ms(self) -> int:
        """One slice's length in whole milliseconds (integers: every process agrees)."""
        return self.seconds * 1000 // self.slices

    @property
    def span(self) -> int:
        """Slices summed for one check: the current one and every earlier one that can hold
        a request less than the window's length plus the margin ago."""
        return self.slices + self.margin + 1


@dataclass(frozen=True)
class Limits:
    """The validated rate-limit settings for one call."""

    windows: tuple[Window, ...]
    cache_alias: str
    max_wait: float


def load_limits() -> Limits:
    """Read and validate the ``DODO_RATE_LIMIT_*`` settings now (DodoNotConfigured if bad)."""
    windows = []
    for name, seconds, slices, margin, default in (
        ("DODO_RATE_LIMIT_PER_MINUTE", 60, 20, 1, DEFAULT_PER_MINUTE),
        ("DODO_RATE_LIMIT_PER_SECOND", 1, 10, 3, DEFAULT_PER_SECOND),
    ):
        limit = getattr(settings, name, default)
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
            raise DodoNotConfigured(f"{name} must be an integer >= 0 (0 = no limit), not {limit!r}")
        if limit:
            windows.append(Window(seconds=seconds, limit=limit, slices=slices, margin=margin))
    alias = getattr(settings, "DODO_RATE_LIMIT_CACHE", DEFAULT_CACHE)
    if windows and alias not in settings.CACHES:
        raise DodoNotConfigured(f"DODO_RATE_LIMIT_CACHE {alias!r} is not an alias in CACHES")
    max_wait = getattr(settings, "DODO_RATE_LIMIT_MAX_WAIT", DEFAULT_MAX_WAIT)
    if isinstance(max_wait, bool) or not isinstance(max_wait, int | float) or max_wait < 0:
        raise DodoNotConfigured(f"DODO_RATE_LIMIT_MAX_WAIT must be a number of seconds >= 0, not {max_wait!r}")
    return Limits(windows=tuple(windows), cache_alias=alias, max_wait=float(max_wait))


def key_prefix(api_key: str) -> str:
    """The counters' key prefix for one API key: its hash, never the key itself."""
    digest = hashlib.sha256(api_key.encode()).hexdigest()[:16]
    return f"{KEY_PREFIX}:{digest}"


def acquire(api_key: str, *, method: str = "", path: str = "") -> None:
    """Take one request slot for ``api_key``, waiting up to ``DODO_RATE_LIMIT_MAX_WAIT``.

    Returns when the request may be sent. Raises :class:`DodoRateLimited`
    (``status_code=None``, ``retry_after`` = seconds until a slot can be free) when no
    slot comes within the wait; ``method`` and ``path`` only name the call in it.
    """
    limits = load_limits()
    if not limits.windows:
        return
    cache = caches[limits.cache_alias]
    prefix = key_prefix(api_key)
    deadline = time.monotonic() + limits.max_wait
    while True:
        try:
            wait = _take_slot(cache, prefix, limits.windows, time.time())
        except CACHE_ERRORS as exc:
            logger.warning(
                "Dodo rate limit not applied to %s %s: cache %r failed (%s: %s)",
                method,
                path,
                limits.cache_alias,
                type(exc).__name__,
                exc,
            )
            return
        if wait is None:
            return
        if wait <= 0:
            continue  # counted across a slice boundary: count again at once
        if time.monotonic() + wait > deadline:
            raise DodoRateLimited(
                f"{method} {path}: Dodo rate limit reached, no slot within "
                f"{limits.max_wait:g} s (next in {wait:.2f} s); not sent".strip(),
                method=method,
                path=path,
                retry_after=wait,
            )
        logger.debug("Dodo rate limit: %s %s waits %.3f s for a slot", method, path, wait)
        time.sleep(wait)


def _take_slot(cache, prefix: str, windows: tuple[Window, ...], now: float) -> float | None:
    """Count one request in every window; ``None`` if all had room, else seconds to wait.

    The request is counted in its current slice *before* the span is summed, so of two
    processes racing for the last slot the later reader sees both and neither can
    overshoot. That holds only while the slice is still current when the counts are
    read: a thread paused longer than a slice in between (a busy machine) would count
    itself in a slice that callers already in the next one have stopped looking at, so
    then it gives its count back and tries again. A full window gives back the counts
    this attempt took (its own included), so a caller that waits holds no slot.
    """
    now_ms = int(now * 1000)
    taken: list[str] = []
    for window in windows:
        current = now_ms // window.slice_ms
        numbers = range(current - window.span + 1, current + 1)
        keys = [f"{prefix}:{window.seconds}:{number}" for number in numbers]
        timeout = math.ceil(window.span * window.slice_ms / 1000) + EXPIRY_MARGIN_SECONDS
        _incr(cache, keys[-1], timeout)
        taken.append(keys[-1])
        found = cache.get_many(keys)
        if int(time.time() * 1000) // window.slice_ms != current:
            for held in taken:
                _decr(cache, held)
            return 0.0  # the slice ended while counting: count again in the new one
        counts = [int(found.get(key) or 0) for key in keys]
        excess = sum(counts) - window.limit
        if excess > 0:
            for held in taken:
                _decr(cache, held)
            return _wait_until_freed(window, numbers, counts, excess, now_ms)
    return None


def _wait_until_freed(window: Window, numbers: range, counts: list[int], excess: int, now_ms: int) -> float:
    """Seconds until the oldest ``excess`` counted requests have left the window's span.

    Slice ``n`` leaves the span when slice ``n + span`` begins.
    """
    freed = 0
    leaving = numbers[-1]
    for number, count in zip(numbers, counts, strict=True):
        freed += count
        if freed >= excess:
            leaving = number
            break
    return ((leaving + window.span) * window.slice_ms - now_ms) / 1000 + WAKE_MARGIN_SECONDS


def _incr(cache, key: str, timeout: int) -> int:
    """Add one to a window's counter, creating it (atomically) if it is new."""
    for _ in range(3):
        cache.add(key, 0, timeout=timeout)
        try:
            return cache.incr(key)
        except ValueError:
            # The key expired between add and incr: create it again.
            continue
    raise CacheUnusable(f"the cache keeps no counter under {key!r}")


def _decr(cache, key: str) -> None:
    """Give back one count taken from a window's counter."""
    try:
        cache.decr(key)
    except ValueError:
        pass  # the window has expired: nothing left to give back
