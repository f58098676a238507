"""Staff assignment: ``m2m_changed`` on ``assignees`` emails each newly added person, once."""

import pytest
from django.core import mail

from tests.factories import StaffFactory, SupportTicketFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(product):
    return SupportTicketFactory(product=product, subject="Download stops halfway")


def _recipients():
    return sorted(address for message in mail.outbox for address in message.to)


def test_adding_assignees_emails_only_the_new_ones_once(ticket, django_capture_on_commit_callbacks):
    ada, bob, cy = StaffFactory(), StaffFactory(), StaffFactory()
    with django_capture_on_commit_callbacks(execute=True):
        ticket.assignees.add(ada)
    assert _recipients() == [ada.email]
    message = mail.outbox[0]
    assert message.subject == f"You were assigned to support ticket #{ticket.pk}: Download stops halfway"
    link = f"http://testserver/admin/snippets/catalogue/supportticket/edit/{ticket.pk}/"
    assert link in message.body and f'href="{link}"' in message.alternatives[0][0]
    assert ticket.customer.email in message.body and ticket.product.title in message.body

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        ticket.assignees.add(ada, bob)  # ada is already assigned: only bob is new
        ticket.assignees.set([ada, bob, cy])  # only cy is new
        ticket.assignees.add(cy)  # nothing new
    assert _recipients() == sorted([bob.email, cy.email])


def test_removing_or_clearing_sends_nothing(ticket, django_capture_on_commit_callbacks):
    ada, bob = StaffFactory(), StaffFactory()
    ticket.assignees.add(ada, bob)
    with django_capture_on_commit_callbacks(execute=True):
        ticket.assignees.remove(ada)
        ticket.assignees.clear()
    assert mail.outbox == []


def test_assigning_from_the_user_side_works_too(ticket, product, django_capture_on_commit_callbacks):
    other = SupportTicketFactory(product=product)
    ada = StaffFactory()
    with django_capture_on_commit_callbacks(execute=True):
        ada.assigned_support_tickets.add(ticket, other)  # reverse=True: pk_set holds tickets
    assert _recipients() == [ada.email, ada.email]
    subjects = sorted(message.subject for message in mail.outbox)
    assert subjects == sorted(
        f"You were assigned to support ticket #{t.pk}: {t.subject}" for t in (ticket, other)
    )


def test_an_assignment_undone_before_the_task_runs_sends_nothing(ticket, django_capture_on_commit_callbacks):
    ada = StaffFactory()
    with django_capture_on_commit_callbacks(execute=True):
        ticket.assignees.add(ada)
        ticket.assignees.remove(ada)
    assert mail.outbox == []


def test_nothing_is_sent_before_the_commit(ticket, django_capture_on_commit_callbacks):
    ada = StaffFactory()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ticket.assignees.add(ada)
    assert mail.outbox == [] and len(callbacks) == 1
