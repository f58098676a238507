from django.urls import include, path

from . import views

app_name = "seller_portal"

urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    # Support tickets (seller side) live in their own module; names stay in this namespace.
    path("support/", include("seller_portal.support_urls")),
]
