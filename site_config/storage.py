"""``STORAGES`` for the ``STORAGE`` setting: ``filesystem`` or ``s3``.

Kept out of the settings modules so that the test fixtures which point the site at a
local S3 server (tests/storage_fixtures.py) build exactly what production builds. The
backends themselves are in ``catalogue/storage.py``.
"""

STORAGE_CHOICES = ("filesystem", "s3")


def build_storages(
    storage,
    *,
    media_bucket="",
    private_bucket="",
    endpoint_url="",
    region="",
    addressing_style="",
    access_key="",
    secret_key="",
    media_domain="",
):
    """The ``STORAGES`` dict: "default" (public media), "staticfiles" and "private".

    ``filesystem`` (and any unknown value, which ``catalogue.E006`` reports) keeps files
    on this machine. ``s3``: media under ``media/`` in ``media_bucket``, private files
    under ``private/`` in ``private_bucket`` (``media_bucket`` when empty). Empty
    connection values fall back to boto3's own lookup (environment, instance role).
    """
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        "private": {"BACKEND": "catalogue.storage.PrivateFileSystemStorage"},
    }
    if storage != "s3":
        return storages
    connection = {
        "endpoint_url": endpoint_url,
        "region_name": region,
        "addressing_style": addressing_style,
        "access_key": access_key,
        "secret_key": secret_key,
    }
    connection = {name: value for name, value in connection.items() if value}
    media = {**connection, "bucket_name": media_bucket}
    if media_domain:
        media["custom_domain"] = media_domain
    storages["default"] = {"BACKEND": "catalogue.storage.MediaS3Storage", "OPTIONS": media}
    storages["private"] = {
        "BACKEND": "catalogue.storage.PrivateS3Storage",
        "OPTIONS": {**connection, "bucket_name": private_bucket or media_bucket},
    }
    return storages
