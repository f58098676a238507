"""Role guards for portal views: ``LoginRequiredMixin`` + a role mixin + the view.

    class OrderListView(IsCustomerMixin, ListView): ...

Anonymous visitors are sent to the login page with ``next`` (``LoginRequiredMixin``); a
signed-in user without the role gets HTTP 403, rendered by the site's ``403.html``. The
role is read from the database on every request (the session only stores the user's id,
and the user row is loaded per request), so removing a role takes effect at once.

Every customer view (``/account/``) and seller view (``/seller/``) uses one of these;
``tests/accounts/test_role_matrix.py`` fails for any portal URL that does not.
"""

from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from django.core.exceptions import PermissionDenied


class RoleRequiredMixin(LoginRequiredMixin, UserPassesTestMixin):
    """Base for role guards; subclasses name the boolean field on ``User``."""

    role_field = None

    def test_func(self):
        return bool(getattr(self.request.user, self.role_field, False))

    def handle_no_permission(self):
        if self.request.user.is_authenticated:
            # Signed in, wrong role: 403, not a loop back to the login page.
            raise PermissionDenied(self.get_permission_denied_message())
        return super().handle_no_permission()


class IsCustomerMixin(RoleRequiredMixin):
    """Only customers (``User.is_customer``) may use the view."""

    role_field = "is_customer"


class IsSellerMixin(RoleRequiredMixin):
    """Only sellers (``User.is_seller``) may use the view."""

    role_field = "is_seller"
