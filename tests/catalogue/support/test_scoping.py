"""Both guards on every ticket URL: the role (anonymous -> login, wrong role -> 403) and
the owner filter (another customer's or another seller's ticket -> 404, changing nothing)."""

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalogue.models import MessageRole, TicketStatus
from catalogue.support import services
from tests.factories import CustomerFactory, SellerFactory, StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(product, png_upload):
    """A ticket whose first message has an attachment."""
    return services.open_ticket(CustomerFactory(), product, "Keynote?", "See the screenshot", attachment=png_upload())


def _urls(ticket, portal):
    message = ticket.messages.get()
    base = f"/{'account' if portal == 'customer' else 'seller'}/support/{ticket.pk}/"
    urls = [
        ("get", base),
        ("post", base),
        ("post", base + "close/"),
        ("get", base + f"attachments/{message.pk}/"),
    ]
    if portal == "seller":
        urls.append(("post", base + "reopen/"))
    return urls


VISITORS = {
    "anonymous": lambda ticket: None,
    "other customer": lambda ticket: CustomerFactory(),
    "other seller": lambda ticket: SellerFactory(),  # a customer too: shows both 404s
    "seller only": lambda ticket: SellerFactory(is_customer=False),
    "neither role": lambda ticket: StaffFactory(),
}
EXPECTED = {
    # visitor: (customer URLs, seller URLs)
    "anonymous": (302, 302),
    "other customer": (404, 403),
    "other seller": (404, 404),
    "seller only": (403, 404),
    "neither role": (403, 403),
}


@pytest.mark.parametrize("portal", ["customer", "seller"])
@pytest.mark.parametrize("visitor", list(VISITORS))
def test_nobody_else_reaches_a_ticket(client, ticket, portal, visitor, django_capture_on_commit_callbacks):
    user = VISITORS[visitor](ticket)
    if user is not None:
        client.force_login(user)
    expected = EXPECTED[visitor][0 if portal == "customer" else 1]
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        for method, url in _urls(ticket, portal):
            response = getattr(client, method)(url, {"body": "Let me in"} if method == "post" else None)
            assert response.status_code == expected, f"{visitor}: {method.upper()} {url}"
            if expected == 302:
                assert response["Location"].startswith("/accounts/login/?next=")

    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN
    assert ticket.messages.count() == 1
    assert mail.outbox == []


@pytest.mark.parametrize("portal", ["customer", "seller"])
def test_the_parties_reach_their_side(client, ticket, portal):
    client.force_login(ticket.customer if portal == "customer" else ticket.product.seller)
    for method, url in _urls(ticket, portal):
        if method == "get":
            assert client.get(url).status_code == 200, url
    # The other portal's URLs are not theirs: the seller is a customer too, but did not
    # open this ticket; the customer is not a seller at all.
    other = "seller" if portal == "customer" else "customer"
    expected = 403 if portal == "customer" else 404
    assert client.get(_urls(ticket, other)[0][1]).status_code == expected


def test_an_attachment_is_found_only_under_its_own_ticket(client, product, ticket):
    other = services.open_ticket(ticket.customer, product, "Another", "Hello")
    message = ticket.messages.get()
    client.force_login(ticket.customer)
    assert client.get(f"/account/support/{other.pk}/attachments/{message.pk}/").status_code == 404
    # A message without an attachment has nothing to download.
    plain = other.messages.get()
    assert client.get(f"/account/support/{other.pk}/attachments/{plain.pk}/").status_code == 404


@pytest.mark.parametrize("portal", ["customer", "seller"])
def test_pages_cost_the_same_queries_however_long_the_thread(client, product, portal):
    customer = CustomerFactory()
    short = services.open_ticket(customer, product, "Short", "Hello")
    long = services.open_ticket(customer, product, "Long", "Hello")
    for number in range(6):
        services.reply(long, product.seller, MessageRole.SELLER, f"Answer {number}")
        services.reply(long, customer, MessageRole.CUSTOMER, f"Question {number}")
    client.force_login(customer if portal == "customer" else product.seller)
    prefix = "/account" if portal == "customer" else "/seller"

    counts = []
    for url in (f"{prefix}/support/{short.pk}/", f"{prefix}/support/{long.pk}/", f"{prefix}/support/"):
        client.get(url)  # warm up: the session save after login, Wagtail's cached site root
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    assert max(counts) <= 7, counts
