"""System checks of the seller portal."""

from django.core.checks import register


@register()
def check_receivers_connected(app_configs=None, **kwargs):
    """``seller_portal.E001``: the receivers that keep the summaries (sales per product and
    per day, each seller's catalogue row) are connected."""
    from catalogue.receivers import receiver_errors

    from . import signal_handlers

    return receiver_errors(signal_handlers.connections(), "seller_portal.E001")
