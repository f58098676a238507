"""Receivers for catalogue models, connected in ``CatalogueConfig.ready()``.

They fire on every path (Wagtail admin, seller portal, shell, data migrations), so the
rules they keep hold everywhere. Each returns early for fixture loading (``raw=True``).
"""

import logging
from functools import partial

from django.db import transaction

from . import page_cache
from .files import delete_preview_file_on_commit, delete_product_file_on_commit
from .models import ProductCategory, ProductPage
from .moderation import product_decision_of, send_product_review_email
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
    # The public preview sample, by the same rule (it lives in media storage).
    previews = set(instance.revisions.values_list("content__preview_file", flat=True)) if instance.pk else set()
    if instance.preview_file:
        previews.add(instance.preview_file.name)
    for name in sorted(previews - {None, ""}):
        logger.info("Product #%s: deleted, removing its preview %s after commit", instance.pk, name)
        delete_preview_file_on_commit(name)


# The fields a save must name to change which category counts a product as live. Wagtail's
# draft revisions save only bookkeeping fields (``latest_revision``, ``draft_title``, ...).
COUNTED_FIELDS = frozenset({"live", "category", "category_id"})


def _may_change_counts(update_fields):
    return update_fields is None or bool(COUNTED_FIELDS & set(update_fields))


def remember_counted_category(sender, instance, raw=False, update_fields=None, **kwargs):
    """``pre_save(ProductPage)``: note the category the stored row is counted in, so that
    moving a product to another category recounts the one it leaves as well."""
    if raw or not instance.pk or not _may_change_counts(update_fields):
        return
    instance._counted_category_id = (
        ProductPage.objects.filter(pk=instance.pk).values_list("category_id", flat=True).first()
    )


def recount_live_products_of_categories(sender, instance, raw=False, update_fields=None, **kwargs):
    """``post_save`` / ``post_delete(ProductPage)``: recount the live products of the
    product's category (and of the one it left) with one ``COUNT`` from the rows.

    Publishing, unpublishing (Wagtail's actions save the page), deleting and moving a
    product all pass here, so ``ProductCategory.live_product_count`` stays exact; a
    recount rather than ``+1``/``-1`` cannot drift. ``manage.py recount_categories`` redoes
    every category after a bulk load that bypassed the signals.
    """
    if raw or not _may_change_counts(update_fields):
        return
    pks = {instance.category_id, getattr(instance, "_counted_category_id", None)} - {None}
    if pks:
        ProductCategory.objects.filter(pk__in=pks).recount_live_products()


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


# Saves that only touch a page's draft bookkeeping (save_revision, locking): the live
# page, which is all anonymous visitors see, is unchanged.
DRAFT_ONLY_PAGE_FIELDS = frozenset(
    {
        "wagtail_admin_comments",
        "latest_revision",
        "latest_revision_created_at",
        "draft_title",
        "has_unpublished_changes",
        "locked",
        "locked_at",
        "locked_by",
    }
)


def expire_cached_pages(sender, raw=False, update_fields=None, **kwargs):
    """Pages published, unpublished, moved, saved or deleted, a category or cover image
    changed: every anonymous page in the cache is stale (``catalogue.page_cache``).

    One generation bump expires them all: a product shows on the home page, the
    catalogue, its category and its neighbours' "more in" rows, so finding the affected
    pages would cost more than rendering them again.
    """
    if raw or (update_fields is not None and set(update_fields) <= DRAFT_ONLY_PAGE_FIELDS):
        return
    page_cache.bump_generation()


def expire_cached_pages_of_seller(sender, instance, raw=False, created=False, update_fields=None, **kwargs):
    """``post_save(User)``: product cards and pages show the seller's name."""
    if raw or created or not getattr(instance, "is_seller", False):
        return
    if update_fields is not None and not {"first_name", "last_name", "email"} & set(update_fields):
        return
    page_cache.bump_generation()


def make_storefront_of_seller(sender, instance, raw=False, **kwargs):
    """``post_save(ProductPage)``: a seller with a live product has a storefront
    (``catalogue.storefronts``), so product pages can link to it."""
    from .models import SellerProfile
    from .storefronts import profile_for

    if raw or not instance.live or not instance.seller_id:
        return
    if not SellerProfile.objects.filter(user_id=instance.seller_id).exists():
        profile_for(instance.seller)


def purge_listings_from_frontend_cache(sender, instance, **kwargs):
    """``page_published``/``page_unpublished(ProductPage)``: Wagtail's frontend cache
    purges the product's own URL from the CDN; the catalogue (with its category pages)
    and the home page list it too. Nothing to do without ``WAGTAILFRONTENDCACHE``."""
    from django.conf import settings

    if not settings.WAGTAILFRONTENDCACHE:
        return
    from wagtail.contrib.frontend_cache.utils import purge_pages_from_cache

    index_page = instance.get_parent().specific
    purge_pages_from_cache([index_page, index_page.get_parent()])


def remember_request_id_of_task(sender, task_result, **kwargs):
    """``task_enqueued``: store the enqueuing request's id for the worker that will run
    the task, so the task's log lines carry it (``catalogue.worker.request_ids``)."""
    from .worker.request_ids import remember_request_id

    remember_request_id(sender, task_result)


def email_seller_about_product_review(sender, instance, user=None, **kwargs):
    """``workflow_approved`` / ``workflow_rejected``: the editors decided on a seller's
    product (``catalogue.moderation``); the seller is emailed, with the editor's comment,
    once the decision commits."""
    task_state = product_decision_of(instance)
    if task_state is not None:
        transaction.on_commit(partial(send_product_review_email.enqueue, task_state.pk))


def connections():
    """Every receiver of the catalogue (support's included), as ``CatalogueConfig.ready()``
    connects them through ``catalogue.receivers``; ``breaks`` marks those the
    marketplace cannot do without (system check ``catalogue.E004``)."""
    from django.conf import settings
    from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
    from django_tasks.signals import task_enqueued
    from wagtail.images import get_image_model
    from wagtail.models import Page, Site
    from wagtail.signals import page_published, page_unpublished, post_page_move, workflow_approved, workflow_rejected

    from . import releases
    from .models import CatalogueIndexPage, ProductCategory, ProductPage, SupportTicket
    from .receivers import Connection
    from .search import signal_handlers as search
    from .support import signal_handlers as support
    from .support.signals import (
        ticket_escalated,
        ticket_opened,
        ticket_replied,
        ticket_staff_closed,
        ticket_staff_replied,
    )

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
        # Category counters: the home grid and listing totals read them instead of counting.
        # A failed recount stops the save rather than leave a wrong count.
        Connection(
            pre_save,
            ProductPage,
            remember_counted_category,
            "catalogue_counted_category",
            breaks="a product moved to another category would stay counted in the old one",
            critical=True,
        ),
        Connection(
            post_save,
            ProductPage,
            recount_live_products_of_categories,
            "catalogue_recount_category_saved",
            breaks="category product counts and listing totals would miss published and unpublished products",
            critical=True,
        ),
        Connection(
            post_delete,
            ProductPage,
            recount_live_products_of_categories,
            "catalogue_recount_category_deleted",
            breaks="category product counts and listing totals would still count deleted products",
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
        # Product versions (catalogue.releases): the current release's main file follows
        # ProductPage.file; a removed release file leaves storage after the commit.
        Connection(
            post_save,
            ProductPage,
            releases.sync_main_file_of_saved_product,
            "catalogue_release_main_file",
            breaks="buyers would not see a product's new main file in their library's file list",
        ),
        Connection(
            post_delete,
            "catalogue.ProductFile",
            releases.release_deleted_file,
            "catalogue_release_file_deleted",
            breaks="removed product files would stay in storage until cleanup_files finds them",
        ),
        # The storefront search (catalogue.search): a product's rows follow its live state.
        Connection(
            post_save,
            ProductPage,
            search.index_saved_product,
            "catalogue_search_product_saved",
            breaks="the storefront search would miss published and edited products and still find unpublished ones",
        ),
        Connection(page_unpublished, ProductPage, search.unindex_unpublished_product, "catalogue_search_unpublished"),
        Connection(
            pre_delete,
            ProductPage,
            search.unindex_deleted_product,
            "catalogue_search_product_deleted",
            breaks="the search vocabulary would keep counting deleted products",
        ),
        Connection(post_save, ProductCategory, reindex_products_of_category, "catalogue_reindex_category"),
        Connection(post_save, settings.AUTH_USER_MODEL, reindex_products_of_seller, "catalogue_reindex_seller"),
        # The anonymous page cache (catalogue.page_cache): anything a cached page shows
        # changed, so none of them may be served again. Saves cover pages created or
        # edited in code; deletes are sent for the Page row of every page type.
        Connection(
            page_published,
            None,
            expire_cached_pages,
            "catalogue_page_cache_published",
            breaks="anonymous visitors would see a page as it was before publishing, until PAGE_CACHE_TIMEOUT",
        ),
        Connection(
            page_unpublished,
            None,
            expire_cached_pages,
            "catalogue_page_cache_unpublished",
            breaks="anonymous visitors would still see unpublished pages, until PAGE_CACHE_TIMEOUT",
        ),
        Connection(post_page_move, None, expire_cached_pages, "catalogue_page_cache_moved"),
        Connection(post_delete, Page, expire_cached_pages, "catalogue_page_cache_page_deleted"),
        Connection(post_save, ProductPage, expire_cached_pages, "catalogue_page_cache_product_saved"),
        Connection(post_save, CatalogueIndexPage, expire_cached_pages, "catalogue_page_cache_index_saved"),
        Connection(post_save, "home.HomePage", expire_cached_pages, "catalogue_page_cache_home_saved"),
        Connection(post_save, ProductCategory, expire_cached_pages, "catalogue_page_cache_category_saved"),
        Connection(post_delete, ProductCategory, expire_cached_pages, "catalogue_page_cache_category_deleted"),
        Connection(post_save, get_image_model(), expire_cached_pages, "catalogue_page_cache_image_saved"),
        # The request's Site (and its root page) is kept with the pages.
        Connection(post_save, Site, expire_cached_pages, "catalogue_page_cache_site_saved"),
        Connection(post_delete, Site, expire_cached_pages, "catalogue_page_cache_site_deleted"),
        Connection(post_delete, get_image_model(), expire_cached_pages, "catalogue_page_cache_image_deleted"),
        Connection(
            post_save, settings.AUTH_USER_MODEL, expire_cached_pages_of_seller, "catalogue_page_cache_seller_renamed"
        ),
        # Storefronts (catalogue.storefronts): made with a seller's first live product;
        # product pages show the shop name, so a profile change purges the cached pages.
        Connection(post_save, ProductPage, make_storefront_of_seller, "catalogue_storefront_made"),
        Connection(post_save, "catalogue.SellerProfile", expire_cached_pages, "catalogue_page_cache_profile_saved"),
        Connection(post_delete, "catalogue.SellerProfile", expire_cached_pages, "catalogue_page_cache_profile_deleted"),
        Connection(page_published, ProductPage, purge_listings_from_frontend_cache, "catalogue_cdn_published"),
        Connection(page_unpublished, ProductPage, purge_listings_from_frontend_cache, "catalogue_cdn_unpublished"),
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
        # Escalation (catalogue/support/services.py): staff hear of it; both sides hear of
        # a staff message or a staff close.
        Connection(ticket_escalated, None, support.email_staff_about_escalation, "catalogue_ticket_escalated_email"),
        Connection(
            ticket_staff_replied, None, support.email_both_sides_about_staff_reply, "catalogue_ticket_staff_email"
        ),
        Connection(
            ticket_staff_closed, None, support.email_both_sides_about_staff_close, "catalogue_ticket_staff_closed"
        ),
        # Tasks run by the worker log the id of the request that enqueued them.
        Connection(task_enqueued, None, remember_request_id_of_task, "catalogue_task_request_id"),
        # Moderation (catalogue.moderation): the seller hears the editors' decision.
        Connection(workflow_approved, None, email_seller_about_product_review, "catalogue_product_approved_email"),
        Connection(workflow_rejected, None, email_seller_about_product_review, "catalogue_product_rejected_email"),
    ]
