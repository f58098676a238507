"""/account/products/ and /account/orders/: what the customer bought (names in the portal namespace)."""

urlpatterns = []
