"""A buyer asks for a refund from their orders page; the seller approves it from the
ticket in one step (a refund through the Dodo emulator, over HTTP), or answers.

The buyer paid $12.50 (no tax) on the emulator.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from catalogue.models import MessageRole, Order, OrderStatus, SupportTicket, TicketStatus
from tests.dodo.purchase import event, post_webhook, sellable_product
from tests.factories import CustomerFactory, OrderFactory, ProductPageFactory, SellerFactory

pytestmark = pytest.mark.django_db

REASON = "The PDF stops after page 12; the rest is blank."


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    def run(fn):
        with django_capture_on_commit_callbacks(execute=True):
            return fn()

    return run


@pytest.fixture
def paid_on_dodo(site_tree, commit, dodo_settings, dodo_emulator):
    """An order bought and paid on the emulator, and the buyer's signed-in client."""
    customer = commit(lambda: CustomerFactory(email="buyer@example.com"))
    seller = SellerFactory(email="maker@example.com")
    product = sellable_product(commit, title="Field Recordings", price=Decimal("12.50"), seller=seller)
    buyer = Client()
    buyer.force_login(customer)
    buyer.post(reverse("dodo:checkout", args=(product.pk,)))
    order = Order.objects.get(customer=customer)
    payment = dodo_emulator.pay(order.dodo_checkout_session_id)["payment"]
    assert commit(lambda: post_webhook(buyer, event("payment.succeeded", payment))).status_code == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    mail.outbox.clear()
    return order, buyer


def _ask_url(order):
    return reverse("portal:refund_request", args=(order.pk,))


def _seller_client(order):
    seller = Client()
    seller.force_login(order.seller)
    return seller


def _messages(response):
    return [str(message) for message in response.context["messages"]]


def test_a_refund_request_end_to_end(paid_on_dodo, commit, dodo_emulator):
    order, buyer = paid_on_dodo
    orders_page = buyer.get(reverse("portal:orders")).content.decode()
    assert _ask_url(order) in orders_page and "Ask for a refund" in orders_page

    # No reason: the form says so and nothing is opened.
    response = buyer.post(_ask_url(order), {"reason": "   "})
    assert response.context["form"].errors["reason"] == ["Tell the seller why you want a refund."]
    assert not SupportTicket.objects.exists()

    response = commit(lambda: buyer.post(_ask_url(order), {"reason": REASON}, follow=True))
    ticket = SupportTicket.objects.get()
    assert response.redirect_chain[-1][0] == reverse("portal:support_detail", args=(ticket.pk,))
    assert (ticket.order, ticket.refund_requested, ticket.status) == (order, True, TicketStatus.OPEN)
    assert ticket.subject == "Refund request: Field Recordings"
    [first] = ticket.messages.all()
    assert (first.body, first.author_role) == (REASON, MessageRole.CUSTOMER)
    # The seller gets the usual new-ticket email.
    assert [m.to for m in mail.outbox] == [["maker@example.com"]]

    # Asked once: the orders page links to the conversation instead, and asking again is refused.
    orders_page = buyer.get(reverse("portal:orders")).content.decode()
    assert "Ask for a refund" not in orders_page and "Refund requested" in orders_page
    again = buyer.post(_ask_url(order), {"reason": "Again"})
    assert "You already asked for a refund of this order" in again.content.decode()
    assert SupportTicket.objects.count() == 1

    # The seller sees the request in the inbox and on the ticket, and approves it.
    seller = _seller_client(order)
    assert "Refund requested" in seller.get(reverse("seller_portal:support")).content.decode()
    ticket_url = reverse("seller_portal:support_detail", args=(ticket.pk,))
    html = seller.get(ticket_url).content.decode()
    assert "The buyer asks for a refund" in html and "Approve refund of $12.50" in html
    mail.outbox.clear()
    response = commit(
        lambda: seller.post(reverse("dodo:seller_refund", args=(order.pk,)), {"ticket": ticket.pk}, follow=True)
    )
    assert response.redirect_chain[-1][0] == ticket_url
    assert _messages(response) == [
        f"Refunded $12.50: order #{order.pk} is fully refunded and its download has ended. You and the buyer are emailed."
    ]
    order.refresh_from_db()
    [refund] = order.refunds.all()
    assert order.status == OrderStatus.REFUNDED and refund.amount == Decimal("12.50") and not refund.is_partial
    assert refund.reason == REASON and refund.requested_by == order.seller
    [dodo_refund] = dodo_emulator.state()["refunds"]
    assert dodo_refund["reason"] == REASON
    # The refund emails, and no extra "new reply" email: the refund email says it all.
    assert sorted(m.to[0] for m in mail.outbox) == ["buyer@example.com", "maker@example.com"]

    # The ticket says so, is answered, and shows as handled.
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.ANSWERED
    note = ticket.messages.last()
    assert note.author_role == MessageRole.SELLER and note.author == order.seller
    assert note.body.startswith("A refund of $12.50 (tax included) was made on this order: it is now fully refunded")
    html = response.content.decode()
    assert "Refund made" in html and "Approve refund" not in html and note.body[:40] in html
    inbox = seller.get(reverse("seller_portal:support")).content.decode()
    assert "Refunded" in inbox and "Refund requested" not in inbox
    # The buyer reads it in the conversation.
    assert note.body[:40] in buyer.get(reverse("portal:support_detail", args=(ticket.pk,))).content.decode()


def test_a_partial_refund_from_the_order_page_answers_the_request_too(paid_on_dodo, commit):
    order, buyer = paid_on_dodo
    commit(lambda: buyer.post(_ask_url(order), {"reason": REASON}))
    ticket = SupportTicket.objects.get()
    seller = _seller_client(order)
    assert (
        "The buyer asked for a refund on"
        in seller.get(reverse("seller_portal:order_detail", args=(order.pk,))).content.decode()
    )
    commit(
        lambda: seller.post(
            reverse("dodo:seller_refund", args=(order.pk,)),
            {"kind": "partial", "amount": "5.00", "reason": "Half of it"},
        )
    )
    note = ticket.messages.last()
    assert (
        note.body.startswith("A refund of $5.00 (tax included) was made on this order.")
        and "You keep your download" in note.body
    )
    html = seller.get(reverse("seller_portal:support_detail", args=(ticket.pk,))).content.decode()
    assert "Refund made" in html and "$5.00 of order" in html and "$7.50 is left" in html


def test_the_seller_can_answer_instead_and_the_request_stays_open(paid_on_dodo, commit):
    order, buyer = paid_on_dodo
    commit(lambda: buyer.post(_ask_url(order), {"reason": REASON}))
    ticket = SupportTicket.objects.get()
    seller = _seller_client(order)
    url = reverse("seller_portal:support_detail", args=(ticket.pk,))
    commit(lambda: seller.post(url, {"body": "Here is the full file: try downloading again."}))
    html = seller.get(url).content.decode()
    assert "Approve refund of $12.50" in html and "Refund requested" in html
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and not order.refunds.exists()


def test_approving_outside_the_window_explains_why(paid_on_dodo, commit, dodo_emulator):
    order, buyer = paid_on_dodo
    commit(lambda: buyer.post(_ask_url(order), {"reason": REASON}))
    ticket = SupportTicket.objects.get()
    Order.objects.filter(pk=order.pk).update(charged_at=timezone.now() - timedelta(days=31))
    seller = _seller_client(order)
    url = reverse("seller_portal:support_detail", args=(ticket.pk,))
    assert "this one's window closed on" in seller.get(url).content.decode()
    response = seller.post(reverse("dodo:seller_refund", args=(order.pk,)), {"ticket": ticket.pk}, follow=True)
    assert response.redirect_chain[-1][0] == url
    assert _messages(response)[0].startswith("Dodo only refunds payments within 30 days")
    assert dodo_emulator.state()["refunds"] == []


def test_another_seller_cannot_approve_the_request(paid_on_dodo, commit, dodo_emulator):
    order, buyer = paid_on_dodo
    commit(lambda: buyer.post(_ask_url(order), {"reason": REASON}))
    ticket = SupportTicket.objects.get()
    other = Client()
    other.force_login(SellerFactory())
    assert other.post(reverse("dodo:seller_refund", args=(order.pk,)), {"ticket": ticket.pk}).status_code == 404
    assert dodo_emulator.state()["refunds"] == []


# WHEN THERE IS NOTHING TO ASK FOR


def _order(customer, **kwargs):
    kwargs.setdefault("paid_total", Decimal("10.00"))
    kwargs.setdefault("paid_currency", "USD")
    kwargs.setdefault("charged_at", timezone.now())
    return OrderFactory(customer=customer, product=ProductPageFactory(), **kwargs)


@pytest.mark.parametrize(
    "kind, message",
    [
        ("old", "Refunds can be made for 30 days after a purchase, and that time has passed for this order."),
        ("refunded", "This order has nothing left to refund."),
        ("free", "This product was free: there is nothing to refund."),
    ],
)
def test_no_refund_can_be_asked_for_orders_that_cannot_be_refunded(client, site_tree, kind, message):
    customer = CustomerFactory()
    if kind == "old":
        order = _order(customer, charged_at=timezone.now() - timedelta(days=31))
    elif kind == "refunded":
        order = _order(customer, status=OrderStatus.REFUNDED, refunded_total=Decimal("10.00"))
    else:
        order = _order(customer, amount=Decimal("0"), paid_total=Decimal("0"), dodo_payment_id=None)
    client.force_login(customer)
    assert _ask_url(order) not in client.get(reverse("portal:orders")).content.decode()
    assert message in client.get(_ask_url(order)).content.decode()
    response = client.post(_ask_url(order), {"reason": "Please"})
    assert message in response.content.decode()
    assert not SupportTicket.objects.exists()


def test_another_customers_order_is_404(client, site_tree):
    order = _order(CustomerFactory())
    client.force_login(CustomerFactory())
    assert client.get(_ask_url(order)).status_code == 404
    assert client.post(_ask_url(order), {"reason": "Mine"}).status_code == 404
    assert not SupportTicket.objects.exists()


@pytest.mark.parametrize("rows", [2, 20])
def test_the_orders_page_asks_once_for_the_pages_requests(client, site_tree, rows, django_assert_max_num_queries):
    customer = CustomerFactory()
    for n in range(rows):
        order = _order(customer)
        if n % 2:
            SupportTicket.objects.create(
                customer=customer,
                product=order.product,
                product_title="x",
                order=order,
                subject="s",
                refund_requested=True,
            )
    client.force_login(customer)
    client.get(reverse("portal:orders"))
    with django_assert_max_num_queries(8):
        html = client.get(reverse("portal:orders")).content.decode()
    assert html.count("Ask for a refund") == rows - rows // 2 and html.count("Refund requested") == rows // 2
