"""/account/support/: a customer lists, opens, reads, answers and closes their tickets."""

import pytest
from django.core import mail

from catalogue.models import MessageRole, SupportTicket, TicketStatus
from catalogue.support import services
from tests.factories import CustomerFactory, ProductPageFactory, SupportTicketFactory

pytestmark = pytest.mark.django_db


def test_the_list_shows_the_customer_s_own_tickets_with_their_status(client, product):
    customer = CustomerFactory()
    mine = SupportTicketFactory(customer=customer, product=product, subject="Keynote?")
    answered = SupportTicketFactory(customer=customer, product=product, subject="Fonts?", status=TicketStatus.ANSWERED)
    SupportTicketFactory(product=product, subject="Someone else's question")
    client.force_login(customer)

    response = client.get("/account/support/")

    assert response.status_code == 200
    assert list(response.context["tickets"]) == [answered, mine]
    html = response.content.decode()
    assert "Keynote?" in html and "Fonts?" in html and "Someone else" not in html
    assert "Waiting for seller" in html and "Answered" in html
    assert f'href="/account/support/{mine.pk}/"' in html


def test_an_empty_list_says_how_to_ask(client):
    client.force_login(CustomerFactory())
    html = client.get("/account/support/").content.decode()
    assert "No questions yet" in html and "Ask the seller a question" in html


def test_the_product_page_links_to_a_pre_sale_question(client, product):
    client.force_login(CustomerFactory())
    html = client.get(product.url).content.decode()
    assert f'href="/account/support/new/?product={product.pk}"' in html
    assert "Ask the seller a question" in html


def test_the_seller_sees_no_ask_link_on_their_own_product(client, product):
    client.force_login(product.seller)
    assert "Ask the seller a question" not in client.get(product.url).content.decode()


def test_asking_from_the_product_page(client, product, django_capture_on_commit_callbacks):
    customer = CustomerFactory()
    client.force_login(customer)
    response = client.get(f"/account/support/new/?product={product.pk}")
    assert response.status_code == 200
    assert product.title in response.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/account/support/new/",
            {"product": product.pk, "fixed": "1", "subject": "Keynote?", "body": "Does it open in Keynote?"},
        )

    ticket = SupportTicket.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/account/support/{ticket.pk}/"
    assert (ticket.customer, ticket.product, ticket.order, ticket.status) == (customer, product, None, "open")
    assert [m.to for m in mail.outbox] == [[product.seller.email]]
    page = client.get(response["Location"])
    assert "Your question is on its way" in page.content.decode()
    assert "Does it open in Keynote?" in page.content.decode()


def test_asking_about_a_bought_product_from_the_list_of_purchases(client, product, buyer):
    other = ProductPageFactory()  # live, but not bought: not in the list
    client.force_login(buyer)
    response = client.get("/account/support/new/")
    assert list(response.context["form"].fields["product"].queryset) == [product]
    assert other.title not in response.content.decode()

    response = client.post("/account/support/new/", {"product": product.pk, "subject": "Broken", "body": "Help"})
    ticket = SupportTicket.objects.get()
    assert response["Location"] == f"/account/support/{ticket.pk}/"
    assert ticket.order == buyer.order

    # Without "fixed", only bought products are valid choices.
    response = client.post("/account/support/new/", {"product": other.pk, "subject": "Hi", "body": "Hi"})
    assert response.status_code == 200 and response.context["form"].errors["product"]


def test_without_purchases_the_new_page_points_to_product_pages(client):
    client.force_login(CustomerFactory())
    response = client.get("/account/support/new/")
    assert response.status_code == 200
    assert "Ask from the product" in response.content.decode()


def test_asking_about_one_s_own_product_is_explained_not_offered(client, product):
    client.force_login(product.seller)  # a seller who is also a customer
    response = client.get(f"/account/support/new/?product={product.pk}")
    assert response.status_code == 200
    assert "You sell this product" in response.content.decode()
    assert "form" not in response.context
    response = client.post(
        "/account/support/new/", {"product": product.pk, "fixed": "1", "subject": "Me?", "body": "Hello me"}
    )
    assert response.status_code == 200 and "You sell this product" in response.content.decode()
    assert not SupportTicket.objects.exists()


@pytest.mark.parametrize("value", ["987654321", "abc"])
def test_an_unknown_product_is_a_404(client, value, site_tree):
    client.force_login(CustomerFactory())
    assert client.get(f"/account/support/new/?product={value}").status_code == 404


def test_an_unpublished_product_nobody_bought_is_a_404(client, product):
    product.unpublish()
    client.force_login(CustomerFactory())
    assert client.get(f"/account/support/new/?product={product.pk}").status_code == 404


def test_form_errors_are_shown_beside_the_fields(client, product):
    client.force_login(CustomerFactory())
    response = client.post("/account/support/new/", {"product": product.pk, "fixed": "1", "subject": "", "body": ""})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"subject", "body"}
    assert 'id="id_subject_error"' in response.content.decode()


def test_reading_and_replying(client, product, django_capture_on_commit_callbacks):
    customer = CustomerFactory()
    ticket = services.open_ticket(customer, product, "Keynote?", "Does it <b>open</b> in Keynote?\nThanks")
    services.reply(ticket, product.seller, MessageRole.SELLER, "Yes, it does.")
    client.force_login(customer)

    html = client.get(f"/account/support/{ticket.pk}/").content.decode()
    # Plain text, escaped, line breaks kept.
    assert "Does it &lt;b&gt;open&lt;/b&gt; in Keynote?<br>Thanks" in html
    assert "Yes, it does." in html and "is-mine" in html and "is-theirs" in html

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/account/support/{ticket.pk}/", {"body": "And on an iPad?"})
    message = ticket.messages.last()
    assert response["Location"] == f"/account/support/{ticket.pk}/#message-{message.pk}"
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN
    assert [m.to for m in mail.outbox] == [[product.seller.email]]


def test_an_empty_reply_is_refused(client, product):
    ticket = SupportTicketFactory(product=product)
    client.force_login(ticket.customer)
    response = client.post(f"/account/support/{ticket.pk}/", {"body": "  "})
    assert response.status_code == 200 and response.context["form"].errors["body"]
    assert ticket.messages.count() == 1


def test_closing(client, product):
    ticket = SupportTicketFactory(product=product)
    client.force_login(ticket.customer)
    assert client.get(f"/account/support/{ticket.pk}/close/").status_code == 405
    response = client.post(f"/account/support/{ticket.pk}/close/")
    assert response["Location"] == f"/account/support/{ticket.pk}/"
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CLOSED
    html = client.get(response["Location"]).content.decode()
    assert "The ticket is closed." in html and "Replying opens it again" in html


def test_a_ticket_of_a_deleted_product_is_read_only(client, product):
    ticket = SupportTicketFactory(product=product)
    product.delete()
    client.force_login(ticket.customer)
    html = client.get(f"/account/support/{ticket.pk}/").content.decode()
    assert "closed for replies" in html and 'name="body"' not in html
    response = client.post(f"/account/support/{ticket.pk}/", {"body": "Hello?"})
    assert response.status_code == 200 and "removed" in response.content.decode()
