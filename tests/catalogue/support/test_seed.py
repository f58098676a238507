"""seed_demo's support tickets: every state, no emails, idempotent."""

import pytest
from django.core import mail

from catalogue.models import SupportTicket, TicketStatus
from catalogue.support.demo import DEMO_TICKETS, seed_tickets
from tests.factories import CustomerFactory, ProductPageFactory, SellerFactory, StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_products(site_tree):
    sellers = [SellerFactory(), SellerFactory()]
    titles = sorted({demo.product_title for demo in DEMO_TICKETS})
    return [ProductPageFactory(title=title, seller=sellers[i % 2]) for i, title in enumerate(titles)]


def test_seed_tickets_makes_a_few_in_every_state_once(demo_products, django_capture_on_commit_callbacks):
    customers = [CustomerFactory(), CustomerFactory()]
    editor = StaffFactory()

    with django_capture_on_commit_callbacks(execute=True):
        assert seed_tickets(customers, [editor]) == len(DEMO_TICKETS)
    assert mail.outbox == []  # demo history, not events

    tickets = SupportTicket.objects.all()
    assert {ticket.status for ticket in tickets} == {TicketStatus.OPEN, TicketStatus.ANSWERED, TicketStatus.CLOSED}
    assert SupportTicket.objects.unanswered().count() == 3
    assert [t.subject for t in tickets.filter(assignees=editor)] == ["Download stops halfway"]
    for ticket in tickets:
        messages = list(ticket.messages.all())
        assert messages[0].author == ticket.customer
        # Backdated, in order, and the ticket's timestamps agree with its thread.
        assert [m.created_at for m in messages] == sorted(m.created_at for m in messages)
        assert ticket.created_at == messages[0].created_at
        assert ticket.updated_at == messages[-1].created_at
        assert ticket.is_unanswered == (ticket.status == TicketStatus.OPEN)
    closed = tickets.get(status=TicketStatus.CLOSED)
    assert closed.closed_at is not None

    assert seed_tickets(customers, [editor]) == 0
    assert SupportTicket.objects.count() == len(DEMO_TICKETS)


def test_seed_tickets_skips_what_it_cannot_make(site_tree):
    assert seed_tickets([CustomerFactory()]) == 0  # needs two customers
    assert seed_tickets([CustomerFactory(), CustomerFactory()]) == 0  # no demo products
    assert not SupportTicket.objects.exists()
