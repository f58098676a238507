"""/seller/: the seller portal (namespace ``seller_portal``).

Every URL that takes an id looks the object up among the signed-in seller's own rows
(``ownership.owned_by``); ``tests/seller_portal/test_ownership.py`` walks this list and
checks that another seller's ids are 404 on each of them.
"""

from django.urls import include, path

from . import views

app_name = "seller_portal"

urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    # Products
    path("products/", views.ProductListView.as_view(), name="products"),
    path("products/new/", views.ProductCreateView.as_view(), name="product_create"),
    path("products/<int:pk>/edit/", views.ProductEditView.as_view(), name="product_edit"),
    path("products/<int:pk>/publish/", views.ProductPublishView.as_view(), name="product_publish"),
    path("products/<int:pk>/unpublish/", views.ProductUnpublishView.as_view(), name="product_unpublish"),
    path("products/<int:pk>/delete/", views.ProductDeleteView.as_view(), name="product_delete"),
    # Categories
    path("categories/", views.CategoryListView.as_view(), name="categories"),
    path("categories/new/", views.CategoryCreateView.as_view(), name="category_create"),
    path("categories/<int:pk>/edit/", views.CategoryEditView.as_view(), name="category_edit"),
    path("categories/<int:pk>/delete/", views.CategoryDeleteView.as_view(), name="category_delete"),
    # Short links
    path("links/", views.ShortLinkListView.as_view(), name="short_links"),
    path("links/new/", views.ShortLinkCreateView.as_view(), name="short_link_create"),
    path("links/<int:pk>/active/", views.ShortLinkActiveView.as_view(), name="short_link_active"),
    path("links/<int:pk>/delete/", views.ShortLinkDeleteView.as_view(), name="short_link_delete"),
    # Support tickets (seller side) live in their own module; names stay in this namespace.
    path("support/", include("seller_portal.support_urls")),
]
