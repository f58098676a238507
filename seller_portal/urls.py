"""/seller/: the seller portal (namespace ``seller_portal``).

Every URL that takes an id looks the object up among the signed-in seller's own rows
(``Model.objects.for_seller``, from ``catalogue.ownership``), so another
seller's id is a 404: ``tests/seller_portal/test_ownership.py`` walks this list for
products, categories, links and discount codes, ``tests/catalogue/support/test_scoping.py`` for tickets.
"""

from django.urls import path

from . import earnings, reviews, views
from .analytics import AnalyticsView
from .gallery import GalleryItemView, GalleryView
from .profile import ProfileView
from .releases import NewVersionView, ProductFileRemoveView, ProductFilesView

app_name = "seller_portal"

urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    # The storefront profile (seller_portal/profile.py): always the signed-in seller's own.
    path("profile/", ProfileView.as_view(), name="profile"),
    # Products
    path("products/", views.ProductListView.as_view(), name="products"),
    path("products/new/", views.ProductCreateView.as_view(), name="product_create"),
    path("products/<int:pk>/edit/", views.ProductEditView.as_view(), name="product_edit"),
    path("products/<int:pk>/publish/", views.ProductPublishView.as_view(), name="product_publish"),
    path("products/<int:pk>/unpublish/", views.ProductUnpublishView.as_view(), name="product_unpublish"),
    path("products/<int:pk>/delete/", views.ProductDeleteView.as_view(), name="product_delete"),
    # A product's gallery (seller_portal/gallery.py): add, move up or down, remove.
    path("products/<int:pk>/gallery/", GalleryView.as_view(), name="product_gallery"),
    path("products/<int:pk>/gallery/change/", GalleryItemView.as_view(), name="product_gallery_change"),
    # A product's files and versions (seller_portal/releases.py): add, remove, publish a new version.
    path("products/<int:pk>/files/", ProductFilesView.as_view(), name="product_files"),
    path("products/<int:pk>/files/remove/", ProductFileRemoveView.as_view(), name="product_file_remove"),
    path("products/<int:pk>/versions/new/", NewVersionView.as_view(), name="product_version_new"),
    # Categories
    path("categories/", views.CategoryListView.as_view(), name="categories"),
    path("categories/new/", views.CategoryCreateView.as_view(), name="category_create"),
    path("categories/<int:pk>/edit/", views.CategoryEditView.as_view(), name="category_edit"),
    path("categories/<int:pk>/delete/", views.CategoryDeleteView.as_view(), name="category_delete"),
    # Views, checkout starts, orders and refunds per product and period (seller_portal/analytics.py)
    path("analytics/", AnalyticsView.as_view(), name="analytics"),
    # Earnings: balance, entries, payouts and payout details (seller_portal/earnings.py)
    path("earnings/", earnings.EarningsView.as_view(), name="earnings"),
    path("earnings/export.csv", earnings.EarningsExportView.as_view(), name="earnings_export"),
    path("earnings/payout-details/", earnings.PayoutDetailsView.as_view(), name="payout_details"),
    # Short links
    path("links/", views.ShortLinkListView.as_view(), name="short_links"),
    path("links/new/", views.ShortLinkCreateView.as_view(), name="short_link_create"),
    path("links/<int:pk>/active/", views.ShortLinkActiveView.as_view(), name="short_link_active"),
    path("links/<int:pk>/delete/", views.ShortLinkDeleteView.as_view(), name="short_link_delete"),
    # Orders (the refund form posts to dodo's seller_refund, /seller/orders/<pk>/refund/)
    path("orders/", views.OrderListView.as_view(), name="orders"),
    path("orders/<int:pk>/", views.OrderDetailView.as_view(), name="order_detail"),
    # Reviews of the seller's products, with their public replies (seller_portal/reviews.py)
    path("reviews/", reviews.ReviewListView.as_view(), name="reviews"),
    path("reviews/<int:pk>/reply/", reviews.ReviewReplyView.as_view(), name="review_reply"),
    # Discount codes
    path("discounts/", views.DiscountListView.as_view(), name="discounts"),
    path("discounts/new/", views.DiscountFormView.as_view(), name="discount_create"),
    path("discounts/<int:pk>/edit/", views.DiscountEditView.as_view(), name="discount_edit"),
    path("discounts/<int:pk>/active/", views.DiscountActiveView.as_view(), name="discount_active"),
    path("discounts/<int:pk>/delete/", views.DiscountDeleteView.as_view(), name="discount_delete"),
    # Support tickets, the seller's side (URL names shared with the customer portal, see
    # catalogue/support/links.py).
    path("support/", views.TicketInboxView.as_view(), name="support"),
    path("support/<int:pk>/", views.TicketDetailView.as_view(), name="support_detail"),
    path("support/<int:pk>/close/", views.TicketCloseView.as_view(), name="support_close"),
    path("support/<int:pk>/escalate/", views.TicketEscalateView.as_view(), name="support_escalate"),
    path("support/<int:pk>/reopen/", views.TicketReopenView.as_view(), name="support_reopen"),
    path(
        "support/<int:pk>/attachments/<int:message_pk>/",
        views.TicketAttachmentView.as_view(),
        name="support_attachment",
    ),
]
