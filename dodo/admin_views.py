"""Wagtail admin views for editors: the "Dodo sync" report and its retry action."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from . import sync, webhooks
from .models import DodoCustomer, DodoProduct, WebhookEvent, WebhookEventStatus

# Editors who may see and retry syncs: those allowed to change the sync records
# (superusers, or a group given the permission in Settings > Groups).
PERMISSION = "dodo.change_dodoproduct"


def can_manage_sync(user):
    return user.is_active and user.has_perm(PERMISSION)


class SyncReportView(TemplateView):
    """Every customer and product Dodo does not match yet, with the error and a retry button."""

    template_name = "dodo/admin/sync_report.html"

    def dispatch(self, request, *args, **kwargs):
        if not can_manage_sync(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        show = self.request.GET.get("show", "failed")
        products = DodoProduct.objects.select_related("page").order_by("-updated_at")
        customers = DodoCustomer.objects.select_related("user").order_by("-updated_at")
        if show == "failed":
            products, customers = products.failed(), customers.failed()
        else:
            products, customers = products.needing_sync(), customers.needing_sync()
        context.update(
            show=show,
            products=products[:200],
            customers=customers[:200],
            failed_events=WebhookEvent.objects.filter(status=WebhookEventStatus.FAILED)[:200],
            failed_count=DodoProduct.objects.failed().count() + DodoCustomer.objects.failed().count(),
        )
        return context


@require_POST
def retry_sync(request):
    """Retry one record (``kind`` + ``key``) or every failed one (``kind=all``), right now."""
    if not can_manage_sync(request.user):
        raise PermissionDenied
    kind, key = request.POST.get("kind"), request.POST.get("key")
    if kind == "product":
        outcomes = [sync.sync_product(_int(key))]
    elif kind == "customer":
        outcomes = [sync.sync_customer(_int(key))]
    elif kind == "webhook":
        event = WebhookEvent.objects.filter(pk=_int(key)).first()
        if event is None:
            raise Http404
        processed = webhooks.process(event)
        if processed:
            messages.success(request, _("Webhook %(id)s processed.") % {"id": event.webhook_id})
        else:
            messages.warning(request, _("Webhook %(id)s failed again: %(error)s") % {"id": event.webhook_id, "error": event.error})
        return redirect("dodo_sync_report")
    elif kind == "all":
        outcomes = [sync.sync_product(k) for k in DodoProduct.objects.failed().values_list("page_key", flat=True)]
        outcomes += [sync.sync_customer(k) for k in DodoCustomer.objects.failed().values_list("user_id", flat=True)]
    else:
        raise Http404
    ok = sum(1 for outcome in outcomes if outcome in (sync.Outcome.SYNCED, sync.Outcome.GONE))
    failed = len(outcomes) - ok
    if failed:
        messages.warning(request, _("%(ok)s synced, %(failed)s still failing: Dodo said why below.") % {"ok": ok, "failed": failed})
    else:
        messages.success(request, _("%(ok)s synced with Dodo.") % {"ok": ok})
    return redirect("dodo_sync_report")


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None
