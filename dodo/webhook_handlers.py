"""Webhook handlers, one per event type, in a registry keyed by Dodo's event ``type``.

A handler receives the event's ``data`` (a Payment, Refund, Dispute), already checked by
``dodo.payloads``, and answers a short description of what it did. It raises to make the
delivery fail (answered with a 5xx, so Dodo retries, and recorded on the event), or
``fulfilment.UnmatchedPayment`` for a payment no order of ours knows (recorded as
unmatched and acknowledged). Types without a handler are stored and ignored.
"""

from . import fulfilment, licenses

HANDLERS = {}


def handles(*event_types):
    """Register the decorated function for these event types."""

    def register(function):
        for event_type in event_types:
            HANDLERS[event_type] = function
        return function

    return register


@handles("payment.succeeded", "payment.failed", "payment.cancelled", "payment.processing")
def handle_payment(data):
    # The payment's own status decides, whatever the event was called.
    return fulfilment.apply_payment(data)


@handles("refund.succeeded", "refund.failed")
def handle_refund(data):
    return fulfilment.apply_refund(data)


@handles(
    "dispute.opened",
    "dispute.challenged",
    "dispute.accepted",
    "dispute.lost",
    "dispute.won",
    "dispute.cancelled",
    "dispute.expired",
)
def handle_dispute(data):
    # The dispute's own status decides, whatever the event was called.
    return fulfilment.apply_dispute(data)


@handles(licenses.LICENSE_KEY_CREATED)
def handle_license_key(data):
    # Kept on the order of its payment; may come before the payment (dodo.licenses).
    return licenses.apply_license_key(data)
