"""How each product stands with Dodo, for pages outside ``dodo`` that show it.

Registered with ``catalogue.extensions`` in ``DodoConfig.ready()``: the editors' product
listing and the seller portal ask the catalogue, which asks this module, so only
``dodo`` reads its own tables. One subquery per listing, whatever its length.
"""

from django.db.models import Case, CharField, OuterRef, Q, Subquery, Value, When
from django.utils.translation import gettext_lazy as _

from catalogue.extensions import SYNC_STATE

from .models import DodoProduct, SyncStatus, current_environment

NOT_SENT = "none"


class DodoProductSyncProvider:
    """Product sync states from ``DodoProduct`` records (of the current environment)."""

    choices = [*SyncStatus.choices, (NOT_SENT, _("Not sent"))]

    @staticmethod
    def _state():
        # A record synced in the other environment is still to be sent here.
        state = Case(
            When(environment=current_environment(), then="sync_status"),
            default=Value(SyncStatus.PENDING),
            output_field=CharField(),
        )
        records = DodoProduct.objects.filter(page_key=OuterRef("pk")).annotate(state=state).values("state")[:1]
        return Subquery(records, output_field=CharField())

    def annotate(self, queryset):
        return queryset.annotate(**{SYNC_STATE: self._state()})

    def filter(self, queryset, value):
        records = DodoProduct.objects.all()
        if value == NOT_SENT:
            return queryset.exclude(pk__in=records.values("page_key"))
        current = Q(environment=current_environment())
        if value == SyncStatus.PENDING:
            matching = records.filter(~current | Q(sync_status=SyncStatus.PENDING))
        else:
            matching = records.filter(current, sync_status=value)
        return queryset.filter(pk__in=matching.values("page_key"))

    def label(self, state):
        if state is None:
            return _("Not sent")
        return dict(SyncStatus.choices).get(state, state)
