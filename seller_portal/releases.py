"""A product's files and versions in the seller portal (services: ``catalogue.releases``).

- ``/seller/products/<pk>/files/``: the current version's files; add extra files or
  remove them (the main file is replaced in the product form). Changes are immediate
  and email nobody: they fix the version buyers already have.
- ``/seller/products/<pk>/versions/new/``: publish a new version with a "what changed"
  note, its files (new uploads and files carried over from the current version) and
  whether the old version stays downloadable to its buyers. Every buyer of a paid order
  is emailed once, by the worker.

The product is always one of the signed-in seller's own (``SellerObjectMixin``); a file is
looked up within that product's current version, so another seller's ids are a 404.
"""

import logging

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from django.views import View

from catalogue import moderation, releases
from catalogue.models import ProductFile, ProductPage
from catalogue.models.releases import NOTE_MAX_LENGTH
from catalogue.quota import check_storage_quota
from catalogue.validators import validate_product_file

from . import stats
from .mixins import SellerObjectMixin

logger = logging.getLogger(__name__)

# Files one form may upload at once (each up to PRODUCT_FILE_MAX_SIZE).
MAX_FILES_PER_UPLOAD = 10


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several uploads in one field, each checked like a product file."""

    widget = MultipleFileInput

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("validators", [validate_product_file])
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        uploads = [item for item in (data if isinstance(data, list | tuple) else [data]) if item]
        if not uploads:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        if len(uploads) > MAX_FILES_PER_UPLOAD:
            raise ValidationError(
                _("Upload at most %(max)d files at once."), code="too_many_files", params={"max": MAX_FILES_PER_UPLOAD}
            )
        errors, cleaned = [], []
        for upload in uploads:
            try:
                cleaned.append(super().clean(upload, initial))
            except ValidationError as error:
                errors.extend(f"{upload.name}: {message}" for message in error.messages)
        if errors:
            raise ValidationError(errors)
        return cleaned


def _files_help():
    return _("Up to %(count)d files at once, each up to %(size)s. Stored privately.") % {
        "count": MAX_FILES_PER_UPLOAD,
        "size": filesizeformat(settings.PRODUCT_FILE_MAX_SIZE),
    }


class _QuotaMixin:
    """Refuse uploads that would take the seller over ``SELLER_STORAGE_QUOTA``."""

    def check_quota(self, uploads):
        try:
            check_storage_quota(self.product.seller_id, sum(upload.size for upload in uploads))
        except ValidationError as error:
            self.add_error("files", error)


class AddFilesForm(_QuotaMixin, forms.Form):
    files = MultipleFileField(label=_("Add files"))

    def __init__(self, *args, product, **kwargs):
        super().__init__(*args, **kwargs)
        self.product = product
        self.fields["files"].help_text = _files_help()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("files"):
            self.check_quota(cleaned["files"])
        return cleaned


class NewVersionForm(_QuotaMixin, forms.Form):
    note = forms.CharField(
        label=_("What changed"),
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "A few lines for your buyers, e.g. “Two new chapters; fixed typos in chapter 3.” Sent in their email."
        ),
    )
    files = MultipleFileField(label=_("New files"), required=False)
    carried = forms.ModelMultipleChoiceField(
        label=_("Keep these files from the current version"),
        queryset=ProductFile.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Ticked files stay in the new version as they are; upload the ones that changed."),
    )
    keep_previous = forms.BooleanField(
        label=_("Keep the old version downloadable for the buyers who have it"),
        required=False,
        initial=True,
    )

    def __init__(self, *args, product, current_files, **kwargs):
        super().__init__(*args, **kwargs)
        self.product = product
        self.fields["carried"].queryset = current_files
        self.fields["carried"].label_from_instance = lambda item: f"{item.name} ({filesizeformat(item.size)})"
        self.fields["files"].help_text = _files_help()

    def clean(self):
        cleaned = super().clean()
        uploads = cleaned.get("files") or []
        if "files" in cleaned and "carried" in cleaned and not uploads and not cleaned["carried"]:
            self.add_error("files", _("A new version needs at least one file: upload one or keep one."))
        if uploads:
            self.check_quota(uploads)
        return cleaned


def _current_files(product):
    return ProductFile.objects.filter(release__product=product, release__superseded_at__isnull=True).order_by(
        "sort_order", "pk"
    )


UNTRUSTED_FILES_MESSAGE = _(
    "Until the editors mark your shop as trusted, a product's files change only through review: "
    "replace the main file in the product form and submit it for review."
)


class TrustedFilesMixin:
    """Extra files and new versions reach buyers at once, past the editors' review, so
    only trusted sellers change them here; the others change the main file in the product
    form, which goes through review (``catalogue.moderation``). Listed after the seller
    mixin, so the sign-in and role checks come first."""

    def dispatch(self, request, *args, **kwargs):
        if request.method == "POST" and moderation.needs_review(request.user):
            self.get_object()  # another seller's product is still a 404
            messages.error(request, UNTRUSTED_FILES_MESSAGE)
            return redirect("seller_portal:product_files", pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)


class ProductFilesView(SellerObjectMixin, TrustedFilesMixin, View):
    """The current version's files, the form to add more, and the version history."""

    model = ProductPage
    template_name = "seller_portal/product_files.html"

    def context(self, product, form):
        return {
            "product": product,
            "release": releases.current_release(product),
            "files": list(_current_files(product)),
            "history": releases.release_summary(product),
            "form": form,
            "can_change_files": not moderation.needs_review(self.request.user),
            "untrusted_message": UNTRUSTED_FILES_MESSAGE,
        }

    def get(self, request, *args, **kwargs):
        product = self.get_object()
        return render(request, self.template_name, self.context(product, AddFilesForm(product=product)))

    def post(self, request, *args, **kwargs):
        product = self.get_object()
        form = AddFilesForm(request.POST, request.FILES, product=product)
        if not form.is_valid():
            return render(request, self.template_name, self.context(product, form))
        with transaction.atomic():
            added = releases.add_files(product, form.cleaned_data["files"])
            stats.recount_seller_catalogue(request.user.pk)
        messages.success(request, _("%(count)d file(s) added: buyers can download them now.") % {"count": len(added)})
        return redirect("seller_portal:product_files", pk=product.pk)


class ProductFileRemoveView(SellerObjectMixin, TrustedFilesMixin, View):
    """Remove one extra file of the current version: POST ``file`` (its id)."""

    model = ProductPage
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        product = self.get_object()
        file_id = request.POST.get("file", "")
        try:
            if not file_id.isdigit():
                raise ProductFile.DoesNotExist
            with transaction.atomic():
                releases.remove_file(product, int(file_id))
                stats.recount_seller_catalogue(request.user.pk)
        except ProductFile.DoesNotExist:
            raise Http404("No such file in this product's current version") from None
        except releases.MainFileRequired:
            messages.error(request, _("The main file cannot be removed: replace it in the product form instead."))
        else:
            messages.success(request, _("The file is removed."))
        return redirect("seller_portal:product_files", pk=product.pk)


class NewVersionView(SellerObjectMixin, TrustedFilesMixin, View):
    """Publish a new version: the note, its files, and whether the old one is kept."""

    model = ProductPage
    template_name = "seller_portal/product_version_form.html"

    def form(self, product, data=None, files=None):
        return NewVersionForm(data, files, product=product, current_files=_current_files(product))

    def render_form(self, request, product, form):
        return render(
            request,
            self.template_name,
            {"product": product, "release": releases.current_release(product), "form": form},
        )

    def get(self, request, *args, **kwargs):
        product = self.get_object()
        if moderation.needs_review(request.user):
            messages.error(request, UNTRUSTED_FILES_MESSAGE)
            return redirect("seller_portal:product_files", pk=product.pk)
        return self.render_form(request, product, self.form(product))

    def post(self, request, *args, **kwargs):
        product = self.get_object()
        form = self.form(product, request.POST, request.FILES)
        if not form.is_valid():
            return self.render_form(request, product, form)
        with transaction.atomic():
            release = releases.publish_release(
                product,
                note=form.cleaned_data["note"],
                uploads=form.cleaned_data["files"],
                carried=form.cleaned_data["carried"],
                keep_previous=form.cleaned_data["keep_previous"],
            )
            stats.recount_seller_catalogue(request.user.pk)
        logger.info("Product #%s: version %s published by seller #%s", product.pk, release.number, request.user.pk)
        messages.success(
            request,
            _("Version %(number)d of “%(title)s” is out: its buyers are being emailed.")
            % {"number": release.number, "title": product.title},
        )
        return redirect("seller_portal:product_files", pk=product.pk)
