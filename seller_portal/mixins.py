"""Ownership for seller portal views: the second guard beside the role check.

``IsSellerMixin`` decides who may use the portal at all; ``SellerObjectMixin`` finds the
one object a view works on among the signed-in seller's own rows
(``Model.objects.for_seller``, ``catalogue.ownership``), so another seller's id is a 404.
"""

from django.shortcuts import get_object_or_404

from accounts.mixins import IsSellerMixin


class SellerObjectMixin(IsSellerMixin):
    """A view of one object the signed-in seller owns, found by the ``pk`` URL argument."""

    model = None

    def get_queryset(self):
        return self.model._default_manager.for_seller(self.request.user)

    def get_object(self, queryset=None):
        return get_object_or_404(queryset if queryset is not None else self.get_queryset(), pk=self.kwargs["pk"])
