"""/account/: the customer portal. Later issues add products, orders and support here."""

from django.urls import include, path

from . import portal_views

app_name = "portal"

urlpatterns = [
    path("", portal_views.PortalHomeView.as_view(), name="home"),
    path("profile/", portal_views.ProfileView.as_view(), name="profile"),
    path("profile/email/", portal_views.EmailChangeView.as_view(), name="email_change"),
    # Purchases: the library (/account/products/), orders and downloads.
    path("", include("accounts.purchase_urls")),
    # Support tickets (customer side); names stay in the portal namespace.
    path("support/", include("accounts.support_urls")),
]
