"""/account/products/ and /account/orders/: what the customer bought (names in the portal namespace)."""

from django.urls import path

from . import purchase_views

urlpatterns = [
    path("products/", purchase_views.LibraryView.as_view(), name="products"),
    path("products/<int:order_id>/download/", purchase_views.DownloadView.as_view(), name="download"),
    path(
        "products/<int:order_id>/files/<int:file_id>/", purchase_views.FileDownloadView.as_view(), name="download_file"
    ),
    path("products/<int:order_id>/download.zip", purchase_views.ZipDownloadView.as_view(), name="download_zip"),
    path("orders/", purchase_views.OrdersView.as_view(), name="orders"),
]
