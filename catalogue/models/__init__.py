"""The marketplace domain's models: products and categories, orders and downloads."""

from .orders import ORDER_TRANSITIONS, Download, InvalidOrderTransition, Order, OrderQuerySet, OrderStatus
from .products import *  # noqa: F403
from .products import (
    CatalogueIndexPage,
    CategoryInUseError,
    ProductCategory,
    ProductHasOrdersError,
    ProductPage,
    ProductPageQuerySet,
    TaxCategory,
    product_file_upload_to,
)

__all__ = [
    "ORDER_TRANSITIONS",
    "CatalogueIndexPage",
    "CategoryInUseError",
    "Download",
    "InvalidOrderTransition",
    "Order",
    "OrderQuerySet",
    "OrderStatus",
    "ProductCategory",
    "ProductHasOrdersError",
    "ProductPage",
    "ProductPageQuerySet",
    "TaxCategory",
    "product_file_upload_to",
]
