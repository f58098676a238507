"""Where product files live: a storage with no public URL.

Product files are what customers pay for, so they must never be reachable under
``MEDIA_URL`` (which the web server or the DEBUG static view serves to anyone). They live
in the ``"private"`` storage alias instead; downloads go through a view that checks the
purchase. Production may point the alias at a private object-storage bucket: code only
ever asks for :func:`get_private_storage`, never for a class or a path.
"""

import os
import uuid

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.utils.functional import cached_property


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


def get_private_storage():
    """The storage for product files (the ``"private"`` alias of ``STORAGES``).

    Used as the ``storage`` callable of ``ProductPage.file`` so settings and tests can swap
    the backend without a migration.
    """
    return storages["private"]


def private_upload_path(prefix, filename):
    """A server-generated storage name, ``<prefix>/<uuid>/<uuid>.<ext>``.

    Nothing of the uploader's file name reaches storage but its extension (the original
    name is kept on the model, for the download's Content-Disposition), so names cannot
    collide, leak or be guessed.
    """
    extension = os.path.splitext(filename or "")[1].lower().lstrip(".")
    name = uuid.uuid4().hex + (f".{extension}" if extension else "")
    return f"{prefix}/{uuid.uuid4().hex}/{name}"
