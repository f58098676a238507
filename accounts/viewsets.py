"""Wagtail admin (Settings -> Users) for our user model: email as the login, plus roles.

Wagtail's own user forms know nothing of ``is_customer`` / ``is_seller``; these add
them so editors can grant or take away a role. ``AccountsConfig.ready()`` points
Wagtail's users app at ``UserViewSet``.
"""

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.users.forms import UserCreationForm, UserEditForm
from wagtail.users.views.users import UserViewSet as WagtailUserViewSet

from . import services

ROLE_FIELDS = ("is_customer", "is_seller")


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


class UserViewSet(WagtailUserViewSet):
    """Wagtail's user admin with the role fields on its create and edit forms."""

    create_template_name = "accounts/wagtail/user_create.html"
    edit_template_name = "accounts/wagtail/user_edit.html"

    def get_form_class(self, for_update=False):
        return UserEditWithRolesForm if for_update else UserCreationWithRolesForm
