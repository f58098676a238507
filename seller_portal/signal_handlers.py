"""Receivers of the seller portal, connected in ``SellerPortalConfig.ready()``."""

from django.db import transaction
from django.db.models.signals import post_save
from django.utils import timezone

from .stats import (
    CONTRIBUTION_FIELDS,
    move_sales,
    recount_daily_sales,
    recount_product_sales,
    recount_seller_catalogue,
)

# The order fields the dashboard's sales summaries depend on; other saves (review notes,
# leases, checkout urls) leave them alone.
SUMMED_FIELDS = frozenset(
    {"status", "amount", "net_amount", "refunded_amount", "seller", "seller_id", "product", "product_id", "paid_at"}
)


def remember_paid_at(sender, instance, raw=False, update_fields=None, **kwargs):
    """``pre_save(Order)``: note the ``paid_at`` the stored row has, so that an order
    moved to another day (or that loses its ``paid_at``) recounts the day it leaves too.

    One primary-key lookup, only for saves that may write ``paid_at``: a new order has no
    stored row, and a save whose ``update_fields`` leave ``paid_at`` out (review notes,
    leases, an order loaded with ``paid_at`` deferred) cannot move it.
    """
    if raw or instance.pk is None or (update_fields is not None and "paid_at" not in update_fields):
        return
    if "stored_values" in vars(instance):
        return  # saved under its row lock: the summaries move by difference (below)
    instance._stored_paid_at = sender.objects.filter(pk=instance.pk).values_list("paid_at", flat=True).first()


def recount_sales_of_order(sender, instance, raw=False, update_fields=None, created=False, **kwargs):
    """``post_save`` / ``post_delete(Order)``: bring the seller's sales summaries the
    order counts in (its product's, and its paid day's and the day it left, if any) up to
    date, in the order's transaction, so the dashboard never sums every order.

    An order saved under its row lock (``catalogue.orders.locked_order``: every payment,
    refund and dispute) knows what the row held before, so the summaries move by the
    difference (:func:`~seller_portal.stats.move_sales`: one ``UPDATE`` per row). Any
    other save or delete rewrites them from their order rows.
    """
    stored_paid_at = vars(instance).pop("_stored_paid_at", None)
    if raw:
        return
    if update_fields is not None and not SUMMED_FIELDS & set(update_fields):
        return
    stored = vars(instance).get("stored_values")
    if stored is not None and not created and kwargs["signal"] is post_save:
        move_sales(
            {name: stored[name] for name in CONTRIBUTION_FIELDS},
            {name: getattr(instance, name) for name in CONTRIBUTION_FIELDS},
        )
        return
    days = {timezone.localdate(moment) for moment in (instance.paid_at, stored_paid_at) if moment is not None}
    # One transaction for every row (the order's own, when it saves in one: no savepoint,
    # so a failure cannot be caught and the order committed without its summaries), rows
    # locked in one order (product, then days oldest first) so that two orders saved at
    # once cannot wait on each other's locks.
    with transaction.atomic(savepoint=False):
        recount_product_sales(instance.seller_id, instance.product_id)
        for day in sorted(days):
            recount_daily_sales(instance.seller_id, day)


# The product fields a seller's catalogue row depends on. Wagtail's draft revisions and
# locks save only bookkeeping fields (``latest_revision``, ``draft_title``, ...); a file
# attached in a draft is in the revision, not the row, until it is published.
CATALOGUE_FIELDS = frozenset({"live", "seller", "seller_id", "file", "file_size"})


def _may_change_catalogue(update_fields):
    return update_fields is None or bool(CATALOGUE_FIELDS & set(update_fields))


def remember_product_seller(sender, instance, raw=False, update_fields=None, **kwargs):
    """``pre_save(ProductPage)``: note the seller the stored row counts for, so that a
    product given to another seller recounts the one who had it too.

    One primary-key lookup, only for saves that may write the seller.
    """
    if raw or instance.pk is None or (update_fields is not None and not {"seller", "seller_id"} & set(update_fields)):
        return
    instance._stored_seller_id = sender.objects.filter(pk=instance.pk).values_list("seller_id", flat=True).first()


def recount_catalogue_of_product(sender, instance, raw=False, update_fields=None, **kwargs):
    """``post_save`` / ``post_delete(ProductPage)``: rewrite the seller's catalogue row
    (and that of the seller the product left, if any) from their product rows, in the
    page's transaction, so the dashboard and product list never count the products.

    Publishing and unpublishing (Wagtail's actions save the page), creating, replacing the
    file, Wagtail admin edits, copies and deletes all pass here.
    """
    stored_seller_id = vars(instance).pop("_stored_seller_id", None)
    if raw or not _may_change_catalogue(update_fields):
        return
    sellers = {instance.seller_id, stored_seller_id} - {None}
    # Rows locked in one order (seller ids ascending) so that two products moved between
    # the same sellers at once cannot wait on each other's locks.
    with transaction.atomic(savepoint=False):
        for seller_id in sorted(sellers):
            recount_seller_catalogue(seller_id)


def connections():
    """Every receiver of the seller portal, as ``SellerPortalConfig.ready()`` connects them."""
    from django.db.models.signals import post_delete, pre_save

    from catalogue.models import Order, ProductPage
    from catalogue.receivers import Connection

    return [
        # A failure here fails the order's save: a summary that silently stopped
        # following its orders would show the seller wrong figures.
        Connection(
            pre_save,
            Order,
            remember_paid_at,
            "seller_portal_remember_paid_at",
            breaks="an order moved to another day would still count on the dashboard's chart on the day it left",
            critical=True,
        ),
        Connection(
            post_save,
            Order,
            recount_sales_of_order,
            "seller_portal_recount_sales",
            breaks="the seller dashboard's figures, chart and best sellers would miss new orders and refunds",
            critical=True,
        ),
        Connection(
            post_delete,
            Order,
            recount_sales_of_order,
            "seller_portal_recount_sales_deleted",
            breaks="the seller dashboard's figures and chart would still count deleted orders",
            critical=True,
        ),
        # The seller's catalogue row (product counts, storage): a failed recount stops the
        # product's save rather than leave the dashboard and product list wrong.
        Connection(
            pre_save,
            ProductPage,
            remember_product_seller,
            "seller_portal_remember_product_seller",
            breaks="a product given to another seller would still count for the seller who had it",
            critical=True,
        ),
        Connection(
            post_save,
            ProductPage,
            recount_catalogue_of_product,
            "seller_portal_recount_catalogue",
            breaks="the seller dashboard's product counts and the product list's total and storage would miss "
            "new, published, unpublished and changed products",
            critical=True,
        ),
        Connection(
            post_delete,
            ProductPage,
            recount_catalogue_of_product,
            "seller_portal_recount_catalogue_deleted",
            breaks="the seller dashboard's product counts and the product list's total and storage would still "
            "count deleted products",
            critical=True,
        ),
    ]
