"""The marketplace domain's models: products and categories, orders and downloads, support.

Support tickets are declared in ``catalogue/support/models.py`` (the support package) and
imported here, so they stay models of this app with the same tables; so are the task
worker's rows (heartbeats, schedule, request ids), from ``catalogue/worker/models.py``,
and the storefront search's index, from ``catalogue/search/models.py``.
"""

from ..search.models import ProductSearchTerm, SearchWord
from ..support.models import MessageRole, SupportTicket, SupportTicketQuerySet, TicketMessage, TicketStatus
from ..worker.models import ScheduledTask, TaskEffect, TaskRequestId, WorkerHeartbeat
from .analytics import ProductDailyStats, ProductTraffic, TrafficKind
from .discounts import DiscountCode, DiscountCodeQuerySet
from .orders import (
    LOST_DISPUTE_STATUSES,
    OPEN_DISPUTE_STATUSES,
    ORDER_TRANSITIONS,
    RELEASED_DISPUTE_STATUSES,
    Dispute,
    DisputeStatus,
    Download,
    InvalidOrderTransition,
    LedgerEntry,
    LedgerKind,
    Order,
    OrderQuerySet,
    OrderRefund,
    OrderStatus,
)
from .payouts import Payout, PayoutDetails, PayoutMethod, PayoutQuerySet
from .products import *  # noqa: F403
from .products import (
    CatalogueIndexPage,
    CategoryInUseError,
    CategoryStatus,
    ProductCategory,
    ProductGalleryImage,
    ProductHasOrdersError,
    ProductPage,
    ProductPageQuerySet,
    TaxCategory,
    product_file_upload_to,
)
from .releases import ProductFile, ProductRelease, ReleaseNotice
from .reviews import ProductRating, Review, ReviewQuerySet
from .sellers import SellerProfile, SellerProfileQuerySet

__all__ = [
    "CategoryStatus",
    "ProductDailyStats",
    "ProductTraffic",
    "TrafficKind",
    "LOST_DISPUTE_STATUSES",
    "OPEN_DISPUTE_STATUSES",
    "ORDER_TRANSITIONS",
    "RELEASED_DISPUTE_STATUSES",
    "DiscountCode",
    "DiscountCodeQuerySet",
    "Dispute",
    "DisputeStatus",
    "LedgerEntry",
    "LedgerKind",
    "OrderRefund",
    "CatalogueIndexPage",
    "CategoryInUseError",
    "Download",
    "InvalidOrderTransition",
    "MessageRole",
    "Order",
    "OrderQuerySet",
    "OrderStatus",
    "Payout",
    "PayoutDetails",
    "PayoutMethod",
    "PayoutQuerySet",
    "ProductCategory",
    "ProductGalleryImage",
    "ProductFile",
    "ProductRelease",
    "ReleaseNotice",
    "ProductRating",
    "Review",
    "ReviewQuerySet",
    "SellerProfile",
    "SellerProfileQuerySet",
    "ProductHasOrdersError",
    "ProductPage",
    "ProductPageQuerySet",
    "ProductSearchTerm",
    "SearchWord",
    "SupportTicket",
    "SupportTicketQuerySet",
    "TaxCategory",
    "TicketMessage",
    "TicketStatus",
    "product_file_upload_to",
    "ScheduledTask",
    "TaskEffect",
    "TaskRequestId",
    "WorkerHeartbeat",
]
