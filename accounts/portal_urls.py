"""/account/: the customer portal. Later issues add products, orders and support here."""

from django.urls import path

from . import portal_views

app_name = "portal"

urlpatterns = [
    path("", portal_views.PortalHomeView.as_view(), name="home"),
    path("profile/", portal_views.ProfileView.as_view(), name="profile"),
    path("profile/email/", portal_views.EmailChangeView.as_view(), name="email_change"),
]
