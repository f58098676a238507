from django.conf import settings
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from catalogue.analytics_views import product_viewed
from catalogue.storefronts import StorefrontView
from seller_portal.views import follow_short_link

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("accounts/", include("accounts.urls")),
    path("account/", include("accounts.portal_urls")),
    path("seller/", include("seller_portal.urls")),
    # Checkout, the return page and Dodo's webhook: the views that talk to Dodo.
    path("", include("dodo.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    # Public media (cover images) only; product files live in private storage that has
    # no URL at all.
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns += [
    # The product page's view beacon (catalogue/analytics_views.py): counts in the cache only.
    path("p/viewed/", product_viewed, name="product_viewed"),
    # Sellers' short links: count the click, redirect to the product page.
    path("s/<str:code>/", follow_short_link, name="short_link"),
    # Sellers' public storefronts (catalogue.storefronts).
    path("sellers/<slug:slug>/", StorefrontView.as_view(), name="storefront"),
    # Wagtail's page serving last: it catches every path that nothing above claimed.
    path("", include(wagtail_urls)),
]
