"""The marketplace's state on the Wagtail admin dashboard (``/admin/``).

A "Marketplace" section, above Wagtail's own panels, of small panels: flagged orders,
open disputes, escalated and unanswered support tickets, sales today and over 7 days,
products and categories awaiting moderation; the ``dodo`` app adds its failed syncs and
unmatched payments through :data:`MARKETPLACE_PANELS_HOOK` (the catalogue knows nothing
of Dodo). Each panel:

- costs exactly **one query**, however many rows there are (a count, conditional
  aggregates, or a ``UNION ALL`` of counts: :func:`count_each`);
- is shown only to editors who may open the list it links to, checked with the same
  permission policy as that list (``user.has_perm`` underneath, cached per request, so
  the check itself costs no query);
- links to that list, filtered to the rows it counts, and reads "all clear" at zero; a
  figure that needs a person is drawn in Wagtail's critical colour.

Wired in ``wagtail_hooks.py`` (``construct_homepage_panels``).
"""

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import CharField, Count, DecimalField, Exists, Min, OuterRef, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, ngettext_lazy
from wagtail import hooks
from wagtail.admin.ui.components import Component
from wagtail.models import Page, WorkflowState
from wagtail.permissions import policy_registry

from .formatting import format_money
from .models import (
    OPEN_DISPUTE_STATUSES,
    CategoryStatus,
    Dispute,
    MessageRole,
    Order,
    ProductCategory,
    SupportTicket,
    TicketMessage,
    TicketStatus,
)
from .revenue import REVENUE, SALE, SALE_STATUSES
from .support.models import unanswered_q

# Other apps add panels here: each registered callable takes the request and returns a
# :class:`MarketplacePanel` (a panel class itself will do).
MARKETPLACE_PANELS_HOOK = "register_marketplace_dashboard_panel"
# Before Wagtail's own panels (moderation 210/220, recent edits 250, locked pages 300).
DASHBOARD_ORDER = 50


# COUNTING


def count_each(**querysets):
    """``{name: count}`` for several querysets, in one query (a ``UNION ALL`` of counts:
    each part is an aggregate without ``GROUP BY``, so it gives exactly one row)."""
    parts = [
        queryset.order_by()
        .annotate(dashboard_key=Value(name, output_field=CharField()))
        .values("dashboard_key")
        .annotate(n=Count("pk"))
        .values_list("dashboard_key", "n")
        for name, queryset in querysets.items()
    ]
    first, *rest = parts
    found = dict(first.union(*rest, all=True) if rest else first)
    return {name: found.get(name, 0) for name in querysets}


def local_midnight(day):
    """The first instant of ``day`` in ``settings.TIME_ZONE`` (the seller dashboard's days)."""
    return timezone.make_aware(datetime.combine(day, time.min))


def list_url(model, **filters):
    """The admin list of a snippet ``model``, filtered by its filterset's query string."""
    url = reverse(model.snippet_viewset.get_url_name("list"))
    return f"{url}?{urlencode(filters, doseq=True)}" if filters else url


def can_view_list(user, model):
    """Whether ``user`` may open the snippet list of ``model`` (what its index view checks)."""
    return policy_registry.get_by_type(model).user_has_any_permission(user, ["add", "change", "delete", "view"])


# PANELS


@dataclass
class Figure:
    """One number on a panel: ``value`` ("3", "$57.00") and what it counts, the list that
    shows those rows, and when the oldest of them started (``since``, shown as "Oldest: …")."""

    value: str
    label: str
    url: str
    count: int = 0
    attention: bool = False
    detail: str = ""
    since: datetime | None = None


@dataclass
class PanelState:
    figures: list = field(default_factory=list)
    # Nothing to show but "all clear" (``clear_text``).
    clear: bool = False


class MarketplacePanel(Component):
    """A panel of the "Marketplace" section: a heading, its figures (one query, in
    :meth:`get_state`), and a link to the list they come from."""

    template_name = "catalogue/admin/dashboard/panel.html"
    name = ""
    heading = ""
    icon = "list-ul"
    order = 100
    # What the panel says when nothing needs a person, and the link to its list.
    clear_text = ""
    link_label = ""

    def __init__(self, request):
        self.request = request
        self.user = request.user

    def is_shown(self):
        raise NotImplementedError

    def get_link(self):
        raise NotImplementedError

    def get_state(self):
        """The panel's :class:`PanelState`, from exactly one query."""
        raise NotImplementedError

    def get_context_data(self, parent_context=None):
        state = self.get_state()
        return {
            "panel": self,
            "figures": state.figures,
            "clear": state.clear,
            "attention": any(figure.attention for figure in state.figures),
            "link": self.get_link(),
        }


class CountPanel(MarketplacePanel):
    """One count of rows that need a person ("3 flagged orders"), maybe with the time
    the oldest of them started; zero reads "all clear"."""

    # ``ngettext_lazy(singular, plural, "count")``: what the count counts.
    label = ""
    since_field = None

    def get_queryset(self):
        raise NotImplementedError

    def get_rows_url(self):
        """The list filtered to the rows counted."""
        raise NotImplementedError

    def get_state(self):
        sums = {"n": Count("pk")}
        if self.since_field:
            sums["since"] = Min(self.since_field)
        row = self.get_queryset().order_by().aggregate(**sums)
        count = row["n"]
        if not count:
            return PanelState(clear=True)
        label = str(self.label % {"count": count})
        return PanelState(
            figures=[
                Figure(str(count), label, self.get_rows_url(), count=count, attention=True, since=row.get("since"))
            ]
        )


class FlaggedOrdersPanel(CountPanel):
    name = "flagged-orders"
    heading = _("Flagged orders")
    icon = "warning"
    order = 100
    label = ngettext_lazy("order needs review", "orders need review", "count")
    clear_text = _("All clear: no order is flagged.")
    link_label = _("All orders")

    def is_shown(self):
        return can_view_list(self.user, Order)

    def get_queryset(self):
        return Order.objects.flagged()

    def get_rows_url(self):
        return list_url(Order, needs_review="1")

    def get_link(self):
        return list_url(Order)


class OpenDisputesPanel(CountPanel):
    name = "open-disputes"
    heading = _("Open disputes")
    icon = "warning"
    order = 110
    label = ngettext_lazy("dispute open", "disputes open", "count")
    since_field = "opened_at"
    clear_text = _("All clear: no dispute is open.")
    link_label = _("All disputes")

    def is_shown(self):
        return policy_registry.get_by_type(Dispute).user_has_permission(self.user, "view")

    def get_queryset(self):
        return Dispute.objects.filter(status__in=OPEN_DISPUTE_STATUSES)

    def get_rows_url(self):
        return list_url(Dispute, status=sorted(OPEN_DISPUTE_STATUSES))

    def get_link(self):
        return list_url(Dispute)


# Tickets still in play, as the tickets list's status filter writes them.
NOT_CLOSED = [TicketStatus.OPEN.value, TicketStatus.ANSWERED.value]


def unanswered_tickets(tickets=None):
    """Tickets whose customer waits for an answer: open, the customer wrote after the
    seller's last reply (``unanswered_q``), and no one of the marketplace wrote since
    either (a staff reply answers the customer, though it leaves the ticket open for the
    seller). One ``EXISTS`` per row, inside the one query."""
    tickets = SupportTicket.objects.all() if tickets is None else tickets
    staff_since = TicketMessage.objects.filter(
        ticket=OuterRef("pk"),
        author_role=MessageRole.STAFF,
        created_at__gt=OuterRef("last_customer_message_at"),
    )
    return tickets.filter(unanswered_q()).exclude(Exists(staff_since))


class EscalatedTicketsPanel(CountPanel):
    name = "escalated-tickets"
    heading = _("Escalated tickets")
    icon = "help"
    order = 120
    label = ngettext_lazy("ticket escalated", "tickets escalated", "count")
    since_field = "escalated_at"
    clear_text = _("All clear: no ticket is escalated.")
    link_label = _("All support tickets")

    def is_shown(self):
        return can_view_list(self.user, SupportTicket)

    def get_queryset(self):
        return SupportTicket.objects.not_closed().filter(escalated_at__isnull=False)

    def get_rows_url(self):
        return list_url(SupportTicket, escalated="1", status=NOT_CLOSED)

    def get_link(self):
        return list_url(SupportTicket)


class UnansweredTicketsPanel(CountPanel):
    name = "unanswered-tickets"
    heading = _("Unanswered tickets")
    icon = "help"
    order = 130
    label = ngettext_lazy("customer waits for a reply", "customers wait for a reply", "count")
    since_field = "last_customer_message_at"
    clear_text = _("All clear: every customer has an answer.")
    link_label = _("All support tickets")

    def is_shown(self):
        return can_view_list(self.user, SupportTicket)

    def get_queryset(self):
        return unanswered_tickets()

    def get_rows_url(self):
        return list_url(SupportTicket, unanswered="1")

    def get_link(self):
        return list_url(SupportTicket)


# Sales, by the seller dashboard's revenue rule (catalogue.revenue), on the local day each
# order was paid.
MONEY = DecimalField(max_digits=14, decimal_places=3)
# "7 days": today and the 6 days before it, as on the seller dashboard.
WEEK_DAYS = 7


def sales_figures(today=None):
    """``{"today": (sales, revenue), "week": (sales, revenue)}`` for the local day
    ``today`` and the 7 days ending with it, in one query."""
    today = today or timezone.localdate()
    today_start = local_midnight(today)
    week_start = local_midnight(today - timedelta(days=WEEK_DAYS - 1))
    tomorrow_start = local_midnight(today + timedelta(days=1))
    is_today = Q(paid_at__gte=today_start)

    def revenue(condition=None):
        return Coalesce(Sum(REVENUE, filter=condition), Value(Decimal("0")), output_field=MONEY)

    row = Order.objects.filter(paid_at__gte=week_start, paid_at__lt=tomorrow_start).aggregate(
        today_sales=Count("pk", filter=SALE & is_today),
        today_revenue=revenue(is_today),
        week_sales=Count("pk", filter=SALE),
        week_revenue=revenue(),
    )
    return {
        "today": (row["today_sales"], row["today_revenue"]),
        "week": (row["week_sales"], row["week_revenue"]),
    }


def paid_orders_url(first_day, last_day):
    """The orders list: sales paid from ``first_day`` to ``last_day`` (local days)."""
    return list_url(
        Order,
        status=[status.value for status in SALE_STATUSES],
        paid_at_from=first_day.isoformat(),
        paid_at_to=last_day.isoformat(),
    )


class SalesPanel(MarketplacePanel):
    name = "sales"
    heading = _("Sales")
    icon = "table"
    order = 140
    link_label = _("All orders")

    def is_shown(self):
        return can_view_list(self.user, Order)

    def get_link(self):
        return list_url(Order)

    def get_state(self):
        today = timezone.localdate()
        figures = sales_figures(today)
        currency = settings.MARKETPLACE_CURRENCY
        rows = [
            ("today", _("today"), today),
            ("week", _("last 7 days"), today - timedelta(days=WEEK_DAYS - 1)),
        ]
        state = PanelState()
        for key, when, first_day in rows:
            sales, revenue = figures[key]
            detail = ngettext("%(count)d sale", "%(count)d sales", sales) % {"count": sales}
            state.figures.append(
                Figure(
                    format_money(revenue, currency),
                    str(when),
                    paid_orders_url(first_day, today),
                    count=sales,
                    detail=detail,
                )
            )
        return state


class ModerationPanel(MarketplacePanel):
    """Products in a moderation workflow (catalogue/moderation.py) and categories sellers
    proposed, both waiting for an editor; each figure for those who may open its list."""

    name = "moderation"
    heading = _("Awaiting moderation")
    icon = "tasks"
    order = 150
    clear_text = _("All clear: nothing waits for moderation.")

    def _can_see_workflows(self):
        return policy_registry.get_by_type(Page).user_has_any_permission(self.user, ["add", "change", "publish"])

    def _can_see_categories(self):
        return can_view_list(self.user, ProductCategory)

    def is_shown(self):
        return self._can_see_workflows() or self._can_see_categories()

    def get_link(self):
        return ""

    def get_state(self):
        querysets = {}
        if self._can_see_workflows():
            querysets["products"] = WorkflowState.objects.filter(
                status=WorkflowState.STATUS_IN_PROGRESS,
                content_type__app_label="catalogue",
                content_type__model="productpage",
            )
        if self._can_see_categories():
            querysets["categories"] = ProductCategory.objects.filter(status=CategoryStatus.PENDING)
        counts = count_each(**querysets)
        state = PanelState()
        if "products" in counts:
            count = counts["products"]
            state.figures.append(
                Figure(
                    str(count),
                    ngettext("product in review", "products in review", count),
                    reverse("wagtailadmin_reports:workflow") + "?status=" + WorkflowState.STATUS_IN_PROGRESS,
                    count=count,
                    attention=count > 0,
                )
            )
        if "categories" in counts:
            count = counts["categories"]
            state.figures.append(
                Figure(
                    str(count),
                    ngettext("category awaiting approval", "categories awaiting approval", count),
                    list_url(ProductCategory, status=CategoryStatus.PENDING.value),
                    count=count,
                    attention=count > 0,
                )
            )
        state.clear = not any(figure.count for figure in state.figures)
        return state


CATALOGUE_PANELS = (
    FlaggedOrdersPanel,
    OpenDisputesPanel,
    EscalatedTicketsPanel,
    UnansweredTicketsPanel,
    SalesPanel,
    ModerationPanel,
)


class MarketplaceDashboard(Component):
    """The "Marketplace" section of the admin dashboard: the panels the user may see,
    in a grid (costs no query of its own)."""

    name = "marketplace"
    template_name = "catalogue/admin/dashboard/marketplace.html"
    order = DASHBOARD_ORDER

    def __init__(self, panels):
        self.panels = sorted(panels, key=lambda panel: panel.order)

    def render_html(self, parent_context=None):
        if not self.panels:
            return ""
        return super().render_html(parent_context)

    def get_context_data(self, parent_context=None):
        return {"panels": self.panels, "request": parent_context.get("request") if parent_context else None}


def marketplace_panels(request):
    """The catalogue's panels and those other apps register, that ``request.user`` may see."""
    makers = [*CATALOGUE_PANELS, *hooks.get_hooks(MARKETPLACE_PANELS_HOOK)]
    panels = [make(request) for make in makers]
    return [panel for panel in panels if panel is not None and panel.is_shown()]


def add_marketplace_dashboard(request, panels):
    """``construct_homepage_panels``: the section first; Wagtail's own panels stay."""
    panels.insert(0, MarketplaceDashboard(marketplace_panels(request)))
