"""Signals support tickets send; ``signal_handlers.py`` turns them into emails."""

from django.dispatch import Signal

# Sent when a customer opens a support ticket, after the ticket and its first message
# are saved (inside the transaction: receivers defer slow work with on_commit).
# kwargs: ticket (catalogue.models.SupportTicket), message (catalogue.models.TicketMessage)
ticket_opened = Signal()

# Sent when someone replies on a ticket (not for the first message, see ticket_opened),
# after the message is saved and the ticket's status updated; ``message.author_role``
# says which side wrote. kwargs: ticket, message (as above)
ticket_replied = Signal()

# Sent when the customer or the seller asks the marketplace to step in on a ticket,
# after it is marked escalated and their reason saved as a message of the thread.
# kwargs: ticket, message (the reason, as above)
ticket_escalated = Signal()

# Sent when marketplace staff write in a ticket's conversation from Wagtail admin
# (``message.author_role`` is ``staff``): both sides are emailed. kwargs: ticket, message
ticket_staff_replied = Signal()

# Sent when marketplace staff close a ticket from Wagtail admin: both sides are emailed.
# kwargs: ticket, user (the staff member)
ticket_staff_closed = Signal()
