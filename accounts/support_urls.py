"""/account/support/: the customer's support tickets (names in the portal namespace)."""

urlpatterns = []
