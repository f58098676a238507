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


def remember_stored_product_file(sender, instance, raw=False, update_fields=None, **kwargs):
    """``pre_save(ProductPage)``: note which file the database row names before saving.

    Read from the database rather than kept from loading, because Wagtail publishes
    revisions by saving an object rebuilt from JSON, which was never loaded from a row.
    """
    instance._stored_file_name = None
    if raw or instance.pk is None:
        return
    if update_fields is not None and "file" not in update_fields:
        return
    instance._stored_file_name = type(instance).objects.filter(pk=instance.pk).values_list("file", flat=True).first()


def remove_replaced_product_file(sender, instance, raw=False, **kwargs):
    """``post_save(ProductPage)``: a replaced file is deleted after the save commits."""
    previous = getattr(instance, "_stored_file_name", None)
    instance._stored_file_name = None
    if raw or not previous or previous == instance.file.name:
        return
    logger.info("Product #%s: file replaced, removing %s after commit", instance.pk, previous)
    delete_product_file_on_commit(previous)


def remove_deleted_product_file(sender, instance, **kwargs):
    """``post_delete(ProductPage)``: the product's file is deleted after the delete commits."""
    if instance.file:
        logger.info("Product #%s: deleted, removing its file %s after commit", instance.pk, instance.file.name)
        delete_product_file_on_commit(instance.file.name)


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


def connections():
    """Every receiver of the catalogue (support's included), as ``CatalogueConfig.ready()``
    connects them through ``catalogue.receivers``; ``breaks`` marks those the
    marketplace cannot do without (system check ``catalogue.E004``)."""
    from django.conf import settings
    from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

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
        Connection(pre_save, ProductPage, remember_stored_product_file, "catalogue_remember_file"),
        Connection(
            post_save,
            ProductPage,
            remove_replaced_product_file,
            "catalogue_replaced_file",
            breaks="replaced product files would stay in storage for good",
        ),
        Connection(
            post_delete,
            ProductPage,
            remove_deleted_product_file,
            "catalogue_deleted_file",
            breaks="deleted products' files would stay in storage for good",
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
    ]
