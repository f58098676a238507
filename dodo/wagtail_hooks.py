"""Wagtail admin wiring for Dodo: save messages, the sync and events reports with their
menu items, and the "Refund" box on an order's admin page."""

from django.contrib import messages
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from catalogue.admin_dashboard import MARKETPLACE_PANELS_HOOK
from catalogue.admin_views import ORDER_ADMIN_PANELS_HOOK, ORDER_ADMIN_SECTIONS_HOOK
from catalogue.models import ProductPage

from . import admin_dashboard, admin_views
from .models import DodoProduct, SyncStatus


@hooks.register("register_admin_urls")
def register_dodo_admin_urls():
    return [
        path("reports/dodo-sync/", admin_views.SyncReportView.as_view(), name="dodo_sync_report"),
        path("reports/dodo-sync/retry/", admin_views.retry_sync, name="dodo_sync_retry"),
        path("reports/dodo-events/", admin_views.EventsReportView.as_view(), name="dodo_events_report"),
        path("orders/<int:pk>/refund/", admin_views.refund_order, name="dodo_order_refund"),
    ]


class SyncReportMenuItem(MenuItem):
    def is_shown(self, request):
        return admin_views.can_manage_sync(request.user)


@hooks.register("register_reports_menu_item")
def register_dodo_sync_report_menu_item():
    return SyncReportMenuItem(
        _("Dodo sync"), reverse("dodo_sync_report"), name="dodo-sync", icon_name="warning", order=650
    )


@hooks.register("register_reports_menu_item")
def register_dodo_events_report_menu_item():
    return SyncReportMenuItem(
        _("Dodo payments to check"), reverse("dodo_events_report"), name="dodo-events", icon_name="warning", order=651
    )


# The order's admin page belongs to the catalogue, which knows nothing of Dodo: the
# refund box joins it through the catalogue's hook.
hooks.register(ORDER_ADMIN_PANELS_HOOK, admin_views.refund_panel)
# ... and so does the order's Dodo event history, as a section of its own.
hooks.register(ORDER_ADMIN_SECTIONS_HOOK, admin_views.order_events_panel)
# ... and the admin dashboard's "Marketplace" section shows failed syncs and unmatched payments.
hooks.register(MARKETPLACE_PANELS_HOOK, admin_dashboard.FailedSyncPanel)
hooks.register(MARKETPLACE_PANELS_HOOK, admin_dashboard.UnmatchedPaymentsPanel)


def _tell_editor_about_sync(request, page):
    """After a save in the admin, say whether Dodo has it (the sync ran after the commit)."""
    if not isinstance(page.specific, ProductPage):
        return
    record = DodoProduct.objects.filter(page_key=page.pk).first()
    if record is None:
        return
    if record.sync_status == SyncStatus.SYNCED:
        messages.success(request, _("Synced to Dodo."))
    elif record.sync_status == SyncStatus.FAILED:
        messages.warning(
            request,
            _("Dodo unreachable: saved, will retry. (%(error)s)") % {"error": record.sync_error[:200]},
        )
    else:
        messages.info(request, _("Saved. Sending the changes to Dodo in the background."))


@hooks.register("after_create_page")
def message_after_create(request, page):
    _tell_editor_about_sync(request, page)


@hooks.register("after_edit_page")
def message_after_edit(request, page):
    _tell_editor_about_sync(request, page)


@hooks.register("after_unpublish_page")
def message_after_unpublish(request, page):
    _tell_editor_about_sync(request, page)
