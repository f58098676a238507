"""Role guards for portal views: ``LoginRequiredMixin`` + a role mixin + the view.

Anonymous visitors are sent to the login page (``LoginRequiredMixin``); a signed-in user
without the role gets the site's 403 page. The role is read from the database on every
request (the user object is loaded per request), so removing a role takes effect at once.
"""

from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin


class RoleRequiredMixin(LoginRequiredMixin, UserPassesTestMixin):
    """Base for role guards; subclasses name the boolean field on ``User``."""

    role_field = None
    # Signed-in users without the role get 403, not a loop back to the login page.
    raise_exception = False

    def test_func(self):
        return bool(getattr(self.request.user, self.role_field, False))

    def handle_no_permission(self):
        if self.request.user.is_authenticated:
            self.raise_exception = True
        return super().handle_no_permission()


class IsCustomerMixin(RoleRequiredMixin):
    """Only customers (``User.is_customer``) may use the view."""

    role_field = "is_customer"


class IsSellerMixin(RoleRequiredMixin):
    """Only sellers (``User.is_seller``) may use the view."""

    role_field = "is_seller"
