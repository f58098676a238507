"""Support emails: who gets which, what they say and link to, and that they wait for the commit."""

import logging

import pytest
from django.core import mail
from django.db import transaction
from django_tasks import TaskResultStatus

from catalogue import emails
from catalogue.models import MessageRole
from catalogue.support import services, tasks
from tests.factories import CustomerFactory, StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(product):
    """The customer, the seller, and bystanders who must never get an email."""
    return {
        "customer": CustomerFactory(first_name="Chloe", last_name="Martin"),
        "seller": product.seller,
        "bystanders": {CustomerFactory().email, StaffFactory().email, product.seller.email + ".other"},
    }


def _only(outbox, to):
    assert [message.to for message in outbox] == [[to]]
    message = outbox[0]
    html = message.alternatives[0][0]
    assert message.alternatives[0][1] == "text/html"
    return message, html


def test_a_new_ticket_emails_the_seller_only(product, people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = services.open_ticket(people["customer"], product, "Keynote?", "Does it <open> in Keynote?")

    message, html = _only(mail.outbox, people["seller"].email)
    assert message.subject == f"New question about {product.title}: Keynote?"
    link = f"http://testserver/seller/support/{ticket.pk}/"
    assert link in message.body and f'href="{link}"' in html
    assert "Chloe Martin" in message.body and "thinking of buying it" in message.body
    # Plain text in the text part, escaped in the HTML part.
    assert "Does it <open> in Keynote?" in message.body
    assert "Does it &lt;open&gt; in Keynote?" in html


def test_a_seller_reply_emails_the_customer_only(product, people, django_capture_on_commit_callbacks):
    ticket = services.open_ticket(people["customer"], product, "Keynote?", "Hello")
    with django_capture_on_commit_callbacks(execute=True):
        services.reply(ticket, people["seller"], MessageRole.SELLER, "Yes!\nFrom version 12.")

    message, html = _only(mail.outbox, people["customer"].email)
    assert message.subject == f"{people['seller'].display_name} answered: Keynote?"
    link = f"http://testserver/account/support/{ticket.pk}/"
    assert link in message.body and f'href="{link}"' in html
    assert "Yes!\nFrom version 12." in message.body and "Yes!<br>From version 12." in html


def test_a_customer_reply_emails_the_seller_only(product, people, django_capture_on_commit_callbacks):
    ticket = services.open_ticket(people["customer"], product, "Keynote?", "Hello")
    services.reply(ticket, people["seller"], MessageRole.SELLER, "Yes")
    with django_capture_on_commit_callbacks(execute=True):
        services.reply(ticket, people["customer"], MessageRole.CUSTOMER, "And on an iPad?")

    message, html = _only(mail.outbox, people["seller"].email)
    assert message.subject == "Chloe Martin replied: Keynote?"
    assert f"http://testserver/seller/support/{ticket.pk}/" in message.body
    assert "And on an iPad?" in html


def test_closing_and_reopening_send_nothing(product, people, django_capture_on_commit_callbacks):
    ticket = services.open_ticket(people["customer"], product, "Keynote?", "Hello")
    with django_capture_on_commit_callbacks(execute=True):
        services.close(ticket, people["customer"])
        services.reopen(ticket, people["seller"])
    assert mail.outbox == []


def test_a_whole_conversation_emails_nobody_else(product, people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = services.open_ticket(people["customer"], product, "Keynote?", "Hello")
        services.reply(ticket, people["seller"], MessageRole.SELLER, "Yes")
        services.reply(ticket, people["customer"], MessageRole.CUSTOMER, "Thanks")
    recipients = [address for message in mail.outbox for address in message.to]
    assert recipients == [people["seller"].email, people["customer"].email, people["seller"].email]
    assert not set(recipients) & people["bystanders"]


def test_emails_wait_for_the_commit_and_a_rollback_sends_none(product, people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.open_ticket(people["customer"], product, "Keynote?", "Hello")
    assert mail.outbox == [] and len(callbacks) == 1

    class Abort(Exception):
        pass

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(Abort):
        with transaction.atomic():
            services.open_ticket(people["customer"], product, "Rolled back", "Hello")
            raise Abort
    assert callbacks == [] and mail.outbox == []


def test_an_inactive_recipient_gets_nothing(product, people, django_capture_on_commit_callbacks):
    seller = people["seller"]
    type(seller).objects.filter(pk=seller.pk).update(is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        services.open_ticket(people["customer"], product, "Keynote?", "Hello")
    assert mail.outbox == []


def test_a_mail_server_failure_is_logged_and_fails_the_task_not_the_message(product, people, monkeypatch, caplog):
    ticket = services.open_ticket(people["customer"], product, "Keynote?", "Hello")

    def broken(*args, **kwargs):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr(emails, "send_templated_email", broken)
    with caplog.at_level(logging.WARNING, logger="catalogue.emails"):
        result = tasks.send_ticket_opened_email.enqueue(ticket.messages.get().pk)
    # The message is saved; the task's result says the email failed (no retry here: the
    # immediate backend cannot defer; the worker's retries are tested in test_worker.py).
    assert result.status == TaskResultStatus.FAILED
    assert result.errors[0].exception_class_path == "catalogue.emails.EmailNotSent"
    assert f"Ticket #{ticket.pk}, user #{people['seller'].pk}: new ticket email failed" in caplog.text


def test_a_message_deleted_before_the_task_runs_sends_nothing(caplog):
    with caplog.at_level(logging.WARNING, logger="catalogue.support.tasks"):
        assert tasks.send_ticket_reply_email.enqueue(987654).return_value is False
    assert "Ticket message #987654" in caplog.text
    assert mail.outbox == []
