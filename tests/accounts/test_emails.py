"""The email helper: subject, text and HTML from three templates."""

import pytest
from django.core import mail

from catalogue.emails import render_templated_email, send_templated_email
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_an_email_has_a_one_line_subject_a_text_body_and_an_html_part():
    user = UserFactory.build(first_name="Zoë", email="z@example.com")
    context = {"user": user, "activation_url": "http://testserver/accounts/activate/x/y/", "expiry_days": 3}
    subject, text, html = render_templated_email("accounts/emails/activation", context)
    assert subject == "Activate your Brightshelf account"
    assert "http://testserver/accounts/activate/x/y/" in text and "<" not in text
    assert html.lstrip().startswith("<!DOCTYPE html>") and "Activate my account" in html

    send_templated_email("accounts/emails/activation", context, to=["z@example.com"])
    message = mail.outbox[0]
    assert message.subject == subject and message.body == text
    assert message.alternatives[0] == (html, "text/html")


def test_text_emails_are_not_html_escaped():
    user = UserFactory.build(first_name="O'Brien & Co", email="o@example.com")
    _, text, html = render_templated_email(
        "accounts/emails/password_reset", {"user": user, "reset_url": "http://testserver/r/?a=1&b=2"}
    )
    assert "O'Brien & Co" in text and "?a=1&b=2" in text
    assert "O&#x27;Brien &amp; Co" in html
