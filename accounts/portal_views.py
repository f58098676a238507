"""The customer portal under /account/."""

from django.views.generic import TemplateView

from .mixins import IsCustomerMixin


class PortalHomeView(IsCustomerMixin, TemplateView):
    template_name = "accounts/portal/home.html"
