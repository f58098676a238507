"""Dodo's panels on the admin dashboard's "Marketplace" section (the section and its
rules are the catalogue's: ``catalogue/admin_dashboard.py``; these join it through
``MARKETPLACE_PANELS_HOOK``, registered in ``wagtail_hooks.py``).

Both are for editors who may manage the sync (:func:`dodo.admin_views.can_manage_sync`),
like the reports they link to, and each costs one query.
"""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, ngettext_lazy

from catalogue.admin_dashboard import CountPanel, Figure, MarketplacePanel, PanelState, count_each

from .admin_views import can_manage_sync
from .models import DodoCustomer, DodoDiscount, DodoProduct, WebhookEvent, WebhookEventStatus


class FailedSyncPanel(MarketplacePanel):
    """Customers, products and discount codes Dodo does not have right because the last
    try failed (the sync retries them; the report retries them now and says why)."""

    name = "dodo-sync"
    heading = _("Dodo sync")
    icon = "warning"
    order = 160
    clear_text = _("All clear: everything is in step with Dodo.")
    link_label = _("Dodo sync report")

    def is_shown(self):
        return can_manage_sync(self.user)

    def get_link(self):
        return reverse("dodo_sync_report")

    def get_state(self):
        counts = count_each(
            customers=DodoCustomer.objects.failed(),
            products=DodoProduct.objects.failed(),
            discounts=DodoDiscount.objects.failed(),
        )
        total = sum(counts.values())
        if not total:
            return PanelState(clear=True)
        parts = [
            ngettext("%(count)d customer", "%(count)d customers", counts["customers"]),
            ngettext("%(count)d product", "%(count)d products", counts["products"]),
            ngettext("%(count)d discount code", "%(count)d discount codes", counts["discounts"]),
        ]
        detail = " · ".join(
            part % {"count": counts[key]}
            for part, key in zip(parts, ("customers", "products", "discounts"), strict=True)
            if counts[key]
        )
        label = ngettext("sync failed", "syncs failed", total)
        return PanelState(
            figures=[Figure(str(total), label, self.get_link(), count=total, attention=True, detail=detail)]
        )


class UnmatchedPaymentsPanel(CountPanel):
    """Payments (or their refunds and disputes) Dodo reported that no order of ours
    matches: money was taken, so a person finds the buyer and replays or refunds it."""

    name = "unmatched-payments"
    heading = _("Unmatched payments")
    icon = "warning"
    order = 170
    label = ngettext_lazy("payment matches no order", "payments match no order", "count")
    since_field = "received_at"
    clear_text = _("All clear: every payment matches an order.")
    link_label = _("Dodo payments to check")

    def is_shown(self):
        return can_manage_sync(self.user)

    def get_queryset(self):
        return WebhookEvent.objects.filter(status=WebhookEventStatus.UNMATCHED)

    def get_rows_url(self):
        return reverse("dodo_events_report")

    def get_link(self):
        return reverse("dodo_events_report")
