"""Signals the marketplace domain sends; other apps listen (dodo, emails, dashboards)."""

from django.dispatch import Signal

# Sent once per order, when it becomes paid, after the change is saved (inside the
# transaction: receivers that do slow work must defer it with transaction.on_commit).
# kwargs: order (catalogue.models.Order)
order_paid = Signal()

# Sent when a paid order is refunded and its downloads are revoked.
# kwargs: order (catalogue.models.Order)
order_refunded = Signal()
