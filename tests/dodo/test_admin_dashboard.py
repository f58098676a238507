"""Dodo's panels on the admin dashboard (dodo/admin_dashboard.py): failed syncs and
unmatched payments, one query each, linking to the reports that list them, for editors
who may manage the sync."""

import json
import re

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from dodo import admin_dashboard
from dodo.models import DodoCustomer, DodoDiscount, DodoProduct, SyncStatus, WebhookEvent, WebhookEventStatus
from tests.factories import CustomerFactory, StaffFactory

pytestmark = pytest.mark.django_db

HOME = "/admin/"
PANELS = (admin_dashboard.FailedSyncPanel, admin_dashboard.UnmatchedPaymentsPanel)


@pytest.fixture
def editor(client, staff, site_tree):
    # Wagtail's admin home needs a page tree (its page summary links to the root), and a
    # live-server test earlier on this worker may have flushed the one migrations made.
    client.force_login(staff)
    return client


def _panel_html(html, name):
    match = re.search(rf'<section class="mp-card[^"]*" data-panel="{name}".*?</section>', html, re.S)
    return match.group(0) if match else ""


def _figure_links(panel_html):
    return [link.replace("&amp;", "&") for link in re.findall(r'class="mp-figure__main" href="([^"]+)"', panel_html)]


_keys = iter(range(10_000, 1_000_000))


def _failed_records(customers=0, products=0, discounts=0, status=SyncStatus.FAILED):
    for _ in range(customers):
        # A new user may already have its record (the sync receivers make one): update it.
        DodoCustomer.objects.update_or_create(
            user=CustomerFactory(), defaults={"sync_status": status, "sync_error": "Dodo timed out"}
        )
    for _ in range(products):
        key = next(_keys)
        DodoProduct.objects.create(page_key=key, title=f"Product {key}", sync_status=status, sync_error="Dodo 503")
    for _ in range(discounts):
        key = next(_keys)
        DodoDiscount.objects.create(code_key=key, code_text=f"CODE{key}", sync_status=status, sync_error="Dodo 503")


def _unmatched(count, status=WebhookEventStatus.UNMATCHED):
    events = []
    for _ in range(count):
        key = next(_keys)
        body = {
            "type": "payment.succeeded",
            "data": {"payment_id": f"pay_lost{key}", "total_amount": 1900, "currency": "USD"},
        }
        events.append(
            WebhookEvent.objects.create(
                webhook_id=f"wh_{key}",
                event_type="payment.succeeded",
                body=json.dumps(body),
                status=status,
                payment_id=f"pay_lost{key}",
            )
        )
    return events


def _render(panel_class, user):
    request = RequestFactory().get(HOME)
    request.user = user
    panel = panel_class(request)
    with CaptureQueriesContext(connection) as queries:
        html = panel.render_html({"request": request})
    return html, len(queries)


@pytest.mark.parametrize("with_rows", [False, True])
@pytest.mark.parametrize("panel_class", PANELS, ids=lambda cls: cls.__name__)
def test_each_panel_renders_with_exactly_one_query(staff, panel_class, with_rows):
    if with_rows:
        _failed_records(customers=3, products=2, discounts=4)
        _unmatched(5)
    html, queries = _render(panel_class, staff)
    assert queries == 1, html
    assert f'data-panel="{panel_class.name}"' in html


def test_the_dashboard_costs_the_same_queries_whatever_fails(editor, site_tree):
    editor.get(HOME)
    counts = []
    for rows in (0, 2, 20):
        _failed_records(customers=rows, products=rows, discounts=rows)
        _unmatched(rows)
        with CaptureQueriesContext(connection) as queries:
            html = editor.get(HOME).content.decode()
        counts.append(len(queries))
    assert counts[0] == counts[1] == counts[2]
    assert ">66<" in _panel_html(html, "dodo-sync") and ">22<" in _panel_html(html, "unmatched-payments")


def test_failed_syncs_count_each_kind_and_link_to_the_sync_report(editor):
    html = editor.get(HOME).content.decode()
    panel = _panel_html(html, "dodo-sync")
    assert "All clear: everything is in step with Dodo." in panel and "mp-card--attention" not in panel

    _failed_records(customers=2, products=1)
    _failed_records(discounts=3, status=SyncStatus.REJECTED)  # waits for a change: not a failure to retry
    _failed_records(customers=1, status=SyncStatus.SYNCED)
    html = editor.get(HOME).content.decode()
    panel = _panel_html(html, "dodo-sync")
    assert "mp-card--attention" in panel and ">3<" in panel and "syncs failed" in panel
    assert "2 customers · 1 product" in panel and "discount" not in panel
    (link,) = _figure_links(panel)
    report = editor.get(link).content.decode()
    for record in DodoProduct.objects.failed():
        assert record.title in report
    for record in DodoCustomer.objects.failed().select_related("user"):
        assert record.user.email in report


def test_unmatched_payments_count_and_link_to_the_events_report(editor):
    lost = _unmatched(2)
    _unmatched(1, status=WebhookEventStatus.PROCESSED)
    html = editor.get(HOME).content.decode()
    panel = _panel_html(html, "unmatched-payments")
    assert "mp-card--attention" in panel and ">2<" in panel and "payments match no order" in panel
    assert "Oldest:" in panel
    (link,) = _figure_links(panel)
    report = editor.get(link).content.decode()
    for event in lost:
        assert event.payment_id in report


def test_editors_who_may_not_manage_the_sync_do_not_see_the_panels(client):
    _failed_records(products=1)
    _unmatched(1)
    group = Group.objects.create(name="Order desk")
    group.permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"),
        Permission.objects.get(content_type__app_label="catalogue", codename="change_order"),
    )
    user = StaffFactory(is_superuser=False)
    user.groups.add(group)
    client.force_login(user)
    html = client.get(HOME).content.decode()
    assert _panel_html(html, "flagged-orders")
    assert not _panel_html(html, "dodo-sync") and not _panel_html(html, "unmatched-payments")

    group.permissions.add(Permission.objects.get(content_type__app_label="dodo", codename="change_dodoproduct"))
    client.force_login(type(user).objects.get(pk=user.pk))
    html = client.get(HOME).content.decode()
    assert _panel_html(html, "dodo-sync") and _panel_html(html, "unmatched-payments")
