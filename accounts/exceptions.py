"""Errors raised by account services, each with a message that is safe to show."""

from django.utils.translation import gettext_lazy as _


class AccountError(Exception):
    """Base class: ``message`` explains the problem to the person, in their language."""

    message = _("Something went wrong with your account request.")

    def __init__(self, message=None):
        if message is not None:
            self.message = message
        super().__init__(str(self.message))


class EmailAddressTaken(AccountError):
    """Another account already uses the address."""

    message = _("Another account already uses this email address.")


class InvalidEmailChangeLink(AccountError):
    """The confirmation link is tampered with, expired, used, or for someone else."""

    message = _(
        "This confirmation link is invalid or has expired. Links work once and for a limited time: "
        "ask for a new one from your profile."
    )
