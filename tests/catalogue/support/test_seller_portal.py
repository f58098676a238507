"""/seller/support/: the seller's inbox, answering, closing and reopening."""

from datetime import timedelta

import pytest
from django.core import mail
from django.template.loader import render_to_string
from django.utils import timezone

from catalogue.models import MessageRole, SupportTicket, TicketStatus
from catalogue.support import services
from tests.factories import CustomerFactory, ProductPageFactory, SupportTicketFactory

pytestmark = pytest.mark.django_db


def _age(ticket, hours):
    SupportTicket.objects.filter(pk=ticket.pk).update(updated_at=timezone.now() - timedelta(hours=hours))


@pytest.fixture
def inbox(product):
    """Tickets of one seller in every state (the product's seller), ages in hours."""
    seller = product.seller
    second = ProductPageFactory(seller=seller, title="Second product")
    tickets = {
        "answered": SupportTicketFactory(product=product, subject="Answered one"),
        "unanswered_old": SupportTicketFactory(product=second, subject="Old question"),
        "closed": SupportTicketFactory(product=product, subject="Closed one"),
        "unanswered_new": SupportTicketFactory(product=product, subject="New question"),
        "reopened": SupportTicketFactory(product=product, subject="Reopened one"),
    }
    services.reply(tickets["answered"], seller, MessageRole.SELLER, "Done")
    services.close(tickets["closed"], seller)
    services.reply(tickets["reopened"], seller, MessageRole.SELLER, "Answered")
    services.close(tickets["reopened"], seller)
    services.reopen(tickets["reopened"], seller)
    for name, hours in {"answered": 1, "unanswered_old": 50, "closed": 2, "unanswered_new": 3, "reopened": 4}.items():
        _age(tickets[name], hours)
    # Another seller's ticket never shows.
    SupportTicketFactory(subject="Not yours")
    return {"seller": seller, "second": second, **tickets}


def test_the_inbox_puts_tickets_that_need_a_reply_first(client, inbox):
    client.force_login(inbox["seller"])
    response = client.get("/seller/support/")
    assert response.status_code == 200
    assert [t.subject for t in response.context["tickets"]] == [
        "New question",
        "Old question",
        "Reopened one",
        "Answered one",
        "Closed one",
    ]
    html = response.content.decode()
    assert "Not yours" not in html
    assert html.count("Needs reply") == 2
    assert response.context["counts"] == {"open": 4, "unanswered": 2}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=unanswered", {"New question", "Old question"}),
        ("status=open", {"New question", "Old question", "Reopened one"}),
        ("status=answered", {"Answered one"}),
        ("status=closed", {"Closed one"}),
        ("status=nonsense", {"New question", "Old question", "Reopened one", "Answered one", "Closed one"}),
    ],
)
def test_filtering_by_status(client, inbox, query, expected):
    client.force_login(inbox["seller"])
    response = client.get(f"/seller/support/?{query}")
    assert {t.subject for t in response.context["tickets"]} == expected


def test_filtering_by_product(client, inbox):
    client.force_login(inbox["seller"])
    response = client.get(f"/seller/support/?product={inbox['second'].pk}")
    assert [t.subject for t in response.context["tickets"]] == ["Old question"]
    assert response.context["querystring_base"] == f"product={inbox['second'].pk}&"
    # The product choices are the seller's products with tickets, nobody else's.
    choices = list(response.context["filter_form"].fields["product"].queryset)
    assert set(choices) == {inbox["second"], inbox["answered"].product}


def test_another_seller_s_product_id_filters_nothing_in(client, inbox):
    foreign = SupportTicket.objects.get(subject="Not yours")
    client.force_login(inbox["seller"])
    response = client.get(f"/seller/support/?product={foreign.product_id}")
    assert "Not yours" not in response.content.decode()
    assert len(response.context["tickets"]) == 5


def test_an_empty_inbox(client, seller):
    client.force_login(seller)
    assert "No questions yet" in client.get("/seller/support/").content.decode()


def test_answering_marks_the_ticket_answered_and_emails_the_customer(
    client, product, django_capture_on_commit_callbacks
):
    ticket = SupportTicketFactory(product=product, subject="Keynote?")
    client.force_login(product.seller)
    html = client.get(f"/seller/support/{ticket.pk}/").content.decode()
    assert "Keynote?" in html and ticket.customer.display_name in html and "Needs reply" in html

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/seller/support/{ticket.pk}/", {"body": "Yes, from Keynote 12."})

    message = ticket.messages.last()
    assert response["Location"] == f"/seller/support/{ticket.pk}/#message-{message.pk}"
    assert message.author_role == MessageRole.SELLER
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.ANSWERED
    assert [m.to for m in mail.outbox] == [[ticket.customer.email]]


def test_closing_and_reopening(client, product):
    ticket = SupportTicketFactory(product=product)
    client.force_login(product.seller)
    url = f"/seller/support/{ticket.pk}/"

    assert client.post(url + "reopen/")["Location"] == url  # not closed: nothing to do
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN

    client.post(url + "close/")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CLOSED
    html = client.get(url).content.decode()
    assert "Reopen ticket" in html and "The ticket is closed." in html

    client.post(url + "reopen/")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN
    assert "The ticket is open again." in client.get(url).content.decode()
    for action in ("close/", "reopen/"):
        assert client.get(url + action).status_code == 405


def test_the_nav_badge_counts_tickets_waiting_for_the_seller(client, inbox):
    client.force_login(inbox["seller"])
    html = client.get("/seller/support/").content.decode()
    assert '<span class="badge badge-brand nav-count" aria-hidden="true">2</span>' in html
    assert "2 tickets waiting for your reply" in html


def test_the_dashboard_summary_include(inbox):
    html = render_to_string(
        "catalogue/support/includes/inbox_summary.html",
        {"support_counts": services.seller_ticket_counts(inbox["seller"])},
    )
    assert '<div class="label">Needs a reply</div><div class="value">2</div>' in html
    assert '<div class="label">Open tickets</div><div class="value">4</div>' in html
    assert 'href="/seller/support/?status=unanswered"' in html
    quiet = render_to_string("catalogue/support/includes/inbox_summary.html", {"support_counts": {"open": 0, "unanswered": 0}})
    assert "No questions right now" in quiet and 'href="/seller/support/"' in quiet


def test_a_seller_who_is_also_a_customer_sees_each_side_in_its_portal(client, product):
    seller = product.seller
    own_question = SupportTicketFactory(customer=seller, subject="My own question")  # about another seller's product
    about_mine = SupportTicketFactory(product=product, customer=CustomerFactory(), subject="About my product")
    client.force_login(seller)
    assert [t.subject for t in client.get("/seller/support/").context["tickets"]] == [about_mine.subject]
    assert [t.subject for t in client.get("/account/support/").context["tickets"]] == [own_question.subject]
    assert client.get(f"/seller/support/{own_question.pk}/").status_code == 404
    assert client.get(f"/account/support/{about_mine.pk}/").status_code == 404


def test_the_seller_dashboard_shows_the_support_counts(client, inbox):
    client.force_login(inbox["seller"])
    response = client.get("/seller/")
    assert response.status_code == 200
    assert response.context["support_counts"] == {"open": 4, "unanswered": 2}
    html = response.content.decode()
    assert '<div class="label">Needs a reply</div><div class="value">2</div>' in html
    assert "Answer now" in html
