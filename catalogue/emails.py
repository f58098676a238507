"""Compose and send the site's transactional emails from templates.

Every email is three templates side by side, so text and HTML never drift apart::

    templates/<app>/emails/<name>_subject.txt
    templates/<app>/emails/<name>_body.txt
    templates/<app>/emails/<name>_body.html

``send_templated_email("accounts/emails/activation", context, to=[...])`` renders them
with the shared context below and sends one ``EmailMultiAlternatives``. Every app sends
through this one dispatcher with its own prefix (``catalogue/emails/receipt``,
``catalogue/emails/ticket_new``). It lives in the domain, which imports nothing of the
other apps, so the support package's emails and the accounts app's both use it.
Sending errors are not caught by ``send_templated_email``. Tasks send through
:func:`send_email_from_task`, which sends each task result's email at most once (a task
re-run after its worker died does not send it again) and turns an SMTP error or timeout
(``EMAIL_TIMEOUT``) into a retry later, up to ``EMAIL_MAX_ATTEMPTS``, each failed attempt
raising :class:`EmailNotSent` so that its task result is FAILED.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone

logger = logging.getLogger(__name__)

# Attempts per email, and the wait before the second (doubling: 1, 2, 4, 8 minutes).
EMAIL_MAX_ATTEMPTS = 5
EMAIL_RETRY_BASE_SECONDS = 60
# The TaskEffect name that marks a task result's email as sent.
EMAIL_SENT = "email sent"


class EmailNotSent(Exception):
    """An attempt to send a task's email failed (SMTP error, refused, timed out).

    ``retry_id`` is the task result of the next attempt, or ``None`` after the last one.
    """

    def __init__(self, message, retry_id=None):
        super().__init__(message)
        self.retry_id = retry_id


def email_context(context):
    """The context every email template gets: the site's name and absolute base URL."""
    return {
        "site_url": settings.SITE_URL,
        "marketplace_name": settings.MARKETPLACE_NAME,
        **context,
    }


def render_templated_email(template_prefix, context):
    """Render ``(subject, text, html)`` for ``<template_prefix>_subject.txt|_body.txt|_body.html``."""
    context = email_context(context)
    subject = render_to_string(f"{template_prefix}_subject.txt", context)
    # A header cannot contain newlines; templates end with one, and long ones may wrap.
    subject = " ".join(subject.split())
    text = render_to_string(f"{template_prefix}_body.txt", context)
    html = render_to_string(f"{template_prefix}_body.html", context)
    return subject, text, html


def send_templated_email(template_prefix, context, to, *, from_email=None, reply_to=None):
    """Render the three templates for ``template_prefix`` and send them to ``to``.

    Returns the number of messages sent (1). Raises whatever the email backend raises:
    with SMTP that is ``smtplib.SMTPException`` or another ``OSError``.
    """
    subject, text, html = render_templated_email(template_prefix, context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=from_email or settings.DEFAULT_FROM_EMAIL,
        to=list(to),
        reply_to=reply_to,
    )
    message.attach_alternative(html, "text/html")
    return message.send()


def send_email_from_task(context, template_prefix, template_context, to, *, about):
    """Send one templated email from a task that takes ``context`` and an ``attempt=1``
    keyword; answer ``True`` once it is sent.

    ``about`` starts the log lines (``"User #5: activation"``). Where the task result can
    be run again (the database backend, after its worker died), the sent email is
    recorded on the result and not sent twice. An ``OSError`` (``smtplib``'s errors,
    timeouts, refused connections) is logged and raised as :class:`EmailNotSent`, after
    enqueueing the next attempt with a doubling delay when the backend can defer and
    attempts are left; the last failure is logged as an error.
    """
    from .models import TaskEffect

    result = context.task_result
    task_obj = result.task
    rerunnable = task_obj.get_backend().supports_defer
    if rerunnable and TaskEffect.objects.filter(task_result_id=str(result.id), name=EMAIL_SENT).exists():
        logger.info("%s email already sent by task %s, not sent again", about, result.id)
        return True
    try:
        send_templated_email(template_prefix, template_context, to=to)
    except OSError as exc:  # smtplib.SMTPException, socket timeouts and refusals are OSErrors
        attempt = int(result.kwargs.get("attempt", 1))
        if rerunnable and attempt < EMAIL_MAX_ATTEMPTS:
            delay = EMAIL_RETRY_BASE_SECONDS * 2 ** (attempt - 1)
            retry = task_obj.using(run_after=timezone.now() + timedelta(seconds=delay)).enqueue(
                *result.args, **{**result.kwargs, "attempt": attempt + 1}
            )
            logger.warning(
                "%s email failed: %s (attempt %d of %d; retry in %d s as task %s)",
                about, exc, attempt, EMAIL_MAX_ATTEMPTS, delay, retry.id,
            )  # fmt: skip
            raise EmailNotSent(f"{about} email failed (attempt {attempt}): {exc}", retry_id=retry.id) from exc
        logger.error("%s email failed: %s (attempt %d, no retry left)", about, exc, attempt)
        raise EmailNotSent(f"{about} email failed (attempt {attempt}, no retry left): {exc}") from exc
    if rerunnable:
        TaskEffect.objects.create(task_result_id=str(result.id), name=EMAIL_SENT)
    logger.info("%s email sent", about)
    return True
