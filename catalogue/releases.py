"""Several files per product, and new versions of them (models: ``models/releases.py``).

- A product's **current release** holds every file a buyer downloads now. Its first file
  is ``ProductPage.file`` (the main file), mirrored by :func:`sync_main_file` whenever the
  product row is saved, so a file replaced in the product form or in Wagtail admin
  replaces the release's main file. Extra files are added and removed on the seller's
  product page (:func:`add_files`, :func:`remove_file`): they change the current release
  at once, no email.
- :func:`publish_release` starts a new version with the seller's "what changed" note:
  the previous release is superseded (kept downloadable to its buyers, or its files
  removed after the commit), and one task (:func:`notify_release_buyers`) emails every
  buyer of a paid order once, in batches.
- Entitlement: a paid order downloads the current release's files and those of a kept
  older release that was superseded after the order was paid (:func:`entitled`).

Storage is not transactional: files leave it only from ``transaction.on_commit``
(``catalogue.files.delete_product_file_on_commit``), when nothing else names them.
"""

import logging
import mimetypes
import os
from functools import partial

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Coalesce, Lower
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from .emails import send_templated_email
from .files import delete_product_file_on_commit
from .models import Order, ProductFile, ProductPage, ProductRelease, ReleaseNotice, TaskEffect

logger = logging.getLogger(__name__)

# Buyers emailed per run of the notification task; the next run is enqueued after it, so
# one product with many buyers never holds a worker for long.
RELEASE_EMAIL_BATCH_SIZE = 50
# Attempts after an SMTP failure, and the wait before the second (doubling).
RELEASE_EMAIL_MAX_ATTEMPTS = 5
RELEASE_EMAIL_RETRY_SECONDS = 60
# The TaskEffect name that marks "this run enqueued the next batch".
NEXT_BATCH_ENQUEUED = "next release batch enqueued"


class MainFileRequired(Exception):
    """The main file (``ProductPage.file``) cannot be removed from the current release:
    replace it in the product form instead."""


def content_type_of(name):
    return mimetypes.guess_type(name or "")[0] or "application/octet-stream"


def current_release(product):
    """The product's current release, or ``None`` (a product never saved with a file)."""
    return ProductRelease.objects.current().filter(product=product).first()


def _next_number(product):
    last = ProductRelease.objects.filter(product=product).order_by("-number").values_list("number", flat=True).first()
    return (last or 0) + 1


def _main_file_fields(product):
    shown = product.file_name or os.path.basename(product.file.name)
    return {
        "file": product.file.name,
        "name": shown[:255],
        "size": product.file_size or 0,
        "content_type": content_type_of(shown),
    }


def sync_main_file(product):
    """Make the current release's main file the product row's ``file``.

    One query when nothing changed (every product save). A product without a release
    gets release 1; a replaced file replaces the release's first file in place (no email:
    the seller fixed the current version).
    """
    if not product.file or not product.pk:
        return None
    name = product.file.name
    if ProductFile.objects.filter(release__product=product, release__superseded_at=None, file=name).exists():
        return None
    release = current_release(product)
    if release is None:
        release = ProductRelease.objects.create(
            product=product, number=_next_number(product), notified_at=timezone.now()
        )
        return ProductFile.objects.create(release=release, sort_order=0, **_main_file_fields(product))
    main = release.files.order_by("sort_order", "pk").first()
    if main is None:
        return ProductFile.objects.create(release=release, sort_order=0, **_main_file_fields(product))
    replaced = main.file.name
    for field, value in _main_file_fields(product).items():
        setattr(main, field, value)
    main.save()
    # The replaced file stays, as ProductPage.file's always has: earlier revisions may name
    # it, and cleanup_files removes it once nothing does.
    logger.info("Product #%s: main file of version %s replaced (%s)", product.pk, release.number, replaced)
    return main


def _store(release, upload, sort_order):
    """Write ``upload`` to private storage under a server-generated name, as a file of ``release``."""
    shown = os.path.basename(upload.name)[:255]
    product_file = ProductFile(
        release=release, name=shown, size=upload.size, content_type=content_type_of(shown), sort_order=sort_order
    )
    product_file.file.save(upload.name, upload, save=False)
    product_file.save()
    return product_file


def _ensure_current(product):
    sync_main_file(product)
    release = current_release(product)
    if release is None:
        # A product with no file at all (only possible outside the forms): start one empty.
        release = ProductRelease.objects.create(
            product=product, number=_next_number(product), notified_at=timezone.now()
        )
    return release


@transaction.atomic
def add_files(product, uploads):
    """Add ``uploads`` (validated files) to the product's current release, after its files."""
    release = _ensure_current(product)
    last = release.files.order_by("-sort_order").values_list("sort_order", flat=True).first() or 0
    added = [_store(release, upload, last + 1 + offset) for offset, upload in enumerate(uploads)]
    logger.info("Product #%s: %d file(s) added to version %s", product.pk, len(added), release.number)
    return added


@transaction.atomic
def remove_file(product, file_id):
    """Remove one extra file of the current release; its stored bytes go after the commit.

    Raises ``ProductFile.DoesNotExist`` for a file that is not the current release's, and
    :class:`MainFileRequired` for the main file.
    """
    product_file = ProductFile.objects.get(pk=file_id, release__product=product, release__superseded_at=None)
    if product.file and product_file.file.name == product.file.name:
        raise MainFileRequired(product_file.name)
    name = product_file.file.name
    # The stored bytes go after the commit (receiver on ProductFile's post_delete).
    product_file.delete()
    logger.info("Product #%s: file %s removed from the current version", product.pk, name)


@transaction.atomic
def publish_release(product, *, note, uploads=(), carried=(), keep_previous=True):
    """Start a new version of ``product`` and email its buyers after the commit.

    ``uploads``: new files (validated); ``carried``: files of the current release that the
    new version keeps as they are (same stored bytes). The first of them all becomes the
    main file (``ProductPage.file``). ``keep_previous``: the superseded release stays
    downloadable to the buyers who paid before now; otherwise its files are removed.
    """
    if not uploads and not carried:
        raise ValueError("A new version needs at least one file")
    previous = _ensure_current(product)
    # Locked: two publishes of one product at once make versions n+1 and n+2, not two n+1.
    previous = ProductRelease.objects.select_for_update().get(pk=previous.pk)
    now = timezone.now()
    ProductRelease.objects.filter(pk=previous.pk).update(superseded_at=now, kept=keep_previous)
    release = ProductRelease.objects.create(product=product, number=previous.number + 1, note=note)
    carried_ids = {item.pk for item in carried}
    order = 0
    for item in previous.files.filter(pk__in=carried_ids).order_by("sort_order", "pk"):
        ProductFile.objects.create(
            release=release,
            file=item.file.name,
            name=item.name,
            size=item.size,
            content_type=item.content_type,
            sort_order=order,
        )
        order += 1
    for upload in uploads:
        _store(release, upload, order)
        order += 1
    if not keep_previous:
        # Their stored bytes go after the commit unless the new version carried them over.
        previous.files.all().delete()
    _point_product_at(product, release.files.order_by("sort_order", "pk").first())
    logger.info(
        "Product #%s: version %s published (%d files; version %s %s)",
        product.pk, release.number, order, previous.number, "kept" if keep_previous else "removed",
    )  # fmt: skip
    transaction.on_commit(partial(notify_release_buyers.enqueue, release.pk))
    return release


def _point_product_at(product, main):
    """Make ``main`` the product's ``file`` without a page save.

    A page save would publish the seller's pending draft (or none of this, for a draft
    product); instead the row and the latest revision (which the product form edits) are
    updated in place, so a later edit does not put the old file back.
    """
    from wagtail.models import Revision

    from . import page_cache

    fields = {"file": main.file.name, "file_name": main.name, "file_size": main.size}
    ProductPage.objects.filter(pk=product.pk).update(**fields)
    product.file.name, product.file_name, product.file_size = main.file.name, main.name, main.size
    revision = Revision.objects.filter(pk=product.latest_revision_id).first() if product.latest_revision_id else None
    if revision is not None and isinstance(revision.content, dict):
        Revision.objects.filter(pk=revision.pk).update(content={**revision.content, **fields})
    # The product page shows the file's type and size.
    transaction.on_commit(page_cache.bump_generation)


def release_deleted_file(sender, instance, **kwargs):
    """``post_delete(ProductFile)``: its stored file leaves storage after the commit,
    unless a product, a revision or another release's file still names it (a carried-over
    file, a main file that earlier revisions name). A product's deletion cascades here."""
    delete_product_file_on_commit(instance.file.name)


def sync_main_file_of_saved_product(sender, instance, raw=False, update_fields=None, **kwargs):
    """``post_save(ProductPage)``: the current release's main file follows ``file``.

    Draft revisions save bookkeeping fields only, which never change the file."""
    if raw or (update_fields is not None and not {"file", "file_name", "file_size"} & set(update_fields)):
        return
    sync_main_file(instance)


# WHAT A BUYER MAY DOWNLOAD


def entitled(order, release):
    """Whether the paid ``order`` may download ``release``'s files: the current one, or a
    kept one superseded after the order was paid."""
    if release.superseded_at is None:
        return True
    return release.kept and order.paid_at is not None and release.superseded_at > order.paid_at


def _entitled_filter(order):
    return Q(release__superseded_at__isnull=True) | Q(
        release__kept=True, release__superseded_at__gt=order.paid_at or timezone.now()
    )


def downloadable_file(order, file_id):
    """The file ``file_id`` if the paid ``order`` may download it, else ``None`` (one query)."""
    return (
        ProductFile.objects.select_related("release")
        .filter(_entitled_filter(order), pk=file_id, release__product_id=order.product_id)
        .first()
    )


def downloadable_release_files(order, release_id=None):
    """``(release, files)`` of ``release_id`` (the current release when ``None``) if the
    paid ``order`` may download it, else ``(None, [])``."""
    files = ProductFile.objects.select_related("release").filter(
        _entitled_filter(order), release__product_id=order.product_id
    )
    files = files.filter(release_id=release_id) if release_id is not None else files.filter(release__superseded_at=None)
    files = list(files.order_by("sort_order", "pk"))
    return (files[0].release, files) if files else (None, [])


class LibraryRelease:
    """One release as the library shows it to one buyer: the release and its files."""

    def __init__(self, release):
        self.release = release
        self.files = []

    def __getattr__(self, name):
        return getattr(self.release, name)


def attach_library_files(orders):
    """Set on each paid order of ``orders`` (the library's page) what it may download:
    ``current_release`` (a :class:`LibraryRelease` or ``None``), ``old_releases`` (kept
    earlier ones it is entitled to, newest first) and ``is_updated``.

    One query for every order of the page, however many products and files.

    "Updated": the current release is not the first and was published after the later of
    the order's payment and its last download (``last_downloaded_at`` when the queryset
    annotates it), so the badge goes once the buyer has downloaded the new version.
    """
    orders = list(orders)
    product_ids = {order.product_id for order in orders}
    releases = {}
    files = (
        ProductFile.objects.filter(release__product_id__in=product_ids)
        .filter(Q(release__superseded_at__isnull=True) | Q(release__kept=True))
        .select_related("release")
        .order_by("-release__number", "sort_order", "pk")
    )
    for product_file in files:
        release = product_file.release
        entry = releases.setdefault(release.pk, LibraryRelease(release))
        entry.files.append(product_file)
    by_product = {}
    for entry in releases.values():
        by_product.setdefault(entry.product_id, []).append(entry)
    for order in orders:
        current, old = None, []
        for entry in by_product.get(order.product_id, ()):
            if entry.superseded_at is None:
                current = entry
            elif entry.kept and entitled(order, entry.release):
                old.append(entry)
        order.current_release = current
        order.old_releases = old
        seen = max(filter(None, (order.paid_at, getattr(order, "last_downloaded_at", None))), default=None)
        order.is_updated = bool(current and current.number > 1 and seen and current.created_at > seen)
    return orders


def last_download_subquery():
    """When an order was last downloaded (annotate the library's orders with it)."""
    from django.db.models import OuterRef, Subquery

    from .models import Download

    return Subquery(Download.objects.filter(order=OuterRef("pk")).order_by("-created_at").values("created_at")[:1])


def missing_files(files):
    """The ``files`` their storage no longer has (checked before a ZIP starts, so a lost
    file is a 404 page and not a broken archive)."""
    from .storage import get_private_storage

    storage = get_private_storage()
    return [item for item in files if not storage.exists(item.file.name)]


def zip_response(product, release, files):
    """A streamed ZIP of ``files`` (``catalogue.zipstream``), as an attachment named
    after the product and version, with the private-file headers."""
    from django.http import StreamingHttpResponse
    from django.utils.http import content_disposition_header
    from django.utils.text import slugify

    from .files import PRIVATE_FILE_CSP
    from .zipstream import iter_stored_file, stream_zip

    base = f"{slugify(product.title)[:60] or 'product'}-v{release.number}"
    entries = [(item.name, item.size, iter_stored_file(item.file.name)) for item in files]
    response = StreamingHttpResponse(stream_zip(entries, folder=base), content_type="application/zip")
    response["Content-Disposition"] = content_disposition_header(True, f"{base}.zip")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = PRIVATE_FILE_CSP
    response["Cache-Control"] = "private, no-store"
    # nginx passes the archive on as it is made instead of buffering it to disk first.
    response["X-Accel-Buffering"] = "no"
    return response


# EMAILING BUYERS ABOUT A NEW VERSION


def _buyer_emails(release):
    """The distinct, lower-cased addresses of the product's buyers (paid orders: refunded
    and charged-back ones are not paid) not yet emailed about ``release``."""
    return (
        Order.objects.paid()
        .filter(product_id=release.product_id)
        .annotate(buyer_email=Lower(Coalesce("customer__email", "guest_email")))
        .exclude(buyer_email="")
        .exclude(buyer_email__isnull=True)
        .exclude(buyer_email__in=ReleaseNotice.objects.filter(release=release).values("email"))
        .order_by("buyer_email")
        .values_list("buyer_email", flat=True)
        .distinct()
    )


def send_release_emails(release_id, batch_size=None):
    """Email up to ``batch_size`` buyers not yet told about release ``release_id``.

    Returns ``(sent, done)``. Each email is sent inside the transaction that records it
    (:class:`ReleaseNotice`, unique per release and address): a failed send records
    nothing, and a second run at the same time cannot record (so cannot send) the same
    address again. An ``OSError`` from the mail server stops the batch and is raised.
    """
    batch_size = batch_size or RELEASE_EMAIL_BATCH_SIZE
    release = ProductRelease.objects.select_related("product__seller").filter(pk=release_id).first()
    if release is None or release.notified_at is not None:
        return 0, True
    emails = list(_buyer_emails(release)[:batch_size])
    context = {
        "release": release,
        "product": release.product,
        "library_url": settings.SITE_URL + reverse("portal:products"),
    }
    sent = 0
    for email in emails:
        try:
            with transaction.atomic():
                ReleaseNotice.objects.create(release=release, email=email)
                send_templated_email("catalogue/emails/release_update", context, to=[email])
        except IntegrityError:
            logger.info("Release #%s: %s already emailed by another run", release_id, email)
            continue
        sent += 1
    done = len(emails) < batch_size
    if done:
        ProductRelease.objects.filter(pk=release.pk, notified_at__isnull=True).update(notified_at=timezone.now())
    logger.info("Release #%s: %d buyers emailed%s", release_id, sent, ", all done" if done else "")
    return sent, done


@task(backend="db", takes_context=True)
def notify_release_buyers(context, release_id, batch_size=None, attempt=1):
    """Email the next batch of buyers about a new version, then enqueue the next batch.

    Runs at least once (a worker that died re-runs it): the notices make a re-run send
    nothing twice, and a :class:`~catalogue.models.TaskEffect` makes it enqueue the next
    batch once. A mail-server failure is retried with a doubling delay.
    """
    from datetime import timedelta

    batch_size = batch_size or RELEASE_EMAIL_BATCH_SIZE
    result = context.task_result
    backend_defers = notify_release_buyers.get_backend().supports_defer
    try:
        sent, done = send_release_emails(release_id, batch_size)
    except OSError as exc:
        if attempt >= RELEASE_EMAIL_MAX_ATTEMPTS:
            logger.error("Release #%s: buyer emails failed: %s (attempt %d, no retry left)", release_id, exc, attempt)
            raise
        logger.warning("Release #%s: buyer emails failed: %s (attempt %d), retrying", release_id, exc, attempt)
        if backend_defers:
            run_after = timezone.now() + timedelta(seconds=RELEASE_EMAIL_RETRY_SECONDS * 2 ** (attempt - 1))
            notify_release_buyers.using(run_after=run_after).enqueue(
                release_id, batch_size=batch_size, attempt=attempt + 1
            )
        raise
    if not done:
        if backend_defers:
            try:
                with transaction.atomic():
                    TaskEffect.objects.create(task_result_id=str(result.id), name=NEXT_BATCH_ENQUEUED)
                    notify_release_buyers.enqueue(release_id, batch_size=batch_size)
            except IntegrityError:
                logger.info("Release #%s: next batch already enqueued by this task", release_id)
        else:
            notify_release_buyers.enqueue(release_id, batch_size=batch_size)
    return {"sent": sent, "done": done}


def release_summary(product):
    """Every release of ``product``, newest first, with a file count (for the seller)."""
    from django.db.models import Count

    return ProductRelease.objects.filter(product=product).annotate(file_count=Count("files")).order_by("-number")


__all__ = [
    "MainFileRequired",
    "add_files",
    "attach_library_files",
    "downloadable_file",
    "downloadable_release_files",
    "entitled",
    "notify_release_buyers",
    "publish_release",
    "remove_file",
    "release_deleted_file",
    "sync_main_file",
]
