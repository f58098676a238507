"""A product's gallery in the seller portal: ``/seller/products/<pk>/gallery/``.

Sellers add pictures one at a time, move them up or down, and remove them; each is a
small form posting to a small view, so no script is needed. The gallery belongs to the
page (``ProductGalleryImage`` is a child of ``ProductPage``), so it follows the product's
revisions as in Wagtail admin: a change is saved to the latest revision and published
at once when the product is live with nothing else waiting, otherwise it joins the draft
and goes live with the next "Publish changes". The product is always one of the
signed-in seller's own (``SellerObjectMixin``); a picture is named by its image id
within that product's gallery, so another seller's ids are a 404.
"""

import logging

from django import forms
from django.contrib import messages
from django.db import models, transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views import View
from wagtail.images import get_image_model
from wagtail.images.fields import WagtailImageField
from wagtail.images.utils import get_allowed_image_extensions

from catalogue import moderation
from catalogue.models import ProductGalleryImage, ProductPage
from catalogue.previews import GALLERY_THUMB_SPEC

from .mixins import SellerObjectMixin
from .services import store_image

logger = logging.getLogger(__name__)

GALLERY_MAX_IMAGES = 12


class GalleryImageForm(forms.Form):
    image = WagtailImageField(label=_("Picture"))
    caption = forms.CharField(
        label=_("Caption"),
        required=False,
        max_length=200,
        help_text=_("Optional: what the picture shows. Also read aloud to people using screen readers."),
    )

    def __init__(self, *args, count=0, **kwargs):
        super().__init__(*args, **kwargs)
        self.count = count
        extensions = get_allowed_image_extensions()
        self.fields["image"].widget.attrs["accept"] = ",".join(f".{ext}" for ext in extensions)

    def clean(self):
        cleaned = super().clean()
        if self.count >= GALLERY_MAX_IMAGES:
            raise forms.ValidationError(
                _("A gallery holds up to %(max)d pictures: remove one before adding another."),
                code="gallery_full",
                params={"max": GALLERY_MAX_IMAGES},
            )
        return cleaned


# SERVICES


def draft_gallery(product):
    """The gallery as the product's latest revision has it (drafts included), in order."""
    draft = product.get_latest_revision_as_object()
    items = sorted(draft.gallery_images.all(), key=lambda item: item.sort_order or 0)
    return draft, items


@transaction.atomic
def save_gallery(product, seller, draft, items):
    """Store ``items`` as the gallery of ``draft`` (the latest revision of ``product``).

    Published at once when the product is live with no other unpublished changes (a
    gallery edit alone should not wait for a "publish"); otherwise kept in the draft.
    Answers whether the change is live.
    """
    for position, item in enumerate(items):
        item.sort_order = position
    draft.gallery_images = items
    # A seller the editors have not trusted yet submits the change for review instead.
    publish = product.live and not product.has_unpublished_changes and not moderation.needs_review(seller)
    draft.seller = seller
    if not draft.live:
        draft.save()
    revision = draft.save_revision(user=seller, log_action=True)
    if publish:
        revision.publish(user=seller, skip_permission_checks=True)
    else:
        # Approval publishes the latest revision: a review in progress would put this
        # unreviewed gallery live with it. Like any saved draft, the change withdraws it.
        moderation.withdraw_from_review(product, seller)
    logger.info("Product #%s: gallery edited by seller #%s (%s)", product.pk, seller.pk, "live" if publish else "draft")
    return publish


def with_thumbnails(items):
    """Give each item its ``thumb`` rendition: one query for the images and their
    renditions of that size (a new one is made once)."""
    rendition_model = get_image_model().get_rendition_model()
    images = (
        get_image_model()
        .objects.filter(pk__in=[item.image_id for item in items])
        .prefetch_related(
            models.Prefetch("renditions", queryset=rendition_model.objects.filter(filter_spec=GALLERY_THUMB_SPEC))
        )
        .in_bulk()
    )
    for item in items:
        image = images.get(item.image_id)
        item.thumb = image.get_rendition(GALLERY_THUMB_SPEC) if image else None
    return items


# VIEWS


def _live_message(is_live):
    if is_live:
        return _("The gallery is updated on your live product page.")
    return _("The gallery change is saved in your draft: publish the product to show it.")


class GalleryView(SellerObjectMixin, View):
    """The product's gallery with its pictures, and the form to add one."""

    model = ProductPage
    template_name = "seller_portal/product_gallery.html"

    def get_context(self, product, items, form):
        return {
            "product": product,
            "items": with_thumbnails(items),
            "form": form,
            "max_images": GALLERY_MAX_IMAGES,
        }

    def get(self, request, *args, **kwargs):
        product = self.get_object()
        _draft, items = draft_gallery(product)
        form = GalleryImageForm(count=len(items))
        return render(request, self.template_name, self.get_context(product, items, form))

    def post(self, request, *args, **kwargs):
        product = self.get_object()
        draft, items = draft_gallery(product)
        form = GalleryImageForm(request.POST, request.FILES, count=len(items))
        if not form.is_valid():
            return render(request, self.template_name, self.get_context(product, items, form))
        caption = form.cleaned_data["caption"]
        image = store_image(form.cleaned_data["image"], caption or product.title, request.user, _("Gallery picture"))
        items.append(ProductGalleryImage(image=image, caption=caption))
        messages.success(request, _live_message(save_gallery(product, request.user, draft, items)))
        return redirect("seller_portal:product_gallery", pk=product.pk)


class GalleryItemView(SellerObjectMixin, View):
    """Move a picture up or down, or remove it: POST ``image`` (its image id) and
    ``action`` (``up``, ``down`` or ``remove``)."""

    model = ProductPage
    http_method_names = ["post"]
    actions = ("up", "down", "remove")

    def post(self, request, *args, **kwargs):
        product = self.get_object()
        action = request.POST.get("action")
        if action not in self.actions:
            raise Http404("No such gallery action")
        draft, items = draft_gallery(product)
        image_id = request.POST.get("image", "")
        positions = [index for index, item in enumerate(items) if str(item.image_id) == image_id]
        if not positions:
            raise Http404("No such picture in this gallery")
        index = positions[0]
        if action == "remove":
            items.pop(index)
        else:
            other = index - 1 if action == "up" else index + 1
            if not 0 <= other < len(items):
                return redirect("seller_portal:product_gallery", pk=product.pk)
            items[index], items[other] = items[other], items[index]
        messages.success(request, _live_message(save_gallery(product, request.user, draft, items)))
        return redirect("seller_portal:product_gallery", pk=product.pk)
