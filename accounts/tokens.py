"""Tokens for the links we email: account activation, sign-in links, email change."""

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core import signing
from django.utils.crypto import constant_time_compare
from django.utils.http import base36_to_int


class AccountLinkTokenGenerator(PasswordResetTokenGenerator):
    """Signs a link we email about an account: single use, valid for the seconds the
    setting named ``max_age_setting`` gives (Django's generator would read
    ``PASSWORD_RESET_TIMEOUT``).

    The hash covers ``is_active``, ``last_login`` (signing in changes it), the password
    (setting one changes it) and the address, so a link stops working once it has been
    used, and whenever the account changes in a way that matters. ``last_login`` also
    keeps an account that has been used and was later disabled by an editor (inactive
    again) from being re-activated by an old activation link.
    """

    max_age_setting = None

    def _make_hash_value(self, user, timestamp):
        # Microseconds dropped, as Django's reset token does: some databases store none.
        last_login = "" if user.last_login is None else user.last_login.replace(microsecond=0, tzinfo=None)
        return f"{user.pk}{user.password}{user.is_active}{user.email}{last_login}{timestamp}"

    def check_token(self, user, token):
        """True if ``token`` was made for ``user`` in its current state and is not stale."""
        if not (user and token):
            return False
        try:
            ts_b36, _hash = token.split("-")
            ts = base36_to_int(ts_b36)
        except ValueError:
            return False
        signed = any(
            constant_time_compare(self._make_token_with_timestamp(user, ts, secret), token)
            for secret in [self.secret, *self.secret_fallbacks]
        )
        return signed and self._num_seconds(self._now()) - ts <= getattr(settings, self.max_age_setting)


class AccountActivationTokenGenerator(AccountLinkTokenGenerator):
    """Activation links, valid for ``ACCOUNT_ACTIVATION_TIMEOUT`` seconds."""

    # A different salt from password reset: a reset token never activates an account.
    key_salt = "accounts.tokens.AccountActivationTokenGenerator"
    max_age_setting = "ACCOUNT_ACTIVATION_TIMEOUT"


activation_token_generator = AccountActivationTokenGenerator()


class SignInLinkTokenGenerator(AccountLinkTokenGenerator):
    """The sign-in links sent after a purchase made with only an email address, valid
    for ``SIGN_IN_LINK_MAX_AGE`` seconds."""

    # Its own salt: neither a reset nor an activation token signs anybody in.
    key_salt = "accounts.tokens.SignInLinkTokenGenerator"
    max_age_setting = "SIGN_IN_LINK_MAX_AGE"


sign_in_token_generator = SignInLinkTokenGenerator()


# Email change: a signed, timestamped value that carries the new address, so no pending
# address needs storing. It names the address it replaces, so it works once: after the
# change (or any other change of address) the old address no longer matches.
EMAIL_CHANGE_SALT = "accounts.email-change"


def make_email_change_token(user, new_email):
    """A URL-safe token that lets ``user`` switch from their current address to ``new_email``."""
    return signing.dumps({"user": user.pk, "old": user.email, "new": new_email}, salt=EMAIL_CHANGE_SALT)


def read_email_change_token(token):
    """Return ``(user_id, old_email, new_email)`` from a valid, fresh token, else ``None``."""
    try:
        data = signing.loads(token, salt=EMAIL_CHANGE_SALT, max_age=settings.ACCOUNT_EMAIL_CHANGE_TIMEOUT)
    except signing.BadSignature:  # SignatureExpired is a subclass
        return None
    try:
        return int(data["user"]), str(data["old"]), str(data["new"])
    except (KeyError, TypeError, ValueError):
        return None
