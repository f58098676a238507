"""Wagtail admin (Settings -> Users) for our user model: email as the login, plus roles.

Wagtail's own user forms know nothing of ``is_customer`` / ``is_seller``; these add
them so editors can grant or take away a role. ``AccountsConfig.ready()`` points
Wagtail's users app at ``UserViewSet``.
"""

from dataclasses import dataclass
from functools import cached_property

from django import forms
from django.db.models import Q
from django.forms import CheckboxSelectMultiple
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django_filters import MultipleChoiceFilter
from wagtail.admin.ui.tables import Column
from wagtail.admin.widgets.button import Button
from wagtail.permissions import policy_registry
from wagtail.users.forms import UserCreationForm, UserEditForm
from wagtail.users.views.users import EditView as WagtailUserEditView
from wagtail.users.views.users import IndexView as WagtailUserIndexView
from wagtail.users.views.users import UserFilterSet as WagtailUserFilterSet
from wagtail.users.views.users import UserViewSet as WagtailUserViewSet

from catalogue.models import Order, SupportTicket

from . import services

ROLE_FIELDS = ("is_customer", "is_seller", "is_trusted_seller")


class EmailFieldMixin:
    """Email addresses are unique whatever their case: say so next to the field.

    Without this the database's case-insensitive unique constraint answers with a
    generic "Constraint ... is violated" at the top of the form.
    """

    def clean_email(self):
        email = services.normalize_email(self.cleaned_data["email"])
        if services.email_in_use(email, exclude_user=self.instance if self.instance.pk else None):
            raise forms.ValidationError(_("Another account already uses this email address."), code="email_taken")
        return email


class UserCreationWithRolesForm(EmailFieldMixin, UserCreationForm):
    """Wagtail's create form plus the roles (labels and help text come from the model)."""

    class Meta(UserCreationForm.Meta):
        fields = UserCreationForm.Meta.fields | set(ROLE_FIELDS)


class UserEditWithRolesForm(EmailFieldMixin, UserEditForm):
    """Wagtail's edit form plus the roles."""

    class Meta(UserEditForm.Meta):
        fields = UserEditForm.Meta.fields | set(ROLE_FIELDS)


# ROLES
# What the users list shows as badges and filters by. A role is a boolean field of the
# user; a new one is one more line here.


@dataclass(frozen=True)
class Role:
    key: str  # the filter's value in the URL (?role=seller)
    label: str
    field: str  # the user's boolean field


ROLES = (
    Role("customer", _("Customer"), "is_customer"),
    Role("seller", _("Seller"), "is_seller"),
    Role("trusted_seller", _("Trusted seller"), "is_trusted_seller"),
    Role("staff", _("Staff"), "is_staff"),
)


def user_roles(user):
    return [role for role in ROLES if getattr(user, role.field)]


class UserFilterSet(WagtailUserFilterSet):
    # Ticking several roles lists the users who hold any of them.
    role = MultipleChoiceFilter(
        label=_("Role"),
        choices=[(role.key, role.label) for role in ROLES],
        widget=CheckboxSelectMultiple,
        method="filter_role",
    )

    def filter_role(self, queryset, name, value):
        wanted = Q()
        for role in ROLES:
            if role.key in value:
                wanted |= Q(**{role.field: True})
        return queryset.filter(wanted)


class RolesColumn(Column):
    cell_template_name = "accounts/wagtail/roles_cell.html"


# LINKS TO A USER'S RECORDS
# Their orders and tickets (as a customer) and products (as a seller), each the admin
# list of that model filtered to them (catalogue/wagtail_hooks.py), for editors allowed
# to see that list.


class RecordLinks:
    """The links for one editor: which lists they may open is asked once, not per row."""

    def __init__(self, request_user):
        self.orders = self._can_list(request_user, Order)
        self.tickets = self._can_list(request_user, SupportTicket)

    @staticmethod
    def _can_list(request_user, model):
        actions = {"add", "change", "delete", "view"}
        return policy_registry.get_by_type(model).user_has_any_permission(request_user, actions)

    def for_user(self, user):
        """``(key, label, url)`` for each admin list of this user's records."""
        links = []
        if self.orders:
            orders = reverse("wagtailsnippets_catalogue_order:list")
            links.append(("orders", _("Orders"), _filtered(orders, customer=user.pk)))
        if user.is_seller:
            links.append(("products", _("Products"), _filtered(reverse("catalogue_products:index"), seller=user.pk)))
        if self.tickets:
            tickets = reverse("wagtailsnippets_catalogue_supportticket:list")
            links.append(("tickets", _("Tickets"), _filtered(tickets, customer=user.pk)))
        return links


def _filtered(url, **params):
    return f"{url}?{urlencode(params)}"


class UserIndexView(WagtailUserIndexView):
    """Wagtail's users list with a roles column and filter, and row links to the user's
    orders, products and tickets (no queries: the links are built from the row)."""

    @cached_property
    def columns(self):
        columns = list(super().columns)
        # After the username (the email): the badges sit next to who the user is.
        position = next(i for i, column in enumerate(columns) if column.name == self.model.USERNAME_FIELD) + 1
        columns.insert(position, RolesColumn("roles", label=_("Roles"), accessor=user_roles, classname="roles"))
        return columns

    @cached_property
    def record_links(self):
        return RecordLinks(self.request.user)

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        for priority, (key, label, url) in enumerate(self.record_links.for_user(instance), start=100):
            buttons.append(Button(label, url, icon_name="list-ul", priority=priority, attrs={"data-record": key}))
        return buttons


class UserEditView(WagtailUserEditView):
    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["user_roles"] = user_roles(self.object)
        context["record_links"] = RecordLinks(self.request.user).for_user(self.object)
        return context


class UserViewSet(WagtailUserViewSet):
    """Wagtail's user admin with the role fields on its create and edit forms, a roles
    column and filter on its list, and links to each user's orders, products and tickets."""

    create_template_name = "accounts/wagtail/user_create.html"
    edit_template_name = "accounts/wagtail/user_edit.html"
    index_view_class = UserIndexView
    edit_view_class = UserEditView
    filterset_class = UserFilterSet

    def get_form_class(self, for_update=False):
        return UserEditWithRolesForm if for_update else UserCreationWithRolesForm
