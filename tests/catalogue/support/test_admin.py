"""Editors in Wagtail admin: the ticket listing with filters, and assigning staff."""

import pytest
from django.core import mail
from wagtail.admin.menu import admin_menu

from catalogue.models import TicketStatus
from tests.factories import ProductPageFactory, StaffFactory, SupportTicketFactory

pytestmark = pytest.mark.django_db

LIST = "/admin/snippets/catalogue/supportticket/"


@pytest.fixture
def editor(client):
    user = StaffFactory(first_name="Eddie", last_name="Editor")
    client.force_login(user)
    return user


@pytest.fixture
def tickets(product):
    other_product = ProductPageFactory()
    return {
        "open": SupportTicketFactory(product=product, subject="Keynote question"),
        "closed": SupportTicketFactory(product=product, subject="Currency question", status=TicketStatus.CLOSED),
        "other": SupportTicketFactory(product=other_product, subject="Download question"),
    }


def _listed(response):
    return {ticket.subject for ticket in response.context["object_list"]}


def test_the_listing_shows_every_ticket(client, editor, tickets):
    response = client.get(LIST)
    assert response.status_code == 200
    assert _listed(response) == {"Keynote question", "Currency question", "Download question"}
    html = response.content.decode()
    assert tickets["open"].product.title in html and "Support tickets" in html


def test_filters(client, editor, tickets, product):
    assert _listed(client.get(LIST, {"status": "closed"})) == {"Currency question"}
    assert _listed(client.get(LIST, {"seller": product.seller.pk})) == {"Keynote question", "Currency question"}
    tickets["other"].assignees.add(editor)
    assert _listed(client.get(LIST, {"assigned": "me"})) == {"Download question"}
    assert _listed(client.get(LIST, {"assigned": "nobody"})) == {"Keynote question", "Currency question"}
    assert _listed(client.get(LIST, {"assignees": editor.pk})) == {"Download question"}
    assert _listed(client.get(LIST, {"q": "currency"})) == {"Currency question"}


def test_assigning_staff_in_the_edit_form_emails_the_new_assignee(
    client, editor, tickets, django_capture_on_commit_callbacks
):
    ticket = tickets["open"]
    colleague = StaffFactory()
    url = f"{LIST}edit/{ticket.pk}/"
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Does it work offline?" in html  # the conversation, read-only

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"status": "open", "assignees": [colleague.pk]})
    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    assert list(ticket.assignees.all()) == [colleague]
    assert [message.to for message in mail.outbox] == [[colleague.email]]

    # Saving again with one more person emails only that person.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"status": "closed", "assignees": [colleague.pk, editor.pk]})
    assert [message.to for message in mail.outbox] == [[editor.email]]
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CLOSED and ticket.closed_at is not None
    # Read-only fields are not in the form: the subject stays the customer's.
    assert ticket.subject == "Keynote question"


def test_only_staff_can_be_assigned(client, editor, tickets):
    customer = tickets["open"].customer
    response = client.post(f"{LIST}edit/{tickets['open'].pk}/", {"status": "open", "assignees": [customer.pk]})
    assert response.status_code == 200
    assert "assignees" in response.context["form"].errors


def test_editors_cannot_create_or_delete_tickets_here(client, editor, tickets):
    html = client.get(LIST).content.decode()
    assert f'href="{LIST}add/"' not in html
    assert client.get(f"{LIST}add/").status_code == 302  # Wagtail: "permission denied", back to the dashboard
    assert client.post(f"{LIST}delete/{tickets['open'].pk}/").status_code == 302
    assert tickets["open"].__class__.objects.filter(pk=tickets["open"].pk).exists()


def test_support_tickets_sit_in_the_catalogue_menu(client, editor, site_tree):
    # site_tree: the admin's dashboard needs Wagtail's root page, which a transactional
    # test (browser, concurrency) that ran before in this worker has flushed.
    request = client.get("/admin/").wsgi_request
    catalogue = next(item for item in admin_menu.menu_items_for_request(request) if item.name == "catalogue")
    labels = [str(item.label) for item in catalogue.menu.menu_items_for_request(request)]
    assert labels == [
        "Products",
        "Categories",
        "Support tickets",
        "Reviews",
        "Orders",
        "Disputes",
        "Discount codes",
    ]
