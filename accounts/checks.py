"""System checks for accounts (``manage.py check``)."""

from django.core.checks import Tags, Warning, register


@register()
def check_receivers_connected(app_configs=None, **kwargs):
    """``accounts.E001``: the receiver that sends new accounts their activation link is connected."""
    from catalogue.receivers import receiver_errors

    from . import signal_handlers

    return receiver_errors(signal_handlers.connections(), "accounts.E001")


# Backends that never deliver: they print the message (activation and reset links
# included) or keep it in memory.
UNDELIVERING_EMAIL_BACKENDS = {
    "django.core.mail.backends.console.EmailBackend": "to the console: activation links would be printed into logs",
    "django.core.mail.backends.locmem.EmailBackend": "into memory: no email would ever arrive",
}


@register(Tags.compatibility)
def check_email_backend_delivers(app_configs=None, **kwargs):
    """``accounts.W001``: with ``DEBUG`` off, email must go to a mail server. The default
    ``EMAIL_URL=consolemail://`` would print live activation and password-reset links into
    the production logs (and the person never gets them)."""
    from django.conf import settings

    where = UNDELIVERING_EMAIL_BACKENDS.get(settings.EMAIL_BACKEND)
    if settings.DEBUG or where is None:
        return []
    return [
        Warning(
            f"DEBUG is off but EMAIL_BACKEND sends email {where}.",
            hint="Set EMAIL_URL to your mail server, e.g. smtp+tls://user:password@smtp.example.com:587.",
            id="accounts.W001",
        )
    ]
