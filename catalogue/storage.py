"""Where product files live: a storage with no public URL.

Product files are what customers pay for, so they must never be reachable under
``MEDIA_URL`` (which the web server or the DEBUG static view serves to anyone). They live
in the ``"private"`` storage alias instead; downloads go through a view that checks the
purchase. Code only ever asks for :func:`get_private_storage`, never for a class or a path.

Two layouts, chosen by the ``STORAGE`` setting (``site_config/storage.py`` builds
``STORAGES``): ``filesystem`` (``MEDIA_ROOT`` and ``PRIVATE_MEDIA_ROOT`` on this machine)
or ``s3``, an S3-compatible object store shared by every app host: public media under
``media/`` (:class:`MediaS3Storage`), private files under ``private/``
(:class:`PrivateS3Storage`), in one bucket or two.
"""

import os
import uuid

from botocore.config import Config
from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.utils.functional import LazyObject, cached_property
from django.utils.http import content_disposition_header
from storages.backends.s3 import S3Storage

# The longest a presigned download URL stays valid: enough to start the download, too
# short to be worth passing around.
PRESIGNED_URL_MAX_AGE = 60


class PrivateFileSystemStorage(FileSystemStorage):
    """A local folder (``PRIVATE_MEDIA_ROOT`` by default) whose files have no URL.

    The location is read from settings lazily, like Django's own ``MEDIA_ROOT`` handling,
    so tests that point ``PRIVATE_MEDIA_ROOT`` at a temporary folder are honoured.
    """

    def __init__(self, location=None, **kwargs):
        # A base_url would give every file a public address; refuse one outright.
        kwargs.pop("base_url", None)
        super().__init__(location=location, **kwargs)

    @cached_property
    def base_location(self):
        return self._value_or_setting(self._location, str(settings.PRIVATE_MEDIA_ROOT))

    @cached_property
    def location(self):
        return os.path.abspath(self.base_location)

    def _clear_cached_properties(self, setting, **kwargs):
        super()._clear_cached_properties(setting, **kwargs)
        if setting == "PRIVATE_MEDIA_ROOT":
            self.__dict__.pop("base_location", None)
            self.__dict__.pop("location", None)

    def url(self, name):
        """Private files have no address; serve them through the download view."""
        raise PrivateFileURLError(name)


class PrivateFileURLError(NotImplementedError):
    """Raised when something asks for the public URL of a private file."""

    def __init__(self, name):
        super().__init__(f"Private file {name!r} has no public URL; serve it through a view that checks access.")


class _BoundedS3Storage(S3Storage):
    """S3 whose calls give up in seconds: boto3 waits 60 s to connect by default, which
    would hold a request (and ``/ready/``) hostage to an unreachable object store."""

    connect_timeout = 5
    read_timeout = 30

    def __init__(self, **settings):
        super().__init__(**settings)
        self.client_config = self.client_config.merge(
            Config(connect_timeout=self.connect_timeout, read_timeout=self.read_timeout, retries={"max_attempts": 3})
        )


class MediaS3Storage(_BoundedS3Storage):
    """Public media in object storage: Wagtail images, their renditions and documents.

    Objects go under ``media/`` with no ACL of their own: the bucket policy (README,
    "Object storage") makes ``media/images/`` and ``media/original_images/`` readable by
    anyone, so image URLs carry no signature and can sit behind a CDN
    (``custom_domain``). Wagtail documents (``media/documents/``) stay unreadable from
    outside and are served by Wagtail's view (``WAGTAILDOCS_SERVE_METHOD``).
    """

    location = "media"
    default_acl = None
    querystring_auth = False
    # Two covers called "cover.jpg" must not overwrite each other (Django's default).
    file_overwrite = False


class PrivateS3Storage(_BoundedS3Storage):
    """Private files in object storage, under ``private/``: never a public URL.

    Every object is written with the ``private`` ACL. :meth:`url` refuses, as
    :class:`PrivateFileSystemStorage` does; the download view asks for
    :meth:`presigned_download_url` after it has checked who may have the file. Options
    that would make files public (a CDN domain, unsigned URLs, another ACL, a longer
    expiry) are overridden rather than honoured.
    """

    location = "private"
    default_acl = "private"
    querystring_auth = True
    querystring_expire = PRESIGNED_URL_MAX_AGE
    file_overwrite = False
    # Presigned URLs carry X-Amz-Expires; the older scheme would not.
    signature_version = "s3v4"

    def __init__(self, **settings):
        super().__init__(**settings)
        self.custom_domain = None
        self.cloudfront_signer = None
        self.default_acl = "private"
        self.querystring_auth = True
        self.querystring_expire = min(self.querystring_expire, PRESIGNED_URL_MAX_AGE)

    def url(self, name, parameters=None, expire=None, http_method=None):
        """Private files have no address; serve them through the download view."""
        raise PrivateFileURLError(name)

    def presigned_download_url(self, name, filename, content_type):
        """A GET URL for ``name``, valid ``PRESIGNED_URL_MAX_AGE`` seconds at most, whose
        response is an attachment called ``filename`` of type ``content_type``."""
        parameters = {
            "ResponseContentDisposition": content_disposition_header(True, filename),
            "ResponseContentType": content_type,
        }
        return super().url(name, parameters=parameters, expire=self.querystring_expire)


class _PrivateStorageAlias(LazyObject):
    """``storages["private"]``, looked up on every use.

    A ``FileField`` keeps the storage its callable returned when the model was loaded;
    handing it this proxy instead means a field always writes where the alias points now
    (Django's storage handler forgets its backends when ``STORAGES`` changes, as in
    tests that switch to S3).
    """

    # A property beats the instance attribute LazyObject.__init__ sets, so nothing is cached.
    @property
    def _wrapped(self):
        return storages["private"]

    def _setup(self):
        pass


_private_storage = _PrivateStorageAlias()


def get_private_storage():
    """The storage for product files (the ``"private"`` alias of ``STORAGES``).

    Used as the ``storage`` callable of ``ProductPage.file`` so settings and tests can swap
    the backend without a migration.
    """
    return _private_storage


def can_presign(storage):
    """Whether ``storage`` can hand out a short-lived download URL (object storage)."""
    return callable(getattr(storage, "presigned_download_url", None))


def private_upload_path(prefix, filename):
    """A server-generated storage name, ``<prefix>/<uuid>/<uuid>.<ext>``.

    Nothing of the uploader's file name reaches storage but its extension (the original
    name is kept on the model, for the download's Content-Disposition), so names cannot
    collide, leak or be guessed.
    """
    extension = os.path.splitext(filename or "")[1].lower().lstrip(".")
    name = uuid.uuid4().hex + (f".{extension}" if extension else "")
    return f"{prefix}/{uuid.uuid4().hex}/{name}"
