"""Wagtail admin wiring for the catalogue: a "Catalogue" menu with the product listing,
the categories, the support tickets, the orders and the disputes, and a friendly refusal
to delete a category that has products."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Case, Count, Exists, OuterRef, Value, When
from django.forms import CheckboxSelectMultiple, HiddenInput
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django_filters import (
    ChoiceFilter,
    DateFromToRangeFilter,
    ModelChoiceFilter,
    ModelMultipleChoiceFilter,
    MultipleChoiceFilter,
)
from wagtail import hooks
from wagtail.admin.filters import DateRangePickerWidget, MultipleUserFilter, WagtailFilterSet
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, Panel
from wagtail.admin.ui.tables import Column, DateColumn, StatusTagColumn, TitleColumn
from wagtail.admin.ui.tables.pages import BulkActionsColumn, PageStatusColumn, PageTitleColumn
from wagtail.admin.views.pages.listing import IndexView as PageIndexView
from wagtail.admin.views.pages.listing import PageFilterSet
from wagtail.admin.viewsets.pages import PageListingViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import policy_registry, register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import IndexView as SnippetIndexView
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from . import (
    admin_analytics,
    admin_categories,
    admin_dashboard,
    admin_orders,
    admin_payouts,
    admin_reviews,
    admin_views,
)
from .extensions import SYNC_STATE, product_sync_provider
from .formatting import format_money
from .models import (
    LOST_DISPUTE_STATUSES,
    OPEN_DISPUTE_STATUSES,
    CategoryInUseError,
    CategoryStatus,
    DiscountCode,
    Dispute,
    DisputeStatus,
    Order,
    OrderStatus,
    ProductCategory,
    ProductPage,
    Review,
    SupportTicket,
    TicketStatus,
)
from .payouts import can_manage_payouts
from .rich_text import LivePageLinkHandler
from .support import admin_views as support_admin_views


def _dodo_sync_label(page):
    # The state comes from the product sync provider's annotation (dodo registers it):
    # the catalogue neither imports dodo nor reads its tables.
    return product_sync_provider().label(getattr(page, SYNC_STATE, None))


def _dodo_sync_choices():
    return product_sync_provider().choices


def _sellers(request):
    return get_user_model().objects.filter(is_seller=True).order_by("first_name", "last_name", "email")


class CustomerLinkFilterSet(WagtailFilterSet):
    """A filterset with a ``customer`` filter, for the links on a user's admin page
    (accounts/viewsets.py) to their orders and tickets. It has no control in the filter
    drawer unless given (a list of every customer would not fit there); once given, its
    pill says whose rows these are and removes it."""

    customer = ModelChoiceFilter(
        label=_("Customer"), queryset=lambda request: get_user_model().objects.all(), widget=HiddenInput
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.data.get("customer"):
            del self.filters["customer"]


# PRODUCTS


class ProductPageFilterSet(PageFilterSet):
    category = ModelMultipleChoiceFilter(
        label=_("Category"), queryset=ProductCategory.objects.all(), widget=CheckboxSelectMultiple
    )
    seller = MultipleUserFilter(label=_("Seller"), queryset=_sellers, widget=CheckboxSelectMultiple)
    dodo_sync = ChoiceFilter(label=_("Dodo sync"), choices=_dodo_sync_choices, method="filter_dodo_sync")

    def filter_dodo_sync(self, queryset, name, value):
        return product_sync_provider().filter(queryset, value)

    class Meta:
        model = ProductPage
        fields = []


class ProductPageIndexView(PageIndexView):
    def get_base_queryset(self):
        # Rows are specific pages, fetched by a second query: the join must reach it
        # (for_specific_subqueries), or each row's seller and category cost a query.
        return super().get_base_queryset().select_related("seller", "category", for_specific_subqueries=True)

    def annotate_queryset(self, pages):
        return product_sync_provider().annotate(super().annotate_queryset(pages))


class ProductPageListingViewSet(PageListingViewSet):
    """Every product page in one flat, filterable list (the tree view nests them)."""

    model = ProductPage
    icon = "tag"
    menu_label = _("Products")
    index_view_class = ProductPageIndexView
    filterset_class = ProductPageFilterSet
    columns = [
        BulkActionsColumn("bulk_actions"),
        PageTitleColumn("title", label=_("Title"), sort_key="title", classname="title"),
        Column("seller", label=_("Seller"), accessor=lambda page: page.seller_name, sort_key="seller__first_name"),
        Column("category", label=_("Category"), accessor="category.name", sort_key="category__name"),
        Column(
            "price",
            label=_("Price"),
            accessor=lambda page: (
                format_money(page.effective_price, page.currency)
                + (f" (was {format_money(page.price, page.currency)})" if page.is_discounted else "")
            ),
            sort_key="sort_price",
        ),
        PageStatusColumn("status", label=_("Status"), sort_key="live", width="12%"),
        Column("dodo_sync", label=_("Dodo sync"), accessor=_dodo_sync_label, sort_key=SYNC_STATE),
        DateColumn("latest_revision_created_at", label=_("Updated"), sort_key="latest_revision_created_at"),
    ]


# RICH TEXT


# order=1: after Wagtail's own registration of the "page" link type, which this replaces.
@hooks.register("register_rich_text_features", order=1)
def link_rich_text_to_live_pages_only(features):
    """Rich text renders page links to live pages only, so a description cannot reveal
    a draft's address (catalogue/rich_text.py)."""
    features.register_link_type(LivePageLinkHandler)


# CATEGORIES


class ProductCategoryFilterSet(WagtailFilterSet):
    owner = MultipleUserFilter(label=_("Owner"), queryset=_sellers, widget=CheckboxSelectMultiple)
    # Sellers' proposals awaiting approval (catalogue.moderation, admin_categories.py).
    status = ChoiceFilter(label=_("Status"), choices=CategoryStatus.choices)

    class Meta:
        model = ProductCategory
        fields = []


class ProductCategoryIndexView(SnippetIndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("owner").annotate(product_count=Count("products"))


class ProductCategoryViewSet(SnippetViewSet):
    model = ProductCategory
    icon = "folder-open-inverse"
    menu_label = _("Categories")
    index_view_class = ProductCategoryIndexView
    list_display = [
        "name",
        "slug",
        Column("owner", label=_("Owner"), accessor=lambda category: category.owner or _("Editors")),
        Column("product_count", label=_("Products"), sort_key="product_count"),
        StatusTagColumn(
            "status",
            label=_("Status"),
            accessor="get_status_display",
            sort_key="status",
            primary=lambda category: category.status == CategoryStatus.PENDING,
        ),
        TitleColumn(
            "review",
            label=_("Review"),
            accessor=lambda category: _("Approve or reject") if category.status == CategoryStatus.PENDING else _("Details"),
            get_url=lambda category: admin_categories.category_review_url(category.pk),
        ),
    ]
    list_per_page = 50
    search_fields = ["name", "slug", "description"]
    filterset_class = ProductCategoryFilterSet
    ordering = ["name"]


CATALOGUE_SUBMENU_HOOK = "register_catalogue_menu_item"


class CatalogueMenuGroup(SnippetViewSetGroup):
    """The admin's "Catalogue" menu: products and categories."""

    menu_label = _("Catalogue")
    menu_icon = "tag"
    menu_order = 200
    items = (ProductPageListingViewSet("catalogue_products"), ProductCategoryViewSet)
    # Viewsets defined further down (support tickets) join this menu through this hook.
    submenu_hook = CATALOGUE_SUBMENU_HOOK


register_snippet(CatalogueMenuGroup)


@hooks.register("register_admin_urls")
def register_category_review_urls():
    # Approve or reject a seller's proposed category (catalogue/admin_categories.py).
    return [
        path(
            "categories/<int:pk>/review/",
            admin_categories.CategoryReviewView.as_view(),
            name="catalogue_category_review",
        )
    ]


@hooks.register("before_delete_snippet")
def refuse_deleting_categories_with_products(request, instances):
    """Turn a category delete (single or bulk) that products block into a clear message.

    ``ProductPage.category`` is ``PROTECT``, so the database would refuse anyway; this
    says why before the editor confirms, and names the categories.
    """
    categories = [instance for instance in instances if isinstance(instance, ProductCategory)]
    if not categories:
        return None
    in_use = (
        ProductCategory.objects.filter(pk__in=[category.pk for category in categories])
        .annotate(product_count=Count("products"))
        .filter(product_count__gt=0)
    )
    if not in_use:
        return None
    for category in in_use:
        messages.error(request, str(CategoryInUseError(category, category.product_count)))
    return redirect(reverse(ProductCategory.snippet_viewset.get_url_name("list")))


# PRODUCTS WITH ORDERS


def _ordered_products(pages):
    """Product pages among ``pages`` (or below them) that have orders, with their counts."""
    products = ProductPage.objects.none()
    for page in pages:
        products |= ProductPage.objects.descendant_of(page, inclusive=True)
    counts = dict(
        Order.objects.filter(product__in=products.values("pk"))
        .values_list("product_id")
        .annotate(count=Count("pk"))
        .values_list("product_id", "count")
    )
    if not counts:
        return []
    ordered = ProductPage.objects.filter(pk__in=counts).order_by("title")
    return [(product, counts[product.pk]) for product in ordered]


def _refuse_delete(request, ordered):
    return TemplateResponse(
        request,
        "catalogue/admin/delete_refused.html",
        {"products": [{"page": page, "count": count} for page, count in ordered]},
        status=409,
    )


@hooks.register("before_delete_page")
def refuse_deleting_ordered_products(request, page):
    """A product (or a page above products) with orders: explain, and offer to unpublish."""
    ordered = _ordered_products([page])
    if ordered:
        return _refuse_delete(request, ordered)
    return None


@hooks.register("before_bulk_action")
def refuse_bulk_deleting_ordered_products(request, action_type, objects, action_class_instance):
    if action_type != "delete":
        return None
    pages = [obj for obj in objects if hasattr(obj, "path")]
    ordered = _ordered_products(pages) if pages else []
    if ordered:
        return _refuse_delete(request, ordered)
    return None


# SUPPORT
# Editors see every ticket, filter them, and assign staff to step in (each new assignee
# is emailed by the m2m_changed receiver in catalogue/support/signal_handlers.py). Tickets
# are opened by customers in the portal, never here.


class SupportTicketPermissionPolicy(ModelPermissionPolicy):
    """Editors may view and change tickets (status, assignees) but not add, copy or delete
    them: a ticket opened in the admin would skip the rules and the seller's email, and
    a deleted one would take the conversation (and the customer's record) with it."""

    NOT_IN_ADMIN = frozenset({"add", "delete"})

    def user_has_permission(self, user, action):
        return action not in self.NOT_IN_ADMIN and super().user_has_permission(user, action)

    def users_with_any_permission(self, actions):
        actions = [action for action in actions if action not in self.NOT_IN_ADMIN]
        if not actions:
            return get_user_model().objects.none()
        return super().users_with_any_permission(actions)


# Registered before the viewset, which would otherwise create the default policy.
register_permission_policy(SupportTicket, SupportTicketPermissionPolicy(SupportTicket))


def _staff(request):
    return get_user_model().objects.filter(is_staff=True).order_by("first_name", "last_name", "email")


class SupportTicketFilterSet(CustomerLinkFilterSet):
    status = MultipleChoiceFilter(label=_("Status"), choices=TicketStatus.choices, widget=CheckboxSelectMultiple)
    seller = MultipleUserFilter(
        label=_("Seller"), field_name="product__seller", queryset=_sellers, widget=CheckboxSelectMultiple
    )
    assigned = ChoiceFilter(
        label=_("Assigned"),
        choices=[("me", _("To me")), ("anyone", _("To someone")), ("nobody", _("To nobody"))],
        method="filter_assigned",
    )
    assignees = MultipleUserFilter(label=_("Assigned to"), queryset=_staff, widget=CheckboxSelectMultiple)
    # A side asked the marketplace to step in (catalogue/support/services.py escalate).
    escalated = ChoiceFilter(
        label=_("Escalated"),
        choices=[("1", _("Marketplace asked to step in")), ("0", _("No"))],
        method="filter_escalated",
    )
    # The customer waits for an answer (the dashboard's panel: admin_dashboard.unanswered_tickets).
    unanswered = ChoiceFilter(
        label=_("Unanswered"), choices=[("1", _("Customer waits for a reply"))], method="filter_unanswered"
    )

    class Meta:
        model = SupportTicket
        fields = []

    def filter_escalated(self, queryset, name, value):
        return queryset.filter(escalated_at__isnull=value != "1")

    def filter_unanswered(self, queryset, name, value):
        return admin_dashboard.unanswered_tickets(queryset)

    def filter_assigned(self, queryset, name, value):
        through = SupportTicket.assignees.through
        if value == "me":
            return queryset.filter(Exists(through.objects.filter(supportticket=OuterRef("pk"), user=self.request.user)))
        assigned = Exists(through.objects.filter(supportticket=OuterRef("pk")))
        return queryset.filter(assigned) if value == "anyone" else queryset.exclude(assigned)


class SupportTicketIndexView(SnippetIndexView):
    def get_base_queryset(self):
        # The product's seller, the customer and the assignees of every row up front.
        return super().get_base_queryset().select_related("product__seller", "customer").prefetch_related("assignees")


def _assignee_names(ticket):
    return ", ".join(user.get_full_name() or user.email for user in ticket.assignees.all()) or "—"


class TicketThreadPanel(Panel):
    """The ticket's conversation, read-only: editors read it here and step in by assigning
    staff or changing the status (replies belong to the customer and the seller)."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "catalogue/support/admin/thread_panel.html"

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            ticket = self.instance
            context["ticket"] = ticket
            context["thread"] = list(ticket.messages.select_related("author")) if ticket.pk else []
            return context


class SupportTicketViewSet(SnippetViewSet):
    model = SupportTicket
    icon = "help"
    menu_label = _("Support tickets")
    # Listed in the Catalogue menu (CatalogueMenuGroup.submenu_hook), after its other items.
    menu_hook = CATALOGUE_SUBMENU_HOOK
    menu_order = 300
    menu_item_is_registered = True
    index_view_class = SupportTicketIndexView
    copy_view_enabled = False
    inspect_view_enabled = False
    list_display = [
        "subject",
        Column("product", label=_("Product"), accessor="product_title", sort_key="product_title"),
        Column("seller", label=_("Seller"), accessor=lambda t: t.product.seller_name if t.product else "—"),
        Column("customer", label=_("Customer"), accessor=lambda t: t.customer.get_full_name() or t.customer.email),
        Column("status", label=_("Status"), accessor="get_status_display", sort_key="status"),
        Column("escalated", label=_("Escalated"), accessor=lambda t: _("Yes") if t.escalated_at else "—"),
        Column("assignees", label=_("Assigned"), accessor=_assignee_names),
        DateColumn("updated_at", label=_("Updated"), sort_key="updated_at"),
    ]
    list_per_page = 50
    search_fields = ["subject", "product_title", "customer__email", "customer__last_name"]
    filterset_class = SupportTicketFilterSet
    ordering = ["-updated_at"]
    panels = [
        MultiFieldPanel(
            [
                FieldPanel("subject", read_only=True),
                FieldRowPanel([FieldPanel("customer", read_only=True), FieldPanel("product", read_only=True)]),
                FieldPanel("order", read_only=True),
            ],
            heading=_("Ticket"),
        ),
        MultiFieldPanel(
            [FieldPanel("status"), FieldPanel("assignees", widget=CheckboxSelectMultiple)],
            heading=_("Step in"),
            help_text=_("Assign staff to look into this ticket; each newly assigned person is emailed."),
        ),
        TicketThreadPanel(heading=_("Conversation")),
    ]


register_snippet(SupportTicketViewSet)


@hooks.register("register_admin_urls")
def register_ticket_admin_urls():
    # A ticket's conversation page: staff write to both sides, refund, close
    # (catalogue/support/admin_views.py checks the ticket permission).
    return [
        path("support/<int:pk>/conversation/", support_admin_views.conversation, name="catalogue_ticket_conversation"),
        path("support/<int:pk>/close/", support_admin_views.close, name="catalogue_ticket_close"),
    ]


# REVIEWS (catalogue/admin_reviews.py): editors hide a buyer's review, with the reason, or
# show it again; never add or delete one. The policy is registered before the viewset.
register_permission_policy(Review, admin_reviews.ReviewPermissionPolicy(Review))
register_snippet(admin_reviews.ReviewViewSet)


# ORDERS
# Editors see every order and those whose payment did not match (``needs_review``). The
# order number opens the order's page (catalogue/admin_views.py): what was charged, its
# refunds, disputes, ledger rows and download log, and the actions (grant here, refund
# from the dodo app through ORDER_ADMIN_PANELS_HOOK). Orders are made by checkout and
# changed by Dodo's events and those actions only, so there is no add or delete, and the
# edit form changes the review fields alone.


class OrderPermissionPolicy(SupportTicketPermissionPolicy):
    """View and change (the review fields) only; never add or delete a financial record."""


register_permission_policy(Order, OrderPermissionPolicy(Order))


@hooks.register("register_admin_urls")
def register_order_admin_urls():
    return [
        path("orders/<int:pk>/grant/", admin_views.grant_order, name="catalogue_order_grant"),
        path("orders/<int:pk>/resend-receipt/", admin_views.resend_receipt, name="catalogue_order_resend_receipt"),
        path("orders/<int:pk>/reset-downloads/", admin_views.reset_downloads, name="catalogue_order_reset_downloads"),
    ]


@hooks.register("register_log_actions")
def register_order_log_actions(actions):
    """The order actions editors take, as they read in the order's history."""
    actions.register_action(admin_orders.RESENT_RECEIPT, _("Resend receipt"), _("Receipt sent again"))
    actions.register_action(admin_orders.RESET_DOWNLOADS, _("Reset downloads"), _("Download count reset"))


DISPUTED_CHOICES = [("open", _("Dispute open")), ("any", _("Any dispute")), ("lost", _("Dispute lost"))]


class OrderFilterSet(CustomerLinkFilterSet):
    status = MultipleChoiceFilter(label=_("Status"), choices=OrderStatus.choices, widget=CheckboxSelectMultiple)
    needs_review = ChoiceFilter(
        label=_("Flagged"), choices=[("1", _("Needs review")), ("0", _("No"))], method="filter_review"
    )
    disputed = ChoiceFilter(label=_("Disputed"), choices=DISPUTED_CHOICES, method="filter_disputed")
    seller = MultipleUserFilter(label=_("Seller"), queryset=_sellers, widget=CheckboxSelectMultiple)
    # Local days (the dashboard's sales links: catalogue/admin_dashboard.py).
    paid_at = DateFromToRangeFilter(label=_("Paid"), widget=DateRangePickerWidget)

    class Meta:
        model = Order
        fields = []

    def filter_review(self, queryset, name, value):
        return queryset.filter(needs_review=value == "1")

    def filter_disputed(self, queryset, name, value):
        disputes = Dispute.objects.filter(order=OuterRef("pk"))
        if value == "open":
            disputes = disputes.filter(status__in=OPEN_DISPUTE_STATUSES)
        elif value == "lost":
            disputes = disputes.filter(status__in=LOST_DISPUTE_STATUSES)
        return queryset.filter(Exists(disputes))


class OrderIndexView(SnippetIndexView):
    def get_base_queryset(self):
        # Every row's product and people, and whether a dispute is open, in the one query.
        open_dispute = Dispute.objects.filter(order=OuterRef("pk"), status__in=OPEN_DISPUTE_STATUSES)
        return (
            super()
            .get_base_queryset()
            .select_related("product", "customer", "seller")
            .annotate(has_open_dispute=Exists(open_dispute))
        )


def _total_paid(order):
    """What the buyer paid, with its currency code (the price for orders not yet paid)."""
    if order.paid_total is not None:
        return f"{format_money(order.paid_total, order.paid_currency)} {order.paid_currency}"
    price = f"{format_money(order.amount, order.currency)} {order.currency}"
    if order.paid_at is not None:
        return price  # paid before charges were recorded: the price is what was paid
    return _("%(price)s (price, not paid)") % {"price": price}


def _order_status(order):
    if order.is_partly_refunded:
        return _("Paid, partly refunded")
    return order.get_status_display()


def _order_attention(order):
    notes = []
    if order.needs_review:
        notes.append(str(_("Needs review")))
    if getattr(order, "has_open_dispute", False):
        notes.append(str(_("Dispute open")))
    return ", ".join(notes)


class OrderChargePanel(Panel):
    """What the order charged, read-only, on its edit form; the full record and the
    actions are on the order's page (its inspect view), linked from here."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "catalogue/admin/order_charge_panel.html"

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            context["order"] = self.instance
            context["order_url"] = admin_views.order_admin_url(self.instance.pk) if self.instance.pk else ""
            return context


class OrderViewSet(SnippetViewSet):
    model = Order
    icon = "list-ul"
    menu_label = _("Orders")
    menu_hook = CATALOGUE_SUBMENU_HOOK
    menu_order = 250
    menu_item_is_registered = True
    index_view_class = OrderIndexView
    inspect_view_class = admin_views.OrderInspectView
    copy_view_enabled = False
    inspect_view_enabled = True
    list_display = [
        TitleColumn(
            "number",
            label=_("Order"),
            accessor=lambda order: f"#{order.pk}",
            get_url=lambda order: admin_views.order_admin_url(order.pk),
            sort_key="pk",
        ),
        Column("product", label=_("Product"), accessor="product.title"),
        # A guest's order has its account only once paid: until then, the email typed.
        Column(
            "customer",
            label=_("Customer"),
            accessor=lambda order: order.customer.email if order.customer_id else order.guest_email,
        ),
        Column("seller", label=_("Seller"), accessor=lambda order: order.seller.get_full_name() or order.seller.email),
        Column("total", label=_("Total paid"), accessor=_total_paid, sort_key="paid_total"),
        Column("status", label=_("Status"), accessor=_order_status, sort_key="status"),
        Column("needs_review", label=_("Attention"), accessor=_order_attention, sort_key="needs_review"),
        DateColumn("created_at", label=_("Created"), sort_key="created_at"),
    ]
    list_per_page = 50
    search_fields = [
        "customer__email",
        "guest_email",
        "product__title",
        "seller__email",
        "seller__first_name",
        "seller__last_name",
        "dodo_payment_id",
        "dodo_checkout_session_id",
        "discount_code",
        "license_key",
    ]
    filterset_class = OrderFilterSet
    ordering = ["-created_at"]
    panels = [
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("customer", read_only=True), FieldPanel("product", read_only=True)]),
                FieldRowPanel([FieldPanel("status", read_only=True), FieldPanel("paid_at", read_only=True)]),
                FieldRowPanel(
                    [
                        FieldPanel("dodo_payment_id", read_only=True),
                        FieldPanel("dodo_checkout_session_id", read_only=True),
                    ]
                ),
            ],
            heading=_("Order"),
        ),
        OrderChargePanel(heading=_("What was charged")),
        MultiFieldPanel(
            [FieldPanel("needs_review"), FieldPanel("review_note")],
            heading=_("Review"),
            help_text=_(
                "A payment that did not match this order (amount, currency or product), or a dispute, flags it here. "
                "To grant a flagged order or refund one, open the order's page."
            ),
        ),
    ]


register_snippet(OrderViewSet)


# DISPUTES
# A buyer's bank disputing a payment, as Dodo reports it: read-only here (Dodo's events
# change them), open ones first, each with the evidence we hold (the download log).


class DisputePermissionPolicy(ModelPermissionPolicy):
    """Editors who may act on orders may read disputes; nobody adds, changes or deletes
    them here (they are Dodo's record, kept in step by its events)."""

    def user_has_permission(self, user, action):
        return action == "view" and admin_views.can_manage_orders(user)

    def users_with_any_permission(self, actions):
        if "view" not in actions:
            return get_user_model().objects.none()
        return policy_registry.get_by_type(Order).users_with_any_permission(["change"])


register_permission_policy(Dispute, DisputePermissionPolicy(Dispute))


class DisputeFilterSet(WagtailFilterSet):
    status = MultipleChoiceFilter(label=_("Status"), choices=DisputeStatus.choices, widget=CheckboxSelectMultiple)

    class Meta:
        model = Dispute
        fields = []


class DisputeIndexView(SnippetIndexView):
    def get_base_queryset(self):
        # Open disputes first (they still need evidence), then the newest.
        open_first = Case(When(status__in=OPEN_DISPUTE_STATUSES, then=Value(0)), default=Value(1))
        return (
            super()
            .get_base_queryset()
            .select_related("order__customer", "order__product")
            .annotate(open_rank=open_first)
        )


class DisputeViewSet(SnippetViewSet):
    model = Dispute
    icon = "warning"
    menu_label = _("Disputes")
    menu_hook = CATALOGUE_SUBMENU_HOOK
    menu_order = 260
    menu_item_is_registered = True
    index_view_class = DisputeIndexView
    inspect_view_class = admin_views.DisputeInspectView
    inspect_view_enabled = True
    copy_view_enabled = False
    list_display = [
        TitleColumn(
            "order",
            label=_("Order"),
            accessor=lambda dispute: f"#{dispute.order_id}",
            get_url=lambda dispute: reverse(Dispute.snippet_viewset.get_url_name("inspect"), args=(dispute.pk,)),
            sort_key="order_id",
        ),
        Column("buyer", label=_("Buyer"), accessor="order.customer.email"),
        Column("product", label=_("Product"), accessor="order.product.title"),
        Column("amount", label=_("Amount"), accessor=lambda d: format_money(d.amount, d.currency), sort_key="amount"),
        Column("status", label=_("Status"), accessor="get_status_display", sort_key="status"),
        DateColumn("opened_at", label=_("Opened"), sort_key="opened_at"),
    ]
    list_per_page = 50
    search_fields = ["dispute_id", "order__dodo_payment_id", "order__customer__email", "order__product__title"]
    filterset_class = DisputeFilterSet
    ordering = ["open_rank", "-opened_at"]


register_snippet(DisputeViewSet)


# DISCOUNT CODES
# Editors make marketplace-wide codes here (no seller: every seller's products, or the
# ones chosen) and see the sellers' own codes beside them, with their uses.


class DiscountCodeFilterSet(WagtailFilterSet):
    kind = ChoiceFilter(
        label=_("Made by"),
        choices=[("marketplace", _("Editors (marketplace-wide)")), ("sellers", _("Sellers"))],
        method="filter_kind",
    )
    active = ChoiceFilter(
        label=_("Active"), choices=[("1", _("Active")), ("0", _("Deactivated"))], method="filter_active"
    )

    class Meta:
        model = DiscountCode
        fields = []

    def filter_kind(self, queryset, name, value):
        return queryset.filter(seller__isnull=value == "marketplace")

    def filter_active(self, queryset, name, value):
        return queryset.filter(active=value == "1")


class DiscountCodeIndexView(SnippetIndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("seller").with_usage()


def _discount_owner(discount):
    return discount.seller.display_name if discount.seller_id else _("Marketplace (editors)")


def _discount_uses(discount):
    return f"{discount.uses} / {discount.usage_limit}" if discount.usage_limit else str(discount.uses)


class DiscountCodeViewSet(SnippetViewSet):
    model = DiscountCode
    icon = "tag"
    menu_label = _("Discount codes")
    menu_hook = CATALOGUE_SUBMENU_HOOK
    menu_order = 270
    menu_item_is_registered = True
    index_view_class = DiscountCodeIndexView
    copy_view_enabled = False
    list_display = [
        TitleColumn("code", label=_("Code"), url_name="wagtailsnippets_catalogue_discountcode:edit", sort_key="code"),
        Column("percent", label=_("Percent off"), sort_key="percent"),
        Column("seller", label=_("Made by"), accessor=_discount_owner),
        Column("uses", label=_("Uses"), accessor=_discount_uses, sort_key="uses"),
        Column(
            "revenue",
            label=_("Revenue"),
            accessor=lambda d: format_money(d.revenue, settings.MARKETPLACE_CURRENCY),
            sort_key="revenue",
        ),
        Column("state", label=_("State"), accessor="state_label"),
        DateColumn("expires_at", label=_("Expires"), sort_key="expires_at"),
    ]
    list_per_page = 50
    search_fields = ["code", "seller__email", "seller__first_name", "seller__last_name"]
    filterset_class = DiscountCodeFilterSet
    ordering = ["-created_at"]
    panels = [
        FieldRowPanel([FieldPanel("code"), FieldPanel("percent")]),
        FieldRowPanel([FieldPanel("expires_at"), FieldPanel("usage_limit")]),
        FieldPanel("products"),
        FieldPanel("active"),
        FieldPanel("seller", read_only=True),
    ]


register_snippet(DiscountCodeViewSet)


# MONEY
# Payouts to sellers and the operator's margin (catalogue/admin_payouts.py): a "Money"
# menu for editors who may manage payouts ("Can add payout", given in Settings > Groups;
# the bank file decrypts sellers' account references).


@hooks.register("register_admin_urls")
def register_money_admin_urls():
    return [
        path("money/payouts/", admin_payouts.PayoutRunView.as_view(), name="catalogue_payout_run"),
        path("money/payouts/export.csv", admin_payouts.export_payout_run, name="catalogue_payout_export"),
        path(
            "money/payouts/<int:pk>/record/", admin_payouts.RecordPayoutView.as_view(), name="catalogue_payout_record"
        ),
        path("money/margin/", admin_payouts.MarginReportView.as_view(), name="catalogue_margin_report"),
    ]


class MoneyMenuItem(MenuItem):
    def is_shown(self, request):
        return can_manage_payouts(request.user)


@hooks.register("register_admin_menu_item")
def register_money_menu():
    return SubmenuMenuItem(
        _("Money"),
        Menu(
            items=[
                MoneyMenuItem(
                    _("Payout run"), reverse("catalogue_payout_run"), name="payout-run", icon_name="doc-full"
                ),
                MoneyMenuItem(
                    _("Margin report"), reverse("catalogue_margin_report"), name="margin-report", icon_name="table"
                ),
            ]
        ),
        name="money",
        icon_name="table",
        order=250,
    )


@hooks.register("register_permissions")
def register_payout_permission():
    """Who runs payouts and sees account references: "Can add payout" in Settings > Groups."""
    return Permission.objects.filter(content_type__app_label="catalogue", codename="add_payout")


@hooks.register("before_delete_snippet")
def refuse_deleting_used_discount_codes(request, instances):
    """A used code stays (its orders name it, and its uses are counted by it): refuse the
    delete with the codes named, and point to deactivating instead."""
    codes = [instance for instance in instances if isinstance(instance, DiscountCode)]
    used = [code.code for code in codes if code.has_been_used()]
    if not used:
        return None
    messages.error(
        request,
        _("Used codes can't be deleted, as their orders name them: %(codes)s. Deactivate instead (untick “active”).")
        % {"codes": ", ".join(used)},
    )
    return redirect(reverse(DiscountCode.snippet_viewset.get_url_name("list")))


# DASHBOARD
# The marketplace's state first on the admin home (catalogue/admin_dashboard.py); other
# apps add panels through admin_dashboard.MARKETPLACE_PANELS_HOOK.
hooks.register("construct_homepage_panels", admin_dashboard.add_marketplace_dashboard)


# PRODUCT ANALYTICS
# Views, checkout starts, orders and refunds of every product (catalogue/admin_analytics.py),
# under Reports, for editors who may see orders.


@hooks.register("register_admin_urls")
def register_analytics_admin_urls():
    return [
        path("reports/product-analytics/", admin_analytics.AnalyticsReportView.as_view(), name="catalogue_analytics"),
        path(
            "reports/product-analytics/export.csv",
            admin_analytics.AnalyticsExportView.as_view(),
            name="catalogue_analytics_export",
        ),
    ]


class AnalyticsReportMenuItem(MenuItem):
    def is_shown(self, request):
        return admin_analytics.can_view_sales_reports(request.user)


@hooks.register("register_reports_menu_item")
def register_analytics_report_menu_item():
    return AnalyticsReportMenuItem(
        _("Product analytics"), reverse("catalogue_analytics"), name="product-analytics", icon_name="table", order=600
    )
