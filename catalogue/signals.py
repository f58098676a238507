"""Signals the marketplace domain sends; other apps listen (dodo, emails, dashboards)."""

from django.dispatch import Signal

# Sent once per order, when it becomes paid, after the change is saved (inside the
# transaction: receivers that do slow work must defer it with transaction.on_commit).
# kwargs: order (catalogue.models.Order)
order_paid = Signal()

# Sent for every refund recorded on an order, partial or full, after it is saved (inside
# the transaction). ``full`` is True when the whole payment is now refunded and the
# downloads are revoked.
# kwargs: order (catalogue.models.Order), refund (catalogue.models.OrderRefund), full (bool)
order_refunded = Signal()

# Sent when a paid order is charged back (its dispute was lost) and its downloads are
# revoked (inside the transaction).
# kwargs: order (catalogue.models.Order), dispute (catalogue.models.Dispute)
order_charged_back = Signal()

# Sent when an editor asks for a paid order's receipt again (Orders admin, "Resend
# receipt"), inside the transaction. The app that emails receipts answers True once it
# has queued the email (after the commit); no true answer means nothing will go out.
# kwargs: order (catalogue.models.Order)
order_receipt_requested = Signal()

# Support tickets announce their own events: catalogue/support/signals.py.
