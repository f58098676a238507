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


@register(Tags.security, deploy=True)
def check_payout_details_key(app_configs=None, **kwargs):
    """``catalogue.E020`` (``check --deploy``): ``PAYOUT_DETAILS_KEY`` must hold Fernet
    keys, and not the public one dev and test use: sellers' account references are
    encrypted with it (``catalogue.payouts``)."""
    from cryptography.fernet import Fernet

    keys = [key for key in getattr(settings, "PAYOUT_DETAILS_KEY", []) if key]
    hint = 'Set PAYOUT_DETAILS_KEY to python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
    if not keys:
        return [
            Error(
                "PAYOUT_DETAILS_KEY is not set: sellers' payout details cannot be stored.",
                hint=hint,
                id="catalogue.E020",
            )
        ]
    if getattr(settings, "DEV_PAYOUT_DETAILS_KEY", None) in keys:
        return [Error("PAYOUT_DETAILS_KEY is the public development key.", hint=hint, id="catalogue.E020")]
    for key in keys:
        try:
            Fernet(key)
        except ValueError:
            return [Error("PAYOUT_DETAILS_KEY holds a value that is not a Fernet key.", hint=hint, id="catalogue.E020")]
    return []


@register()
def check_fee_settings(app_configs=None, **kwargs):
    """``catalogue.E021``: the fee settings are numbers a fee can be made of (no negative
    amounts, percentages below 100)."""
    from .fees import rules

    try:
        fee_rules = rules()
    except (ArithmeticError, ValueError, TypeError) as error:
        return [Error(f"A fee setting is not a number: {error}.", id="catalogue.E021")]
    problems = [
        name
        for name, value in (
            ("MARKETPLACE_FEE_PERCENT", fee_rules.percent),
            ("MARKETPLACE_FEE_MINIMUM", fee_rules.minimum),
            ("DODO_FEE_PERCENT", fee_rules.dodo_percent),
            ("DODO_FEE_FIXED", fee_rules.dodo_fixed),
            ("DODO_FEE_INTERNATIONAL_PERCENT", fee_rules.dodo_international_percent),
        )
        if value < 0 or (name.endswith("PERCENT") and value >= 100)
    ]
    return [Error(f"{name} must be at least 0 (and a percentage below 100).", id="catalogue.E021") for name in problems]
