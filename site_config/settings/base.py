"""Settings shared by every environment.

Everything that differs between machines is read from the environment through the one
django-environ ``env`` below (a ``.env`` file beside ``manage.py`` is read when present).
``dev``, ``test`` and ``production`` import this module and override what they must.
"""

from decimal import Decimal
from pathlib import Path

import environ

from site_config.storage import build_storages

# PATHS
BASE_DIR = Path(__file__).resolve().parent.parent.parent

# ENVIRONMENT
env = environ.Env()
# A .env file is optional; real environment variables always win over it.
if (BASE_DIR / ".env").is_file():
    env.read_env(str(BASE_DIR / ".env"), overwrite=False)

# CORE
DEBUG = env.bool("DEBUG", default=False)
# Production refuses to start without SECRET_KEY (see production.py); dev and test set
# their own throwaway values.
SECRET_KEY = env("SECRET_KEY", default=None)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
ROOT_URLCONF = "site_config.urls"
WSGI_APPLICATION = "site_config.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# APPS
DJANGO_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
]
WAGTAIL_APPS = [
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    # Purges published pages from a CDN when WAGTAILFRONTENDCACHE is set (# WAGTAIL).
    "wagtail.contrib.frontend_cache",
    "wagtail.embeds",
    "wagtail.sites",
    # accounts sits above wagtail.users so its templates and user model come first.
    "accounts",
    "accounts.apps.WagtailUsersConfig",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
]
THIRD_PARTY_APPS = [
    "modelcluster",
    "taggit",
    "django_filters",
    "django_tasks",
    "django_tasks_db",
    "axes",
]
LOCAL_APPS = [
    "home",
    "catalogue",
    "seller_portal",
    "dodo",
]
INSTALLED_APPS = DJANGO_APPS + WAGTAIL_APPS + THIRD_PARTY_APPS + LOCAL_APPS

# MIDDLEWARE
MIDDLEWARE = [
    # First: every later middleware's log lines carry the request id.
    "site_config.middleware.RequestIdMiddleware",
    # Before SecurityMiddleware: load balancer probes (/health/, /ready/) reach an
    # instance by IP over plain HTTP, so no HTTPS redirect and no Host validation for them.
    "site_config.middleware.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy and Permissions-Policy (SECURITY section below).
    "site_config.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Anonymous visitors' Wagtail pages from the shared cache (catalogue/page_cache.py):
    # outside the session, CSRF and messages middleware, so it sees the cookies they set
    # and a cache hit skips them.
    "catalogue.page_cache.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Last, as django-axes asks: it turns a lockout raised during login into a response.
    "axes.middleware.AxesMiddleware",
]

# TEMPLATES
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "site_config.context_processors.marketplace",
            ],
        },
    },
]

# DATABASE
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the site, the emulator's webhooks and a worker read while one writes;
    # IMMEDIATE transactions avoid "database is locked" on lock upgrades.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # An unreachable database fails a request (and /ready/) in seconds, not minutes.
        DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)

# AUTH
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # django-axes first, so a locked-out address or account never reaches the password check.
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.EmailBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# How long an activation link stays valid, in seconds (default three days).
ACCOUNT_ACTIVATION_TIMEOUT = env.int("ACCOUNT_ACTIVATION_TIMEOUT", default=3 * 24 * 3600)
# How long the link that confirms a new email address stays valid, in seconds.
ACCOUNT_EMAIL_CHANGE_TIMEOUT = 24 * 3600
# How long the sign-in link sent after a purchase made with only an email stays valid, in
# seconds (default three days). It works once (accounts/tokens.py).
SIGN_IN_LINK_MAX_AGE = env.int("SIGN_IN_LINK_MAX_AGE", default=3 * 24 * 3600)
# At most this many password-reset emails per account per hour, however often it is asked.
PASSWORD_RESET_EMAILS_PER_HOUR = env.int("PASSWORD_RESET_EMAILS_PER_HOUR", default=3)
# Brute-force protection (django-axes): lock an account *from one address* after this many
# failures, for this many hours; the lock lifts by itself. Failures from elsewhere do not
# count, so a stranger cannot lock the owner out.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# ...and lock an address (for every account) after this many failures against any
# accounts, which stops one address guessing many. Axes has one limit; this handler
# adds the second (accounts/lockout.py).
AXES_IP_FAILURE_LIMIT = env.int("AXES_IP_FAILURE_LIMIT", default=50)
AXES_HANDLER = "accounts.lockout.AccountAddressLockoutHandler"
# Count "Ada@Example.com " and "ada@example.com" as the same account, as sign-in does.
AXES_USERNAME_CALLABLE = "accounts.lockout.get_lockout_username"
# Attempts during a lock do not extend it, so the lock lifts a fixed time after it began.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
# Behind a proxy every request comes from the proxy's address: set how many proxies sit
# in front (e.g. 1) so lockouts key on the client's address from X-Forwarded-For.
# django-ipware is not installed, so axes' AXES_IPWARE_* settings would be ignored: our
# callable reads the address the nearest proxy appended (accounts/lockout.py).
LOGIN_PROXY_COUNT = env.int("AXES_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "accounts.lockout.get_client_ip"

# I18N
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# STATIC & MEDIA
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(BASE_DIR / "media"))
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# STORAGE
# Where uploads live (site_config/storage.py builds STORAGES): "filesystem" keeps public
# media in MEDIA_ROOT and private files in PRIVATE_MEDIA_ROOT on this machine; "s3" puts
# them in S3-compatible object storage shared by every app host, media under media/ and
# private files under private/ (catalogue/storage.py). catalogue.E005/E006 name a missing
# bucket or an unknown value at start-up.
STORAGE = env("STORAGE", default="filesystem")
S3_MEDIA_BUCKET = env("S3_MEDIA_BUCKET", default="")
# Empty: the media bucket (the prefixes keep the two apart).
S3_PRIVATE_BUCKET = env("S3_PRIVATE_BUCKET", default="")
STORAGES = build_storages(
    STORAGE,
    media_bucket=S3_MEDIA_BUCKET,
    private_bucket=S3_PRIVATE_BUCKET,
    # Empty for AWS; e.g. https://<account>.r2.cloudflarestorage.com or a MinIO URL.
    endpoint_url=env("S3_ENDPOINT_URL", default=""),
    region=env("S3_REGION", default=""),
    # "path" or "virtual"; empty lets boto3 choose.
    addressing_style=env("S3_ADDRESSING_STYLE", default=""),
    # Empty: boto3's own lookup (instance role, ~/.aws).
    access_key=env("AWS_ACCESS_KEY_ID", default=""),
    secret_key=env("AWS_SECRET_ACCESS_KEY", default=""),
    # e.g. cdn.example.com: image URLs then point there, unsigned.
    media_domain=env("MEDIA_CDN_DOMAIN", default=""),
)
# How a private download leaves the site once the view has allowed it: "redirect" to a
# presigned object-storage URL valid 60 s (needs STORAGE=s3), or "stream" it through
# Django (or nginx, with DOWNLOADS_X_ACCEL_PREFIX).
PRIVATE_DOWNLOADS = env("PRIVATE_DOWNLOADS", default="redirect" if STORAGE == "s3" else "stream")

# EMAIL
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Brightshelf <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Seconds an SMTP connect or reply may take; a hung mail server then fails the send
# (retried later) instead of stalling the task worker. EMAIL_URL's ?timeout= is ignored.
EMAIL_TIMEOUT = env.float("EMAIL_TIMEOUT", default=10.0)

# TASKS
# "default" must exist (Wagtail's own tasks use it) and stays immediate so search and
# reference indexing are synchronous. Our slow work (Dodo calls, emails) is enqueued on
# the "db" alias: immediate here, the database backend with a worker in production.
TASKS = {
    "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
    "db": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
}
# The worker (`manage.py run_worker`, catalogue/worker/) re-queues a RUNNING task whose
# worker stopped beating: a worker is dead once its heartbeat is this many seconds old.
TASK_WORKER_HEARTBEAT_TIMEOUT = env.int("TASK_WORKER_HEARTBEAT_TIMEOUT", default=30)
# A RUNNING task claimed by a worker that never beat (db_worker) is re-queued after this.
TASK_RUNNING_TIMEOUT = env.int("TASK_RUNNING_TIMEOUT", default=300)
# A task claimed this many times, its worker dying each time, is failed, not re-queued.
TASK_MAX_CLAIMS = env.int("TASK_MAX_CLAIMS", default=3)
# Finished task results (and their request ids) are deleted after this many days.
TASK_RESULT_RETENTION_DAYS = env.int("TASK_RESULT_RETENTION_DAYS", default=14)
# Periodic work, enqueued by the workers themselves (no cron): name -> dotted path of a
# task that takes no arguments, and the seconds between runs. Apps add their entries in
# their own sections below.
TASK_SCHEDULE = {
    "prune-task-results": {"task": "catalogue.tasks.prune_task_results", "every": 6 * 3600},
}

# CACHES
# "default" is shared by every process in production (CACHE_URL, Redis): the Dodo rate
# limit, receiver failures and the anonymous page cache live there. Wagtail writes each
# image rendition it renders to the "renditions" alias; it is kept apart (per process by
# default) so a page of product cards does not make a round trip to Redis per card.
CACHES = {
    "default": env.cache("CACHE_URL", default="locmemcache://"),
    "renditions": env.cache("RENDITION_CACHE_URL", default="locmemcache://renditions"),
}
# Seconds an anonymous visitor's page (home, catalogue, category, product) is kept in the
# default cache and by a CDN (s-maxage); 0 turns the page cache off. Publishing purges it.
PAGE_CACHE_TIMEOUT = env.int("PAGE_CACHE_TIMEOUT", default=300)
# Seconds a browser may reuse such a page without asking again (max-age).
PAGE_CACHE_MAX_AGE = env.int("PAGE_CACHE_MAX_AGE", default=60)

# WAGTAIL
WAGTAIL_SITE_NAME = "Brightshelf"
WAGTAILADMIN_BASE_URL = SITE_URL
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "pptx", "rtf", "txt", "xlsx", "zip"]
# Documents always go through Wagtail's view, which applies collection privacy; never a
# redirect to the file's own (public media) URL.
WAGTAILDOCS_SERVE_METHOD = "serve_view"
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
# No Gravatar avatars in the admin: staff email hashes stay here, and img-src stays 'self'.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
# A CDN in front of the site is told to drop a page when it is published or unpublished
# (wagtail.contrib.frontend_cache), and the listings that show it (catalogue
# signal_handlers). Off unless configured: FRONTEND_CACHE_PURGE_URL for a cache that takes
# HTTP PURGE requests (Varnish, nginx, Fastly-style), or Cloudflare's zone and API token.
WAGTAILFRONTENDCACHE = {}
if env("FRONTEND_CACHE_PURGE_URL", default=""):
    WAGTAILFRONTENDCACHE["http"] = {
        "BACKEND": "wagtail.contrib.frontend_cache.backends.HTTPBackend",
        "LOCATION": env("FRONTEND_CACHE_PURGE_URL"),
    }
if env("CLOUDFLARE_ZONE_ID", default=""):
    WAGTAILFRONTENDCACHE["cloudflare"] = {
        "BACKEND": "wagtail.contrib.frontend_cache.backends.CloudflareBackend",
        "ZONEID": env("CLOUDFLARE_ZONE_ID"),
        # No default: a zone without its token stops start-up.
        "BEARER_TOKEN": env("CLOUDFLARE_API_TOKEN"),
    }

# SECURITY
SECURE_CONTENT_TYPE_NOSNIFF = True
# Other sites learn no paths (order ids, tokens in links) from where a visitor came from.
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "django.views.csrf.csrf_failure"
# Content-Security-Policy of every HTML page (site_config.middleware.SecurityHeadersMiddleware
# adds it). To this, the middleware adds the media origin when images live in object storage
# or on a CDN (taken from STORAGES) to img-src, and the origin of Dodo's hosted checkout
# (dodo.client.checkout_origin) to form-action: the Buy form posts to us and we redirect
# there, and browsers check that redirect against form-action. frame-ancestors follows the
# response's X-Frame-Options ('none' for X_FRAME_OPTIONS, 'self' where a view such as
# Wagtail's preview allows framing by the site itself).
CONTENT_SECURITY_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:", "blob:"],
    "connect-src": ["'self'"],
    # Wagtail's page preview is a same-origin iframe; product videos are the privacy-enhanced
    # YouTube and Vimeo players and nothing else (catalogue.previews.VIDEO_FRAME_ORIGINS).
    "frame-src": ["'self'", "https://www.youtube-nocookie.com", "https://player.vimeo.com"],
    "form-action": ["'self'"],
    "base-uri": ["'self'"],
    "object-src": ["'none'"],
}
# Sources added in Wagtail admin only: its widgets still write inline <script>s (date
# pickers, inline panels) and style attributes (wagtail/wagtail#1288). The storefront and
# the portals do without.
CONTENT_SECURITY_POLICY_ADMIN_EXTRA = {
    "script-src": ["'unsafe-inline'"],
    "style-src": ["'unsafe-inline'"],
}
# More origins for operators, e.g. CSP_EXTRA_IMG_SRC=https://images.example.com.
CSP_EXTRA_IMG_SRC = env.list("CSP_EXTRA_IMG_SRC", default=[])
CSP_EXTRA_FORM_ACTION = env.list("CSP_EXTRA_FORM_ACTION", default=[])
# Browser features no page of ours uses, switched off for every page and any frame in it.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer", "camera", "display-capture", "geolocation", "gyroscope",
        "magnetometer", "microphone", "midi", "payment", "usb",
    )
}

# LOGGING
# "plain" for people (dev, test), "json" for a log collector: one object per line with the
# request id (production's default, see production.py).
LOG_FORMAT = env("LOG_FORMAT", default="plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "site_config.logging.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        "json": {"()": "site_config.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            # stderr, as before: stdout stays clean for commands' output (dumpdata).
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        name: {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO"), "propagate": False}
        for name in ("accounts", "catalogue", "dodo", "home", "seller_portal", "site_config")
    },
}

# MARKETPLACE
MARKETPLACE_NAME = env("MARKETPLACE_NAME", default="Brightshelf")
MARKETPLACE_CURRENCY = env("MARKETPLACE_CURRENCY", default="USD").upper()
# The marketplace's share of each sale, in percent; the rest is what the seller earned.
MARKETPLACE_FEE_PERCENT = env.float("MARKETPLACE_FEE_PERCENT", default=10.0)
# Fee rules (catalogue/fees.py), amounts in MARKETPLACE_CURRENCY. The marketplace takes at
# least MARKETPLACE_FEE_MINIMUM per paid sale (never more than the sale itself).
MARKETPLACE_FEE_MINIMUM = Decimal(env("MARKETPLACE_FEE_MINIMUM", default="0.50"))
# What Dodo charges the operator per payment, on the total with tax: a percentage, a fixed
# part, and a surcharge when the buyer is abroad (not in MARKETPLACE_COUNTRY). Only an
# estimate for the margin report and guard; never taken from the seller.
DODO_FEE_PERCENT = Decimal(env("DODO_FEE_PERCENT", default="4"))
DODO_FEE_FIXED = Decimal(env("DODO_FEE_FIXED", default="0.40"))
DODO_FEE_INTERNATIONAL_PERCENT = Decimal(env("DODO_FEE_INTERNATIONAL_PERCENT", default="1.5"))
# The operator's country (ISO 3166 alpha-2): buyers elsewhere pay Dodo's international rate.
MARKETPLACE_COUNTRY = env("MARKETPLACE_COUNTRY", default="US").upper()
# Days a sale's earnings stay pending before they can be paid out (Dodo's refund window).
EARNINGS_HOLD_DAYS = env.int("EARNINGS_HOLD_DAYS", default=30)
# Editors pay a seller out once their available balance reaches this much.
PAYOUT_MINIMUM = Decimal(env("PAYOUT_MINIMUM", default="25.00"))
# Fernet key(s) that encrypt sellers' payout account references (IBAN, PayPal address):
# `python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`.
# Comma-separated to rotate: the first encrypts, every one decrypts. Required in
# production (catalogue.E020 under check --deploy); dev and test use a fixed key.
PAYOUT_DETAILS_KEY = env.list("PAYOUT_DETAILS_KEY", default=[])
# The key dev and test use: public, so never valid in production.
DEV_PAYOUT_DETAILS_KEY = "ZGV2LW9ubHktcGF5b3V0LWtleS1ub3Qtc2VjcmV0ISE="  # noqa: S105
# Whether product prices include tax. False (Dodo's default): tax is added at checkout
# by the buyer's country. True: the price is what every buyer pays, tax included. Sent
# to Dodo as the price's ``tax_inclusive`` and said on product pages and receipts.
PRICES_INCLUDE_TAX = env.bool("PRICES_INCLUDE_TAX", default=False)
# Downloads allowed per paid order (0 = unlimited).
DOWNLOAD_LIMIT_PER_ORDER = env.int("DOWNLOAD_LIMIT_PER_ORDER", default=0)
# Free products (price 0) one customer may add to their library per hour (0 = no limit).
FREE_ORDERS_PER_HOUR = env.int("FREE_ORDERS_PER_HOUR", default=20)
# Checkouts a visitor may start with only an email (no account), per hour: from one
# address (IP) and for one email address; 0 = no limit. Each attempt counts.
GUEST_CHECKOUTS_PER_HOUR_PER_IP = env.int("GUEST_CHECKOUTS_PER_HOUR_PER_IP", default=20)
GUEST_CHECKOUTS_PER_HOUR_PER_EMAIL = env.int("GUEST_CHECKOUTS_PER_HOUR_PER_EMAIL", default=10)
# When set (e.g. "/protected/"), private downloads (product files, ticket attachments)
# are handed to the web server with X-Accel-Redirect to that internal location instead
# of streamed by Django (catalogue.files.serve_private_file).
DOWNLOADS_X_ACCEL_PREFIX = env("DOWNLOADS_X_ACCEL_PREFIX", default="")

# DODO
DODO_PAYMENTS_API_KEY = env("DODO_PAYMENTS_API_KEY", default="")
DODO_PAYMENTS_WEBHOOK_KEY = env("DODO_PAYMENTS_WEBHOOK_KEY", default="")
DODO_PAYMENTS_ENVIRONMENT = env("DODO_PAYMENTS_ENVIRONMENT", default="test_mode")
# Our business id on Dodo (bus_...). When set, a webhook for another business is refused.
DODO_BUSINESS_ID = env("DODO_BUSINESS_ID", default="")
# Let buyers pay in their own currency (Dodo's Adaptive Currency) at checkout.
DODO_ALLOW_CURRENCY_SELECTION = env.bool("DODO_ALLOW_CURRENCY_SELECTION", default=True)
# Seconds between the worker's reconciliation runs (payments and refunds webhooks missed).
DODO_RECONCILE_INTERVAL = env.int("DODO_RECONCILE_INTERVAL", default=600)
TASK_SCHEDULE["dodo-reconcile"] = {"task": "dodo.tasks.reconcile_with_dodo", "every": max(DODO_RECONCILE_INTERVAL, 60)}
# Empty means "derive from DODO_PAYMENTS_ENVIRONMENT"; locally it points at the emulator.
DODO_PAYMENTS_BASE_URL = env("DODO_PAYMENTS_BASE_URL", default="")
# (connect, read) timeouts in seconds and retries for idempotent calls.
DODO_CONNECT_TIMEOUT = env.float("DODO_CONNECT_TIMEOUT", default=3.0)
DODO_READ_TIMEOUT = env.float("DODO_READ_TIMEOUT", default=10.0)
DODO_MAX_RETRIES = env.int("DODO_MAX_RETRIES", default=2)
# Dodo's limits per API key, kept by every process together in the DODO_RATE_LIMIT_CACHE
# cache (shared, e.g. Redis, in production); 0 turns a limit off. A caller waits at most
# DODO_RATE_LIMIT_MAX_WAIT seconds for a slot, then gets DodoRateLimited.
DODO_RATE_LIMIT_PER_SECOND = env.int("DODO_RATE_LIMIT_PER_SECOND", default=10)
DODO_RATE_LIMIT_PER_MINUTE = env.int("DODO_RATE_LIMIT_PER_MINUTE", default=100)
DODO_RATE_LIMIT_CACHE = env("DODO_RATE_LIMIT_CACHE", default="default")
DODO_RATE_LIMIT_MAX_WAIT = env.float("DODO_RATE_LIMIT_MAX_WAIT", default=5.0)

# CATALOGUE
# Product files live in their own storage with no public URL (never under MEDIA_URL);
# downloads are served by a view that checks the purchase. The "private" alias is built
# with the rest of STORAGES (# STORAGE); code only ever names the alias.
PRIVATE_MEDIA_ROOT = env.path("PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / "private_media"))
# Largest product file a seller may upload, in bytes (default 200 MB).
PRODUCT_FILE_MAX_SIZE = env.int("PRODUCT_FILE_MAX_SIZE", default=200 * 1024 * 1024)
# Extensions a product file may have; its content is checked against the extension.
PRODUCT_FILE_EXTENSIONS = env.list(
    "PRODUCT_FILE_EXTENSIONS",
    default=[
        # e-books and documents
        "pdf", "epub", "mobi", "txt", "md", "csv", "rtf", "docx", "xlsx", "pptx", "odt", "ods", "odp",
        # archives
        "zip", "7z", "rar", "gz", "tar",
        # audio
        "mp3", "wav", "flac", "ogg", "m4a", "aac",
        # video
        "mp4", "mov", "webm", "mkv", "m4v",
        # images
        "png", "jpg", "jpeg", "gif", "webp", "psd", "tif",
    ],
)
# Products per page on the catalogue and category pages.
CATALOGUE_PAGE_SIZE = 24
# Storage each seller's current product files may take, in bytes (default 5 GB; 0 =
# unlimited). An upload that would go over it is refused with the figures.
SELLER_STORAGE_QUOTA = env.int("SELLER_STORAGE_QUOTA", default=5 * 1024**3)
# Replaced product files stay while a revision names them; `cleanup_files` deletes private
# files nothing names, once older than this many hours (an upload is stored before the
# page or message that names it is saved).
ORPHAN_FILE_GRACE_HOURS = env.float("ORPHAN_FILE_GRACE_HOURS", default=24)
# Files in storage that no product or attachment names any more are deleted daily.
TASK_SCHEDULE["orphan-files"] = {"task": "catalogue.tasks.cleanup_orphan_files", "every": 24 * 3600}
# Product page views and checkout starts are counted in the default cache and added to
# the daily rows by the worker every this many seconds (catalogue.analytics; at least 60:
# counters are kept per minute).
ANALYTICS_FLUSH_INTERVAL = env.int("ANALYTICS_FLUSH_INTERVAL", default=60)
TASK_SCHEDULE["product-analytics"] = {
    "task": "catalogue.tasks.flush_product_analytics",
    "every": max(ANALYTICS_FLUSH_INTERVAL, 60),
}

# SUPPORT
# Files customers and sellers attach to support messages: private storage, served only to
# the ticket's parties, checked like product files (extension + content) but small.
# Largest attachment in bytes (default 5 MB).
SUPPORT_ATTACHMENT_MAX_SIZE = env.int("SUPPORT_ATTACHMENT_MAX_SIZE", default=5 * 1024 * 1024)
# Extensions an attachment may have: screenshots, documents, logs and archives.
SUPPORT_ATTACHMENT_EXTENSIONS = env.list(
    "SUPPORT_ATTACHMENT_EXTENSIONS", default=["png", "jpg", "jpeg", "gif", "webp", "pdf", "txt", "zip"]
)
