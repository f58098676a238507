"""System checks for the catalogue's configuration (``manage.py check``)."""

from pathlib import Path

from django.conf import settings
from django.core.checks import Error, Tags, register


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
