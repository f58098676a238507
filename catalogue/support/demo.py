"""Demo support tickets for ``seed_demo``: a few conversations in every state.

They are history, not events: rows are written directly with backdated times, and staff
are assigned through the m2m table without ``m2m_changed``, so seeding sends no email.
Idempotent: a ticket is found by its customer and subject; a second run creates nothing.
A ticket whose product is missing (catalogue not seeded) is skipped.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from ..models import ProductPage
from .models import MessageRole, SupportTicket, TicketMessage, TicketStatus
from .services import purchase_of

logger = logging.getLogger(__name__)

CUSTOMER, SELLER = MessageRole.CUSTOMER, MessageRole.SELLER


@dataclass(frozen=True)
class DemoTicket:
    customer: int  # index into the customers passed to seed_tickets
    product_title: str
    subject: str
    status: str
    # (who wrote, text, hours ago), oldest first
    messages: tuple
    escalated: bool = False


DEMO_TICKETS = [
    DemoTicket(
        0,
        "Minimal Pitch Deck Template",
        "Does it open in Keynote?",
        TicketStatus.OPEN,
        ((CUSTOMER, "Hi! I present on a Mac. Does the template open in Keynote, or only PowerPoint?", 3),),
    ),
    DemoTicket(
        1,
        "Intro to Rust: a friendly first book",
        "Which Rust edition does the book use?",
        TicketStatus.ANSWERED,
        (
            (CUSTOMER, "Before I buy: is the book written for the 2021 edition?", 50),
            (SELLER, "Yes, every example compiles with the 2021 edition and Rust 1.80 or newer.", 26),
        ),
    ),
    DemoTicket(
        0,
        "Lo-fi Drum Loops",
        "Can I use the loops on YouTube?",
        TicketStatus.OPEN,
        (
            (CUSTOMER, "Are the loops royalty-free for monetised YouTube videos?", 72),
            (SELLER, "They are: the licence covers videos, podcasts and streams.", 60),
            (CUSTOMER, "Great, thanks. And for a song I release on Spotify?\nJust want to be sure.", 5),
        ),
    ),
    DemoTicket(
        1,
        "Monthly Budget Planner",
        "Changing the currency symbol",
        TicketStatus.CLOSED,
        (
            (CUSTOMER, "How do I switch the planner from dollars to euros?", 120),
            (SELLER, "Select the amount columns and pick € under Format > Number > Currency.", 110),
            (CUSTOMER, "Worked perfectly, thank you!", 100),
        ),
    ),
    DemoTicket(
        1,
        "Python for Data Analysis: Video Course",
        "Download stops halfway",
        TicketStatus.OPEN,
        (
            (CUSTOMER, "The course download stops at about 40% every time I try.", 30),
            (SELLER, "Sorry about that! Could you try another browser and tell me if it still stops?", 28),
            (CUSTOMER, "Same in Firefox and Chrome, on two different networks.", 20),
        ),
        escalated=True,
    ),
]


def seed_tickets(customers, staff=()):
    """Create the demo tickets for ``customers`` (at least two users), once.

    ``staff``: editors to assign to escalated tickets. Returns how many tickets this run
    created.
    """
    customers = list(customers)
    if len(customers) < 2:
        return 0
    staff = list(staff)
    created = 0
    now = timezone.now()
    for demo in DEMO_TICKETS:
        customer = customers[demo.customer % len(customers)]
        if SupportTicket.objects.filter(customer=customer, subject=demo.subject).exists():
            continue
        product = ProductPage.objects.filter(title=demo.product_title).select_related("seller").first()
        if product is None or product.seller_id == customer.pk:
            logger.info("Demo ticket %r skipped: product %r not found", demo.subject, demo.product_title)
            continue
        _create(demo, customer, product, staff if demo.escalated else [], now)
        created += 1
    return created


@transaction.atomic
def _create(demo, customer, product, assignees, now):
    ticket = SupportTicket.objects.create(
        customer=customer,
        product=product,
        product_title=product.title,
        order=purchase_of(customer, product),
        subject=demo.subject,
        status=demo.status,
    )
    times = {CUSTOMER: None, SELLER: None}
    for role, body, hours_ago in demo.messages:
        author = customer if role == CUSTOMER else product.seller
        message = TicketMessage.objects.create(ticket=ticket, author=author, author_role=role, body=body)
        sent = now - timedelta(hours=hours_ago)
        # created_at is auto_now_add: backdate it with an update.
        TicketMessage.objects.filter(pk=message.pk).update(created_at=sent)
        times[role] = sent
    opened = now - timedelta(hours=demo.messages[0][2])
    last = now - timedelta(hours=demo.messages[-1][2])
    SupportTicket.objects.filter(pk=ticket.pk).update(
        created_at=opened,
        updated_at=last,
        last_customer_message_at=times[CUSTOMER],
        last_seller_message_at=times[SELLER],
        closed_at=last if demo.status == TicketStatus.CLOSED else None,
    )
    # Through the m2m table directly: demo history sends no assignment emails.
    SupportTicket.assignees.through.objects.bulk_create(
        [SupportTicket.assignees.through(supportticket=ticket, user=user) for user in assignees]
    )
    return ticket
