"""Production settings: every secret comes from the environment, with no default."""

from .base import *  # noqa: F403
from .base import env

# CORE
DEBUG = False
# No default: a missing SECRET_KEY stops start-up with
# "Set the SECRET_KEY environment variable".
SECRET_KEY = env("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")

# STATIC & MEDIA
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    # Product files: no public URL (PRIVATE_MEDIA_ROOT); a private bucket later.
    "private": {"BACKEND": "catalogue.storage.PrivateFileSystemStorage"},
}

# TASKS
# Our slow work goes through the database queue; run `python manage.py db_worker` beside
# the web processes. "default" stays immediate for Wagtail's own indexing tasks.
TASKS = {
    "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
    "db": {"BACKEND": "django_tasks_db.DatabaseBackend"},
}

# CACHES
if env("CACHE_URL", default=""):
    CACHES = {"default": env.cache("CACHE_URL")}

# SECURITY
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SECURE_REFERRER_POLICY = "same-origin"
