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
