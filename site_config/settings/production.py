"""Production settings: every secret comes from the environment, with no default."""

from .base import *  # noqa: F403
from .base import CACHES, STORAGES, env

# CORE
DEBUG = False
# No default: a missing SECRET_KEY stops start-up with
# "Set the SECRET_KEY environment variable".
SECRET_KEY = env("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")

# STATIC & MEDIA
# Media and private files as STORAGE chose in base.py (disk or object storage); static
# files compressed and fingerprinted by collectstatic, served by WhiteNoise.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}}

# TASKS
# Our slow work goes through the database queue; run `python manage.py run_worker` beside
# the web processes (it re-queues a dead worker's task and runs TASK_SCHEDULE). "default"
# stays immediate for Wagtail's own indexing tasks.
TASKS = {
    "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
    "db": {"BACKEND": "django_tasks_db.DatabaseBackend"},
}

# CACHES
# CACHE_URL and RENDITION_CACHE_URL as read in base.py.
for _cache in CACHES.values():
    if _cache["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
        # Bounded: a Redis that is down or unreachable fails a request (and /ready/) within
        # seconds instead of holding a worker thread on the OS's TCP timeout.
        _cache.setdefault("OPTIONS", {}).update({"socket_connect_timeout": 2, "socket_timeout": 2})

# SECURITY
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# LOGGING
# JSON lines with the request id for the log collector; LOG_FORMAT=plain to read by eye.
LOG_FORMAT = env("LOG_FORMAT", default="json")
LOGGING["handlers"]["console"]["formatter"] = LOG_FORMAT  # noqa: F405
