"""Receivers for account events, connected in ``AccountsConfig.ready()``."""

from django.db import transaction

from .tasks import send_activation_email

# The attribute on the saved ``User`` instance that receives the activation email's
# ``TaskResult`` once the transaction commits. With the immediate backend the email has
# then already been tried, so the code that saved the user (the sign-up view) can tell
# the person straight away whether it went out; with a worker the result is still pending.
ACTIVATION_EMAIL_RESULT_ATTR = "activation_email_result"


def send_activation_email_to_new_user(sender, instance, created, raw=False, **kwargs):
    """A new inactive account gets its activation email, after the transaction commits.

    Sending is slow and may fail, so it never runs inside the request's transaction: a
    rolled-back sign-up sends nothing, and a failed send cannot undo the sign-up.
    Accounts created active (editors in Wagtail admin, ``createsuperuser``, fixtures)
    need no activation.
    """
    if raw or not created or instance.is_active:
        return
    if not instance.has_usable_password():
        # Made by a purchase with only an email (accounts.guest): no password to
        # activate; the sign-in link sent for the order is its way in.
        return
    user_id = instance.pk

    def enqueue():
        setattr(instance, ACTIVATION_EMAIL_RESULT_ATTR, send_activation_email.enqueue(user_id))

    transaction.on_commit(enqueue)


def _enqueue_together(*calls):
    """Enqueue ``(task, argument)`` pairs in one transaction: with the database task
    backend, one commit for all of them (and their request ids) instead of one each, on
    the webhook's hot path. Each email stays its own task, retried on its own."""
    with transaction.atomic():
        for task, argument in calls:
            task.enqueue(argument)


def send_purchase_emails(sender, order, **kwargs):
    """A paid order: the buyer gets a receipt and the seller a "new sale" email.

    ``order_paid`` is sent inside the transaction that marks the order paid; the emails
    go out only once that commits (never for a rolled-back payment).
    """
    from .tasks import send_receipt, send_sale_notice

    order_id = order.pk
    transaction.on_commit(lambda: _enqueue_together((send_receipt, order_id), (send_sale_notice, order_id)))


def send_refund_emails(sender, order, refund, full, **kwargs):
    """Every refund, partial or full: the buyer and the seller each get an email.

    ``order_refunded`` is sent inside the transaction that records the refund; the
    emails go out once it commits, from tasks given the refund's id (the row says
    whether it was partial, so a later refund cannot change what this email says).
    """
    from .tasks import send_refund_notice, send_refund_receipt

    refund_pk = refund.pk
    transaction.on_commit(lambda: _enqueue_together((send_refund_receipt, refund_pk), (send_refund_notice, refund_pk)))


def resend_receipt(sender, order, **kwargs):
    """An editor asked for the buyer's receipt again: queue it after the commit and
    answer True, so the admin can say it is on its way (``order_receipt_requested``)."""
    from .tasks import send_receipt

    order_id = order.pk
    transaction.on_commit(lambda: send_receipt.enqueue(order_id))
    return True


def send_chargeback_email(sender, order, dispute, **kwargs):
    """A lost dispute: the seller learns that the sale's earnings were reversed."""
    from .tasks import send_chargeback_notice

    dispute_pk = dispute.pk
    transaction.on_commit(lambda: send_chargeback_notice.enqueue(dispute_pk))


def connections():
    """Every receiver of accounts, as ``AccountsConfig.ready()`` connects them through
    ``catalogue.receivers``; ``breaks`` marks the one sign-up cannot do without
    (system check ``accounts.E001``)."""
    from django.contrib.auth import get_user_model
    from django.db.models.signals import post_save

    from catalogue.receivers import Connection
    from catalogue.signals import order_charged_back, order_paid, order_receipt_requested, order_refunded

    return [
        Connection(
            post_save,
            get_user_model(),
            send_activation_email_to_new_user,
            "accounts.send_activation_email_to_new_user",
            breaks="new accounts would never get their activation link, so nobody could sign up",
        ),
        Connection(order_paid, None, send_purchase_emails, "accounts.send_purchase_emails"),
        Connection(order_refunded, None, send_refund_emails, "accounts.send_refund_emails"),
        Connection(order_charged_back, None, send_chargeback_email, "accounts.send_chargeback_email"),
        Connection(order_receipt_requested, None, resend_receipt, "accounts.resend_receipt"),
    ]
