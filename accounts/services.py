"""Account operations. Views validate input with forms, then call one function here."""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django_tasks import TaskResult, TaskResultStatus

from .exceptions import EmailAddressTaken, InvalidEmailChangeLink
from .models import TermsAcceptance
from .signal_handlers import ACTIVATION_EMAIL_RESULT_ATTR
from .tasks import (
    send_activation_email,
    send_email_change_confirmation,
    send_email_changed_notice,
    send_password_reset_email,
    send_signup_attempt_notice,
)
from .terms import record_acceptance
from .tokens import activation_token_generator, read_email_change_token

logger = logging.getLogger(__name__)

ROLE_CUSTOMER = "customer"
ROLE_SELLER = "seller"

# One activation email per account per this many seconds, however often "resend" is
# pressed: the page always answers the same, so a stranger cannot flood an inbox.
RESEND_INTERVAL = 60

# One "someone tried to sign up with your address" email per account per this many seconds.
SIGNUP_NOTICE_INTERVAL = 3600

# What the sign-up page can say about the activation email.
EMAIL_SENT = "sent"
EMAIL_FAILED = "failed"
EMAIL_QUEUED = "queued"


def normalize_email(email):
    """Addresses are stored trimmed and lower-case (``User.save`` does the same)."""
    return (email or "").strip().lower()


def email_in_use(email, exclude_user=None):
    """True if an account (other than ``exclude_user``) has this address, ignoring case."""
    users = get_user_model()._default_manager.filter(email__iexact=normalize_email(email))
    if exclude_user is not None:
        users = users.exclude(pk=exclude_user.pk)
    return users.exists()


@dataclass
class SignUp:
    """A sign-up as the "check your inbox" page may describe it.

    ``email`` is the address entered (normalized); ``email_result`` is the ``TaskResult``
    of the email sent for it. Emails are enqueued once the transaction commits: without an
    outer transaction (a request) that is before ``sign_up`` returns; inside one, or when
    a throttle held the email back, it stays ``None``. A new address gets its activation
    email; an address that already has an account gets a notice to its owner, or a fresh
    activation link. Both fill this in the same way, so the page reads the same for either.
    """

    email: str
    email_result: TaskResult | None = None

    @property
    def email_status(self):
        """``EMAIL_SENT``, ``EMAIL_FAILED`` or ``EMAIL_QUEUED``.

        With the immediate backend the task has finished by now; with a worker it is
        still queued, and the page says so.
        """
        result = self.email_result
        if result is None or not result.is_finished:
            return EMAIL_QUEUED
        if result.status == TaskResultStatus.SUCCESSFUL and result.return_value:
            return EMAIL_SENT
        return EMAIL_FAILED


def sign_up(*, email, password, first_name, last_name="", role=ROLE_CUSTOMER, accepted_terms=False):
    """Register ``email`` (see ``register_user``); returns the ``SignUp`` to describe.

    If the address already has an account, nothing is created or changed and the answer
    is the same as for a new one, so the form cannot tell a stranger which addresses have
    accounts. The owner learns of it by email instead (``notify_existing_account``).
    """
    signup = SignUp(email=normalize_email(email))
    try:
        user = register_user(
            email=signup.email,
            password=password,
            first_name=first_name,
            last_name=last_name,
            role=role,
            accepted_terms=accepted_terms,
        )
    except EmailAddressTaken:
        notify_existing_account(signup)
        return signup
    signup.email_result = getattr(user, ACTIVATION_EMAIL_RESULT_ATTR, None)
    return signup


def register_user(*, email, password, first_name, last_name="", role=ROLE_CUSTOMER, accepted_terms=False):
    """Create an inactive account with the chosen role; returns the new user.

    With ``accepted_terms`` (the sign-up form's box), the acceptance of the terms'
    current version (as a seller too, for the seller role) is recorded with the account,
    in its transaction.

    A seller may also buy, so the seller role sets both flags. The activation email is
    sent by the ``post_save`` receiver once this transaction commits. Raises
    ``EmailAddressTaken`` if an account has the address (callers that answer visitors
    go through ``sign_up``, which does not say so).
    """
    User = get_user_model()
    user = User(
        email=normalize_email(email),
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        is_active=False,
        is_customer=True,
        is_seller=role == ROLE_SELLER,
    )
    # Hashed before the address is looked up, so a taken address is not answered faster.
    user.set_password(password)
    if email_in_use(user.email):
        raise EmailAddressTaken
    try:
        with transaction.atomic():
            user.save()
            if accepted_terms:
                documents = [TermsAcceptance.Document.TERMS]
                if user.is_seller:
                    documents.append(TermsAcceptance.Document.SELLER_TERMS)
                record_acceptance(user, *documents)
    except IntegrityError as exc:
        # Two sign-ups for the same address at once: the unique index decides.
        raise EmailAddressTaken from exc
    logger.info("User #%s: signed up as %s", user.pk, role)
    return user


def notify_existing_account(signup):
    """Someone signed up with an address that has an account: email its owner, after commit.

    An active account gets a "someone tried to sign up with your address" notice, at most
    one per ``SIGNUP_NOTICE_INTERVAL``; one never activated gets a fresh activation link
    (``resend_activation``, throttled too). The task result goes to ``signup``, where a
    new account's activation email result would go.
    """
    user = get_user_model()._default_manager.filter(email__iexact=signup.email).first()
    if user is None:
        # Deleted since, or the other half of a race not committed yet: nobody to tell.
        return
    if not user.is_active:
        logger.info("User #%s: sign-up with the address of an account awaiting activation", user.pk)

        def resend():
            signup.email_result = resend_activation(user.email)

        transaction.on_commit(resend)
        return
    logger.info("User #%s: sign-up with the address of an existing account", user.pk)
    attempted_at = timezone.now().isoformat()

    def notify():
        if not cache.add(f"accounts:signup-notice:{user.pk}", 1, timeout=SIGNUP_NOTICE_INTERVAL):
            logger.info("User #%s: sign-up attempt notice throttled", user.pk)
            return
        signup.email_result = send_signup_attempt_notice.enqueue(user.pk, attempted_at)

    transaction.on_commit(notify)


def user_from_uidb64(uidb64):
    """The user a link's ``uidb64`` names, or ``None`` if it is malformed or unknown."""
    User = get_user_model()
    try:
        pk = force_str(urlsafe_base64_decode(uidb64))
        return User._default_manager.get(pk=pk)
    except (TypeError, ValueError, OverflowError, User.DoesNotExist):
        return None


def activate_user(uidb64, token):
    """Activate the account an activation link names; returns the user, or ``None``.

    ``None`` covers a tampered ``uidb64``, a wrong or stale token, and a link already
    used (the token's hash includes ``is_active``).
    """
    user = user_from_uidb64(uidb64)
    if user is None or not activation_token_generator.check_token(user, token):
        return None
    user.is_active = True
    user.save(update_fields=["is_active"])
    logger.info("User #%s: activated", user.pk)
    return user


def resend_activation(email):
    """Send a fresh activation link if ``email`` belongs to an account awaiting activation
    (inactive and never signed in).

    Returns the email task's ``TaskResult``, or ``None`` when there is no such account or
    the resend is throttled: the caller answers the same either way.
    """
    # Never signed in: an account an editor disabled after it was used is not "awaiting
    # activation", and a fresh link must not undo the editor's decision.
    user = (
        get_user_model()
        ._default_manager.filter(email__iexact=normalize_email(email), is_active=False, last_login__isnull=True)
        .first()
    )
    if user is None:
        return None
    if not cache.add(f"accounts:activation-resend:{user.pk}", 1, timeout=RESEND_INTERVAL):
        logger.info("User #%s: activation resend throttled", user.pk)
        return None
    return send_activation_email.enqueue(user.pk)


def send_password_reset(email):
    """Queue a reset email for each active account with a usable password at ``email``.

    At most ``PASSWORD_RESET_EMAILS_PER_HOUR`` per account, counted from the first in the
    hour, so the form cannot be used to flood an inbox. Returns nothing: the page answers
    the same whether an email was sent, throttled, or there is no such account.
    """
    User = get_user_model()
    for user in User._default_manager.filter(email__iexact=normalize_email(email), is_active=True):
        if not user.has_usable_password():
            continue
        key = f"accounts:password-reset:{user.pk}"
        cache.add(key, 0, timeout=3600)
        if cache.incr(key) > settings.PASSWORD_RESET_EMAILS_PER_HOUR:
            logger.info("User #%s: password reset email throttled", user.pk)
            continue
        send_password_reset_email.enqueue(user.pk)


def request_email_change(user, new_email):
    """Email a confirmation link to ``new_email``; the address changes only when it is followed.

    Raises ``EmailAddressTaken`` if another account uses the address.
    """
    new_email = normalize_email(new_email)
    if email_in_use(new_email, exclude_user=user):
        raise EmailAddressTaken
    send_email_change_confirmation.enqueue(user.pk, new_email)
    logger.info("User #%s: email change requested", user.pk)


def confirm_email_change(user, token):
    """Switch ``user`` to the address in ``token``; returns the new address.

    Raises ``InvalidEmailChangeLink`` for a bad, stale, used or foreign token, and
    ``EmailAddressTaken`` if the address was taken since the link was sent. The old
    address is told about the change, so a hijacked session cannot switch it silently.
    """
    data = read_email_change_token(token)
    if data is None:
        raise InvalidEmailChangeLink
    user_id, old_email, new_email = data
    if user_id != user.pk or old_email != user.email:
        raise InvalidEmailChangeLink
    if email_in_use(new_email, exclude_user=user):
        raise EmailAddressTaken
    user.email = new_email
    try:
        with transaction.atomic():
            user.save(update_fields=["email"])
    except IntegrityError as exc:
        raise EmailAddressTaken from exc
    logger.info("User #%s: email address changed", user.pk)
    transaction.on_commit(lambda: send_email_changed_notice.enqueue(user.pk, old_email))
    return new_email
