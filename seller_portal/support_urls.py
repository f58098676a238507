"""/seller/support/: tickets about the seller's products (names in the seller_portal namespace)."""

urlpatterns = []
