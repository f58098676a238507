"""System checks for the catalogue's configuration (``manage.py check``)."""

from pathlib import Path

from django.conf import settings
from django.core.checks import Error, Tags, register

from .money import is_known_currency


@register(Tags.security)
def check_private_storage(app_configs=None, **kwargs):
    """Product files must not be reachable under MEDIA_URL.

    ``catalogue.E001``: no ``"private"`` storage alias. ``catalogue.E002``: the private
    folder is (inside) the public media folder, so the web server would serve it.
    """
    errors = []
    if "private" not in settings.STORAGES:
        errors.append(
            Error(
                'STORAGES has no "private" alias for product files.',
                hint='Add STORAGES["private"] = {"BACKEND": "catalogue.storage.PrivateFileSystemStorage"}.',
                id="catalogue.E001",
            )
        )
        return errors
    private_root = getattr(settings, "PRIVATE_MEDIA_ROOT", None)
    if private_root and settings.MEDIA_ROOT:
        private = Path(str(private_root)).resolve()
        public = Path(str(settings.MEDIA_ROOT)).resolve()
        if private == public or public in private.parents:
            errors.append(
                Error(
                    "PRIVATE_MEDIA_ROOT is inside MEDIA_ROOT: product files would be public.",
                    hint="Point PRIVATE_MEDIA_ROOT at a folder outside MEDIA_ROOT.",
                    id="catalogue.E002",
                )
            )
    return errors


@register()
def check_marketplace_currency(app_configs=None, **kwargs):
    """``catalogue.E003``: ``MARKETPLACE_CURRENCY`` must be an ISO 4217 code, since every
    amount sent to Dodo is converted to minor units by that currency's exponent."""
    currency = getattr(settings, "MARKETPLACE_CURRENCY", "")
    if is_known_currency(currency):
        return []
    return [
        Error(
            f"MARKETPLACE_CURRENCY {currency!r} is not an ISO 4217 currency code.",
            hint="Set MARKETPLACE_CURRENCY to a code such as USD, EUR, GBP, JPY or KWD.",
            id="catalogue.E003",
        )
    ]


@register()
def check_receivers_connected(app_configs=None, **kwargs):
    """``catalogue.E004``: the slug and file-cleanup receivers are connected."""
    from . import signal_handlers
    from .receivers import receiver_errors

    return receiver_errors(signal_handlers.connections(), "catalogue.E004")


@register()
def check_storage(app_configs=None, **kwargs):
    """Object storage is configured enough to start.

    ``catalogue.E005``: ``STORAGE=s3`` without ``S3_MEDIA_BUCKET``. ``catalogue.E006``:
    ``STORAGE`` is neither ``filesystem`` nor ``s3`` (files would silently stay on this
    machine). ``catalogue.E007``: ``PRIVATE_DOWNLOADS`` is neither ``redirect`` nor
    ``stream``.
    """
    from site_config.storage import STORAGE_CHOICES

    errors = []
    storage = getattr(settings, "STORAGE", "filesystem")
    if storage not in STORAGE_CHOICES:
        errors.append(
            Error(
                f"STORAGE {storage!r} is not a known storage.",
                hint="Set STORAGE to filesystem (files on this machine) or s3 (S3-compatible object storage).",
                id="catalogue.E006",
            )
        )
    elif storage == "s3" and not getattr(settings, "S3_MEDIA_BUCKET", ""):
        errors.append(
            Error(
                "STORAGE is s3 but no bucket is set.",
                hint="Set S3_MEDIA_BUCKET (and S3_PRIVATE_BUCKET for private files in a bucket of their own).",
                id="catalogue.E005",
            )
        )
    downloads = getattr(settings, "PRIVATE_DOWNLOADS", "stream")
    if downloads not in ("redirect", "stream"):
        errors.append(
            Error(
                f"PRIVATE_DOWNLOADS {downloads!r} is not a known way to serve downloads.",
                hint="Set PRIVATE_DOWNLOADS to redirect (presigned object-storage URL) or stream.",
                id="catalogue.E007",
            )
        )
    return errors
