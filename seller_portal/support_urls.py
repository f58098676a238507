"""/seller/support/: tickets about the seller's products (names in the seller_portal namespace)."""

from django.urls import path

from . import support_views as views

urlpatterns = [
    path("", views.SellerTicketListView.as_view(), name="support"),
    path("<int:pk>/", views.SellerTicketDetailView.as_view(), name="support_detail"),
    path("<int:pk>/close/", views.SellerTicketCloseView.as_view(), name="support_close"),
    path("<int:pk>/reopen/", views.SellerTicketReopenView.as_view(), name="support_reopen"),
    path(
        "<int:pk>/attachments/<int:message_pk>/",
        views.SellerTicketAttachmentView.as_view(),
        name="support_attachment",
    ),
]
