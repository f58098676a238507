"""/account/: the customer portal (namespace ``portal``): overview, profile, purchases, support."""

from django.urls import include, path

from . import open_shop, portal_views, review_views

app_name = "portal"

urlpatterns = [
    path("", portal_views.PortalHomeView.as_view(), name="home"),
    path("profile/", portal_views.ProfileView.as_view(), name="profile"),
    path("profile/email/", portal_views.EmailChangeView.as_view(), name="email_change"),
    path("open-shop/", open_shop.OpenShopView.as_view(), name="open_shop"),
    # Purchases: the library (/account/products/), orders and downloads.
    path("", include("accounts.purchase_urls")),
    path("orders/<int:pk>/refund/", portal_views.RefundRequestView.as_view(), name="refund_request"),
    # The buyer's review of a product they bought (accounts/review_views.py).
    path("reviews/<int:product_id>/", review_views.ReviewView.as_view(), name="review"),
    # Support tickets, the customer's side (URL names shared with the seller portal,
    # see catalogue/support/links.py).
    path("support/", portal_views.TicketListView.as_view(), name="support"),
    path("support/new/", portal_views.TicketCreateView.as_view(), name="support_new"),
    path("support/<int:pk>/", portal_views.TicketDetailView.as_view(), name="support_detail"),
    path("support/<int:pk>/close/", portal_views.TicketCloseView.as_view(), name="support_close"),
    path("support/<int:pk>/escalate/", portal_views.TicketEscalateView.as_view(), name="support_escalate"),
    path(
        "support/<int:pk>/attachments/<int:message_pk>/",
        portal_views.TicketAttachmentView.as_view(),
        name="support_attachment",
    ),
]
