"""/account/support/: the customer's support tickets (names in the portal namespace)."""

from django.urls import path

from . import support_views as views

urlpatterns = [
    path("", views.TicketListView.as_view(), name="support"),
    path("new/", views.TicketCreateView.as_view(), name="support_new"),
    path("<int:pk>/", views.TicketDetailView.as_view(), name="support_detail"),
    path("<int:pk>/close/", views.CustomerTicketCloseView.as_view(), name="support_close"),
    path(
        "<int:pk>/attachments/<int:message_pk>/",
        views.CustomerTicketAttachmentView.as_view(),
        name="support_attachment",
    ),
]
