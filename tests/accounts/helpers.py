"""Helpers for the accounts tests."""

import re
import smtplib

from django.core.mail.backends.base import BaseEmailBackend

SIGNUP_PASSWORD = "Tulip-Harbour-4821"


class BrokenEmailBackend(BaseEmailBackend):
    """An email backend whose mail server is down."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


def signup_data(**overrides):
    data = {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@example.com",
        "password1": SIGNUP_PASSWORD,
        "password2": SIGNUP_PASSWORD,
        "role": "customer",
        "accept_terms": "on",
    }
    data.update(overrides)
    return data


def link_from(message, path_prefix, base="http://testserver"):
    """The path of the first link in an email's text body under ``path_prefix``."""
    match = re.search(re.escape(base) + "(" + re.escape(path_prefix) + r"\S+)", message.body)
    assert match, f"no {path_prefix} link in:\n{message.body}"
    return match.group(1)


def field_errors(response, field, form="form"):
    """The errors shown next to ``field`` on a rendered form."""
    return " ".join(str(e) for e in response.context[form].errors.get(field, []))


def comparable(response, *replace):
    """The page's HTML without the per-request CSRF token and the given strings."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
    for text in replace:
        html = html.replace(text, "TEXT")
    return html


def run_accounts_callbacks(callbacks):
    """Run the on-commit callbacks that the accounts app registered; return how many.

    Other apps (Dodo's customer sync) also act on a new user after commit; these tests
    look at the accounts app's own work only.
    """
    ours = [c for c in callbacks if getattr(c, "__module__", "").startswith("accounts.")]
    for callback in ours:
        callback()
    return len(ours)
