"""Signals the marketplace domain sends; other apps listen (dodo, emails, dashboards)."""

from django.dispatch import Signal

# Sent once per order, when it becomes paid, after the change is saved (inside the
# transaction: receivers that do slow work must defer it with transaction.on_commit).
# kwargs: order (catalogue.models.Order)
order_paid = Signal()

# Sent when a paid order is refunded and its downloads are revoked.
# kwargs: order (catalogue.models.Order)
order_refunded = Signal()

# Sent when a customer opens a support ticket, after the ticket and its first message
# are saved (inside the transaction: receivers defer slow work with on_commit).
# kwargs: ticket (catalogue.models.SupportTicket), message (catalogue.models.TicketMessage)
ticket_opened = Signal()

# Sent when someone replies on a ticket (not for the first message, see ticket_opened),
# after the message is saved and the ticket's status updated; ``message.author_role``
# says which side wrote. kwargs: ticket, message (as above)
ticket_replied = Signal()
