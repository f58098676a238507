"""Receivers that keep Dodo in step with the marketplace.

They run for every path (Wagtail admin, portals, shell, data migrations), return early on
fixture loading (``raw``), decide whether Dodo needs to hear about the change, and
enqueue a task after the commit. They never call Dodo themselves.
"""

from . import licenses, sync, tasks
from .fingerprints import PRODUCT_FIELDS
from .models import DodoCustomer, DodoDiscount, DodoProduct, current_environment


def queue_dodo_customer_sync(sender, instance, created, raw=False, **kwargs):
    """A new user gets a Dodo customer; a changed email or name is sent to it."""
    if raw:
        return
    if created:
        DodoCustomer.objects.get_or_create(user=instance, defaults={"environment": current_environment()})
        tasks.enqueue_on_commit(tasks.sync_customer, instance.pk)
        return
    update_fields = kwargs.get("update_fields")
    if update_fields is not None and not {"email", "first_name", "last_name"} & set(update_fields):
        return  # e.g. last_login, password: nothing Dodo holds
    record = DodoCustomer.objects.filter(user=instance).first()
    if record is not None and record.failed_just_now():
        return  # the scheduled retry sends the latest values
    if sync.customer_needs_sync(instance):
        tasks.enqueue_on_commit(tasks.sync_customer, instance.pk)


def queue_dodo_product_sync(sender, instance, created=False, raw=False, update_fields=None, **kwargs):
    """A product page was saved: sync it when something Dodo holds may have changed.

    Wagtail saves a live page's draft revisions with ``update_fields`` that hold only
    revision bookkeeping, so those return at once; every other save compares the page
    with what Dodo was last sent and enqueues only when they differ.
    """
    if raw:
        return
    if update_fields is not None and not (PRODUCT_FIELDS | {"live"}) & set(update_fields):
        return
    record = sync.product_record_for(instance)
    if created or sync.product_needs_sync(instance, record):
        _queue_product(record, instance.pk)


def queue_dodo_product_live_change(sender, instance, **kwargs):
    """Published or unpublished (admin, bulk action, schedule or code): unarchive or archive."""
    record = sync.product_record_for(instance)
    if sync.product_needs_sync(instance, record):
        _queue_product(record, instance.pk)


def _queue_product(record, page_key):
    if record.failed_just_now():
        # Dodo failed seconds ago (often for this same save: Wagtail sends several
        # signals per publish). The scheduled retry reads the latest values anyway.
        return
    record.mark_pending()
    tasks.enqueue_on_commit(tasks.sync_product, page_key)


def queue_dodo_product_archive(sender, instance, **kwargs):
    """A product page is being deleted: archive its Dodo product once the delete commits.

    A refused delete (the product has orders) raises before this runs, so nothing is
    archived for it; a delete that rolls back never runs the task.
    """
    if kwargs.get("raw"):
        return
    if DodoProduct.objects.filter(page_key=instance.pk).exclude(product_id=None).exists():
        tasks.enqueue_on_commit(tasks.sync_product, instance.pk)


def queue_dodo_discount_sync(sender, instance, created=False, raw=False, **kwargs):
    """A discount code was saved (made, edited, activated or deactivated): sync it when
    what Dodo should hold differs from what it was last sent."""
    if raw:
        return
    record = sync.discount_record_for(instance)
    if created or sync.discount_needs_sync(instance, record):
        _queue_discount(record, instance.pk)


def queue_dodo_discount_products_sync(sender, instance, action, reverse=False, pk_set=None, **kwargs):
    """A code's products changed (from either side of the relation): sync the codes."""
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    from catalogue.models import DiscountCode

    if reverse:
        # Products gained or lost codes (``product.discount_codes.add(...)``).
        codes = DiscountCode.objects.filter(pk__in=pk_set or []) if action != "post_clear" else []
        for discount in codes:
            _queue_discount(sync.discount_record_for(discount), discount.pk)
        return
    _queue_discount(sync.discount_record_for(instance), instance.pk)


def _queue_discount(record, code_key):
    if record.failed_just_now():
        return  # the scheduled retry reads the latest values anyway
    record.mark_pending()
    tasks.enqueue_on_commit(tasks.sync_discount, code_key)


def queue_dodo_discount_delete(sender, instance, **kwargs):
    """A code was deleted: delete its Dodo discount once the delete commits."""
    if kwargs.get("raw"):
        return
    if DodoDiscount.objects.filter(code_key=instance.pk).exclude(discount_id=None).exists():
        tasks.enqueue_on_commit(tasks.sync_discount, instance.pk)


def store_waiting_license_key(sender, order, **kwargs):
    """An order became paid: a license key that arrived before its payment is stored now,
    in the same transaction, so the receipt carries it."""
    licenses.apply_waiting_keys(order)


def queue_license_key_revocation(sender, order, full=True, **kwargs):
    """A full refund or a lost dispute: the order's license key is disabled on Dodo after
    the commit. A partial refund (``full`` False) keeps it."""
    if not full or not order.license_key_id or order.license_key_disabled_at is not None:
        return
    tasks.enqueue_on_commit(tasks.disable_license_key, order.pk)


def connections():
    """Every receiver of this app, as ``DodoConfig.ready()`` connects it (through the
    wrapper in ``catalogue.receivers``); ``breaks`` marks those the marketplace cannot
    do without, which the system check ``dodo.E007`` requires to be connected."""
    from django.contrib.auth import get_user_model
    from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
    from wagtail.signals import page_published, page_unpublished

    from catalogue.models import DiscountCode, ProductPage
    from catalogue.receivers import Connection
    from catalogue.signals import order_charged_back, order_paid, order_refunded

    checkout = "products would not reach Dodo, so checkout fails for them"
    return [
        Connection(
            post_save,
            get_user_model(),
            queue_dodo_customer_sync,
            "dodo_queue_customer_sync",
            breaks="new users would get no Dodo customer, so their payments fail",
        ),
        Connection(post_save, ProductPage, queue_dodo_product_sync, "dodo_queue_product_sync", breaks=checkout),
        Connection(
            page_published, ProductPage, queue_dodo_product_live_change, "dodo_product_published", breaks=checkout
        ),
        Connection(
            page_unpublished,
            ProductPage,
            queue_dodo_product_live_change,
            "dodo_product_unpublished",
            breaks="unpublished products would stay buyable on Dodo",
        ),
        Connection(
            pre_delete,
            ProductPage,
            queue_dodo_product_archive,
            "dodo_product_archive",
            breaks="deleted products would stay buyable on Dodo",
        ),
        Connection(
            post_save,
            DiscountCode,
            queue_dodo_discount_sync,
            "dodo_queue_discount_sync",
            breaks="discount codes would not reach Dodo, so buyers could not use them",
        ),
        Connection(
            m2m_changed,
            DiscountCode.products.through,
            queue_dodo_discount_products_sync,
            "dodo_queue_discount_products_sync",
            breaks="a code's products would not change on Dodo",
        ),
        Connection(
            post_delete,
            DiscountCode,
            queue_dodo_discount_delete,
            "dodo_discount_delete",
            breaks="deleted discount codes would keep working on Dodo",
        ),
        Connection(order_paid, None, store_waiting_license_key, "dodo_store_waiting_license_key"),
        Connection(
            order_refunded,
            None,
            queue_license_key_revocation,
            "dodo_revoke_license_key_on_refund",
            breaks="refunded buyers would keep working license keys",
        ),
        Connection(
            order_charged_back,
            None,
            queue_license_key_revocation,
            "dodo_revoke_license_key_on_chargeback",
            breaks="charged-back buyers would keep working license keys",
        ),
    ]
