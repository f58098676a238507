"""The Redis server the shared-cache tests use (CI runs one on 127.0.0.1:6379)."""

import os

import pytest

REDIS_URL = "redis://127.0.0.1:6379/0"


def require_redis():
    """Skip (fail on CI) unless the Redis server at ``REDIS_URL`` answers."""
    try:
        import redis
    except ImportError:
        problem = "the redis package is not installed (`pip install -r requirements.txt`)"
    else:
        try:
            redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=1).ping()
            return
        except (redis.exceptions.RedisError, OSError) as exc:
            problem = f"no Redis server answers at {REDIS_URL} ({type(exc).__name__}: {exc})"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{problem}; CI must run a Redis server for this test")
    pytest.skip(problem)
