"""Buying with only an email address: the account an order goes to, and sign-in links.

A visitor who is not signed in may buy by typing an email address. Nothing is created
for that address when they do: the order waits with ``Order.guest_email`` and no account.
Only once the payment succeeds does the order get the account for the address: an
existing one (matched ignoring case), or a new *inactive* customer account with no usable
password. Either way, the only access it gives is through a sign-in link emailed to that
address (single use, expiring after ``SIGN_IN_LINK_MAX_AGE``): typing somebody's email at
checkout never opens their library, and an address the visitor does not own gets an
account nobody can use until its owner follows the link.

Starting such checkouts is rate-limited per client address and per email address
(``GUEST_CHECKOUTS_PER_HOUR_PER_IP`` / ``_PER_EMAIL``), in the shared cache.
"""

import hashlib
import logging

from django.conf import settings
from django.contrib.auth import get_user_model, login
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _

from .lockout import get_client_ip
from .services import normalize_email, user_from_uidb64
from .tokens import sign_in_token_generator

logger = logging.getLogger(__name__)

# The window of the guest checkout limits.
RATE_WINDOW_SECONDS = 3600
# One "new sign-in link" email per account per this many seconds, however often asked.
LINK_RESEND_INTERVAL = 60
# Our own backend, named when a link signs somebody in without a password (django-axes
# sits first in AUTHENTICATION_BACKENDS and cannot restore a session user).
LOGIN_BACKEND = "accounts.backends.EmailBackend"


class GuestCheckoutRefused(Exception):
    """A checkout with only an email cannot start; ``message`` is fit to show the visitor."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class GuestEmailRefused(GuestCheckoutRefused):
    """The address typed is empty or not an email address."""


class GuestCheckoutThrottled(GuestCheckoutRefused):
    """Too many checkouts with only an email from this client or for this address."""


def clean_email(raw):
    """The address a visitor typed, trimmed and lower-cased; raises ``GuestEmailRefused``."""
    email = normalize_email(raw)
    if not email:
        raise GuestEmailRefused(_("Enter your email address: we send your download link there."))
    try:
        if len(email) > 254:
            raise ValidationError("too long")
        validate_email(email)
    except ValidationError:
        raise GuestEmailRefused(_("Enter a valid email address, like name@example.com.")) from None
    return email


def _over_limit(key, limit):
    """Count one attempt under ``key``; True when it is beyond ``limit`` (0 = no limit)."""
    if not limit:
        return False
    cache.add(key, 0, timeout=RATE_WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr: this is the first of a new window
        cache.add(key, 1, timeout=RATE_WINDOW_SECONDS)
        count = 1
    return count > limit


def check_rate(request, email):
    """Count a checkout with only an email; raise ``GuestCheckoutThrottled`` past a limit.

    Both limits count every attempt (pressing Buy again too), so neither a script on one
    address nor one targeting one address can make orders, Dodo customers and checkout
    sessions without end. The address is hashed: the cache never holds it in clear.
    """
    ip = get_client_ip(request) or "unknown"
    email_key = hashlib.sha256(email.encode()).hexdigest()[:32]
    by_ip = _over_limit(f"guest-checkout:ip:{ip}", settings.GUEST_CHECKOUTS_PER_HOUR_PER_IP)
    by_email = _over_limit(f"guest-checkout:email:{email_key}", settings.GUEST_CHECKOUTS_PER_HOUR_PER_EMAIL)
    if by_ip or by_email:
        logger.warning("Guest checkout throttled (%s)", "address" if by_ip else "email")
        raise GuestCheckoutThrottled(
            _(
                "Too many purchases were started with an email address from here in the last hour. "
                "Please try again later, or sign in to buy."
            )
        )


def account_for_guest_order(email, name=""):
    """The account that a paid order bought with ``email`` goes to: ``(user, created)``.

    An account with the address (ignoring case) is used as it is. Otherwise a customer
    account is made for it, inactive and with no usable password, so nobody can sign in
    to it except through the sign-in link sent to the address (it gets no activation
    email: see ``accounts.signal_handlers``). Called inside the payment's transaction.
    """
    User = get_user_model()
    email = normalize_email(email)
    user = User._default_manager.filter(email__iexact=email).first()
    if user is not None:
        if not user.is_customer:
            # Whoever owns the address now owns a purchase: the library needs the role.
            user.is_customer = True
            user.save(update_fields=["is_customer"])
        return user, False
    user = User(email=email, first_name=(name or "").strip()[:150], is_active=False, is_customer=True)
    user.set_unusable_password()
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        # Another payment for the same address made it a moment ago.
        return User._default_manager.get(email__iexact=email), False
    logger.info("User #%s: account created by a purchase made with only an email", user.pk)
    return user, True


def sign_in_path(user):
    """The path of a fresh sign-in link for ``user`` (callers add ``SITE_URL``)."""
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    return reverse(
        "accounts:sign_in_link", kwargs={"uidb64": uidb64, "token": sign_in_token_generator.make_token(user)}
    )


def send_sign_in_link_on_commit(user_id, order_id=None):
    """Email the account a sign-in link (about ``order_id``, if given) once the
    surrounding transaction commits: never for a rolled-back payment."""
    from .tasks import send_sign_in_link

    transaction.on_commit(lambda: send_sign_in_link.enqueue(user_id, order_id))


def may_use_links(user):
    """Staff sign in with their password only: a link in an inbox must not open the admin."""
    return not (user.is_staff or user.is_superuser)


def user_for_link(uidb64, token):
    """The user a sign-in link names, if its token is valid now; else ``None``.

    ``None`` covers a tampered ``uidb64``, a wrong, stale or used token (using it changes
    ``last_login``, which the token covers), and staff accounts.
    """
    user = user_from_uidb64(uidb64)
    if user is None or not may_use_links(user) or not sign_in_token_generator.check_token(user, token):
        return None
    return user


def sign_in_with_link(request, user):
    """Sign in the person who followed ``user``'s link: an account made at checkout
    becomes active, since following the link proves the address is theirs. ``login``
    updates ``last_login``, which spends the link."""
    if not user.is_active:
        user.is_active = True
        user.save(update_fields=["is_active"])
        logger.info("User #%s: activated by a sign-in link", user.pk)
    login(request, user, backend=LOGIN_BACKEND)
    logger.info("User #%s: signed in with a sign-in link", user.pk)


def request_sign_in_link(email):
    """Email a new sign-in link to the customer account at ``email``, if there is one.

    At most one per ``LINK_RESEND_INTERVAL`` per account. Answers nothing: the page says
    the same whether a link was sent, throttled, or there is no such account. Staff
    accounts never get one (they sign in with their password).
    """
    user = (
        get_user_model()
        ._default_manager.filter(
            email__iexact=normalize_email(email), is_customer=True, is_staff=False, is_superuser=False
        )
        .first()
    )
    if user is None:
        return
    if not cache.add(f"accounts:sign-in-link:{user.pk}", 1, timeout=LINK_RESEND_INTERVAL):
        logger.info("User #%s: sign-in link throttled", user.pk)
        return
    send_sign_in_link_on_commit(user.pk)
