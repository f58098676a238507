from django.urls import path

from . import portal_views

app_name = "portal"

urlpatterns = [
    path("", portal_views.PortalHomeView.as_view(), name="home"),
]
