"""System checks for the Dodo configuration, so a bad deployment says what is wrong
at start-up rather than at the first payment.

Registered on import; ``DodoConfig.ready()`` imports this module.

=========== =============================================================================
id          meaning
=========== =============================================================================
dodo.W001   ``DODO_PAYMENTS_API_KEY`` is empty while ``DEBUG`` is on: the site runs,
            Dodo calls fail with ``DodoNotConfigured``.
dodo.E001   ``DODO_PAYMENTS_API_KEY`` is empty with ``DEBUG`` off.
dodo.E002   ``DODO_PAYMENTS_ENVIRONMENT`` is not ``test_mode`` or ``live_mode``.
dodo.W002   ``DODO_PAYMENTS_WEBHOOK_KEY`` is empty while ``DEBUG`` is on: webhooks
            cannot be verified.
dodo.E003   ``DODO_PAYMENTS_WEBHOOK_KEY`` is empty with ``DEBUG`` off.
dodo.E004   ``DODO_PAYMENTS_WEBHOOK_KEY`` is not ``whsec_`` followed by base64.
dodo.E005   ``DODO_PAYMENTS_BASE_URL`` is set but is not an http(s) URL.
dodo.E006   ``DODO_CONNECT_TIMEOUT`` / ``DODO_READ_TIMEOUT`` is not a positive number, or
            ``DODO_MAX_RETRIES`` is not an integer >= 0.
dodo.W003   ``DEBUG`` is off and ``DODO_PAYMENTS_BASE_URL`` points at this machine
            (the emulator): nobody is really charged.
dodo.E007   A receiver that keeps Dodo in step (user -> customer, product -> product,
            publish/unpublish/delete -> archive) is not connected: payments or checkout
            break. The message names the receiver.
dodo.W004   ``DEBUG`` is off and ``DODO_RATE_LIMIT_CACHE`` names a cache that is not
            shared between processes (local memory, dummy): each process then keeps
            Dodo's rate limit on its own, and together they can exceed it.
=========== =============================================================================
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register

from .client import (
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_READ_TIMEOUT,
    ENVIRONMENT_BASE_URLS,
    is_http_url,
    retries_setting,
    seconds_setting,
)
from .exceptions import DodoNotConfigured

WEBHOOK_KEY_PREFIX = "whsec_"


def webhook_key_problem(key: str) -> str | None:
    """Why ``key`` is not a usable Standard Webhooks secret, or ``None`` if it is."""
    if not key.startswith(WEBHOOK_KEY_PREFIX):
        return f"it must start with {WEBHOOK_KEY_PREFIX!r}"
    encoded = key[len(WEBHOOK_KEY_PREFIX) :]
    try:
        # Padding is optional in secrets, as the standardwebhooks library accepts.
        secret = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except (binascii.Error, ValueError):
        return f"the part after {WEBHOOK_KEY_PREFIX!r} must be base64"
    if not secret:
        return "the secret after the prefix is empty"
    return None


def _missing(setting: str, warning_id: str, error_id: str, consequence: str) -> CheckMessage:
    # A developer machine without keys should still start; production must not.
    if settings.DEBUG:
        return Warning(f"{setting} is not set: {consequence}.", hint=f"Set {setting} in .env.", id=warning_id)
    return Error(
        f"{setting} is not set: {consequence}.",
        hint=f"Set the {setting} environment variable.",
        id=error_id,
    )


@register()
def check_api_key(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """dodo.W001 / dodo.E001: the API key is missing."""
    if getattr(settings, "DODO_PAYMENTS_API_KEY", ""):
        return []
    return [_missing("DODO_PAYMENTS_API_KEY", "dodo.W001", "dodo.E001", "no call to Dodo can succeed")]


@register()
def check_environment(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """dodo.E002: the environment is not one Dodo knows."""
    environment = getattr(settings, "DODO_PAYMENTS_ENVIRONMENT", "")
    if environment in ENVIRONMENT_BASE_URLS:
        return []
    return [
        Error(
            f"DODO_PAYMENTS_ENVIRONMENT is {environment!r}.",
            hint=f"Use one of {', '.join(sorted(ENVIRONMENT_BASE_URLS))}.",
            id="dodo.E002",
        )
    ]


@register()
def check_webhook_key(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """dodo.W002 / dodo.E003: the webhook key is missing; dodo.E004: it is malformed."""
    key = getattr(settings, "DODO_PAYMENTS_WEBHOOK_KEY", "")
    if not key:
        return [
            _missing(
                "DODO_PAYMENTS_WEBHOOK_KEY",
                "dodo.W002",
                "dodo.E003",
                "Dodo's webhooks cannot be verified and will be refused",
            )
        ]
    problem = webhook_key_problem(key)
    if problem is None:
        return []
    return [
        Error(
            f"DODO_PAYMENTS_WEBHOOK_KEY is malformed: {problem}.",
            hint="Copy the signing secret (whsec_...) from Dodo's webhook settings.",
            id="dodo.E004",
        )
    ]


@register()
def check_base_url(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """dodo.E005: the base URL is not http(s); dodo.W003: production uses a local URL."""
    base_url = getattr(settings, "DODO_PAYMENTS_BASE_URL", "")
    if not base_url:
        return []  # derived from DODO_PAYMENTS_ENVIRONMENT
    if not is_http_url(base_url):
        return [
            Error(
                f"DODO_PAYMENTS_BASE_URL is {base_url!r}, not an http(s) URL.",
                hint="Leave it empty to use Dodo's URL for the environment.",
                id="dodo.E005",
            )
        ]
    if not settings.DEBUG and _is_local(base_url):
        return [
            Warning(
                f"DODO_PAYMENTS_BASE_URL is {base_url!r} with DEBUG off: payments go to a local emulator, not to Dodo.",
                hint="Leave DODO_PAYMENTS_BASE_URL empty in production.",
                id="dodo.W003",
            )
        ]
    return []


def _is_local(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@register()
def check_timeouts(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """dodo.E006: a timeout or the retry count has an unusable value."""
    problems = []
    for read in (
        lambda: seconds_setting("DODO_CONNECT_TIMEOUT", DEFAULT_CONNECT_TIMEOUT),
        lambda: seconds_setting("DODO_READ_TIMEOUT", DEFAULT_READ_TIMEOUT),
        retries_setting,
    ):
        try:
            read()
        except DodoNotConfigured as exc:
            problems.append(Error(str(exc), id="dodo.E006"))
    return problems


# Caches that live inside one process (or nowhere): a limit kept there is per process.
_UNSHARED_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)


@register()
def check_rate_limit_cache(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """``dodo.W004``: the rate limiter's cache must be shared by every process."""
    limits = (getattr(settings, "DODO_RATE_LIMIT_PER_SECOND", 10), getattr(settings, "DODO_RATE_LIMIT_PER_MINUTE", 100))
    if settings.DEBUG or not any(limits):
        return []  # in development, or with the limiter turned off, nothing to share
    alias = getattr(settings, "DODO_RATE_LIMIT_CACHE", "default")
    backend = settings.CACHES.get(alias, {}).get("BACKEND", "")
    if backend not in _UNSHARED_CACHES:
        return []
    return [
        Warning(
            f"DODO_RATE_LIMIT_CACHE ({alias!r}) is {backend.rsplit('.', 1)[-1]}, which each process keeps on its own: "
            "web and task workers together can exceed Dodo's 100 requests a minute.",
            hint="Set CACHE_URL to a shared cache, e.g. redis://127.0.0.1:6379/1.",
            id="dodo.W004",
        )
    ]


@register()
def check_receivers_connected(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """``dodo.E007``: every receiver that keeps Dodo in step is connected."""
    from catalogue.receivers import receiver_errors

    from . import signal_handlers

    return receiver_errors(signal_handlers.connections(), "dodo.E007")
