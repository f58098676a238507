"""catalogue.support.services: who may ask about what, and how a ticket's status moves."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from catalogue.models import MessageRole, SupportTicket, TicketStatus
from catalogue.support import services
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
    return services.open_ticket(customer, product, kwargs.pop("subject", "Works offline?"), "Hello?", **kwargs)


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
    with pytest.raises(services.TicketNotAllowed, match="not on sale"):
        _open(CustomerFactory(), product)
    assert not SupportTicket.objects.exists()


def test_a_refunded_or_unpaid_order_does_not_count_as_a_purchase(product):
    customer = CustomerFactory()
    OrderFactory(customer=customer, product=product, status="pending", paid_at=None, dodo_payment_id=None)
    assert _open(customer, product).order is None


def test_a_seller_cannot_ask_about_their_own_product(product):
    seller = product.seller  # SellerFactory users are customers too
    with pytest.raises(services.TicketNotAllowed, match="You sell this product"):
        _open(seller, product)


def test_only_customers_open_tickets(product):
    with pytest.raises(services.TicketNotAllowed):
        _open(SellerFactory(is_customer=False), product)
    with pytest.raises(services.TicketNotAllowed):
        _open(StaffFactory(), product)


@pytest.mark.parametrize(("subject", "body"), [("", "Hello"), ("Hi", "   "), ("x" * 151, "Hello"), ("Hi", "a\x00b")])
def test_subject_and_body_are_validated(product, subject, body):
    with pytest.raises(ValidationError):
        services.open_ticket(CustomerFactory(), product, subject, body)
    assert not SupportTicket.objects.exists()


# REPLYING AND STATUS


def _reply(ticket, role, body="Thanks!"):
    author = ticket.customer if role == MessageRole.CUSTOMER else ticket.product.seller
    return services.reply(ticket, author, role, body)


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
    assert services.close(ticket, ticket.customer) is True
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CLOSED and ticket.closed_at is not None
    # Closing twice changes nothing.
    assert services.close(ticket, ticket.customer) is False

    assert services.reopen(ticket, product.seller) is True
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN and ticket.closed_at is None
    # The customer wrote last, so it needs a reply again.
    assert ticket.is_unanswered
    assert services.reopen(ticket, product.seller) is False


def test_a_seller_who_reopens_after_answering_owes_no_reply(product):
    ticket = _open(CustomerFactory(), product)
    _reply(ticket, MessageRole.SELLER)
    services.close(ticket, product.seller)
    services.reopen(ticket, product.seller)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN
    assert not ticket.is_unanswered
    assert not SupportTicket.objects.unanswered().exists()


def test_a_customer_reply_reopens_a_closed_ticket(product):
    ticket = _open(CustomerFactory(), product)
    services.close(ticket, product.seller)
    _reply(ticket, MessageRole.CUSTOMER)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN and ticket.closed_at is None


def test_a_seller_reply_on_a_closed_ticket_marks_it_answered(product):
    ticket = _open(CustomerFactory(), product)
    services.close(ticket, ticket.customer)
    _reply(ticket, MessageRole.SELLER)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.ANSWERED


def test_only_the_two_sides_may_reply(product):
    ticket = _open(CustomerFactory(), product)
    with pytest.raises(services.TicketNotAllowed):
        services.reply(ticket, CustomerFactory(), MessageRole.CUSTOMER, "Me too")
    with pytest.raises(services.TicketNotAllowed):
        services.reply(ticket, SellerFactory(), MessageRole.SELLER, "Not my product")
    with pytest.raises(services.TicketNotAllowed):
        # The customer cannot write as the seller.
        services.reply(ticket, ticket.customer, MessageRole.SELLER, "Answering myself")
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
    with pytest.raises(services.TicketNotAllowed, match="removed"):
        services.reply(ticket, customer, MessageRole.CUSTOMER, "Hello?")


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


# OWNER FILTER AND INBOX ORDER


def test_for_party_is_each_side_s_owner_filter(product):
    customer = CustomerFactory()
    mine = _open(customer, product)
    _open(CustomerFactory(), ProductPageFactory())  # nobody's here
    assert list(SupportTicket.objects.for_party(MessageRole.CUSTOMER, customer)) == [mine]
    assert list(SupportTicket.objects.for_party(MessageRole.SELLER, product.seller)) == [mine]
    assert not SupportTicket.objects.for_party(MessageRole.SELLER, customer).exists()
    with pytest.raises(ValueError, match="staff"):
        SupportTicket.objects.for_party("staff", customer)


def test_the_inbox_order_puts_tickets_waiting_for_the_seller_first(product):
    customer = CustomerFactory()
    closed = _open(customer, product, subject="closed")
    services.close(closed, customer)
    answered = _open(customer, product, subject="answered")
    _reply(answered, MessageRole.SELLER)
    reopened = _open(customer, product, subject="reopened")
    _reply(reopened, MessageRole.SELLER)
    services.close(reopened, product.seller)
    services.reopen(reopened, product.seller)
    waiting = _open(customer, product, subject="waiting")

    # Iterated, not only counted: the annotation must not collide with is_unanswered.
    tickets = list(SupportTicket.objects.in_inbox_order())

    assert [(t.subject, t.inbox_rank) for t in tickets] == [
        ("waiting", 0),
        ("reopened", 1),
        ("answered", 2),
        ("closed", 3),
    ]
    assert tickets[0] == waiting and tickets[0].is_unanswered
    assert not any(t.is_unanswered for t in tickets[1:])


# COUNTS


def test_seller_and_customer_counts_take_one_query_each(product, django_assert_num_queries):
    customer = CustomerFactory()
    waiting = _open(customer, product, subject="waiting")
    answered = _open(customer, product, subject="answered")
    _reply(answered, MessageRole.SELLER)
    closed = _open(customer, product, subject="closed")
    services.close(closed, customer)
    # Another seller's product, another customer: counted for nobody above.
    _open(CustomerFactory(), ProductPageFactory(), subject="elsewhere")

    with django_assert_num_queries(1):
        assert services.seller_ticket_counts(product.seller) == {"open": 2, "unanswered": 1}
    with django_assert_num_queries(1):
        assert services.customer_ticket_counts(customer) == {"open": 2, "answered": 1}
    assert services.seller_ticket_counts(SellerFactory()) == {"open": 0, "unanswered": 0}
    assert waiting.is_unanswered
