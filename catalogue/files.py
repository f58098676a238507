"""Private files (product files, ticket attachments): serving them, and removing product
files from private storage once nothing needs them.

Serving: :func:`serve_private_file` is the one way a private file leaves the site, after
the calling view has checked who may have it.

Removing: storage is not transactional: a file deleted inside a transaction that later
rolls back is gone for good while the row that names it comes back. So files are only
ever deleted from ``transaction.on_commit`` callbacks, after the change that released
them is durable.
"""

import logging
import mimetypes
from functools import partial

from django.conf import settings
from django.db import transaction
from django.http import FileResponse, HttpResponse
from django.template.response import TemplateResponse
from django.utils.http import content_disposition_header

from .storage import get_private_storage

logger = logging.getLogger(__name__)

MISSING_FILE_TEMPLATE = "catalogue/private_file_missing.html"


def serve_private_file(request, fieldfile, filename):
    """Answer ``request`` with the private file ``fieldfile`` as a download named ``filename``.

    The same for every private file:

    - with ``DOWNLOADS_X_ACCEL_PREFIX`` set, nginx sends the file from its internal
      location (``X-Accel-Redirect``) and no app worker waits on a slow client;
      otherwise Django streams it from private storage;
    - always ``attachment`` (with ``filename``) and ``nosniff``, so an uploaded file never
      renders as a page of this site, and ``private, no-store`` so no shared cache keeps
      a copy; the content type follows ``filename``;
    - a file missing from storage (the row names it, the storage lost it) is a 404 page
      that says so, and an ERROR log line naming the object, for someone to restore it;
      never a 500.
    """
    name = fieldfile.name
    storage = get_private_storage()
    content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    try:
        if settings.DOWNLOADS_X_ACCEL_PREFIX:
            # nginx would answer its own 404 for a missing file, unlogged: check first.
            if not storage.exists(name):
                raise FileNotFoundError(name)
            response = HttpResponse(content_type=content_type)
            response["X-Accel-Redirect"] = settings.DOWNLOADS_X_ACCEL_PREFIX.rstrip("/") + "/" + name
            response["Content-Disposition"] = content_disposition_header(True, filename)
        else:
            handle = storage.open(name, "rb")
            response = FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)
    except FileNotFoundError:
        instance = fieldfile.instance
        logger.error(
            "%s #%s: %s %s is missing from private storage (requested at %s)",
            type(instance).__name__,
            instance.pk,
            fieldfile.field.name,
            name,
            request.path,
        )
        return TemplateResponse(request, MISSING_FILE_TEMPLATE, {"filename": filename}, status=404)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def delete_product_file_on_commit(name):
    """Delete the stored product file ``name`` once the current transaction commits.

    Nothing happens if the transaction rolls back.
    """
    if name:
        transaction.on_commit(partial(delete_unused_product_file, name))


def delete_unused_product_file(name):
    """Delete ``name`` from private storage unless a product still uses it.

    Copying a page in Wagtail copies the file reference, not the file: two products may
    share one file, so it goes only with the last of them. Failures are logged, never
    raised: the product change has already been committed.
    """
    from .models import ProductPage

    if ProductPage.objects.filter(file=name).exists():
        logger.info("Product file %s: still used by another product, kept", name)
        return False
    try:
        get_private_storage().delete(name)
    except OSError:
        logger.exception("Product file %s: could not delete it from private storage", name)
        return False
    logger.info("Product file %s: deleted from private storage", name)
    return True
