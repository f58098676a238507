"""Settings for the pytest suite: fast, isolated, no network but loopback."""

import os
import tempfile
from pathlib import Path

from site_config.storage import build_storages

from .base import *  # noqa: F403
from .base import DEV_PAYOUT_DETAILS_KEY, env

# CORE
DEBUG = False
SECRET_KEY = "test-only-key-not-secret-0123456789abcdefghijklmnopqrstuvwxyz"  # noqa: S105
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
SITE_URL = "http://testserver"

# STORAGE
# Files on disk (in a temporary folder per test) whatever the shell says; the object-storage
# tests switch to a local S3 server themselves (tests/storage_fixtures.py).
STORAGE = "filesystem"
STORAGES = build_storages(STORAGE)
PRIVATE_DOWNLOADS = "stream"

# AUTH
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# EMAIL
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# locmem with DEBUG off is what accounts.W001 warns production about; here it is the point.
SILENCED_SYSTEM_CHECKS = ["accounts.W001"]

# TASKS
TASKS = {
    "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
    "db": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
}

# DODO
# Tests that talk to Dodo point these at the emulator they start; the defaults make any
# accidental call fail fast instead of reaching the internet.
DODO_PAYMENTS_API_KEY = "test-key"
DODO_PAYMENTS_WEBHOOK_KEY = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
DODO_PAYMENTS_BASE_URL = env("TEST_DODO_BASE_URL", default="http://127.0.0.1:9")
DODO_CONNECT_TIMEOUT = 0.5
DODO_READ_TIMEOUT = 1.0
# The suite makes hundreds of fast calls with one key: no rate limit, as the emulator has
# none by default. Tests of the limiter (tests/dodo/test_ratelimit.py) turn it on.
DODO_RATE_LIMIT_PER_SECOND = 0
DODO_RATE_LIMIT_PER_MINUTE = 0

# DATABASES
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not SQLite's shared-memory database: with shared memory, a request that
    # reads while another thread writes (the live server's checkout return page while
    # a webhook lands) fails at once with "database table is locked"; a file waits for
    # the lock (the 20 s timeout in base), as the development database does.
    # One file per test process (runs side by side must not share it); pytest-django
    # deletes it when the run ends.
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": str(Path(tempfile.gettempdir()) / f"brightshelf-test-{os.getpid()}.sqlite3")
    }

# MARKETPLACE
# The public dev key for payout details; production sets its own (catalogue.E020 refuses
# this one under check --deploy).
PAYOUT_DETAILS_KEY = [DEV_PAYOUT_DETAILS_KEY]
