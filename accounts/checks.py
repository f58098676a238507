"""System checks for accounts (``manage.py check``)."""

from django.core.checks import register


@register()
def check_receivers_connected(app_configs=None, **kwargs):
    """``accounts.E001``: the receiver that sends new accounts their activation link is connected."""
    from catalogue.receivers import receiver_errors

    from . import signal_handlers

    return receiver_errors(signal_handlers.connections(), "accounts.E001")
