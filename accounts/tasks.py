"""Slow account work, run by django-tasks: sending the emails that carry links.

Tasks take primitive ids (they may run in a worker, later, on another host), load what
they need, and re-check that the email still makes sense before sending. They send
through ``catalogue.emails.send_email_from_task``: once per task result, and a failure to
send (SMTP error or ``EMAIL_TIMEOUT``) is logged with the user's id, retried later by the
worker (``attempt``) and raised, so the task result is FAILED; the person's sign-up, reset
or profile change has succeeded already, and they can ask again ("resend"). A task
returns ``True`` when the email is sent, ``False`` when it had no reason to send it.
"""

import logging
from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.db.models import Sum
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_tasks import task

from catalogue.emails import send_email_from_task

from .tokens import activation_token_generator, make_email_change_token

logger = logging.getLogger(__name__)


def _uidb64(user):
    return urlsafe_base64_encode(force_bytes(user.pk))


def _absolute(path):
    """Links in emails are built from SITE_URL, never from the request's Host header."""
    return f"{settings.SITE_URL}{path}"


def _get_user(user_id, purpose):
    User = get_user_model()
    try:
        return User._default_manager.get(pk=user_id)
    except User.DoesNotExist:
        logger.warning("User #%s: %s email not sent, the user no longer exists", user_id, purpose)
        return None


def _send(context, user_id, purpose, template_prefix, template_context, to):
    """Send one templated email for the task running with ``context`` (see the module)."""
    return send_email_from_task(context, template_prefix, template_context, to, about=f"User #{user_id}: {purpose}")


@task(backend="db", takes_context=True)
def send_activation_email(context, user_id, attempt=1):
    """Email a new, inactive user the link that activates their account."""
    user = _get_user(user_id, "activation")
    if user is None:
        return False
    if user.is_active:
        # Activated (or enabled by an editor) before this ran: a link would only confuse.
        logger.info("User #%s: activation email skipped, the account is already active", user_id)
        return False
    path = reverse(
        "accounts:activate",
        kwargs={"uidb64": _uidb64(user), "token": activation_token_generator.make_token(user)},
    )
    template_context = {
        "user": user,
        "activation_url": _absolute(path),
        "expiry_days": max(1, round(settings.ACCOUNT_ACTIVATION_TIMEOUT / 86400)),
    }
    return _send(context, user_id, "activation", "accounts/emails/activation", template_context, to=[user.email])


@task(backend="db", takes_context=True)
def send_password_reset_email(context, user_id, attempt=1):
    """Email an active user the link that lets them choose a new password."""
    user = _get_user(user_id, "password reset")
    if user is None:
        return False
    path = reverse(
        "accounts:password_reset_confirm",
        kwargs={"uidb64": _uidb64(user), "token": default_token_generator.make_token(user)},
    )
    template_context = {"user": user, "reset_url": _absolute(path)}
    return _send(
        context, user_id, "password reset", "accounts/emails/password_reset", template_context, to=[user.email]
    )


@task(backend="db", takes_context=True)
def send_email_change_confirmation(context, user_id, new_email, attempt=1):
    """Email ``new_email`` the link that confirms it as the user's new address."""
    user = _get_user(user_id, "email change")
    if user is None:
        return False
    path = reverse("accounts:email_change_confirm", kwargs={"token": make_email_change_token(user, new_email)})
    template_context = {"user": user, "new_email": new_email, "confirm_url": _absolute(path)}
    return _send(context, user_id, "email change", "accounts/emails/email_change", template_context, to=[new_email])


@task(backend="db", takes_context=True)
def send_email_changed_notice(context, user_id, old_email, attempt=1):
    """Tell the previous address that the account now uses another one."""
    user = _get_user(user_id, "email changed notice")
    if user is None:
        return False
    template_context = {
        "user": user,
        "old_email": old_email,
        "reset_url": _absolute(reverse("accounts:password_reset")),
    }
    return _send(
        context, user_id, "email changed notice", "accounts/emails/email_changed", template_context, to=[old_email]
    )


@task(backend="db", takes_context=True)
def send_signup_attempt_notice(context, user_id, attempted_at, attempt=1):
    """Tell an account's owner that someone tried to sign up with its address.

    ``attempted_at`` is the ISO 8601 time of the attempt. Nothing was changed by it; the
    email says so, with links to log in and, if it wasn't them, to reset the password.
    """
    user = _get_user(user_id, "sign-up attempt notice")
    if user is None:
        return False
    template_context = {
        "user": user,
        "attempted_at": datetime.fromisoformat(attempted_at),
        "login_url": _absolute(reverse("accounts:login")),
        "reset_url": _absolute(reverse("accounts:password_reset")),
    }
    return _send(
        context, user_id, "sign-up attempt notice", "accounts/emails/signup_attempt", template_context, [user.email]
    )


@task(backend="db", takes_context=True)
def send_sign_in_link(context, user_id, order_id=None, attempt=1):
    """Email a single-use sign-in link that opens the user's library: after a purchase
    made with only an email (``order_id``), or when they ask for a new one.

    The link is made here, when the email is sent, so a retried task sends a fresh one.
    Staff accounts get a pointer to the sign-in page instead (``guest.may_use_links``).
    """
    from catalogue.models import Order

    from .guest import may_use_links, sign_in_path

    user = _get_user(user_id, "sign-in link")
    if user is None:
        return False
    order = Order.objects.select_related("product").filter(pk=order_id, customer=user).first() if order_id else None
    usable = may_use_links(user)
    template_context = {
        "user": user,
        "order": order,
        "sign_in_url": _absolute(sign_in_path(user) if usable else reverse("accounts:login")),
        "is_link": usable,
        "new_link_url": _absolute(reverse("accounts:sign_in_link_request")),
        "expiry_days": max(1, round(settings.SIGN_IN_LINK_MAX_AGE / 86400)),
    }
    return _send(context, user_id, "sign-in link", "accounts/emails/sign_in_link", template_context, [user.email])


# PURCHASES


def _get_order(order_id, purpose):
    from catalogue.models import Order

    order = Order.objects.select_related("customer", "seller", "product").filter(pk=order_id).first()
    if order is None:
        logger.warning("Order #%s: %s email not sent, the order no longer exists", order_id, purpose)
    return order


@task(backend="db", takes_context=True)
def send_receipt(context, order_id, attempt=1):
    """Email the buyer a receipt with the download link, once their order is paid."""
    order = _get_order(order_id, "receipt")
    if order is None:
        return False
    template_context = {
        "order": order,
        "user": order.customer,
        "download_url": _absolute(reverse("portal:download", args=(order.pk,))),
        "library_url": _absolute(reverse("portal:products")),
    }
    # A free product: nothing was paid, so "added to your library", not a receipt.
    template = "catalogue/emails/free_order" if order.amount == 0 else "catalogue/emails/receipt"
    return _send(context, order.customer_id, "receipt", template, template_context, [order.customer.email])


@task(backend="db", takes_context=True)
def send_sale_notice(context, order_id, attempt=1):
    """Tell the seller they made a sale, and what they earned from it."""
    order = _get_order(order_id, "new sale")
    if order is None:
        return False
    if order.amount == 0:
        # A free download is no sale: the dashboard counts it, without an email each.
        logger.info("Order #%s: free download, no sale email", order.pk)
        return False
    template_context = {
        "order": order,
        "user": order.seller,
        "dashboard_url": _absolute(reverse("seller_portal:dashboard")),
    }
    return _send(
        context, order.seller_id, "new sale", "catalogue/emails/new_sale", template_context, [order.seller.email]
    )


# REFUNDS AND CHARGEBACKS
# One email per refund to each side, partial or full, from the refund's own row: a later
# refund of the same order must not change what an earlier email says.


def _get_refund(refund_pk, purpose):
    from catalogue.models import OrderRefund

    refund = (
        OrderRefund.objects.select_related("order__customer", "order__seller", "order__product")
        .filter(pk=refund_pk)
        .first()
    )
    if refund is None:
        logger.warning("Refund #%s: %s email not sent, the refund no longer exists", refund_pk, purpose)
    return refund


def _ledger_rows(order):
    from catalogue.models import LedgerEntry

    return LedgerEntry.objects.filter(order=order)


def _earnings_from(order):
    """What the seller keeps from the order now: the sum of its ledger rows."""
    return _ledger_rows(order).aggregate(total=Sum("earnings"))["total"]


@task(backend="db", takes_context=True)
def send_refund_receipt(context, refund_pk, attempt=1):
    """Tell the buyer what was refunded, and whether they keep the download."""
    refund = _get_refund(refund_pk, "refund receipt")
    if refund is None:
        return False
    order = refund.order
    template_context = {
        "refund": refund,
        "order": order,
        "user": order.customer,
        "full": not refund.is_partial,
        "library_url": _absolute(reverse("portal:products")),
        "orders_url": _absolute(reverse("portal:orders")),
        "support_url": _absolute(reverse("portal:support")),
    }
    return _send(
        context,
        order.customer_id,
        "refund receipt",
        "catalogue/emails/refund_buyer",
        template_context,
        [order.customer.email],
    )


@task(backend="db", takes_context=True)
def send_refund_notice(context, refund_pk, attempt=1):
    """Tell the seller a buyer was refunded, and by how much their earnings went down.

    The change is the refund's own ledger row (written once by the domain, by Dodo's
    refund id), so the email states exactly what the seller's balance shows. A refund of
    an order that was never recorded as paid has no row: nothing was earned, so nothing
    is taken back.
    """
    from catalogue.models import LedgerKind

    refund = _get_refund(refund_pk, "refund notice")
    if refund is None:
        return False
    order = refund.order
    row = _ledger_rows(order).filter(kind=LedgerKind.REFUND, reference=refund.refund_id).first()
    template_context = {
        "refund": refund,
        "order": order,
        "user": order.seller,
        "full": not refund.is_partial,
        "earnings_change": row.earnings if row is not None else None,
        "earnings_now": _earnings_from(order),
        "dashboard_url": _absolute(reverse("seller_portal:dashboard")),
    }
    return _send(
        context,
        order.seller_id,
        "refund notice",
        "catalogue/emails/refund_seller",
        template_context,
        [order.seller.email],
    )


@task(backend="db", takes_context=True)
def send_chargeback_notice(context, dispute_pk, attempt=1):
    """Tell the seller a dispute was lost: the buyer's bank took the money back, and the
    order's earnings were reversed (its ``dispute_loss`` ledger row)."""
    from catalogue.models import Dispute, LedgerKind

    dispute = Dispute.objects.select_related("order__seller", "order__product").filter(pk=dispute_pk).first()
    if dispute is None:
        logger.warning("Dispute #%s: chargeback email not sent, the dispute no longer exists", dispute_pk)
        return False
    order = dispute.order
    row = _ledger_rows(order).filter(kind=LedgerKind.DISPUTE_LOSS, reference=dispute.dispute_id).first()
    template_context = {
        "dispute": dispute,
        "order": order,
        "user": order.seller,
        "earnings_change": row.earnings if row is not None else None,
        "earnings_now": _earnings_from(order),
        "dashboard_url": _absolute(reverse("seller_portal:dashboard")),
    }
    return _send(
        context,
        order.seller_id,
        "chargeback",
        "catalogue/emails/chargeback_seller",
        template_context,
        [order.seller.email],
    )
