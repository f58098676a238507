"""/account/products/ and /account/orders/: what the customer bought (names in the portal namespace)."""

from django.urls import path

from . import purchase_views

urlpatterns = [
    path("products/", purchase_views.LibraryView.as_view(), name="products"),
    path("products/<int:order_id>/download/", purchase_views.DownloadView.as_view(), name="download"),
    path("orders/", purchase_views.OrdersView.as_view(), name="orders"),
]
