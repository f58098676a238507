"""Extension points: what the domain lets apps it may not import add to it.

The catalogue never imports ``dodo`` (the domain does not know its payment provider),
yet editors and sellers want to see whether each product has reached Dodo. So the
catalogue asks a *product sync provider* here, and ``dodo`` registers one at start-up
(``DodoConfig.ready()``). The admin listing and the seller portal read sync states only
through it, never through Dodo's tables; without a provider, products have no state.
"""

from django.db.models import CharField, Value
from django.utils.translation import gettext_lazy as _

#: The annotation a provider adds to product querysets: the sync state's value, or None.
SYNC_STATE = "sync_state"


class NoSyncProvider:
    """What the catalogue sees when no app reports product syncs (nothing to show)."""

    choices = []

    def annotate(self, queryset):
        return queryset.annotate(**{SYNC_STATE: Value(None, output_field=CharField())})

    def filter(self, queryset, value):
        return queryset

    def label(self, state):
        return _("Not sent")


_provider = NoSyncProvider()


def register_product_sync_provider(provider):
    """Install the provider of product sync states (called once, by ``dodo``).

    A provider has ``choices`` (``[(value, label)]`` for a filter), ``annotate(queryset)``
    (adds the ``sync_state`` annotation to a product queryset in one subquery),
    ``filter(queryset, value)`` and ``label(state)``.
    """
    global _provider  # noqa: PLW0603  (one process-wide registration at start-up)
    _provider = provider


def product_sync_provider():
    """The registered provider of product sync states (a no-op one if none is)."""
    return _provider
