"""Editors see orders in Wagtail admin, find the flagged ones, and clear the flag."""

import pytest
from django.urls import reverse

from catalogue.models import Order
from tests.factories import OrderFactory

pytestmark = pytest.mark.django_db

ORDERS_URL = "/admin/snippets/catalogue/order/"


@pytest.fixture
def editor(client, staff):
    client.force_login(staff)
    return client


def test_orders_listing_filters_flagged_orders(editor, site_tree):
    flagged = OrderFactory(needs_review=True, review_note="amount 1 != order 1900")
    fine = OrderFactory()
    html = editor.get(ORDERS_URL).content.decode()
    assert f"#{flagged.pk}" in html and f"#{fine.pk}" in html and "Needs review" in html
    html = editor.get(ORDERS_URL, {"needs_review": "1"}).content.decode()
    assert f"#{flagged.pk}" in html and f"#{fine.pk}" not in html


def test_editor_clears_the_flag_but_cannot_change_money_or_delete(editor, site_tree):
    order = OrderFactory(needs_review=True)
    edit_url = reverse(Order.snippet_viewset.get_url_name("edit"), args=(order.pk,))
    response = editor.post(
        edit_url, {"needs_review": "", "review_note": "Refunded the double charge.", "amount": "0.01"}
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert not order.needs_review and order.review_note == "Refunded the double charge."
    assert order.amount != 0  # read-only: the forged amount was ignored
    assert editor.get(reverse(Order.snippet_viewset.get_url_name("add"))).status_code in (302, 403)
    delete_url = reverse(Order.snippet_viewset.get_url_name("delete"), args=(order.pk,))
    assert editor.post(delete_url).status_code in (302, 403)
    assert Order.objects.filter(pk=order.pk).exists()


def test_a_guest_order_and_a_license_key_show_in_the_list_search_and_order_page(editor, site_tree):
    guest = OrderFactory(customer=None, guest_email="visitor@example.com")
    keyed = OrderFactory(status="paid", license_key="BRIGHT-1234-ABCD", license_key_id="lic_1")

    html = editor.get(ORDERS_URL, {"q": "visitor@example.com"}).content.decode()
    assert f"#{guest.pk}" in html and "visitor@example.com" in html and f"#{keyed.pk}" not in html
    html = editor.get(ORDERS_URL, {"q": "BRIGHT-1234-ABCD"}).content.decode()
    assert f"#{keyed.pk}" in html and f"#{guest.pk}" not in html

    from catalogue.admin_views import order_admin_url

    html = editor.get(order_admin_url(guest.pk)).content.decode()
    assert "visitor@example.com" in html and "bought with email" in html
    html = editor.get(order_admin_url(keyed.pk)).content.decode()
    assert "BRIGHT-1234-ABCD" in html


# THE LISTING: SELLER, PRODUCT, QUERY BUDGET


def test_orders_listing_shows_the_seller_and_finds_orders_by_seller_or_product(editor, site_tree):
    from tests.factories import ProductPageFactory, SellerFactory

    ada = SellerFactory(first_name="Ada", last_name="Lovelace", email="ada@example.com")
    grace = SellerFactory(first_name="Grace", last_name="Hopper", email="grace@example.com")
    ada_order = OrderFactory(product=ProductPageFactory(seller=ada, title="Engine Notes"))
    grace_order = OrderFactory(product=ProductPageFactory(seller=grace, title="Compiler Zine"))

    html = editor.get(ORDERS_URL).content.decode()
    assert "Ada Lovelace" in html and "Grace Hopper" in html
    for query in ({"q": "Lovelace"}, {"q": "ada@example.com"}, {"q": "Engine Notes"}, {"seller": ada.pk}):
        html = editor.get(ORDERS_URL, query).content.decode()
        assert _inspect(ada_order) in html and _inspect(grace_order) not in html, query


@pytest.mark.parametrize("rows", [3, 30])
def test_orders_listing_query_count_does_not_grow_with_orders(editor, site_tree, rows, django_assert_max_num_queries):
    from tests.factories import DisputeFactory

    for n in range(rows):
        order = OrderFactory(guest_email="g@example.com", customer=None) if n % 4 == 0 else OrderFactory()
        if n % 3 == 0:
            DisputeFactory(order=order)
    assert editor.get(ORDERS_URL).status_code == 200
    with django_assert_max_num_queries(12):
        html = editor.get(ORDERS_URL).content.decode()
    assert html.count("Dispute open") >= rows // 3


# THE ORDER'S PAGE: EVENT HISTORY, DOWNLOADS, REFUNDS, DISPUTES


def _inspect(order):
    return reverse(Order.snippet_viewset.get_url_name("inspect"), args=(order.pk,))


def _event(order, n, event_type="payment.succeeded", object_id="", status="processed", **data):
    import json

    from dodo.models import WebhookEvent

    data = {"payment_id": order.dodo_payment_id, **data}
    return WebhookEvent.objects.create(
        webhook_id=f"msg_{order.pk}_{n}",
        event_type=event_type,
        body=json.dumps({"type": event_type, "data": data}),
        status=status,
        payment_id=order.dodo_payment_id,
        object_id=object_id,
    )


@pytest.mark.parametrize("rows", [3, 30])
def test_order_page_shows_event_history_downloads_refunds_and_disputes(
    editor, site_tree, rows, django_assert_max_num_queries
):
    from tests.factories import DisputeFactory, DownloadFactory, OrderRefundFactory

    order = OrderFactory(dodo_payment_id="pay_evt1", paid_total="30.00", paid_tax="3.00", paid_currency="USD")
    other = OrderFactory(dodo_payment_id="pay_other")
    _event(order, 0, total_amount=3000, currency="USD")
    _event(order, 1, "refund.succeeded", object_id="ref_evt1", amount=500, currency="USD")
    _event(other, 0)
    for n in range(2, rows):
        _event(order, n, "dispute.opened", object_id=f"dp_evt{n}", status="failed")
        DownloadFactory(order=order, ip_address="203.0.113.9", user_agent=f"Firefox/{n}")
        DisputeFactory(order=order, dispute_id=f"dp_evt{n}")
    OrderRefundFactory(order=order, refund_id="ref_evt1")
    editor.get(_inspect(order))
    with django_assert_max_num_queries(16):
        html = editor.get(_inspect(order)).content.decode()
    for expected in (
        "Dodo event history",
        "payment.succeeded",
        "refund.succeeded",
        "ref_evt1",
        "$30.00",
        "$5.00",
        "dispute.opened",
        "dp_evt2",
        "203.0.113.9",
        "Firefox/2",
        f"{rows} events about payment pay_evt1",
    ):
        assert expected in html, expected
    assert f"msg_{other.pk}_0" not in html  # another payment's events stay on its own order


# ACTIONS: RESEND RECEIPT, RESET THE DOWNLOAD COUNT


def _messages(response):
    return [str(message) for message in response.context["messages"]]


def test_resend_receipt_emails_the_buyer_again_and_is_logged(
    editor, site_tree, staff, django_capture_on_commit_callbacks
):
    from django.core import mail
    from wagtail.models import ModelLogEntry

    order = OrderFactory(customer__email="buyer@example.com")
    url = reverse("catalogue_order_resend_receipt", args=(order.pk,))
    assert url in editor.get(_inspect(order)).content.decode()
    assert editor.get(url).status_code == 405
    with django_capture_on_commit_callbacks(execute=True):
        response = editor.post(url, follow=True)
    assert f"The receipt for order #{order.pk} is on its way to buyer@example.com." in _messages(response)
    assert [m.to for m in mail.outbox if m.subject.startswith("Your receipt")] == [["buyer@example.com"]]
    entry = ModelLogEntry.objects.get(action="catalogue.order.resend_receipt")
    assert entry.object_id == str(order.pk) and entry.user_id == staff.pk

    pending = OrderFactory(status="pending", paid_at=None)
    assert (
        reverse("catalogue_order_resend_receipt", args=(pending.pk,))
        not in editor.get(_inspect(pending)).content.decode()
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = editor.post(reverse("catalogue_order_resend_receipt", args=(pending.pk,)), follow=True)
    assert "Only a paid order has a receipt to send." in _messages(response) and not mail.outbox


def test_reset_download_count_gives_the_limit_back_and_keeps_the_log(editor, site_tree, staff, settings):
    from wagtail.models import ModelLogEntry

    from catalogue import orders
    from catalogue.models import Download

    settings.DOWNLOAD_LIMIT_PER_ORDER = 2
    order = OrderFactory()
    assert orders.register_download(order) and orders.register_download(order)
    assert not orders.register_download(order)  # the limit is used up
    url = reverse("catalogue_order_reset_downloads", args=(order.pk,))
    html = editor.get(_inspect(order)).content.decode()
    assert url in html and "2 of 2" in html
    assert editor.get(url).status_code == 405
    response = editor.post(url, follow=True)
    assert any("may download 2 times again" in message for message in _messages(response))
    order.refresh_from_db()
    assert order.download_count == 0 and Download.objects.filter(order=order).count() == 2
    assert orders.register_download(order)
    entry = ModelLogEntry.objects.get(action="catalogue.order.reset_downloads")
    assert entry.user_id == staff.pk and entry.data == {"used": 2, "limit": 2}

    # Without a limit the count is only a statistic: nothing to reset.
    settings.DOWNLOAD_LIMIT_PER_ORDER = 0
    assert url not in editor.get(_inspect(order)).content.decode()
    response = editor.post(url, follow=True)
    assert any(message.startswith("Nothing to reset") for message in _messages(response))
    order.refresh_from_db()
    assert order.download_count == 1


@pytest.mark.parametrize("who", ["customer", "seller", "admin-only editor"])
def test_plain_sellers_and_customers_never_reach_the_order_actions(
    client, site_tree, who, settings, django_capture_on_commit_callbacks
):
    from django.contrib.auth.models import Group, Permission
    from django.core import mail

    from tests.factories import UserFactory

    settings.DOWNLOAD_LIMIT_PER_ORDER = 3
    order = OrderFactory(download_count=3)
    if who == "customer":
        person = order.customer
    elif who == "seller":
        person = order.seller
    else:
        person = UserFactory()
        group = Group.objects.create(name="Admins only")
        group.permissions.add(Permission.objects.get(codename="access_admin"))
        person.groups.add(group)
    client.force_login(person)
    assert client.get(_inspect(order)).status_code in (302, 403)
    assert client.get(ORDERS_URL).status_code in (302, 403)
    with django_capture_on_commit_callbacks(execute=True):
        for name in ("catalogue_order_resend_receipt", "catalogue_order_reset_downloads"):
            response = client.post(reverse(name, args=(order.pk,)))
            assert response.status_code in (302, 403), name
            # Refused before the action: a done one would come back to the order's page.
            assert response.status_code == 403 or not response.url.startswith(_inspect(order)), name
    order.refresh_from_db()
    assert order.download_count == 3 and not mail.outbox
