"""Receivers for catalogue models, connected in ``CatalogueConfig.ready()``.

They fire on every path (Wagtail admin, seller portal, shell, data migrations), so the
rules they keep hold everywhere. Each returns early for fixture loading (``raw=True``).
"""

import logging
from functools import partial

from django.db import transaction

from .files import delete_product_file_on_commit
from .models import ProductCategory, ProductPage
from .slugs import unique_category_slug
from .tasks import reindex_products

logger = logging.getLogger(__name__)


def fill_category_slug(sender, instance, raw=False, **kwargs):
    """``pre_save(ProductCategory)``: an empty slug becomes the name's, made unique."""
    if raw or instance.slug:
        return
    others = ProductCategory.objects.exclude(pk=instance.pk) if instance.pk else ProductCategory.objects.all()
    instance.slug = unique_category_slug(instance.name, lambda slug: others.filter(slug=slug).exists())


def fill_product_slug(sender, instance, raw=False, **kwargs):
    """``pre_save(ProductPage)``: an empty slug becomes a title prefix + random suffix.

    ``ProductPage.full_clean()`` already does this for validated saves; this catches the
    rest (``save(clean=False)``, code that blanks a slug). The URL path was computed from
    the empty slug a moment ago, so it is recomputed too.
    """
    if raw or instance.slug:
        return
    instance.ensure_slug()
    if instance.path:
        instance.set_url_path(instance.get_parent())


def release_deleted_product_files(sender, instance, **kwargs):
    """``pre_delete(ProductPage)``: the product's files leave storage after the delete commits.

    Its current file and those its revisions named (the revisions go with the page), each
    unless another product or revision still names it when the delete has committed.
    Replacing a file deletes nothing: earlier revisions still name the old one, and
    publishing one of them puts it back on sale. Read before the delete, while the
    revisions are still there; the deletions themselves wait for the commit.
    """
    names = set(instance.revisions.values_list("content__file", flat=True)) if instance.pk else set()
    if instance.file:
        names.add(instance.file.name)
    names.discard(None)
    names.discard("")
    for name in sorted(names):
        logger.info("Product #%s: deleted, removing its file %s after commit", instance.pk, name)
        delete_product_file_on_commit(name)


def reindex_products_of_category(sender, instance, raw=False, created=False, **kwargs):
    """``post_save(ProductCategory)``: products are searchable by category name; refresh them."""
    if raw or created:
        return
    product_ids = list(instance.products.values_list("pk", flat=True))
    if product_ids:
        transaction.on_commit(partial(reindex_products.enqueue, product_ids))


def reindex_products_of_seller(sender, instance, raw=False, created=False, update_fields=None, **kwargs):
    """``post_save(User)``: products are searchable by seller name; refresh them on a rename.

    Saves that cannot change the name (``last_login`` on every sign-in) are skipped.
    """
    if raw or created or not getattr(instance, "is_seller", False):
        return
    if update_fields is not None and not {"first_name", "last_name", "email"} & set(update_fields):
        return
    product_ids = list(ProductPage.objects.filter(seller=instance).values_list("pk", flat=True))
    if product_ids:
        transaction.on_commit(partial(reindex_products.enqueue, product_ids))


def remember_request_id_of_task(sender, task_result, **kwargs):
    """``task_enqueued``: store the enqueuing request's id for the worker that will run
    the task, so the task's log lines carry it (``catalogue.worker.request_ids``)."""
    from .worker.request_ids import remember_request_id

    remember_request_id(sender, task_result)


def connections():
    """Every receiver of the catalogue (support's included), as ``CatalogueConfig.ready()``
    connects them through ``catalogue.receivers``; ``breaks`` marks those the
    marketplace cannot do without (system check ``catalogue.E004``)."""
    from django.conf import settings
    from django.db.models.signals import m2m_changed, post_save, pre_delete, pre_save
    from django_tasks.signals import task_enqueued

    from .models import ProductCategory, ProductPage, SupportTicket
    from .receivers import Connection
    from .support import signal_handlers as support
    from .support.signals import ticket_opened, ticket_replied

    return [
        # Slugs make URLs: a failure must stop the save, not store a page without one.
        Connection(
            pre_save,
            ProductCategory,
            fill_category_slug,
            "catalogue_category_slug",
            breaks="categories would be saved without a slug, so their URLs break",
            critical=True,
        ),
        Connection(
            pre_save,
            ProductPage,
            fill_product_slug,
            "catalogue_product_slug",
            breaks="products would be saved without a slug, so their URLs break",
            critical=True,
        ),
        # A replaced file stays (old revisions name it); cleanup_files removes orphans.
        Connection(
            pre_delete,
            ProductPage,
            release_deleted_product_files,
            "catalogue_deleted_file",
            breaks="deleted products' files would stay in storage until cleanup_files finds them",
        ),
        Connection(post_save, ProductCategory, reindex_products_of_category, "catalogue_reindex_category"),
        Connection(post_save, settings.AUTH_USER_MODEL, reindex_products_of_seller, "catalogue_reindex_seller"),
        # Support tickets: email the other side of a new ticket or reply, and each newly
        # assigned editor.
        Connection(ticket_opened, None, support.email_seller_about_new_ticket, "catalogue_ticket_opened_email"),
        Connection(ticket_replied, None, support.email_other_side_about_reply, "catalogue_ticket_replied_email"),
        Connection(
            m2m_changed,
            SupportTicket.assignees.through,
            support.email_newly_assigned_staff,
            "catalogue_ticket_assigned_email",
        ),
        # Tasks run by the worker log the id of the request that enqueued them.
        Connection(task_enqueued, None, remember_request_id_of_task, "catalogue_task_request_id"),
    ]
