"""A seller refunding a buyer from the seller portal, through the Dodo emulator over HTTP.

The buyer pays $12.50 (no tax) on the emulator; the marketplace fee is 10 %, so the sale
is worth $12.50 net of tax, a $1.25 fee and $11.25 of earnings. Every figure below is
worked out by hand from those.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from catalogue import orders
from catalogue.models import LedgerEntry, LedgerKind, Order, OrderRefund, OrderStatus
from tests.dodo.purchase import event, post_webhook, sellable_product
from tests.factories import CustomerFactory, OrderFactory, ProductPageFactory, SellerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _ten_percent_fee(settings):
    settings.MARKETPLACE_FEE_PERCENT = 10


@pytest.fixture
def paid_on_dodo(client, site_tree, commit, dodo_settings, dodo_emulator):
    """An order bought and paid end to end on the emulator; answers (order, payment)."""
    customer = commit(lambda: CustomerFactory(email="buyer@example.com"))
    seller = SellerFactory(email="maker@example.com")
    product = sellable_product(commit, title="Field Recordings", price=Decimal("12.50"), seller=seller)
    client.force_login(customer)
    client.post(reverse("dodo:checkout", args=(product.pk,)))
    order = Order.objects.get(customer=customer)
    payment = dodo_emulator.pay(order.dodo_checkout_session_id)["payment"]
    assert commit(lambda: post_webhook(client, event("payment.succeeded", payment))).status_code == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and order.paid_total == Decimal("12.50")
    mail.outbox.clear()
    return order, payment


@pytest.fixture
def seller_client(paid_on_dodo):
    order, _payment = paid_on_dodo
    browser = Client()
    browser.force_login(order.seller)
    return browser


def _refund_url(order):
    return reverse("dodo:seller_refund", args=(order.pk,))


def _order_url(order):
    return reverse("seller_portal:order_detail", args=(order.pk,))


def _messages(response):
    return [str(message) for message in response.context["messages"]]


def _ledger(order):
    return [
        (row.kind, row.gross, row.fee, row.earnings)
        for row in LedgerEntry.objects.filter(order=order).order_by("created_at", "pk")
    ]


def _dodo_refund_calls(dodo_emulator):
    return [r for r in dodo_emulator.requests() if r.get("method") == "POST" and r.get("path") == "/refunds"]


# REFUNDS THAT GO THROUGH


def test_partial_then_full_refund_writes_the_ledger_and_ends_access_only_at_the_end(
    seller_client, paid_on_dodo, commit, dodo_emulator, client
):
    order, payment = paid_on_dodo
    html = seller_client.get(_order_url(order)).content.decode()
    for expected in ("$12.50", "$1.25", "$11.25", "buyer@example.com", "Refund through Dodo"):
        assert expected in html, expected

    response = commit(
        lambda: seller_client.post(
            _refund_url(order), {"kind": "partial", "amount": "5.00", "reason": "Chapter 3 is missing"}, follow=True
        )
    )
    assert response.redirect_chain[-1][0] == _order_url(order)
    assert _messages(response) == [
        f"Refunded $5.00 of order #{order.pk}. The buyer keeps the download; you and the buyer are emailed."
    ]
    order.refresh_from_db()
    [refund] = order.refunds.all()
    [dodo_refund] = [r for r in dodo_emulator.state()["refunds"] if r["payment_id"] == payment["payment_id"]]
    assert (refund.refund_id, refund.amount, refund.is_partial) == (dodo_refund["refund_id"], Decimal("5.00"), True)
    assert refund.reason == "Chapter 3 is missing" and refund.requested_by == order.seller
    assert order.status == OrderStatus.PAID and order.refundable_total == Decimal("7.50")
    # 5.00 of 12.50 is 40 %: 40 % of the sale, of the fee and of the earnings go back.
    assert _ledger(order) == [
        (LedgerKind.SALE, Decimal("12.50"), Decimal("1.25"), Decimal("11.25")),
        (LedgerKind.REFUND, Decimal("-5.00"), Decimal("-0.50"), Decimal("-4.50")),
    ]
    assert sorted(m.to[0] for m in mail.outbox) == ["buyer@example.com", "maker@example.com"]
    client.force_login(order.customer)
    assert client.get(reverse("portal:download", args=(order.pk,))).status_code == 200
    html = response.content.decode()
    assert "$7.50" in html and "Chapter 3 is missing" in html  # what is left; the refund's row
    assert "$6.75" in html  # earnings now: 11.25 − 4.50

    mail.outbox.clear()
    response = commit(
        lambda: seller_client.post(_refund_url(order), {"kind": "full", "reason": "Could not fix it"}, follow=True)
    )
    assert _messages(response) == [
        f"Refunded $7.50: order #{order.pk} is fully refunded and its download has ended. You and the buyer are emailed."
    ]
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED and order.refunded_total == Decimal("12.50")
    # The last refund takes back exactly what is left, so the rows add up to nothing.
    assert _ledger(order)[2:] == [(LedgerKind.REFUND, Decimal("-7.50"), Decimal("-0.75"), Decimal("-6.75"))]
    assert sum(row[3] for row in _ledger(order)) == 0
    assert sorted(m.to[0] for m in mail.outbox) == ["buyer@example.com", "maker@example.com"]
    assert client.get(reverse("portal:download", args=(order.pk,))).status_code == 410
    html = response.content.decode()
    assert "This order is fully refunded" in html and "Refund through Dodo" not in html


def test_typing_exactly_what_is_left_is_a_full_refund(seller_client, paid_on_dodo, commit):
    order, _payment = paid_on_dodo
    commit(lambda: seller_client.post(_refund_url(order), {"kind": "partial", "amount": "12.50", "reason": "Sorry"}))
    order.refresh_from_db()
    [refund] = order.refunds.all()
    assert order.status == OrderStatus.REFUNDED and not refund.is_partial and refund.amount == Decimal("12.50")


def test_the_dashboard_and_order_list_follow_the_refund(seller_client, paid_on_dodo, commit):
    order, _payment = paid_on_dodo
    dashboard = reverse("seller_portal:dashboard")
    assert "$12.50" in seller_client.get(dashboard).content.decode()
    commit(lambda: seller_client.post(_refund_url(order), {"kind": "partial", "amount": "2.50", "reason": "Late"}))
    # Revenue is net of refunds: 12.50 − 2.50.
    assert "$10.00" in seller_client.get(dashboard).content.decode()
    listing = seller_client.get(reverse("seller_portal:orders")).content.decode()
    # Earnings now: 11.25 − 2.25 (20 % of them).
    assert "$9.00" in listing and "Partly refunded" in listing and "$2.50 refunded" in listing


# REFUNDS THAT ARE REFUSED: a clear message on the order page, nothing saved


@pytest.mark.parametrize(
    "data, field, message",
    [
        (
            {"kind": "partial", "amount": "abc", "reason": "x"},
            "amount",
            "Enter the amount as a number, for example 4.50.",
        ),
        ({"kind": "partial", "amount": "0", "reason": "x"}, "amount", "Enter an amount greater than 0."),
        ({"kind": "partial", "amount": "-3", "reason": "x"}, "amount", "Enter an amount greater than 0."),
        (
            {"kind": "partial", "amount": "1.234", "reason": "x"},
            "amount",
            "USD amounts cannot have that many decimals.",
        ),
        (
            {"kind": "partial", "amount": "99", "reason": "x"},
            "amount",
            "At most $12.50 is left to refund (tax included).",
        ),
        (
            {"kind": "partial", "amount": "", "reason": "x"},
            "amount",
            "Enter the amount to refund, or choose “Everything left”.",
        ),
        ({"kind": "full", "reason": "  "}, "reason", "Say why you are refunding: the buyer sees it in their email."),
    ],
)
def test_bad_input_is_explained_beside_the_form_and_kept(
    seller_client, paid_on_dodo, dodo_emulator, data, field, message
):
    order, _payment = paid_on_dodo
    response = seller_client.post(_refund_url(order), data)
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    html = response.content.decode()
    if data.get("amount"):
        assert f'value="{data["amount"]}"' in html  # what was typed is still there
    assert _dodo_refund_calls(dodo_emulator) == [] and not OrderRefund.objects.exists()


def test_outside_the_30_day_window_the_form_is_gone_and_a_post_is_refused(seller_client, paid_on_dodo, dodo_emulator):
    order, _payment = paid_on_dodo
    Order.objects.filter(pk=order.pk).update(charged_at=timezone.now() - timedelta(days=31))
    html = seller_client.get(_order_url(order)).content.decode()
    assert "only refunds a payment within 30 days" in html and "Refund through Dodo" not in html
    response = seller_client.post(_refund_url(order), {"kind": "full", "reason": "Too late?"})
    [error] = response.context["form"].non_field_errors()
    assert error.startswith("Dodo only refunds payments within 30 days; this one's window closed on")
    assert _dodo_refund_calls(dodo_emulator) == [] and not OrderRefund.objects.exists()


def test_dodo_refusing_is_shown_and_nothing_is_saved(seller_client, paid_on_dodo, dodo_emulator):
    """Dodo's own 30-day check: the payment is old on Dodo although our record says it is recent."""
    order, payment = paid_on_dodo
    dodo_emulator.age_payment(payment["payment_id"], 31)
    response = seller_client.post(_refund_url(order), {"kind": "full", "reason": "Broken file"})
    [error] = response.context["form"].non_field_errors()
    assert error.startswith("Dodo refused the refund:")
    assert "Broken file" in response.content.decode()  # the reason typed is kept
    order.refresh_from_db()
    assert not OrderRefund.objects.exists() and order.refund_lease_until is None


def test_dodo_answering_422_is_shown(seller_client, paid_on_dodo, dodo_emulator):
    order, _payment = paid_on_dodo
    dodo_emulator.fail(1, status=422)
    response = seller_client.post(_refund_url(order), {"kind": "full", "reason": "Broken file"})
    [error] = response.context["form"].non_field_errors()
    assert error.startswith("Dodo refused the refund:")
    assert not OrderRefund.objects.exists()


def test_dodo_rate_limiting_says_try_again_and_a_retry_works(seller_client, paid_on_dodo, dodo_emulator, commit):
    order, _payment = paid_on_dodo
    dodo_emulator.fail(10, status=429, retry_after=0)
    response = seller_client.post(_refund_url(order), {"kind": "full", "reason": "Broken file"})
    assert response.context["form"].non_field_errors() == [
        "Dodo is busy right now and nothing was refunded. Try again in a minute."
    ]
    assert not OrderRefund.objects.exists()
    dodo_emulator.fail(0)
    commit(lambda: seller_client.post(_refund_url(order), {"kind": "full", "reason": "Broken file"}))
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED


def test_dodo_unavailable_keeps_the_order_locked_until_it_may_be_tried_again(
    seller_client, paid_on_dodo, dodo_emulator, commit
):
    """A 503 to a POST: Dodo may or may not have made the refund, so a second click must
    not send another one at once; once the lease ends, it may."""
    order, _payment = paid_on_dodo
    dodo_emulator.fail(1, status=503)
    response = seller_client.post(_refund_url(order), {"kind": "full", "reason": "Broken file"})
    [error] = response.context["form"].non_field_errors()
    assert error.startswith("Dodo did not answer, so the refund may or may not have been made.")
    assert not OrderRefund.objects.exists()
    again = seller_client.post(_refund_url(order), {"kind": "full", "reason": "Broken file"})
    assert again.context["form"].non_field_errors() == [
        "Another refund of this order is being sent to Dodo right now. Check the order again in a moment."
    ]
    assert len(_dodo_refund_calls(dodo_emulator)) == 1
    Order.objects.filter(pk=order.pk).update(refund_lease_until=timezone.now() - timedelta(seconds=1))
    commit(lambda: seller_client.post(_refund_url(order), {"kind": "full", "reason": "Broken file"}))
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED


def test_a_refund_in_progress_is_not_sent_twice(seller_client, paid_on_dodo, dodo_emulator):
    order, _payment = paid_on_dodo
    Order.objects.filter(pk=order.pk).update(refund_lease_until=timezone.now() + timedelta(seconds=30))
    response = seller_client.post(_refund_url(order), {"kind": "full", "reason": "Twice?"})
    assert "is being sent to Dodo right now" in response.context["form"].non_field_errors()[0]
    assert _dodo_refund_calls(dodo_emulator) == []


def test_a_free_order_cannot_be_refunded(client, site_tree):
    seller = SellerFactory()
    order = OrderFactory(
        product=ProductPageFactory(seller=seller),
        amount=Decimal("0"),
        paid_total=Decimal("0"),
        paid_tax=Decimal("0"),
        paid_currency="USD",
        net_amount=Decimal("0"),
        dodo_payment_id=None,
    )
    client.force_login(seller)
    html = client.get(_order_url(order)).content.decode()
    assert "nothing was charged, so there is nothing to refund" in html and "Refund through Dodo" not in html
    response = client.post(_refund_url(order), {"kind": "full", "reason": "?"})
    assert response.context["form"].non_field_errors() == [
        "This order was free: nothing was charged, so there is nothing to refund."
    ]


# WHO MAY


def test_another_seller_gets_404_for_the_order_its_page_and_its_refund(paid_on_dodo, dodo_emulator):
    order, _payment = paid_on_dodo
    other = Client()
    other.force_login(SellerFactory())
    assert other.get(_order_url(order)).status_code == 404
    assert other.post(_refund_url(order), {"kind": "full", "reason": "Mine now"}).status_code == 404
    listing = other.get(reverse("seller_portal:orders")).content.decode()
    assert _order_url(order) not in listing and "Field Recordings" not in listing
    assert _dodo_refund_calls(dodo_emulator) == [] and not OrderRefund.objects.exists()


def test_customers_get_403_and_visitors_the_login_page(paid_on_dodo):
    order, _payment = paid_on_dodo
    urls = [reverse("seller_portal:orders"), _order_url(order)]
    customer = Client()
    customer.force_login(order.customer)
    for url in urls:
        assert customer.get(url).status_code == 403, url
    assert customer.post(_refund_url(order), {"kind": "full", "reason": "Please"}).status_code == 403
    anonymous = Client()
    for url in urls:
        assert anonymous.get(url)["Location"].startswith("/accounts/login/"), url
    assert anonymous.post(_refund_url(order), {"kind": "full"})["Location"].startswith("/accounts/login/")
    assert not OrderRefund.objects.exists()


def test_the_refund_is_post_only(seller_client, paid_on_dodo):
    order, _payment = paid_on_dodo
    assert seller_client.get(_refund_url(order)).status_code == 405


# THE ORDER LIST


def _sold(seller, *, total="10.00", days_ago=0, title="Product"):
    order = OrderFactory(
        product=ProductPageFactory(seller=seller, title=title),
        status=OrderStatus.PENDING,
        paid_at=None,
        dodo_payment_id=None,
    )
    charge = orders.Charge(Decimal(total), Decimal("0"), "USD", Decimal(total), Decimal("0"), "USD")
    with transaction.atomic():
        orders.mark_paid(orders.locked_order(order.pk), f"pay_{order.pk:06d}", charge)
    Order.objects.filter(pk=order.pk).update(paid_at=timezone.now() - timedelta(days=days_ago))
    order.refresh_from_db()
    return order


def _refund(order, amount, refund_id):
    with transaction.atomic():
        orders.record_refund(orders.locked_order(order.pk), refund_id=refund_id, amount=Decimal(amount), currency="USD")


def test_the_list_shows_sales_newest_first_and_filters_by_status(client, site_tree):
    seller = SellerFactory()
    older = _sold(seller, title="Older Pack", days_ago=3)
    newer = _sold(seller, title="Newer Pack", days_ago=1)
    partly = _sold(seller, title="Partly Pack", days_ago=2)
    _refund(partly, "4.00", "ref_p")
    refunded = _sold(seller, title="Gone Pack", days_ago=4)
    _refund(refunded, "10.00", "ref_f")
    OrderFactory(
        product=ProductPageFactory(seller=seller, title="Abandoned Pack"), status=OrderStatus.PENDING, paid_at=None
    )
    _sold(SellerFactory(), title="Someone Else's Pack")
    client.force_login(seller)

    html = client.get(reverse("seller_portal:orders")).content.decode()
    positions = [html.index(title) for title in ("Newer Pack", "Partly Pack", "Older Pack", "Gone Pack")]
    assert positions == sorted(positions)
    assert "Abandoned Pack" not in html and "Someone Else" not in html
    assert older.customer.email in html
    # Earnings now: 9.00 for a $10 sale; 9.00 − 3.60 after refunding 4.00 (40 %); 0 once refunded.
    assert "$9.00" in html and "$5.40" in html and "$0.00" in html

    def listed(status):
        page = client.get(reverse("seller_portal:orders"), {"status": status}).content.decode()
        return {o.product.title for o in (older, newer, partly, refunded) if o.product.title in page}

    assert listed("paid") == {"Older Pack", "Newer Pack"}
    assert listed("partly_refunded") == {"Partly Pack"}
    assert listed("refunded") == {"Gone Pack"}
    assert listed("chargeback") == set()
    assert listed("nonsense") == {"Older Pack", "Newer Pack", "Partly Pack", "Gone Pack"}


@pytest.mark.parametrize("rows", [2, 20])
def test_the_order_pages_query_count_does_not_grow(client, site_tree, rows, django_assert_max_num_queries):
    seller = SellerFactory()
    order = None
    for n in range(rows):
        order = _sold(seller, title=f"Pack {n}")
        _refund(order, "1.00", f"ref_{n}")
    for n in range(rows):
        _refund(order, "0.10", f"ref_more_{n}")
    client.force_login(seller)
    for url in (reverse("seller_portal:orders"), _order_url(order)):
        client.get(url)
        with django_assert_max_num_queries(12):
            assert client.get(url).status_code == 200
