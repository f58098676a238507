"""Money in Wagtail admin: the Orders listing and an order's page, granting a flagged
order, refunding through Dodo (the emulator, over HTTP), disputes with their evidence,
the report of Dodo payments to check, and the API-key alert on the sync report.

Every page is rendered with 2 and with 20 rows under the same query budget, and every
action is refused to people who may not act on orders.
"""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from catalogue import orders
from catalogue.formatting import format_money
from catalogue.models import Dispute, DisputeStatus, Order, OrderRefund, OrderStatus
from dodo.models import ApiHealth, DodoProduct, SyncStatus, WebhookEvent, WebhookEventStatus
from tests.dodo.purchase import event, post_webhook, sellable_product
from tests.factories import CustomerFactory, DownloadFactory, OrderFactory, ProductPageFactory, UserFactory

pytestmark = pytest.mark.django_db

ORDERS_URL = "/admin/snippets/catalogue/order/"
DISPUTES_URL = "/admin/snippets/catalogue/dispute/"


@pytest.fixture
def editor(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    def run(fn):
        with django_capture_on_commit_callbacks(execute=True):
            return fn()

    return run


def _inspect_url(order):
    return reverse(Order.snippet_viewset.get_url_name("inspect"), args=(order.pk,))


def _pay(order, *, total="22.00", tax="2.00", currency="USD", code=""):
    charge = orders.Charge(Decimal(total), Decimal(tax), currency, Decimal(total), Decimal(tax), currency, discount_code=code)
    with transaction.atomic():
        orders.mark_paid(orders.locked_order(order.pk), f"pay_{order.pk:06d}", charge)
    order.refresh_from_db()
    return order


def _pending(**kwargs):
    return OrderFactory(status=OrderStatus.PENDING, paid_at=None, dodo_payment_id=None, **kwargs)


def _refund(order, amount, refund_id):
    with transaction.atomic():
        orders.record_refund(orders.locked_order(order.pk), refund_id=refund_id, amount=Decimal(amount), currency="USD")


def _dispute(order, dispute_id, status=DisputeStatus.OPENED):
    with transaction.atomic():
        orders.record_dispute(
            orders.locked_order(order.pk), dispute_id=dispute_id, status=status, amount=Decimal("22"), currency="USD"
        )


def _messages(response):
    return [str(message) for message in response.context["messages"]]


# THE ORDERS LISTING


def test_orders_listing_shows_total_paid_status_and_attention(editor, site_tree):
    paid = _pay(_pending(), total="14.20", tax="2.37", currency="EUR")
    flagged = OrderFactory(needs_review=True)
    disputed = _pay(_pending())
    _dispute(disputed, "dp_1")
    partly = _pay(_pending())
    _refund(partly, "5.00", "ref_1")
    html = editor.get(ORDERS_URL).content.decode()
    assert "€14.20 EUR" in html and "Paid, partly refunded" in html
    assert "Needs review" in html and "Dispute open" in html
    assert _inspect_url(paid) in html  # the order number opens the order's page
    assert f"#{flagged.pk}" in html


@pytest.mark.parametrize(
    "query, expected",
    [
        ({"needs_review": "1"}, {"flagged", "disputed", "lost"}),  # opening a dispute flags its order
        ({"disputed": "open"}, {"disputed"}),
        ({"disputed": "lost"}, {"lost"}),
        ({"disputed": "any"}, {"disputed", "lost"}),
        ({"status": "chargeback"}, {"lost"}),
        ({"status": "refunded"}, {"refunded"}),
    ],
)
def test_orders_listing_filters(editor, site_tree, query, expected):
    made = {
        "plain": _pay(_pending()),
        "flagged": OrderFactory(needs_review=True, status=OrderStatus.PENDING, paid_at=None),
        "disputed": _pay(_pending()),
        "lost": _pay(_pending()),
        "refunded": OrderFactory(status=OrderStatus.REFUNDED),
    }
    _dispute(made["disputed"], "dp_open")
    _dispute(made["lost"], "dp_lost")
    _dispute(made["lost"], "dp_lost", DisputeStatus.LOST)
    response = editor.get(ORDERS_URL, query)
    listed = {name for name, order in made.items() if _inspect_url(order) in response.content.decode()}
    assert listed == expected


@pytest.mark.parametrize("rows", [2, 20])
def test_orders_listing_query_count_does_not_grow(editor, site_tree, rows, django_assert_max_num_queries):
    for n in range(rows):
        order = _pay(_pending())
        if n % 3 == 0:
            _dispute(order, f"dp_{n}")
    editor.get(ORDERS_URL)
    with django_assert_max_num_queries(12):
        assert editor.get(ORDERS_URL).status_code == 200


# THE ORDER'S PAGE


def test_order_page_shows_the_charge_refunds_disputes_ledger_and_downloads(editor, site_tree):
    order = _pay(_pending(), total="22.00", tax="2.00", code="SPRING10")
    _refund(order, "5.50", "ref_part")
    _dispute(order, "dp_1")
    DownloadFactory(order=order, ip_address="203.0.113.9", user_agent="Firefox/140")
    html = editor.get(_inspect_url(order)).content.decode()
    for expected in (
        "What was charged",
        "$22.00",  # total paid
        "$2.00",  # its tax
        "SPRING10",
        "$20.00",  # net of tax
        "$18.00",  # seller earnings at sale
        "$16.50",  # left to refund
        "ref_part",
        "$5.50",
        "dp_1",
        "Dispute: earnings held",
        "203.0.113.9",
        "Firefox/140",
        "Refund through Dodo",
    ):
        assert expected in html, expected
    # The order is flagged by its dispute but paid: there is nothing to grant.
    assert reverse("catalogue_order_grant", args=(order.pk,)) not in html


@pytest.mark.parametrize("rows", [2, 20])
def test_order_page_query_count_does_not_grow(editor, site_tree, rows, django_assert_max_num_queries):
    order = _pay(_pending(), total="100.00", tax="0")
    for n in range(rows):
        _refund(order, "1.00", f"ref_{n}")
        DownloadFactory(order=order)
    for n in range(rows // 2):
        _dispute(order, f"dp_{n}", DisputeStatus.WON)
    editor.get(_inspect_url(order))
    with django_assert_max_num_queries(14):
        assert editor.get(_inspect_url(order)).status_code == 200


def test_order_edit_form_shows_the_charge_and_links_to_the_order_page(editor, site_tree):
    order = _pay(_pending(), total="22.00", tax="2.00")
    html = editor.get(reverse(Order.snippet_viewset.get_url_name("edit"), args=(order.pk,))).content.decode()
    assert "incl. $2.00 tax" in html and _inspect_url(order) in html


# GRANT


def _flagged_with_payment():
    """A pending order whose payment did not match (recorded, not granted)."""
    order = _pending()
    with transaction.atomic():
        locked = orders.locked_order(order.pk)
        orders.record_charge(locked, orders.Charge(Decimal("19"), Decimal("0"), "USD", Decimal("19"), Decimal("0"), "USD"))
        locked.dodo_payment_id = "pay_flagged"
        locked.save()
        orders.flag_for_review(locked, "Payment pay_flagged needs a look: amount 1900 != 2000")
    return order


def test_grant_makes_a_flagged_order_paid_and_emails_a_receipt(editor, site_tree, commit):
    order = _flagged_with_payment()
    assert "Grant" in editor.get(_inspect_url(order)).content.decode()
    response = commit(
        lambda: editor.post(reverse("catalogue_order_grant", args=(order.pk,)), {"note": "Checked in Dodo"}, follow=True)
    )
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and not order.needs_review
    assert "Checked in Dodo" in order.review_note
    assert any("is granted" in message for message in _messages(response))
    assert any(m.subject.startswith("Your receipt") for m in mail.outbox)


def test_grant_refused_with_the_domains_reason(editor, site_tree):
    order = OrderFactory(needs_review=True, status=OrderStatus.PENDING, paid_at=None, dodo_payment_id=None)
    response = editor.post(reverse("catalogue_order_grant", args=(order.pk,)), follow=True)
    assert "No successful payment is recorded for this order, so there is nothing to grant." in _messages(response)
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING and order.needs_review


def test_grant_is_post_only(editor, site_tree):
    order = _flagged_with_payment()
    assert editor.get(reverse("catalogue_order_grant", args=(order.pk,))).status_code == 405


# REFUND, AGAINST THE EMULATOR


@pytest.fixture
def paid_on_dodo(client, site_tree, commit, dodo_settings, dodo_emulator):
    """An order bought and paid end to end on the emulator ($12.50, no tax); answers (order, payment)."""
    customer = commit(lambda: CustomerFactory(email="buyer@example.com"))
    product = sellable_product(commit, title="Field Recordings", price=Decimal("12.50"))
    client.force_login(customer)
    client.post(reverse("dodo:checkout", args=(product.pk,)))
    order = Order.objects.get(customer=customer)
    payment = dodo_emulator.pay(order.dodo_checkout_session_id)["payment"]
    assert commit(lambda: post_webhook(client, event("payment.succeeded", payment))).status_code == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    mail.outbox.clear()
    return order, payment


@pytest.fixture
def editor_client(staff):
    editor = Client()
    editor.force_login(staff)
    return editor


def test_partial_refund_through_dodo(editor_client, paid_on_dodo, commit, dodo_emulator):
    order, payment = paid_on_dodo
    total = order.paid_total
    response = commit(
        lambda: editor_client.post(
            reverse("dodo_order_refund", args=(order.pk,)),
            {"kind": "partial", "amount": "2.50", "reason": "Missing chapter"},
            follow=True,
        )
    )
    assert any(message.startswith("Refunded $2.50 of order") for message in _messages(response)), _messages(response)
    order.refresh_from_db()
    [refund] = order.refunds.all()
    dodo_refund = next(r for r in dodo_emulator.state()["refunds"] if r["payment_id"] == payment["payment_id"])
    assert refund.refund_id == dodo_refund["refund_id"] and refund.amount == Decimal("2.50") and refund.is_partial
    assert refund.requested_by is not None and refund.reason == "Missing chapter"
    assert order.status == OrderStatus.PAID and order.refunded_total == Decimal("2.50")
    assert order.refundable_total == total - Decimal("2.50")
    assert {m.to[0] for m in mail.outbox} == {"buyer@example.com", order.seller.email}
    # What is left is on the page.
    assert format_money(total - Decimal("2.50"), "USD") in editor_client.get(_inspect_url(order)).content.decode()


def test_full_refund_through_dodo_revokes_access(editor_client, paid_on_dodo, commit, client):
    order, payment = paid_on_dodo
    response = commit(
        lambda: editor_client.post(reverse("dodo_order_refund", args=(order.pk,)), {"kind": "full"}, follow=True)
    )
    assert any("fully refunded" in message for message in _messages(response)), _messages(response)
    order.refresh_from_db()
    [refund] = order.refunds.all()
    assert order.status == OrderStatus.REFUNDED and not refund.is_partial and refund.amount == order.paid_total
    assert client.get(reverse("portal:download", args=(order.pk,))).status_code == 410
    html = editor_client.get(_inspect_url(order)).content.decode()
    assert "This order is fully refunded" in html and "Refund through Dodo" not in html


def test_refund_above_what_is_left_is_refused_without_calling_dodo(editor_client, paid_on_dodo, dodo_emulator):
    order, _payment = paid_on_dodo
    before = len(dodo_emulator.requests())
    response = editor_client.post(
        reverse("dodo_order_refund", args=(order.pk,)), {"kind": "partial", "amount": "99"}, follow=True
    )
    assert any("is left to refund" in message for message in _messages(response))
    assert len(dodo_emulator.requests()) == before
    assert not OrderRefund.objects.exists()


def test_refund_after_30_days_explains_the_window(editor_client, paid_on_dodo, dodo_emulator):
    order, payment = paid_on_dodo
    dodo_emulator.age_payment(payment["payment_id"], 31)
    Order.objects.filter(pk=order.pk).update(charged_at=timezone.now() - timedelta(days=31))
    html = editor_client.get(_inspect_url(order)).content.decode()
    assert "Dodo only refunds a payment within 30 days" in html and "Refund through Dodo" not in html
    response = editor_client.post(reverse("dodo_order_refund", args=(order.pk,)), {"kind": "full"}, follow=True)
    assert any(message.startswith("Dodo only refunds payments within 30 days") for message in _messages(response))
    assert not OrderRefund.objects.exists()


def test_dodos_refusal_is_shown_to_the_editor(editor_client, paid_on_dodo, dodo_emulator):
    """Dodo's own 30-day check: the payment is old on Dodo although our record says it is recent."""
    order, payment = paid_on_dodo
    dodo_emulator.age_payment(payment["payment_id"], 31)
    response = editor_client.post(reverse("dodo_order_refund", args=(order.pk,)), {"kind": "full"}, follow=True)
    messages = _messages(response)
    assert any(message.startswith("Dodo refused the refund:") for message in messages), messages
    assert not OrderRefund.objects.exists()


# DISPUTES


def test_disputes_listing_puts_open_ones_first_and_shows_the_evidence(editor, site_tree):
    won = _pay(_pending(customer=CustomerFactory(email="won@example.com")))
    _dispute(won, "dp_won")
    _dispute(won, "dp_won", DisputeStatus.WON)
    opened = _pay(_pending(customer=CustomerFactory(email="open@example.com"), product=ProductPageFactory(title="Synth Pack")))
    _dispute(opened, "dp_open")
    DownloadFactory(order=opened, ip_address="192.0.2.44", user_agent="Safari/18")

    html = editor.get(DISPUTES_URL).content.decode()
    assert html.index("open@example.com") < html.index("won@example.com")
    assert "Synth Pack" in html and "$22.00" in html and "Opened" in html

    dispute = Dispute.objects.get(dispute_id="dp_open")
    detail = editor.get(reverse(Dispute.snippet_viewset.get_url_name("inspect"), args=(dispute.pk,))).content.decode()
    for expected in ("open@example.com", "192.0.2.44", "Safari/18", opened.dodo_payment_id, "Evidence we hold"):
        assert expected in detail, expected


def test_disputes_cannot_be_added_edited_or_deleted(editor, site_tree):
    order = _pay(_pending())
    _dispute(order, "dp_1")
    dispute = Dispute.objects.get()
    viewset = Dispute.snippet_viewset
    assert editor.get(reverse(viewset.get_url_name("add"))).status_code in (302, 403)
    assert editor.get(reverse(viewset.get_url_name("edit"), args=(dispute.pk,))).status_code in (302, 403)
    assert editor.post(reverse(viewset.get_url_name("delete"), args=(dispute.pk,))).status_code in (302, 403)
    assert Dispute.objects.filter(pk=dispute.pk).exists()


@pytest.mark.parametrize("rows", [2, 20])
def test_disputes_pages_query_count_does_not_grow(editor, site_tree, rows, django_assert_max_num_queries):
    order = None
    for n in range(rows):
        order = _pay(_pending())
        _dispute(order, f"dp_{n}")
        DownloadFactory(order=order)
    for _n in range(rows):
        DownloadFactory(order=order)
    dispute = Dispute.objects.get(order=order)
    detail_url = reverse(Dispute.snippet_viewset.get_url_name("inspect"), args=(dispute.pk,))
    for url in (DISPUTES_URL, detail_url):
        editor.get(url)
        with django_assert_max_num_queries(11):
            assert editor.get(url).status_code == 200


# DODO PAYMENTS TO CHECK, AND THE SYNC REPORT


def _stored_event(status, data, error="", event_type="payment.succeeded"):
    body = json.dumps({"business_id": "bus_test", "type": event_type, "timestamp": "2026-01-01T00:00:00Z", "data": data})
    return WebhookEvent.objects.create(
        webhook_id=f"msg_{WebhookEvent.objects.count()}_{status}",
        event_type=event_type,
        body=body,
        status=status,
        error=error,
        payment_id=data.get("payment_id", "") if isinstance(data, dict) else "",
    )


def _unmatched_payment(n=0):
    data = {
        "payment_id": f"pay_lost{n}",
        "total_amount": 1999,
        "currency": "EUR",
        "customer": {"customer_id": "cus_1", "email": f"stranger{n}@example.com", "name": "S"},
    }
    return _stored_event(WebhookEventStatus.UNMATCHED, data, error=f"payment pay_lost{n} matches no order of ours")


def test_events_report_lists_unmatched_payments_and_rejected_events(editor, site_tree):
    unmatched = _unmatched_payment()
    _stored_event(WebhookEventStatus.REJECTED, {"payment_id": 7}, error="`payment_id` must be a non-empty string, not 7")
    _stored_event(WebhookEventStatus.PROCESSED, {"payment_id": "pay_fine", "total_amount": 1, "currency": "USD"})
    html = editor.get(reverse("dodo_events_report")).content.decode()
    assert "pay_lost0" in html and "€19.99" in html and "stranger0@example.com" in html
    assert f'name="key" value="{unmatched.pk}"' in html and "Replay" in html
    assert "must be a non-empty string, not 7" in html
    assert "pay_fine" not in html


def test_replaying_an_unmatched_payment_reports_that_it_still_matches_nothing(editor, site_tree):
    unmatched = _unmatched_payment()
    response = editor.post(
        reverse("dodo_sync_retry"),
        {"kind": "webhook", "key": unmatched.pk, "next": reverse("dodo_events_report")},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("dodo_events_report")
    assert any("still matches no order" in message for message in _messages(response)), _messages(response)
    unmatched.refresh_from_db()
    assert unmatched.status == WebhookEventStatus.UNMATCHED and unmatched.attempts == 1


def test_replay_never_redirects_off_site(editor, site_tree):
    unmatched = _unmatched_payment()
    response = editor.post(
        reverse("dodo_sync_retry"), {"kind": "webhook", "key": unmatched.pk, "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("dodo_sync_report")


@pytest.mark.parametrize("rows", [2, 20])
def test_events_report_query_count_does_not_grow(editor, site_tree, rows, django_assert_max_num_queries):
    for n in range(rows):
        _unmatched_payment(n)
        _stored_event(WebhookEventStatus.REJECTED, "not an object", error="`data` must be an object, not str")
    editor.get(reverse("dodo_events_report"))
    with django_assert_max_num_queries(14):
        assert editor.get(reverse("dodo_events_report")).status_code == 200


def test_sync_report_warns_while_dodo_refuses_the_api_key_and_lists_rejections(editor, site_tree, settings):
    settings.DODO_PAYMENTS_ENVIRONMENT = "test_mode"
    ApiHealth.record_auth_failure("401 Unauthorized: invalid API key")
    page = ProductPageFactory(title="Bad Tax Product")
    DodoProduct.objects.update_or_create(
        page_key=page.pk,
        defaults={"page": page, "sync_status": SyncStatus.REJECTED, "sync_error": "422: tax_category is not valid"},
    )
    html = editor.get(reverse("dodo_sync_report")).content.decode()
    assert "Dodo refused our API key since" in html and "401 Unauthorized: invalid API key" in html
    assert "Check DODO_PAYMENTS_API_KEY; retries are slowed to hourly until a call succeeds." in html
    assert "Rejected by Dodo" in html and "Bad Tax Product" in html and "tax_category is not valid" in html

    ApiHealth.record_success()
    assert "Dodo refused our API key" not in editor.get(reverse("dodo_sync_report")).content.decode()


@pytest.mark.parametrize("rows", [2, 20])
def test_sync_report_query_count_does_not_grow(editor, site_tree, rows, django_assert_max_num_queries):
    ApiHealth.record_auth_failure("401")
    for n in range(rows):
        page = ProductPageFactory(title=f"P{n}")
        DodoProduct.objects.update_or_create(
            page_key=page.pk,
            defaults={"page": page, "sync_status": SyncStatus.REJECTED if n % 2 else SyncStatus.FAILED, "sync_error": "x"},
        )
    editor.get(reverse("dodo_sync_report"))
    with django_assert_max_num_queries(17):
        assert editor.get(reverse("dodo_sync_report")).status_code == 200


# WHO MAY


def _urls(order, dispute):
    return {
        "order page": _inspect_url(order),
        "disputes": DISPUTES_URL,
        "dispute": reverse(Dispute.snippet_viewset.get_url_name("inspect"), args=(dispute.pk,)),
        "events report": reverse("dodo_events_report"),
        "sync report": reverse("dodo_sync_report"),
    }


@pytest.mark.parametrize("who", ["customer", "admin-only editor"])
def test_people_who_may_not_act_on_orders_are_refused(client, site_tree, who):
    order = _pay(_pending())
    _dispute(order, "dp_1")
    dispute = Dispute.objects.get()
    if who == "customer":
        person = order.customer
    else:
        # May use the admin, but was given no permission on orders or Dodo.
        person = UserFactory()
        group = Group.objects.create(name="Admins only")
        group.permissions.add(Permission.objects.get(codename="access_admin"))
        person.groups.add(group)
    client.force_login(person)
    for name, url in _urls(order, dispute).items():
        status = client.get(url).status_code
        assert status in (302, 403), f"{name}: {status}"
    for url in (reverse("catalogue_order_grant", args=(order.pk,)), reverse("dodo_order_refund", args=(order.pk,))):
        assert client.post(url, {"kind": "full"}).status_code in (302, 403)
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and not order.refunds.exists()


def test_a_group_given_change_order_may_see_the_order_page_and_disputes(client, site_tree):
    order = _pay(_pending())
    _dispute(order, "dp_1")
    person = UserFactory()
    group = Group.objects.create(name="Order desk")
    group.permissions.add(
        Permission.objects.get(codename="access_admin"), Permission.objects.get(codename="change_order")
    )
    person.groups.add(group)
    client.force_login(person)
    assert client.get(_inspect_url(order)).status_code == 200
    assert client.get(DISPUTES_URL).status_code == 200
