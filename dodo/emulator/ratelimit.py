"""Dodo's API rate limit for the emulator: per API key, sliding one-second and one-minute windows.

Dodo allows 100 requests a minute per key with bursts of 10 a second, and answers 429
with ``Retry-After`` beyond that. :class:`RateLimiter` counts every API request that
carries a key (whether the key is right or not, and whether a ``fail``/``down`` switch
then eats the request); a refused request is not counted, so ``Retry-After`` (whole
seconds, rounded up) is exactly when the next one will be accepted. A limit of 0 is off.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

DEFAULT_PER_SECOND = 10
DEFAULT_PER_MINUTE = 100


class RateLimiter:
    """Sliding-window request counters per key, safe to share between threads."""

    def __init__(
        self,
        per_second: int = DEFAULT_PER_SECOND,
        per_minute: int = DEFAULT_PER_MINUTE,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Allow ``per_second`` and ``per_minute`` requests per key (0 = no limit)."""
        self.defaults = (per_second, per_minute)
        self.per_second, self.per_minute = per_second, per_minute
        self.clock = clock
        self.lock = threading.Lock()
        self._seen: dict[str, deque[float]] = {}

    def configure(self, *, per_second: int | None = None, per_minute: int | None = None) -> None:
        """Change the limits (``None`` keeps one) and start counting afresh."""
        with self.lock:
            if per_second is not None:
                self.per_second = per_second
            if per_minute is not None:
                self.per_minute = per_minute
            self._seen.clear()

    def reset(self) -> None:
        """The configured limits again, and no requests counted."""
        self.configure(per_second=self.defaults[0], per_minute=self.defaults[1])

    def hit(self, key: str) -> int | None:
        """Count a request for ``key``; or, when a limit is reached, refuse it and answer
        the whole seconds until a request would be accepted (``Retry-After``)."""
        with self.lock:
            now = self.clock()
            seen = self._seen.setdefault(key, deque())
            while seen and seen[0] <= now - 60:
                seen.popleft()
            wait = 0.0
            for limit, window in ((self.per_second, 1.0), (self.per_minute, 60.0)):
                if not limit:
                    continue
                recent = [stamp for stamp in seen if stamp > now - window]
                if len(recent) >= limit:
                    # The request is accepted once enough of these leave the window.
                    wait = max(wait, recent[len(recent) - limit] + window - now)
            if wait > 0:
                return max(1, math.ceil(wait))
            seen.append(now)
            return None

    def as_dict(self) -> dict[str, Any]:
        """The limits in force, for ``/_emulator/state``."""
        with self.lock:
            return {"per_second": self.per_second, "per_minute": self.per_minute}
