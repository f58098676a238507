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
    response = editor.post(edit_url, {"needs_review": "", "review_note": "Refunded the double charge.", "amount": "0.01"})
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
