"""The customer's purchases under /account/: library, orders and downloads.

Every lookup goes through ``Order.objects.for_customer(request.user)``, so another
customer's order id is a 404, and only a paid order (not refunded or charged back)
downloads; a refunded or charged-back one says so with a 410. Files come from private
storage through ``catalogue.files.serve_private_file``, never from a public media URL.
"""

import logging

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import ListView
from wagtail.images import get_image_model

from catalogue import orders, releases, reviews
from catalogue.files import serve_private_file
from catalogue.models import LOST_DISPUTE_STATUSES, Order, OrderStatus

from .mixins import IsCustomerMixin

logger = logging.getLogger(__name__)

LIBRARY_COVER_SPEC = "fill-320x240"


def _with_product_cards(queryset):
    """Orders with their product, seller and cover thumbnail loaded in two queries."""
    rendition_model = get_image_model().get_rendition_model()
    return queryset.select_related("product__seller", "product__cover_image").prefetch_related(
        Prefetch(
            "product__cover_image__renditions",
            queryset=rendition_model.objects.filter(filter_spec=LIBRARY_COVER_SPEC),
        )
    )


class LibraryView(IsCustomerMixin, ListView):
    """/account/products/: everything the customer bought, ready to download."""

    template_name = "accounts/portal/products.html"
    context_object_name = "orders"
    paginate_by = 24

    def get_queryset(self):
        return (
            _with_product_cards(Order.objects.for_customer(self.request.user).paid())
            # When the buyer last downloaded it: the "Updated" badge (catalogue.releases).
            .annotate(last_downloaded_at=releases.last_download_subquery())
            .order_by("-paid_at")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # Which products on this page may be reviewed, and which are already: one query.
        context["reviewable_ids"], context["reviewed_ids"] = reviews.reviewable_products(
            self.request.user, context["orders"]
        )
        # Each product's files, kept earlier versions and "Updated": one query for the page.
        context["orders"] = context["object_list"] = releases.attach_library_files(context["orders"])
        return context


class OrdersView(IsCustomerMixin, ListView):
    """/account/orders/: every order, with its status, amount and date."""

    template_name = "accounts/portal/orders.html"
    context_object_name = "orders"
    paginate_by = 25

    def get_queryset(self):
        return Order.objects.for_customer(self.request.user).select_related("product").order_by("-created_at")


class DownloadView(IsCustomerMixin, View):
    """/account/products/<order id>/download/: the file, as an attachment, to its buyer only."""

    def get(self, request, order_id):
        order = get_object_or_404(Order.objects.for_customer(request.user).select_related("product"), pk=order_id)
        if order.status in ENDED_STATUSES:
            return _access_ended(request, order)
        if not order.is_downloadable:
            raise Http404
        product = order.product
        if not product.file:
            raise Http404
        filename = product.file_name or f"{product.slug}{_extension(product.file.name)}"
        ip_address = request.META.get("REMOTE_ADDR")
        with transaction.atomic():
            if not orders.register_download(
                order, ip_address=ip_address, user_agent=request.headers.get("User-Agent", "")
            ):
                raise PermissionDenied(_("You have used every download of this purchase. Contact the seller for help."))
            response = serve_private_file(request, product.file, filename)
            if response.status_code == 404:
                # Missing from storage (logged there): nothing was downloaded, so it is not counted.
                transaction.set_rollback(True)
                return response
        logger.info("Order #%s: download by user #%s from %s", order.pk, request.user.pk, ip_address)
        return response


# A refunded or charged-back order's link (in a receipt, a bookmark) is gone for good:
# it answers 410 with a page that says why, instead of a 404 that looks like a broken site.
ENDED_STATUSES = (OrderStatus.REFUNDED, OrderStatus.CHARGEBACK)


def _access_ended(request, order):
    ended_at = order.refunded_at
    if order.status == OrderStatus.CHARGEBACK:
        lost = order.disputes.filter(status__in=LOST_DISPUTE_STATUSES).order_by("-updated_at").first()
        ended_at = lost.updated_at if lost is not None else order.updated_at
    context = {"order": order, "ended_at": ended_at or order.updated_at}
    return TemplateResponse(request, "accounts/portal/download_gone.html", context, status=410)


def _extension(name):
    dot = name.rfind(".")
    return name[dot:] if dot != -1 else ""


# SEVERAL FILES PER PRODUCT (catalogue.releases): one file, or a whole version as a ZIP.


def _downloadable_order(request, order_id):
    """The signed-in buyer's order ``order_id`` if it may download: ``(order, None)``, or
    ``(None, response)`` for an ended one (410); another's, unpaid or unknown: 404."""
    order = get_object_or_404(Order.objects.for_customer(request.user).select_related("product"), pk=order_id)
    if order.status in ENDED_STATUSES:
        return None, _access_ended(request, order)
    if not order.is_downloadable:
        raise Http404
    return order, None


def _count_download(request, order):
    if not orders.register_download(
        order, ip_address=request.META.get("REMOTE_ADDR"), user_agent=request.headers.get("User-Agent", "")
    ):
        raise PermissionDenied(_("You have used every download of this purchase. Contact the seller for help."))


class FileDownloadView(IsCustomerMixin, View):
    """/account/products/<order id>/files/<file id>/: one file of a version the order may
    download (the current one, or a kept one superseded after the payment)."""

    def get(self, request, order_id, file_id):
        order, ended = _downloadable_order(request, order_id)
        if ended:
            return ended
        product_file = releases.downloadable_file(order, file_id)
        if product_file is None:
            raise Http404
        with transaction.atomic():
            _count_download(request, order)
            response = serve_private_file(request, product_file.file, product_file.name)
            if response.status_code == 404:
                transaction.set_rollback(True)
                return response
        logger.info("Order #%s: file #%s downloaded by user #%s", order.pk, product_file.pk, request.user.pk)
        return response


class ZipDownloadView(IsCustomerMixin, View):
    """/account/products/<order id>/download.zip: every file of the current version (or of
    ``?version=<release id>``, a kept one the order may have) as one streamed ZIP."""

    def get(self, request, order_id):
        order, ended = _downloadable_order(request, order_id)
        if ended:
            return ended
        version = request.GET.get("version", "")
        release, files = releases.downloadable_release_files(order, int(version) if version.isdigit() else None)
        if release is None:
            raise Http404
        missing = releases.missing_files(files)
        if missing:
            logger.error(
                "Order #%s: ZIP of version %s, files missing from storage: %s", order.pk, release.number, missing
            )
            return TemplateResponse(
                request, "catalogue/private_file_missing.html", {"filename": missing[0].name}, status=404
            )
        _count_download(request, order)
        logger.info("Order #%s: version %s downloaded as a ZIP by user #%s", order.pk, release.number, request.user.pk)
        return releases.zip_response(order.product, release, files)
