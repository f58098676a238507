"""The admin dashboard's "Marketplace" section (catalogue/admin_dashboard.py): each panel
one query, right counts, links to lists that show the rows, shown only to editors who
may open its list."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.models import GroupApprovalTask, Workflow, WorkflowTask

from catalogue import admin_dashboard
from catalogue.admin_dashboard import local_midnight
from catalogue.models import CategoryStatus, MessageRole, Order, OrderStatus, TicketStatus
from tests.factories import (
    CustomerFactory,
    DisputeFactory,
    OrderFactory,
    ProductCategoryFactory,
    ProductPageFactory,
    SellerFactory,
    StaffFactory,
    SupportTicketFactory,
    TicketMessageFactory,
)

pytestmark = pytest.mark.django_db

HOME = "/admin/"


@pytest.fixture
def editor(client, staff):
    client.force_login(staff)
    return client


def _panel_html(html, name):
    """The HTML of one panel of the section (empty when it is not shown)."""
    match = re.search(rf'<section class="mp-card[^"]*" data-panel="{name}".*?</section>', html, re.S)
    return match.group(0) if match else ""


def _figure_links(panel_html):
    return [link.replace("&amp;", "&") for link in re.findall(r'class="mp-figure__main" href="([^"]+)"', panel_html)]


def _render(panel_class, user):
    request = RequestFactory().get(HOME)
    request.user = user
    panel = panel_class(request)
    with CaptureQueriesContext(connection) as queries:
        html = panel.render_html({"request": request})
    return html, len(queries)


def _many_rows(count=6):
    """Rows of every kind the panels count (workflows aside: Wagtail's own panels list
    those one by one)."""
    product = ProductPageFactory()
    for index in range(count):
        order = OrderFactory(product=product, needs_review=True, paid_at=timezone.now() - timedelta(hours=index))
        DisputeFactory(order=order)
        ticket = SupportTicketFactory(product=product)
        ticket.escalated_at = timezone.now()
        ticket.save(update_fields=["escalated_at"])
        ProductCategoryFactory(status=CategoryStatus.PENDING)


# ONE QUERY PER PANEL


def _home_queries(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(HOME)
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_the_dashboard_costs_the_same_queries_with_no_rows_and_with_many(editor, site_tree):
    editor.get(HOME)  # warm Wagtail's caches (site root paths, content types)
    empty, html = _home_queries(editor)
    assert 'data-panel="flagged-orders"' in html and "All clear: no order is flagged." in html
    _many_rows(3)
    few, _html = _home_queries(editor)
    _many_rows(12)
    many, html = _home_queries(editor)
    assert empty == few == many
    assert "15" in _panel_html(html, "flagged-orders")


@pytest.mark.parametrize("with_rows", [False, True])
@pytest.mark.parametrize("panel_class", admin_dashboard.CATALOGUE_PANELS, ids=lambda cls: cls.__name__)
def test_each_panel_renders_with_exactly_one_query(site_tree, staff, panel_class, with_rows):
    if with_rows:
        _many_rows(4)
        _start_review(ProductPageFactory(), staff)
    _render(panel_class, staff)  # content types and permissions cached, as on a real page
    html, queries = _render(panel_class, staff)
    assert queries == 1, html
    assert f'data-panel="{panel_class.name}"' in html


def test_the_section_comes_before_wagtails_own_panels(site_tree):
    # Ours first in the home view's panel list (sorted by ``order``), Wagtail's kept.
    request = RequestFactory().get(HOME)
    request.user = StaffFactory()
    from wagtail.admin.views.home import HomeView

    view = HomeView()
    view.request = request
    panels = sorted(view.get_panels(), key=lambda panel: panel.order)
    assert isinstance(panels[0], admin_dashboard.MarketplaceDashboard)
    assert {"recent_edits", "locked_pages"} <= {getattr(panel, "name", "") for panel in panels}


# COUNTS, ZERO STATES AND LINKS


def test_flagged_orders_and_open_disputes_count_and_link_to_their_rows(editor, site_tree):
    flagged = [OrderFactory(needs_review=True) for _ in range(2)]
    fine = OrderFactory()
    open_dispute = DisputeFactory(status="dispute_opened")
    challenged = DisputeFactory(status="dispute_challenged")
    won = DisputeFactory(status="dispute_won")

    html = editor.get(HOME).content.decode()
    orders = _panel_html(html, "flagged-orders")
    assert "mp-card--attention" in orders and ">2<" in orders and "orders need review" in orders
    (link,) = _figure_links(orders)
    listing = editor.get(link).content.decode()
    for order in flagged:
        assert f"/admin/snippets/catalogue/order/inspect/{order.pk}/" in listing
    assert f"/admin/snippets/catalogue/order/inspect/{fine.pk}/" not in listing

    disputes = _panel_html(html, "open-disputes")
    assert ">2<" in disputes and "disputes open" in disputes and "Oldest:" in disputes
    (link,) = _figure_links(disputes)
    listing = editor.get(link).content.decode()
    assert f"/dispute/inspect/{open_dispute.pk}/" in listing and f"/dispute/inspect/{challenged.pk}/" in listing
    assert f"/dispute/inspect/{won.pk}/" not in listing


def test_zero_states_read_all_clear_without_the_attention_colour(editor, site_tree):
    html = editor.get(HOME).content.decode()
    for name, text in [
        ("flagged-orders", "All clear: no order is flagged."),
        ("open-disputes", "All clear: no dispute is open."),
        ("escalated-tickets", "All clear: no ticket is escalated."),
        ("unanswered-tickets", "All clear: every customer has an answer."),
        ("moderation", "All clear: nothing waits for moderation."),
    ]:
        panel = _panel_html(html, name)
        assert text in panel and "mp-card--attention" not in panel, name
    sales = _panel_html(html, "sales")
    assert "$0.00" in sales and "0 sales" in sales and "mp-card--attention" not in sales


def _ticket(subject, **fields):
    ticket = SupportTicketFactory(subject=subject)
    for name, value in fields.items():
        setattr(ticket, name, value)
    ticket.save()
    return ticket


def test_escalated_and_unanswered_tickets(editor, site_tree):
    now = timezone.now()
    seller_reply = now - timedelta(hours=2)
    # Escalated: open or answered count, closed does not.
    _ticket("Escalated open", escalated_at=now)
    _ticket("Escalated answered", escalated_at=now, status=TicketStatus.ANSWERED, last_seller_message_at=now)
    _ticket("Escalated closed", escalated_at=now, status=TicketStatus.CLOSED)
    # Unanswered: the customer wrote last and nobody answered since.
    _ticket("New question")  # the customer's first message only (and "Escalated open" above)
    _ticket(
        "Customer came back",
        last_seller_message_at=seller_reply,
        last_customer_message_at=now - timedelta(hours=1),
    )
    answered = _ticket("Seller answered", status=TicketStatus.ANSWERED, last_seller_message_at=now)
    staff_answered = _ticket("Staff answered")
    TicketMessageFactory(ticket=staff_answered, author=StaffFactory(), author_role=MessageRole.STAFF)
    closed = _ticket("Closed question", status=TicketStatus.CLOSED)
    assert answered.pk and closed.pk

    html = editor.get(HOME).content.decode()
    escalated = _panel_html(html, "escalated-tickets")
    assert ">2<" in escalated and "tickets escalated" in escalated
    (link,) = _figure_links(escalated)
    listing = editor.get(link).content.decode()
    assert "Escalated open" in listing and "Escalated answered" in listing
    assert "Escalated closed" not in listing and "New question" not in listing

    unanswered = _panel_html(html, "unanswered-tickets")
    assert ">3<" in unanswered and "customers wait for a reply" in unanswered
    (link,) = _figure_links(unanswered)
    listing = editor.get(link).content.decode()
    for subject in ("New question", "Customer came back", "Escalated open"):
        assert subject in listing, subject
    for subject in ("Seller answered", "Staff answered", "Closed question", "Escalated answered"):
        assert subject not in listing, subject


def _order(product, status, amount, paid_at, net=None, refunded=Decimal("0"), **fields):
    return OrderFactory(
        product=product,
        status=status,
        amount=Decimal(amount),
        net_amount=None if net is None else Decimal(net),
        refunded_amount=Decimal(refunded),
        paid_at=paid_at,
        **fields,
    )


def _recompute(today):
    """The sales figures from the order rows, in Python, by the rule of the docstring."""
    week_start = today - timedelta(days=6)
    figures = {"today": [0, Decimal("0")], "week": [0, Decimal("0")]}
    for order in Order.objects.all():
        if order.paid_at is None:
            continue
        day = timezone.localdate(order.paid_at)
        windows = [key for key, first in (("today", today), ("week", week_start)) if first <= day <= today]
        for key in windows:
            if order.status in (OrderStatus.PAID, OrderStatus.REFUNDED, OrderStatus.CHARGEBACK) and order.amount > 0:
                figures[key][0] += 1
            if order.status == OrderStatus.PAID:
                net = order.net_amount if order.net_amount is not None else order.amount
                figures[key][1] += net - order.refunded_amount
    return {key: (count, revenue) for key, (count, revenue) in figures.items()}


def test_sales_today_and_last_7_days_in_local_days(editor, site_tree, settings):
    # New York: a sale at 23:30 there yesterday is "today" in UTC for part of the day.
    settings.TIME_ZONE = "America/New_York"
    today = timezone.localdate()
    midnight = local_midnight(today)
    product = ProductPageFactory(title="Sold thing")
    paid = _order(product, OrderStatus.PAID, "20.00", midnight + timedelta(seconds=1), net="18.00")
    partial = _order(product, OrderStatus.PAID, "30.00", midnight + timedelta(seconds=2), net="27.00", refunded="9.00")
    refunded = _order(
        product, OrderStatus.REFUNDED, "10.00", midnight + timedelta(seconds=3), net="9.00", refunded="9.00"
    )
    free = _order(product, OrderStatus.PAID, "0.00", midnight + timedelta(seconds=4), net="0.00")
    # Yesterday, local time; recorded without Dodo's figures, so it counts its price.
    yesterday = _order(product, OrderStatus.PAID, "40.00", midnight - timedelta(minutes=30))
    charged_back = _order(product, OrderStatus.CHARGEBACK, "15.00", midnight - timedelta(days=3), net="14.00")
    _order(product, OrderStatus.PAID, "50.00", midnight - timedelta(days=6, minutes=1), net="45.00")  # 8th day back
    _order(product, OrderStatus.PENDING, "12.00", None, customer=CustomerFactory())

    figures = admin_dashboard.sales_figures()
    assert figures == _recompute(today)
    assert figures["today"] == (3, Decimal("36.000"))  # paid 18 + partly refunded 27 - 9; refunded 0; free no sale
    assert figures["week"] == (5, Decimal("76.000"))  # + yesterday's 40 (its price) + a chargeback (0)

    html = editor.get(HOME).content.decode()
    sales = _panel_html(html, "sales")
    assert "$36.00" in sales and "3 sales" in sales and "$76.00" in sales and "5 sales" in sales
    today_link, week_link = _figure_links(sales)
    listing = editor.get(today_link).content.decode()
    for order in (paid, partial, refunded, free):
        assert f"/order/inspect/{order.pk}/" in listing
    assert f"/order/inspect/{yesterday.pk}/" not in listing and f"/order/inspect/{charged_back.pk}/" not in listing
    listing = editor.get(week_link).content.decode()
    for order in (paid, partial, refunded, yesterday, charged_back):
        assert f"/order/inspect/{order.pk}/" in listing


def _start_review(page, user):
    """``page`` in a one-task approval workflow, as moderation starts one."""
    workflow = Workflow.objects.filter(name="Product review").first()
    if workflow is None:
        workflow = Workflow.objects.create(name="Product review")
        task = GroupApprovalTask.objects.create(name="Editors approve")
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    page.save_revision(user=user)
    return workflow.start(page, user)


def test_products_and_categories_awaiting_moderation(editor, site_tree, staff):
    reviewed = ProductPageFactory(title="Waiting product")
    _start_review(reviewed, staff)
    done = ProductPageFactory(title="Cancelled review")
    _start_review(done, staff).cancel(user=staff)
    pending = ProductCategoryFactory(name="Proposed shelf", status=CategoryStatus.PENDING)
    ProductCategoryFactory(name="Approved shelf", status=CategoryStatus.APPROVED)

    html = editor.get(HOME).content.decode()
    panel = _panel_html(html, "moderation")
    assert "mp-card--attention" in panel
    assert "product in review" in panel and "category awaiting approval" in panel
    products_link, categories_link = _figure_links(panel)
    listing = editor.get(products_link).content.decode()
    assert "Waiting product" in listing and "Cancelled review" not in listing
    listing = editor.get(categories_link).content.decode()
    # The list's status filter is the moderation work's; the pending row is on it.
    assert pending.name in listing


# WHO SEES WHAT


def _editor_with(client, *perms):
    group = Group.objects.create(name="Support desk")
    group.permissions.add(Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"))
    for perm in perms:
        app_label, codename = perm.split(".")
        group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    user = StaffFactory(is_superuser=False)
    user.groups.add(group)
    client.force_login(user)
    return user


def test_an_editor_sees_only_the_panels_of_lists_they_may_open(client, site_tree):
    _editor_with(client, "catalogue.view_supportticket")
    html = client.get(HOME).content.decode()
    assert _panel_html(html, "escalated-tickets") and _panel_html(html, "unanswered-tickets")
    for name in ("flagged-orders", "open-disputes", "sales", "moderation"):
        assert not _panel_html(html, name), name


def test_an_editor_who_may_open_no_list_sees_no_section(client, site_tree):
    _editor_with(client)
    html = client.get(HOME).content.decode()
    assert client.get(HOME).status_code == 200
    assert 'id="marketplace-section"' not in html and "mp-card" not in html


def test_an_order_editor_sees_orders_disputes_and_sales_with_one_query_each(client, site_tree):
    user = _editor_with(client, "catalogue.change_order")
    _many_rows(2)
    html = client.get(HOME).content.decode()
    for name in ("flagged-orders", "open-disputes", "sales"):
        assert _panel_html(html, name), name
    assert not _panel_html(html, "unanswered-tickets")
    for panel_class in (admin_dashboard.FlaggedOrdersPanel, admin_dashboard.OpenDisputesPanel):
        user = type(user).objects.get(pk=user.pk)  # a fresh user: permissions not yet cached
        user.has_perm("catalogue.change_order")  # ... as the admin menu caches them on a real page
        assert _render(panel_class, user)[1] == 1


@pytest.mark.parametrize("make_user", [CustomerFactory, SellerFactory], ids=["customer", "seller"])
def test_customers_and_sellers_cannot_reach_the_dashboard(client, site_tree, make_user):
    OrderFactory(needs_review=True)
    client.force_login(make_user())
    response = client.get(HOME)
    assert response.status_code in (302, 403)
    assert "mp-card" not in response.content.decode()
