"""Private files (product files, ticket attachments): serving them, and removing product
files from private storage once nothing needs them.

Serving: :func:`serve_private_file` is the one way a private file leaves the site, after
the calling view has checked who may have it: a redirect to a presigned object-storage
URL that lives a minute, nginx's X-Accel-Redirect, or Django streaming it.

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
from django.http import FileResponse, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.http import content_disposition_header

from .storage import can_presign, get_private_storage

logger = logging.getLogger(__name__)

MISSING_FILE_TEMPLATE = "catalogue/private_file_missing.html"
PRIVATE_FILE_CSP = "default-src 'none'; sandbox"


def serve_private_file(request, fieldfile, filename):
    """Answer ``request`` with the private file ``fieldfile`` as a download named ``filename``.

    The same for every private file:

    - in object storage with ``PRIVATE_DOWNLOADS = "redirect"`` (the default for
      ``STORAGE=s3``), a 302 to a presigned URL valid at most 60 seconds, which tells the
      store to answer with our ``Content-Disposition`` and content type: no app worker
      waits on a slow client, and a copied link soon stops working;
    - otherwise, with ``DOWNLOADS_X_ACCEL_PREFIX`` set, nginx sends the file from its
      internal location (``X-Accel-Redirect``); otherwise Django streams it from private
      storage;
    - always ``attachment`` (with ``filename``) and ``nosniff``, so an uploaded file never
      renders as a page of this site, and ``private, no-store`` so no shared cache keeps
      a copy (or the redirect); ``Content-Security-Policy: default-src 'none'; sandbox``
      in case a browser renders it anyway; the content type follows ``filename``;
    - a file missing from storage (the row names it, the storage lost it) is a 404 page
      that says so, and an ERROR log line naming the object, for someone to restore it;
      never a 500, and never a redirect to the store's own error (callers rely on the
      404 to not count the download).
    """
    name = fieldfile.name
    storage = get_private_storage()
    content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    try:
        if settings.PRIVATE_DOWNLOADS == "redirect" and can_presign(storage):
            # The store would answer its own 404 for a missing file, unlogged: check first.
            if not storage.exists(name):
                raise FileNotFoundError(name)
            response = HttpResponseRedirect(storage.presigned_download_url(name, filename, content_type))
        elif settings.DOWNLOADS_X_ACCEL_PREFIX:
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
    # Should a browser render the file after all, it runs nothing and loads nothing, in
    # an opaque origin with no access to the site's cookies or pages.
    response["Content-Security-Policy"] = PRIVATE_FILE_CSP
    response["Cache-Control"] = "private, no-store"
    return response


def delete_product_file_on_commit(name):
    """Delete the stored product file ``name`` once the current transaction commits,
    unless something still names it then (see :func:`product_file_is_referenced`).

    Nothing happens if the transaction rolls back.
    """
    if name:
        transaction.on_commit(partial(delete_unused_product_file, name))


def delete_unused_product_file(name):
    """Delete ``name`` from private storage unless a product or a revision still uses it.

    Copying a page in Wagtail copies the file reference, not the file, and every revision
    keeps the name of the file it had: the file goes only when none of them names it any
    more. Failures are logged, never raised: the product change has already been committed.
    """
    if product_file_is_referenced(name):
        logger.info("Product file %s: still named by a product or a revision, kept", name)
        return False
    try:
        get_private_storage().delete(name)
    except OSError:
        logger.exception("Product file %s: could not delete it from private storage", name)
        return False
    logger.info("Product file %s: deleted from private storage", name)
    return True


def delete_preview_file_on_commit(name):
    """Delete the public preview sample ``name`` once the current transaction commits,
    unless a product or a revision still names it then. Nothing happens on a rollback."""
    if name:
        transaction.on_commit(partial(delete_unused_preview_file, name))


def delete_unused_preview_file(name):
    """Delete ``name`` from public media unless a product or a revision still uses it
    (the same rule as for product files; see :func:`delete_unused_product_file`)."""
    from django.core.files.storage import default_storage

    from .models import ProductPage

    if ProductPage.objects.filter(preview_file=name).exists() or (
        product_revisions().filter(content__preview_file=name).exists()
    ):
        logger.info("Preview file %s: still named by a product or a revision, kept", name)
        return False
    try:
        default_storage.delete(name)
    except OSError:
        logger.exception("Preview file %s: could not delete it from media storage", name)
        return False
    logger.info("Preview file %s: deleted from media storage", name)
    return True


def product_revisions():
    """Every Wagtail revision of a product page (their ``content`` is the page as JSON)."""
    from django.contrib.contenttypes.models import ContentType
    from wagtail.models import Revision

    from .models import ProductPage

    return Revision.objects.filter(content_type=ContentType.objects.get_for_model(ProductPage))


def product_file_is_referenced(name):
    """Whether a product row or any product revision names the stored file ``name``.

    Revisions count because publishing an old one puts its file back on sale. Orders need
    no query of their own: an order points at its product, which cannot be deleted while
    it has orders, and buyers download that product's file.
    """
    from .models import ProductFile, ProductPage

    return (
        ProductPage.objects.filter(file=name).exists()
        or product_revisions().filter(content__file=name).exists()
        # The files of every release, current or kept (catalogue.releases).
        or ProductFile.objects.filter(file=name).exists()
    )


# ORPHANS
# Private files nothing names any more: uploads whose page was never saved (a form that
# failed after the upload was stored, a rolled-back transaction), files of revisions
# purged with Wagtail's ``purge_revisions``. ``delete_orphan_files`` removes them; the
# ``cleanup_files`` command and the worker's ``catalogue.tasks.cleanup_orphan_files`` call it.

# The folders of private storage that hold our uploads, as the ``upload_to`` functions
# name them (``product_file_upload_to``, ``support_attachment_upload_to``).
PRIVATE_FILE_PREFIXES = ("products", "support")


class OrphanCleanup:
    """What one :func:`delete_orphan_files` run found: files ``kept`` (named by something,
    or still young), ``deleted`` and ``failed``. In a dry run ``deleted`` counts the files
    that would have been deleted."""

    def __init__(self, *, dry_run=False):
        self.kept = self.deleted = self.failed = 0
        self.dry_run = dry_run

    def __repr__(self):
        return f"OrphanCleanup(kept={self.kept}, deleted={self.deleted}, failed={self.failed}, dry_run={self.dry_run})"


def referenced_private_files():
    """The name of every private file something still needs, as one set.

    Four queries whatever the number of files: product rows (ordered products included),
    release files, the ``file`` of every product revision, and support message attachments.
    """
    from .models import ProductFile, ProductPage, TicketMessage

    names = set(ProductPage.objects.exclude(file="").values_list("file", flat=True).distinct().iterator())
    # The files of every release, current or kept (catalogue.releases).
    names.update(ProductFile.objects.values_list("file", flat=True).distinct().iterator())
    names.update(product_revisions().values_list("content__file", flat=True).distinct().iterator())
    names.update(TicketMessage.objects.exclude(attachment="").values_list("attachment", flat=True).iterator())
    names.discard(None)
    names.discard("")
    return names


def walk_storage(storage, folder):
    """Every file name under ``folder`` of ``storage``, through the Storage API only
    (``listdir``), so a local folder and an S3 bucket are walked alike."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in files:
        yield f"{folder}/{name}"
    for name in folders:
        yield from walk_storage(storage, f"{folder}/{name}")


def delete_orphan_files(older_than=None, *, dry_run=False):
    """Delete private files that nothing names and that are older than ``older_than``.

    ``older_than`` is a ``timedelta``, ``ORPHAN_FILE_GRACE_HOURS`` by default: a new upload
    is stored before the page or message that names it is saved, so a young file is never
    an orphan yet. Files named by a product, a product revision (an order's product is a
    product) or a support message are kept. Returns an :class:`OrphanCleanup`; a file
    that cannot be deleted is logged and counted as failed, and the walk goes on.
    """
    from datetime import timedelta

    from django.utils import timezone

    if older_than is None:
        older_than = timedelta(hours=settings.ORPHAN_FILE_GRACE_HOURS)
    # Names are read before the walk: a file uploaded meanwhile is young, so it is kept.
    referenced = referenced_private_files()
    cutoff = timezone.now() - older_than
    storage = get_private_storage()
    result = OrphanCleanup(dry_run=dry_run)
    for prefix in PRIVATE_FILE_PREFIXES:
        for name in walk_storage(storage, prefix):
            if name in referenced:
                result.kept += 1
                continue
            try:
                if storage.get_modified_time(name) > cutoff:
                    result.kept += 1
                    continue
                if not dry_run:
                    storage.delete(name)
            except OSError:
                logger.exception("Private file %s: could not check or delete this orphan", name)
                result.failed += 1
                continue
            result.deleted += 1
            logger.info("Private file %s: named by nothing, %s", name, "would be deleted" if dry_run else "deleted")
    logger.info(
        "Orphan file clean-up%s: %d kept, %d deleted, %d failed",
        " (dry run)" if dry_run else "",
        result.kept,
        result.deleted,
        result.failed,
    )
    return result
