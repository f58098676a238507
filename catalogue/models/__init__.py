"""The marketplace domain's models: products and categories, orders and downloads, support."""

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
from .support import MessageRole, SupportTicket, SupportTicketQuerySet, TicketMessage, TicketStatus

__all__ = [
    "ORDER_TRANSITIONS",
    "CatalogueIndexPage",
    "CategoryInUseError",
    "Download",
    "InvalidOrderTransition",
    "MessageRole",
    "Order",
    "OrderQuerySet",
    "OrderStatus",
    "ProductCategory",
    "ProductHasOrdersError",
    "ProductPage",
    "ProductPageQuerySet",
    "SupportTicket",
    "SupportTicketQuerySet",
    "TaxCategory",
    "TicketMessage",
    "TicketStatus",
    "product_file_upload_to",
]
