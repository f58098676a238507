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
Sending errors are not caught here: the caller (a task) knows which object the email
was about and logs it.
"""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string


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
