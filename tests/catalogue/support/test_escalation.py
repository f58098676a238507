"""Escalation: the buyer or the seller asks the marketplace to step in; staff write in the
conversation from Wagtail admin (both sides see and are emailed "Brightshelf team"),
refund the ticket's order through Dodo (the emulator, over HTTP) and close the ticket.
Nobody but staff with the ticket permission reaches the admin pages."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.test import Client
from django.urls import reverse

from catalogue.models import MessageRole, Order, OrderStatus, SupportTicket
from catalogue.support import services
from tests.dodo.purchase import event, post_webhook, sellable_product
from tests.factories import CustomerFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


def _conversation(ticket):
    return reverse("catalogue_ticket_conversation", args=[ticket.pk])


@pytest.fixture
def ticket(product, buyer):
    return services.open_ticket(buyer, product, "Broken file", "The PDF does not open.")


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    def run(fn):
        with django_capture_on_commit_callbacks(execute=True):
            return fn()

    return run


def _portal_client(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("side", ["customer", "seller"])
def test_either_side_escalates_once_and_the_assigned_staff_are_emailed(ticket, product, buyer, commit, side):
    assigned, bystander = StaffFactory(), StaffFactory()
    ticket.assignees.add(assigned)
    mail.outbox.clear()
    user, namespace = (buyer, "portal") if side == "customer" else (product.seller, "seller_portal")
    client = _portal_client(user)
    url = reverse(f"{namespace}:support_escalate", args=[ticket.pk])

    # An empty reason: the error next to the field, nothing escalated.
    response = client.post(url, {"reason": "  "})
    assert response.status_code == 200 and "This field is required." in response.content.decode()
    assert SupportTicket.objects.get(pk=ticket.pk).escalated_at is None

    response = commit(lambda: client.post(url, {"reason": "The seller stopped answering."}, follow=True))
    assert "The marketplace has been asked to step in" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.escalated_at is not None
    assert ticket.messages.last().body.endswith("The seller stopped answering.")
    assert [m.to for m in mail.outbox] == [[assigned.email]] and bystander.email not in mail.outbox[0].to
    assert "asked the marketplace to step in" in mail.outbox[0].body
    assert f"http://testserver{_conversation(ticket)}" in mail.outbox[0].body

    # Editors find it in the listing.
    listing = _portal_client(StaffFactory()).get("/admin/snippets/catalogue/supportticket/", {"escalated": "1"})
    assert "Broken file" in listing.content.decode()
    listing = _portal_client(StaffFactory()).get("/admin/snippets/catalogue/supportticket/", {"escalated": "0"})
    assert "Broken file" not in listing.content.decode()

    # The other side sees it too; a second request changes nothing and emails nobody.
    other = _portal_client(product.seller if side == "customer" else buyer)
    other_ns = "seller_portal" if side == "customer" else "portal"
    page = other.get(reverse(f"{other_ns}:support_detail", args=[ticket.pk])).content.decode()
    assert "The marketplace has been asked to step in" in page and 'id="escalate"' not in page
    mail.outbox.clear()
    response = commit(lambda: client.post(url, {"reason": "Again"}, follow=True))
    assert "already been asked" in response.content.decode() and mail.outbox == []
    assert ticket.messages.count() == 2


def test_with_nobody_assigned_the_editors_are_emailed(ticket, buyer, commit):
    editors = Group.objects.create(name="Support editors")
    editors.permissions.add(Permission.objects.get(codename="change_supportticket"))
    editor = UserFactory(is_staff=True)
    editor.groups.add(editors)
    no_permission = UserFactory(is_staff=True)
    commit(lambda: services.escalate(ticket, buyer, MessageRole.CUSTOMER, "Please help"))
    recipients = {m.to[0] for m in mail.outbox}
    assert editor.email in recipients and no_permission.email not in recipients and buyer.email not in recipients


def test_staff_reply_is_shown_to_both_sides_and_emailed(ticket, product, buyer, commit, client):
    staff = StaffFactory(first_name="Sam")
    client.force_login(staff)
    mail.outbox.clear()
    response = client.post(_conversation(ticket), {"body": ""})
    assert response.status_code == 200 and "This field is required." in response.content.decode()

    response = commit(lambda: client.post(_conversation(ticket), {"body": "We are <looking> into it."}, follow=True))
    assert "We are &lt;looking&gt; into it." in response.content.decode()
    message = ticket.messages.last()
    assert message.author_role == MessageRole.STAFF and message.author == staff
    assert sorted(m.to[0] for m in mail.outbox) == sorted([buyer.email, product.seller.email])
    assert all("Brightshelf team wrote" in m.subject and "We are <looking> into it." in m.body for m in mail.outbox)
    # The status and "who wrote last" are the two sides' business.
    ticket_after = SupportTicket.objects.get(pk=ticket.pk)
    assert ticket_after.status == ticket.status and ticket_after.last_seller_message_at is None

    for user, url in (
        (buyer, reverse("portal:support_detail", args=[ticket.pk])),
        (product.seller, reverse("seller_portal:support_detail", args=[ticket.pk])),
    ):
        page = _portal_client(user).get(url).content.decode()
        assert "is-staff" in page and "Brightshelf team" in page and "We are &lt;looking&gt; into it." in page
        assert "Sam" not in page.split(f'id="message-{message.pk}"')[1].split("</li>")[0]


def test_staff_close_emails_both_sides(ticket, product, buyer, commit, client):
    client.force_login(StaffFactory())
    mail.outbox.clear()
    response = commit(lambda: client.post(reverse("catalogue_ticket_close", args=[ticket.pk]), follow=True))
    assert "Ticket closed" in response.content.decode()
    assert SupportTicket.objects.get(pk=ticket.pk).status == "closed"
    assert sorted(m.to[0] for m in mail.outbox) == sorted([buyer.email, product.seller.email])
    assert all("closed" in m.subject for m in mail.outbox)
    # Closing again sends nothing.
    mail.outbox.clear()
    commit(lambda: client.post(reverse("catalogue_ticket_close", args=[ticket.pk])))
    assert mail.outbox == []


def test_sellers_customers_and_staff_without_the_permission_never_reach_the_admin_pages(ticket, product, buyer):
    urls = [_conversation(ticket), reverse("catalogue_ticket_close", args=[ticket.pk])]
    for user in (buyer, product.seller, CustomerFactory()):
        client = _portal_client(user)
        for url in urls:
            response = client.post(url, {"body": "hi"})
            assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    # Staff who may use the admin but not change tickets: refused (Wagtail answers a
    # PermissionDenied in its views with a redirect to the dashboard).
    admin_access = Permission.objects.get(codename="access_admin")
    plain_staff = UserFactory(is_staff=True)
    plain_staff.user_permissions.add(admin_access)
    client = _portal_client(plain_staff)
    for response in (client.get(urls[0]), client.post(urls[0], {"body": "hi"}), client.post(urls[1])):
        assert response.status_code == 302 and response["Location"] == "/admin/"
    ticket.refresh_from_db()
    assert ticket.status == "open" and not ticket.messages.filter(author_role=MessageRole.STAFF).exists()


def test_refund_from_the_ticket_through_dodo(client, site_tree, commit, dodo_settings, dodo_emulator):
    customer = commit(lambda: CustomerFactory(email="buyer@example.com"))
    product = sellable_product(commit, title="Field Recordings", price=Decimal("12.50"))
    client.force_login(customer)
    client.post(reverse("dodo:checkout", args=(product.pk,)))
    order = Order.objects.get(customer=customer)
    payment = dodo_emulator.pay(order.dodo_checkout_session_id)["payment"]
    assert commit(lambda: post_webhook(client, event("payment.succeeded", payment))).status_code == 200
    ticket = commit(lambda: services.request_refund(customer, Order.objects.get(pk=order.pk), "Wrong album"))
    commit(lambda: services.escalate(ticket, customer, MessageRole.CUSTOMER, "No answer from the seller"))

    staff = _portal_client(StaffFactory())
    page = staff.get(_conversation(ticket)).content.decode()
    assert "Refund this order" in page and reverse("dodo_order_refund", args=[order.pk]) in page
    mail.outbox.clear()
    response = commit(
        lambda: staff.post(
            reverse("dodo_order_refund", args=[order.pk]),
            {"kind": "full", "reason": "Seller unresponsive", "next": _conversation(ticket)},
        )
    )
    assert response.status_code == 302 and response["Location"] == _conversation(ticket)
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED and order.refunds.get().amount == order.paid_total
    assert any(r["payment_id"] == payment["payment_id"] for r in dodo_emulator.state()["refunds"])
    assert "buyer@example.com" in {m.to[0] for m in mail.outbox}
    page = staff.get(_conversation(ticket)).content.decode()
    assert "This order is fully refunded." in page and "Refund through Dodo" not in page
    # The buyer reads in the ticket that the refund was made.
    assert "fully refunded" in ticket.messages.last().body
    # An outside ``next`` is ignored: back to the order's page.
    response = staff.post(
        reverse("dodo_order_refund", args=[order.pk]), {"kind": "full", "next": "https://evil.example/"}
    )
    assert response["Location"].startswith("/admin/snippets/catalogue/order/")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [1280, 390])
def test_the_buyer_escalates_and_staff_answer_in_the_browser(browser_site, settings, chromium, width):
    from tests.browser.helpers import login, save_screenshot
    from tests.factories import TEST_PASSWORD, OrderFactory, ProductPageFactory, SellerFactory

    base = browser_site.url
    settings.SITE_URL = base
    product = ProductPageFactory(seller=SellerFactory(first_name="Maya"), title="Minimal Pitch Deck Template")
    buyer = CustomerFactory(first_name="Chloe")
    OrderFactory(customer=buyer, product=product)
    ticket = services.open_ticket(buyer, product, "The download is broken", "The zip will not open on my Mac.")
    staff = StaffFactory(first_name="Sam", email="sam@brightshelf.example")
    context = chromium.new_context(viewport={"width": width, "height": 900}, device_scale_factor=1)
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    fits = "document.documentElement.scrollWidth <= window.innerWidth"
    try:
        login(pg, base, buyer.email, TEST_PASSWORD)
        pg.wait_for_load_state()
        pg.goto(f"{base}/account/support/{ticket.pk}/")
        pg.get_by_text("Stuck? Ask the marketplace to step in").click()
        pg.fill("textarea[name=reason]", "Three days and no answer from the seller.")
        save_screenshot(pg, f"support-escalate-form-{width}")
        pg.get_by_role("button", name="Ask the marketplace to step in").click()
        pg.wait_for_url(f"**/account/support/{ticket.pk}/")
        assert pg.get_by_text("The marketplace has been asked to step in").first.is_visible()
        pg.context.clear_cookies()

        login(pg, base, staff.email, TEST_PASSWORD)
        pg.wait_for_load_state()
        pg.goto(base + _conversation(ticket))
        pg.fill("textarea[name=body]", "Hi Chloe, we are on it: Maya will send a new file today.")
        pg.get_by_role("button", name="Send to both sides").click()
        pg.wait_for_load_state()
        assert pg.get_by_text("Your message was sent").is_visible()
        save_screenshot(pg, f"support-admin-conversation-{width}")
        pg.context.clear_cookies()

        login(pg, base, buyer.email, TEST_PASSWORD)
        pg.wait_for_load_state()
        pg.goto(f"{base}/account/support/{ticket.pk}/")
        staff_message = pg.locator(".thread-item.is-staff")
        assert "Brightshelf team" in staff_message.inner_text() and "Sam" not in staff_message.inner_text()
        assert pg.evaluate(fits)
        save_screenshot(pg, f"support-escalated-ticket-{width}")
    finally:
        context.close()
