"""Wagtail admin wiring for accounts: how admin forms offer a user.

The users list itself (roles, filters, links to a user's records) is the viewset in
accounts/viewsets.py, which ``WagtailUsersConfig`` (accounts/apps.py) points Wagtail at.
"""

from django import forms
from django.contrib.auth import get_user_model
from django.db import models
from django.templatetags.static import static
from django.utils.html import format_html
from wagtail import hooks
from wagtail.admin.forms.models import register_form_field_override

# Every admin field that picks a seller: it offers sellers only. (ProductPage.seller also
# says so on the model, with limit_choices_to; the category's owner is a plain user field
# because a category outlives its owner's role.)
SELLER_FIELDS = {
    "catalogue.productcategory.owner",
    "catalogue.productpage.seller",
    "catalogue.discountcode.seller",
}


class UserChoiceField(forms.ModelChoiceField):
    """Offers a user as "Name <email>", by name: names repeat, emails tell people apart."""

    def __init__(self, queryset, **kwargs):
        super().__init__(queryset.order_by("first_name", "last_name", "email"), **kwargs)

    def label_from_instance(self, user):
        name = user.get_full_name()
        return f"{name} <{user.email}>" if name else user.email


def _user_form_field(db_field):
    overrides = {"form_class": UserChoiceField}
    if f"{db_field.model._meta.label_lower}.{db_field.name}" in SELLER_FIELDS:
        overrides["limit_choices_to"] = {"is_seller": True}
    return overrides


# Registered when Wagtail imports the hooks (while the apps load), before any admin form
# class is built.
register_form_field_override(models.ForeignKey, to=get_user_model(), override=_user_form_field)


@hooks.register("insert_global_admin_css")
def users_list_css():
    return format_html('<link rel="stylesheet" href="{}">', static("css/admin-users.css"))
