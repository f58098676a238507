"""Who owns what: the one owner filter behind every portal lookup.

Each model a portal shows or edits has a queryset built on :class:`OwnedQuerySet` that
names, per role, the field holding the owner. Portals look objects up through
``Model.objects.for_customer(user)`` / ``for_seller(user)`` (or ``owned_by(user, role)``)
and nothing else, so another user's id is simply not found (404): the portal does not
even confirm that the object exists.
"""

from django.db import models

CUSTOMER = "customer"
SELLER = "seller"


class OwnedQuerySet(models.QuerySet):
    """A queryset whose rows belong to users, by role: ``OWNER_FIELDS`` maps each role
    to the lookup that names the owner (``{"seller": "product__seller"}``)."""

    OWNER_FIELDS: dict[str, str] = {}

    def owned_by(self, user, role):
        """The rows ``user`` owns as ``role``; ValueError for a role this model has none of."""
        try:
            field = self.OWNER_FIELDS[role]
        except KeyError:
            raise ValueError(f"{self.model.__name__} has no {role!r} owner") from None
        return self.filter(**{field: user})

    def for_customer(self, user):
        return self.owned_by(user, CUSTOMER)

    def for_seller(self, user):
        return self.owned_by(user, SELLER)
