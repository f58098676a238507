"""Demo storefronts and previews for ``seed_demo``: each demo seller's profile gets a shop
name, bio and links, and a few demo products get gallery pictures, a free sample and a
video, so the storefront and the product page's previews can be clicked through.

Idempotent: a profile with a bio is left alone, and so is a product that has a gallery.
Products are changed through a published revision, as the portal does, so the live page
and its latest revision agree.
"""

import logging

from django.core.files.base import ContentFile
from django.db import transaction
from wagtail.images import get_image_model
from wagtail.models import Collection

from .demo import CATEGORY_COLOURS, _cover_jpeg, _file_stem, _pdf
from .models import ProductGalleryImage, ProductPage
from .storefronts import profile_for

logger = logging.getLogger(__name__)

# One per demo seller, in order: (shop name, bio, website, links).
DEMO_PROFILES = [
    (
        "Northlight Studio",
        "Books, courses and templates for people who make things.\n\n"
        "I have written about synthesis and home recording for ten years, and I test every "
        "template on my own projects before it goes on sale.",
        "https://northlight.example.com",
        [
            {"label": "Newsletter", "url": "https://northlight.example.com/newsletter"},
            {"label": "YouTube", "url": "https://www.youtube.com/@northlight-demo"},
        ],
    ),
    (
        "Fjord & Field",
        "Photo sets, sound packs and planners made in a small studio by the sea.\n\n"
        "Questions before you buy? Press Contact: I answer within a day.",
        "https://fjordandfield.example.com",
        [{"label": "Portfolio", "url": "https://fjordandfield.example.com/work"}],
    ),
]

# Demo products that get previews: (title, video address or "", sample or not).
DEMO_PREVIEWS = [
    ("Synthesis From Scratch", "https://www.youtube.com/watch?v=ysz5S6PUM-U", True),
    ("Python for Data Analysis: Video Course", "https://vimeo.com/76979871", True),
    ("The Quiet Studio", "", True),
    ("Mountain Light Photo Set", "https://www.youtube.com/watch?v=aqz-KE-bpKQ", False),
]
GALLERY_PAGES = ("Inside: contents", "Inside: a sample spread", "Inside: worked example")


def seed_storefronts(sellers):
    """Fill each demo seller's storefront profile once; answers how many were filled."""
    filled = 0
    for seller, (shop_name, bio, website, links) in zip(sellers, DEMO_PROFILES, strict=False):
        profile = profile_for(seller)
        if profile.bio:
            continue
        profile.shop_name, profile.bio, profile.website, profile.links = shop_name, bio, website, links
        profile.save()
        filled += 1
    return filled


def seed_previews():
    """Give the demo products in ``DEMO_PREVIEWS`` a gallery, a video and a sample once;
    answers how many products were given them."""
    done = 0
    for title, video_url, with_sample in DEMO_PREVIEWS:
        product = ProductPage.objects.filter(title=title).select_related("category").first()
        if product is None or ProductGalleryImage.objects.filter(product=product).exists():
            continue
        _add_previews(product, video_url, with_sample)
        done += 1
    return done


@transaction.atomic
def _add_previews(product, video_url, with_sample):
    draft = product.get_latest_revision_as_object()
    colours = CATEGORY_COLOURS.get(product.category.slug, ("#312e81", "#7c3aed"))
    draft.gallery_images = [
        ProductGalleryImage(image=_picture(product.title, caption, colours[::-1]), caption=caption, sort_order=number)
        for number, caption in enumerate(GALLERY_PAGES)
    ]
    draft.video_url = video_url
    if with_sample:
        draft.preview_file = ContentFile(
            _pdf(f"{product.title}: free sample"), name=f"{_file_stem(product.title)}-sample.pdf"
        )
    draft.save_revision(user=product.seller, log_action=False).publish(
        user=product.seller, log_action=False, skip_permission_checks=True
    )
    logger.info("Product #%s: demo previews added", product.pk)


def _picture(title, caption, colours):
    """A gallery picture: a gradient with the caption, found by title on a second run."""
    image_model = get_image_model()
    picture_title = f"{caption}: {title}"
    existing = image_model.objects.filter(title=picture_title).first()
    if existing is not None:
        return existing
    image = image_model(
        title=picture_title,
        collection=Collection.get_first_root_node(),
        file=ContentFile(_cover_jpeg(caption, title, colours), name=f"gallery-{_file_stem(picture_title)}.jpg"),
    )
    image.save()
    return image
