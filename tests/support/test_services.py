"""catalogue.support: who may ask about what, and how a ticket's status moves."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from catalogue import support
from catalogue.models import MessageRole, SupportTicket, TicketStatus
from tests.factories import (
    CustomerFactory,
    OrderFactory,
    ProductPageFactory,
    SellerFactory,
    StaffFactory,
    SupportTicketFactory,
)

pytestmark = pytest.mark.django_db


def _open(customer, product, **kwargs):
    return support.open_ticket(customer, product, kwargs.pop("subject", "Works offline?"), "Hello?", **kwargs)


# OPENING


def test_a_customer_asks_about_a_live_product_before_buying(product):
    customer = CustomerFactory()
    ticket = _open(customer, product, subject="  Does   it work\toffline? ")

    assert ticket.status == TicketStatus.OPEN
    assert ticket.subject == "Does it work offline?"
    assert ticket.order is None
    assert ticket.product_title == product.title
    message = ticket.messages.get()
    assert (message.author, message.author_role, message.body) == (customer, MessageRole.CUSTOMER, "Hello?")
    assert ticket.last_customer_message_at == message.created_at
    assert ticket.last_seller_message_at is None
    assert ticket.is_unanswered


def test_a_buyer_s_ticket_is_linked_to_their_order(product, buyer):
    ticket = _open(buyer, product)
    assert ticket.order == buyer.order


def test_a_buyer_may_ask_about_a_product_that_is_no_longer_on_sale(product, buyer):
    product.unpublish()
    product.refresh_from_db()
    assert _open(buyer, product).order == buyer.order


def test_nobody_asks_about_an_unpublished_product_they_did_not_buy(product):
    product.unpublish()
    product.refresh_from_db()
    with pytest.raises(support.TicketNotAllowed, match="not on sale"):
        _open(CustomerFactory(), product)
    assert not SupportTicket.objects.exists()


def test_a_refunded_or_unpaid_order_does_not_count_as_a_purchase(product):
    customer = CustomerFactory()
    OrderFactory(customer=customer, product=product, status="pending", paid_at=None, dodo_payment_id=None)
    assert _open(customer, product).order is None


def test_a_seller_cannot_ask_about_their_own_product(product):
    seller = product.seller  # SellerFactory users are customers too
    with pytest.raises(support.TicketNotAllowed, match="You sell this product"):
        _open(seller, product)


def test_only_customers_open_tickets(product):
    with pytest.raises(support.TicketNotAllowed):
        _open(SellerFactory(is_customer=False), product)
    with pytest.raises(support.TicketNotAllowed):
        _open(StaffFactory(), product)


@pytest.mark.parametrize(("subject", "body"), [("", "Hello"), ("Hi", "   "), ("x" * 151, "Hello"), ("Hi", "a\x00b")])
def test_subject_and_body_are_validated(product, subject, body):
    with pytest.raises(ValidationError):
        support.open_ticket(CustomerFactory(), product, subject, body)
    assert not SupportTicket.objects.exists()


# REPLYING AND STATUS


def _reply(ticket, role, body="Thanks!"):
    author = ticket.customer if role == MessageRole.CUSTOMER else ticket.product.seller
    return support.reply(ticket, author, role, body)


def test_a_seller_reply_marks_the_ticket_answered(product):
    ticket = _open(CustomerFactory(), product)
    message = _reply(ticket, MessageRole.SELLER, "Yes, it does.")

    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.ANSWERED
    assert ticket.last_seller_message_at == message.created_at
    assert not ticket.is_unanswered
    assert not SupportTicket.objects.unanswered().exists()


def test_a_customer_reply_sets_an_answered_ticket_back_to_open(product):
    ticket = _open(CustomerFactory(), product)
    _reply(ticket, MessageRole.SELLER)
    _reply(ticket, MessageRole.CUSTOMER, "One more thing...")

    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN
    assert ticket.is_unanswered
    assert list(SupportTicket.objects.unanswered()) == [ticket]


def test_closing_and_reopening(product):
    ticket = _open(CustomerFactory(), product)
    assert support.close(ticket, ticket.customer) is True
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CLOSED and ticket.closed_at is not None
    # Closing twice changes nothing.
    assert support.close(ticket, ticket.customer) is False

    assert support.reopen(ticket, product.seller) is True
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN and ticket.closed_at is None
    # The customer wrote last, so it needs a reply again.
    assert ticket.is_unanswered
    assert support.reopen(ticket, product.seller) is False


def test_a_seller_who_reopens_after_answering_owes_no_reply(product):
    ticket = _open(CustomerFactory(), product)
    _reply(ticket, MessageRole.SELLER)
    support.close(ticket, product.seller)
    support.reopen(ticket, product.seller)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN
    assert not ticket.is_unanswered
    assert not SupportTicket.objects.unanswered().exists()


def test_a_customer_reply_reopens_a_closed_ticket(product):
    ticket = _open(CustomerFactory(), product)
    support.close(ticket, product.seller)
    _reply(ticket, MessageRole.CUSTOMER)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN and ticket.closed_at is None


def test_a_seller_reply_on_a_closed_ticket_marks_it_answered(product):
    ticket = _open(CustomerFactory(), product)
    support.close(ticket, ticket.customer)
    _reply(ticket, MessageRole.SELLER)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.ANSWERED


def test_only_the_two_sides_may_reply(product):
    ticket = _open(CustomerFactory(), product)
    with pytest.raises(support.TicketNotAllowed):
        support.reply(ticket, CustomerFactory(), MessageRole.CUSTOMER, "Me too")
    with pytest.raises(support.TicketNotAllowed):
        support.reply(ticket, SellerFactory(), MessageRole.SELLER, "Not my product")
    with pytest.raises(support.TicketNotAllowed):
        # The customer cannot write as the seller.
        support.reply(ticket, ticket.customer, MessageRole.SELLER, "Answering myself")
    assert ticket.messages.count() == 1


def test_deleting_a_product_keeps_its_pre_sale_questions_read_only(product):
    customer = CustomerFactory()
    ticket = _open(customer, product)
    title = product.title
    product.delete()

    ticket.refresh_from_db()
    assert ticket.product is None
    assert ticket.product_title == title
    assert list(SupportTicket.objects.for_customer(customer)) == [ticket]
    assert not ticket.accepts_replies
    with pytest.raises(support.TicketNotAllowed, match="removed"):
        support.reply(ticket, customer, MessageRole.CUSTOMER, "Hello?")


def test_unanswered_in_sql_matches_the_python_property(site_tree):
    now = timezone.now()
    earlier = now - timezone.timedelta(hours=1)
    cases = [
        (TicketStatus.OPEN, now, None, True),
        (TicketStatus.OPEN, now, earlier, True),
        (TicketStatus.OPEN, earlier, now, False),  # reopened by the seller after answering
        (TicketStatus.ANSWERED, earlier, now, False),
        (TicketStatus.CLOSED, now, None, False),
    ]
    tickets = []
    for status, customer_at, seller_at, _ in cases:
        ticket = SupportTicketFactory(status=status, first_message=False)
        SupportTicket.objects.filter(pk=ticket.pk).update(
            last_customer_message_at=customer_at, last_seller_message_at=seller_at
        )
        tickets.append(ticket)
    in_sql = set(SupportTicket.objects.unanswered().values_list("pk", flat=True))
    for ticket, (*_, expected) in zip(tickets, cases, strict=True):
        ticket.refresh_from_db()
        assert ticket.is_unanswered is expected
        assert (ticket.pk in in_sql) is expected


# COUNTS


def test_seller_and_customer_counts_take_one_query_each(product, django_assert_num_queries):
    customer = CustomerFactory()
    waiting = _open(customer, product, subject="waiting")
    answered = _open(customer, product, subject="answered")
    _reply(answered, MessageRole.SELLER)
    closed = _open(customer, product, subject="closed")
    support.close(closed, customer)
    # Another seller's product, another customer: counted for nobody above.
    _open(CustomerFactory(), ProductPageFactory(), subject="elsewhere")

    with django_assert_num_queries(1):
        assert support.seller_ticket_counts(product.seller) == {"open": 2, "unanswered": 1}
    with django_assert_num_queries(1):
        assert support.customer_ticket_counts(customer) == {"open": 2, "answered": 1}
    assert support.seller_ticket_counts(SellerFactory()) == {"open": 0, "unanswered": 0}
    assert waiting.is_unanswered
