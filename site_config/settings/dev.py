"""Development settings: ``make run`` and ``manage.py`` on a laptop."""

from .base import *  # noqa: F403
from .base import DEV_PAYOUT_DETAILS_KEY, env

# CORE
DEBUG = env.bool("DEBUG", default=True)
# Only ever used on a developer's machine; production has no default (production.py).
SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-5b7c1e0f9a2d4c6e8f1a3b5d7c9e0f2a")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])

# STATIC & MEDIA
# Serve static files straight from the source folders, no collectstatic needed.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# MARKETPLACE
# The public dev key for payout details; production sets its own (catalogue.E020 refuses
# this one under check --deploy).
PAYOUT_DETAILS_KEY = env.list("PAYOUT_DETAILS_KEY", default=[DEV_PAYOUT_DETAILS_KEY])
