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

# Sent when a customer opens a support ticket, after the ticket and its first message
# are saved (inside the transaction: receivers defer slow work with on_commit).
# kwargs: ticket (catalogue.models.SupportTicket), message (catalogue.models.TicketMessage)
ticket_opened = Signal()

# Sent when someone replies on a ticket (not for the first message, see ticket_opened),
# after the message is saved and the ticket's status updated; ``message.author_role``
# says which side wrote. kwargs: ticket, message (as above)
ticket_replied = Signal()
