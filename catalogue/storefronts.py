"""Sellers' public storefronts: ``/sellers/<slug>/`` with the shop's name, avatar, bio,
links, rating and live products.

A seller's :class:`~catalogue.models.SellerProfile` is made the first time it is needed
(:func:`profile_for`: their first live product, their portal profile page, the demo
data), with a slug from their display name. Nothing a seller types reaches shoppers as
markup: the bio is plain text (escaped, line breaks kept) and only ``http``/``https``
links are shown (:func:`safe_links`), whatever is stored.

The page is the same for every visitor but for the "contact" button, so its head (avatar,
bio, rating) and its product cards are fragments of the anonymous page cache
(``catalogue.page_cache``), purged with the rest when a profile or product changes.
"""

import logging
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlsplit

from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.shortcuts import get_object_or_404, render
from django.utils.decorators import method_decorator
from django.utils.functional import SimpleLazyObject
from django.views import View
from django.views.decorators.http import require_safe
from wagtail.images import get_image_model
from wagtail.models import Collection

from . import page_cache
from .models import ProductPage, ProductRating, SellerProfile
from .services import ProductCards
from .slugs import random_suffix, slug_base

logger = logging.getLogger(__name__)

STOREFRONT_PAGE_SIZE = 24
SLUG_MAX_LENGTH = 50  # the field holds 60: room for a "-xxxx" suffix on a collision
PROFILE_LINKS_MAX = 3
AVATAR_SPEC = "fill-160x160"
SLUG_ATTEMPTS = 10


# PROFILES


def profile_for(user):
    """The seller's :class:`SellerProfile`, made now if they have none.

    A new profile's slug is the display name's (``maya-okafor``), or that with a random
    suffix when another seller has it. Two requests making the same profile at once are
    fine: the loser of the insert reads the winner's row.
    """
    try:
        return SellerProfile.objects.select_related("user", "avatar").get(user=user)
    except SellerProfile.DoesNotExist:
        pass
    base = slug_base(user.display_name, max_length=SLUG_MAX_LENGTH, fallback="shop")
    for attempt in range(SLUG_ATTEMPTS):
        slug = base if attempt == 0 else f"{base}-{random_suffix(4)}"
        if SellerProfile.objects.filter(slug=slug).exists():
            continue
        try:
            with transaction.atomic():
                profile = SellerProfile.objects.create(user=user, slug=slug)
        except IntegrityError:
            # The same seller's profile made meanwhile, or the slug taken: look again.
            existing = SellerProfile.objects.filter(user=user).first()
            if existing is not None:
                return existing
            continue
        logger.info("Seller #%s: storefront profile made at /sellers/%s/", user.pk, slug)
        return profile
    raise RuntimeError(f"No free storefront slug for seller #{user.pk} after {SLUG_ATTEMPTS} attempts")


def is_web_url(url):
    """Whether ``url`` is an absolute ``http``/``https`` address (no ``javascript:``, no ``data:``)."""
    try:
        parts = urlsplit((url or "").strip())
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def safe_links(profile):
    """The profile's links to show: ``{"label", "url"}`` with an http(s) address only, at
    most ``PROFILE_LINKS_MAX``, the website first. Checked here as well as in the portal's
    form, so a value stored by other means (admin, shell, an old row) cannot become a
    ``javascript:`` link."""
    links = []
    if is_web_url(profile.website):
        links.append({"label": urlsplit(profile.website).netloc.removeprefix("www."), "url": profile.website.strip()})
    for item in profile.links if isinstance(profile.links, list) else []:
        if not isinstance(item, dict) or not is_web_url(item.get("url")):
            continue
        url = str(item["url"]).strip()
        label = str(item.get("label") or "").strip() or urlsplit(url).netloc.removeprefix("www.")
        links.append({"label": label[:60], "url": url})
    return links[: PROFILE_LINKS_MAX + 1]


def store_avatar(upload, profile):
    """Keep an uploaded avatar (validated by ``WagtailImageField``) as a Wagtail image."""
    image = get_image_model()(
        title=f"{profile.name} avatar"[:255],
        file=upload,
        collection=Collection.get_first_root_node(),
        uploaded_by_user=profile.user,
    )
    image._set_image_file_metadata()
    image.save()
    return image


@transaction.atomic
def save_profile(profile, *, avatar=None):
    """Save the seller's edited ``profile``; ``avatar`` is a new upload, if any.

    The receivers purge the cached pages (a product page shows the shop name).
    """
    if avatar is not None:
        profile.avatar = store_avatar(avatar, profile)
    profile.save()
    logger.info("Seller #%s: storefront profile saved", profile.user_id)
    return profile


# RATING


@dataclass(frozen=True)
class SellerRating:
    """A seller's reviews over all their live products: how many, and the mean."""

    count: int
    total: int

    @property
    def average(self):
        if not self.count:
            return None
        return (Decimal(self.total) / self.count).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def seller_rating(seller_id):
    """One query: the sum of the seller's live products' ``ProductRating`` rows."""
    sums = ProductRating.objects.filter(product__seller_id=seller_id, product__live=True).aggregate(
        count=Sum("review_count"), total=Sum("rating_total")
    )
    return SellerRating(count=sums["count"] or 0, total=sums["total"] or 0)


# THE PAGE


def live_products_page(profile, number, per_page=STOREFRONT_PAGE_SIZE):
    """One page of the seller's live products, newest first, as card ids: a count and a
    page of ids (the seller index serves both); the cards load only if not cached."""
    ids = (
        ProductPage.objects.live()
        .filter(seller_id=profile.user_id)
        .order_by("-first_published_at", "-pk")
        .values_list("pk", flat=True)
    )
    page_obj = Paginator(ids, per_page).get_page(number)
    page_obj.object_list = ProductCards(page_obj.object_list)
    return page_obj


def head_context(profile):
    """What the cached head of the storefront reads: avatar thumbnail and rating (lazy)."""
    avatar = profile.avatar.get_rendition(AVATAR_SPEC) if profile.avatar_id else None
    return {"avatar": avatar, "rating": seller_rating(profile.user_id), "links": safe_links(profile)}


@method_decorator(require_safe, name="dispatch")
class StorefrontView(View):
    """``/sellers/<slug>/``: a seller's public page. Only active sellers have one."""

    template_name = "catalogue/storefront.html"

    def get(self, request, slug):
        if page_cache.is_enabled():
            # Fragments (head, product cards) are kept under the generation read now,
            # before any data, as the page cache middleware does for Wagtail's pages.
            setattr(request, page_cache.REQUEST_GENERATION_ATTRIBUTE, page_cache.current_generation())
        profile = get_object_or_404(
            SellerProfile.objects.select_related("user", "avatar"),
            slug=slug,
            user__is_seller=True,
            user__is_active=True,
        )
        page_obj = live_products_page(profile, request.GET.get("page"))
        context = {
            "profile": profile,
            "head": SimpleLazyObject(lambda: head_context(profile)),
            "page_obj": page_obj,
            "products": page_obj.object_list,
            "querystring_base": "",
            # A pre-sale question is about a product (support tickets are): the newest one shown.
            "contact_product_id": page_obj.object_list.ids[0] if page_obj.object_list.ids else None,
        }
        return render(request, self.template_name, context)
