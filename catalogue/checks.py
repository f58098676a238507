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
