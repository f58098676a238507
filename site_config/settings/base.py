"""Settings shared by every environment.

Everything that differs between machines is read from the environment through the one
django-environ ``env`` below (a ``.env`` file beside ``manage.py`` is read when present).
``dev``, ``test`` and ``production`` import this module and override what they must.
"""

from pathlib import Path

import environ

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
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
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
# Brute-force protection (django-axes): lock an account or an address after this many
# failures, for this many hours; the lock lifts by itself.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)
# Each entry is counted on its own: failures for one account (from any address) OR from
# one address (against any account). [["username", "ip_address"]] would need both.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
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
AXES_IPWARE_PROXY_COUNT = env.int("AXES_PROXY_COUNT", default=0) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if AXES_IPWARE_PROXY_COUNT else ["REMOTE_ADDR"]

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
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# EMAIL
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Brightshelf <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# TASKS
# "default" must exist (Wagtail's own tasks use it) and stays immediate so search and
# reference indexing are synchronous. Our slow work (Dodo calls, emails) is enqueued on
# the "db" alias: immediate here, the database backend with a worker in production.
TASKS = {
    "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
    "db": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
}

# WAGTAIL
WAGTAIL_SITE_NAME = "Brightshelf"
WAGTAILADMIN_BASE_URL = SITE_URL
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "pptx", "rtf", "txt", "xlsx", "zip"]
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024

# SECURITY
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "django.views.csrf.csrf_failure"

# LOGGING
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        name: {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO"), "propagate": False}
        for name in ("accounts", "catalogue", "dodo", "home", "seller_portal")
    },
}

# MARKETPLACE
MARKETPLACE_NAME = env("MARKETPLACE_NAME", default="Brightshelf")
MARKETPLACE_CURRENCY = env("MARKETPLACE_CURRENCY", default="USD").upper()
# The marketplace's share of each sale, in percent; the rest is what the seller earned.
MARKETPLACE_FEE_PERCENT = env.float("MARKETPLACE_FEE_PERCENT", default=10.0)
# Whether product prices include tax. False (Dodo's default): tax is added at checkout
# by the buyer's country. True: the price is what every buyer pays, tax included. Sent
# to Dodo as the price's ``tax_inclusive`` and said on product pages and receipts.
PRICES_INCLUDE_TAX = env.bool("PRICES_INCLUDE_TAX", default=False)
# Downloads allowed per paid order (0 = unlimited).
DOWNLOAD_LIMIT_PER_ORDER = env.int("DOWNLOAD_LIMIT_PER_ORDER", default=0)
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
# downloads are served by a view that checks the purchase. Swap the backend for a
# private object-storage bucket in production; code only ever names the "private" alias.
PRIVATE_MEDIA_ROOT = env.path("PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / "private_media"))
STORAGES["private"] = {"BACKEND": "catalogue.storage.PrivateFileSystemStorage"}
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

# SUPPORT
# Files customers and sellers attach to support messages: private storage, served only to
# the ticket's parties, checked like product files (extension + content) but small.
# Largest attachment in bytes (default 5 MB).
SUPPORT_ATTACHMENT_MAX_SIZE = env.int("SUPPORT_ATTACHMENT_MAX_SIZE", default=5 * 1024 * 1024)
# Extensions an attachment may have: screenshots, documents, logs and archives.
SUPPORT_ATTACHMENT_EXTENSIONS = env.list(
    "SUPPORT_ATTACHMENT_EXTENSIONS", default=["png", "jpg", "jpeg", "gif", "webp", "pdf", "txt", "zip"]
)
