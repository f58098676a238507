"""Receivers of the seller portal, connected in ``SellerPortalConfig.ready()``."""

from .stats import recount_product_sales

# The order fields the dashboard's sales summary depends on; other saves (review notes,
# leases, checkout urls) leave it alone.
SUMMED_FIELDS = frozenset(
    {"status", "amount", "net_amount", "refunded_amount", "seller", "seller_id", "product", "product_id"}
)


def recount_sales_of_order(sender, instance, raw=False, update_fields=None, **kwargs):
    """``post_save`` / ``post_delete(Order)``: rewrite the seller's sales summary of the order's product from
    its order rows, in the order's transaction, so the dashboard never sums every order."""
    if raw:
        return
    if update_fields is not None and not SUMMED_FIELDS & set(update_fields):
        return
    recount_product_sales(instance.seller_id, instance.product_id)


def connections():
    """Every receiver of the seller portal, as ``SellerPortalConfig.ready()`` connects them."""
    from django.db.models.signals import post_delete, post_save

    from catalogue.models import Order
    from catalogue.receivers import Connection

    return [
        # A failed recount fails the order's save: a summary that silently stopped
        # following its orders would show the seller wrong figures.
        Connection(
            post_save,
            Order,
            recount_sales_of_order,
            "seller_portal_recount_sales",
            breaks="the seller dashboard's all-time figures and best sellers would miss new orders and refunds",
            critical=True,
        ),
        Connection(
            post_delete,
            Order,
            recount_sales_of_order,
            "seller_portal_recount_sales_deleted",
            breaks="the seller dashboard's all-time figures would still count deleted orders",
            critical=True,
        ),
    ]
