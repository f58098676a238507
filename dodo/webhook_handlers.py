"""Webhook handlers, one per event type, in a registry keyed by Dodo's event ``type``.

A handler receives the event's ``data`` (a Payment, Refund, ...) and answers a short
description of what it did. It raises to make the delivery fail (answered with a 5xx,
so Dodo retries, and recorded on the event). Types without a handler are stored and
ignored.
"""

from . import fulfilment

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


@handles("refund.succeeded")
def handle_refund(data):
    return fulfilment.apply_refund(data)
