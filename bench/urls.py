"""The site's URLs with the bench's bare view in front of them."""

from django.urls import path

from site_config.urls import urlpatterns as site_urlpatterns

from .views import bare

urlpatterns = [
    # Claimed before Wagtail's catch-all page route, which would otherwise answer 404.
    path("__bench__/bare/", bare, name="bench_bare"),
    *site_urlpatterns,
]
