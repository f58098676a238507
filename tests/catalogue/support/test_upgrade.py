"""Moving support into ``catalogue/support/`` keeps existing data.

A database at the migration state of ``main`` before the move gets tickets, messages, an
attachment, assignees and a queued ticket email, written with that state's models; it is
then migrated to the latest state, and everything is still there and still works: the
rows, the stored file (downloadable by the ticket's customer) and the queued email, which
now points at the task's new home. (The pattern of Django's own migration tests.)
"""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from django.utils.module_loading import import_string

from catalogue.models import MessageRole, SupportTicket, TicketStatus
from catalogue.storage import get_private_storage
from tests.factories import CustomerFactory, OrderFactory, ProductPageFactory, StaffFactory

pytestmark = pytest.mark.django_db(transaction=True)

# Our apps' latest migrations on main before the move (f587a01).
BEFORE_THE_MOVE = [
    ("accounts", "0001_initial"),
    ("catalogue", "0006_order_charged_at_refund_lease"),
    ("dodo", "0004_environments_health_reconcile"),
    ("home", "0002_alter_homepage_body"),
    ("seller_portal", "0001_initial"),
]
OLD_TASK = "accounts.support_tasks.send_ticket_reply_email"
NEW_TASK = "catalogue.support.tasks.send_ticket_reply_email"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _migrate(ours=()):
    """Migrate our apps to ``ours`` (their latest migrations when empty) and every other
    app to its latest; return the historical models of that state."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    pinned = dict(ours)
    targets = [(app, pinned.get(app, name)) for app, name in executor.loader.graph.leaf_nodes()]
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def _write_tickets_the_old_way(apps, people):
    """Rows as main wrote them, through the historical models (no signals, no rules)."""
    Ticket = apps.get_model("catalogue", "SupportTicket")
    Message = apps.get_model("catalogue", "TicketMessage")
    now = timezone.now()
    ticket = Ticket.objects.create(
        customer_id=people["customer"].pk,
        product_id=people["product"].pk,
        product_title="Minimal Pitch Deck Template",
        order_id=people["order"].pk,
        subject="Does it open in Keynote?",
        status=TicketStatus.ANSWERED,
        last_customer_message_at=now - timedelta(hours=2),
        last_seller_message_at=now - timedelta(hours=1),
    )
    Message.objects.create(
        ticket=ticket,
        author_id=people["customer"].pk,
        author_role=MessageRole.CUSTOMER,
        body="See the screenshot.",
        attachment=ContentFile(PNG, name="my screen.png"),
        attachment_name="my screen.png",
        attachment_size=len(PNG),
    )
    Message.objects.create(
        ticket=ticket, author_id=people["seller"].pk, author_role=MessageRole.SELLER, body="It does, from Keynote 12."
    )
    ticket.assignees.add(*[user.pk for user in people["staff"]])
    closed = Ticket.objects.create(
        customer_id=people["customer"].pk,
        product_id=None,  # its product was deleted: kept, read-only
        product_title="A removed product",
        subject="Old question",
        status=TicketStatus.CLOSED,
        closed_at=now,
    )
    apps.get_model("django_tasks_database", "DBTaskResult").objects.create(
        task_path=OLD_TASK,
        args_kwargs={"args": [1], "kwargs": {}},
        backend_name="db",
        queue_name="default",
        run_after=now,
        exception_class_path="",
        traceback="",
    )
    return ticket.pk, closed.pk


def test_a_database_from_before_the_move_upgrades_with_its_tickets_intact(client, site_tree):
    seller_product = ProductPageFactory(title="Minimal Pitch Deck Template")
    customer = CustomerFactory()
    people = {
        "customer": customer,
        "seller": seller_product.seller,
        "product": seller_product,
        "order": OrderFactory(customer=customer, product=seller_product),
        "staff": [StaffFactory(), StaffFactory()],
    }

    old_apps = _migrate(BEFORE_THE_MOVE)
    ticket_pk, closed_pk = _write_tickets_the_old_way(old_apps, people)
    _migrate()

    ticket = SupportTicket.objects.select_related("product", "order", "customer").get(pk=ticket_pk)
    assert (ticket.customer, ticket.product, ticket.order) == (customer, seller_product, people["order"])
    assert (ticket.subject, ticket.status, ticket.is_unanswered) == ("Does it open in Keynote?", "answered", False)
    assert set(ticket.assignees.all()) == set(people["staff"])
    first, answer = ticket.messages.all()
    assert (first.author, first.author_role, first.body) == (customer, MessageRole.CUSTOMER, "See the screenshot.")
    assert (answer.author, answer.from_seller, answer.attachment) == (people["seller"], True, "")
    assert (first.attachment_name, first.attachment_size) == ("my screen.png", len(PNG))
    with get_private_storage().open(first.attachment.name) as handle:
        assert handle.read() == PNG
    closed = SupportTicket.objects.get(pk=closed_pk)
    assert (closed.product, closed.status, closed.accepts_replies) == (None, "closed", False)

    # The customer still reads the thread and downloads the attachment in the portal.
    client.force_login(customer)
    assert "It does, from Keynote 12." in client.get(f"/account/support/{ticket.pk}/").content.decode()
    response = client.get(f"/account/support/{ticket.pk}/attachments/{first.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG

    # The email queued before the upgrade runs from the task's new home.
    from django_tasks_db.models import DBTaskResult

    queued = DBTaskResult.objects.get()
    assert queued.task_path == NEW_TASK
    assert import_string(queued.task_path).func.__module__ == "catalogue.support.tasks"
