"""What shoppers may see of a product before buying: its gallery, free sample and video.

The gallery is ``ProductGalleryImage`` rows (ordered by the seller), the sample is
``ProductPage.preview_file`` (public media, apart from the private file buyers get), and
the video is a YouTube or Vimeo address. This module checks that address and turns it
into the privacy-enhanced player the product page embeds: ``youtube-nocookie.com`` (no
cookies until the visitor presses play) and Vimeo's ``dnt=1`` (no tracking). Those two
player origins are the only frames the Content-Security-Policy allows
(``VIDEO_FRAME_ORIGINS``, added to ``frame-src`` in settings).
"""

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import prefetch_related_objects
from django.utils.translation import gettext_lazy as _
from wagtail.images import get_image_model
from wagtail.images.models import Filter

YOUTUBE_EMBED_ORIGIN = "https://www.youtube-nocookie.com"
VIMEO_EMBED_ORIGIN = "https://player.vimeo.com"
#: The origins of the embedded players: the page's CSP frames these and nothing else.
VIDEO_FRAME_ORIGINS = (YOUTUBE_EMBED_ORIGIN, VIMEO_EMBED_ORIGIN)

# Gallery renditions, named once so the product page prefetches exactly what it renders.
GALLERY_SPEC = "max-1200x900"
GALLERY_THUMB_SPEC = "fill-160x120"

YOUTUBE_HOSTS = {"youtube.com", "www.youtube.com", "m.youtube.com", "music.youtube.com"}
YOUTUBE_SHORT_HOSTS = {"youtu.be", "www.youtu.be"}
VIMEO_HOSTS = {"vimeo.com", "www.vimeo.com", "player.vimeo.com"}
YOUTUBE_ID = re.compile(r"[A-Za-z0-9_-]{11}")
VIMEO_ID = re.compile(r"[0-9]{1,12}")

VIDEO_URL_MESSAGE = _(
    "Use a YouTube or Vimeo video address, e.g. https://www.youtube.com/watch?v=… or https://vimeo.com/123456."
)


@dataclass(frozen=True)
class Video:
    """A recognised video: the service (``"youtube"`` or ``"vimeo"``) and its id."""

    service: str
    id: str

    @property
    def embed_url(self):
        """The privacy-enhanced player's address for an ``<iframe>``."""
        if self.service == "youtube":
            return f"{YOUTUBE_EMBED_ORIGIN}/embed/{self.id}"
        return f"{VIMEO_EMBED_ORIGIN}/video/{self.id}?dnt=1"

    @property
    def label(self):
        return "YouTube" if self.service == "youtube" else "Vimeo"


def parse_video_url(url):
    """The :class:`Video` a YouTube or Vimeo address shows, or ``None`` for anything else.

    Accepted: ``youtube.com/watch?v=<id>``, ``/embed/<id>``, ``/shorts/<id>``, ``/live/<id>``,
    ``youtu.be/<id>``, ``youtube-nocookie.com/embed/<id>``; ``vimeo.com/<id>`` (also under a
    channel or group path) and ``player.vimeo.com/video/<id>``. http or https only.
    """
    try:
        parts = urlsplit((url or "").strip())
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or parts.username or parts.password or parts.port:
        return None
    host = (parts.hostname or "").lower()
    segments = [segment for segment in parts.path.split("/") if segment]
    candidate, pattern, service = None, None, None
    if host in YOUTUBE_HOSTS or host in ("youtube-nocookie.com", "www.youtube-nocookie.com"):
        service, pattern = "youtube", YOUTUBE_ID
        if segments == ["watch"]:
            candidate = (parse_qs(parts.query).get("v") or [""])[0]
        elif len(segments) == 2 and segments[0] in ("embed", "shorts", "live", "v"):
            candidate = segments[1]
    elif host in YOUTUBE_SHORT_HOSTS:
        service, pattern = "youtube", YOUTUBE_ID
        candidate = segments[0] if len(segments) == 1 else None
    elif host in VIMEO_HOSTS:
        service, pattern = "vimeo", VIMEO_ID
        if host == "player.vimeo.com":
            candidate = segments[1] if len(segments) == 2 and segments[0] == "video" else None
        elif segments:
            # vimeo.com/<id>, vimeo.com/channels/<name>/<id>, vimeo.com/<id>/<unlisted hash>
            numeric = [segment for segment in segments if VIMEO_ID.fullmatch(segment)]
            candidate = numeric[0] if numeric else None
    if candidate and pattern.fullmatch(candidate):
        return Video(service, candidate)
    return None


def validate_video_url(url):
    """Refuse any address but a YouTube or Vimeo video's (an empty one is fine)."""
    if url and parse_video_url(url) is None:
        raise ValidationError(VIDEO_URL_MESSAGE, code="video_url")


def video_for(product):
    """The product's :class:`Video`, or ``None`` without a (recognised) address."""
    return parse_video_url(product.video_url) if product.video_url else None


def gallery_images(product):
    """The product's gallery in the seller's order, each image with its page (``large``)
    and thumbnail (``thumb``) renditions.

    One query for the rows with their images, and at most one more for the renditions
    Wagtail's rendition cache does not hold, however many pictures there are. None at all
    when the page's routing found no gallery (``has_gallery``, annotated by
    ``CatalogueIndexPage.route``).
    """
    if not product.pk or getattr(product, "has_gallery", True) is False:
        return []
    rows = list(product.gallery_images.select_related("image").order_by("sort_order", "pk"))
    specs = (GALLERY_SPEC, GALLERY_THUMB_SPEC)
    rendition_model = get_image_model().get_rendition_model()
    filters = [Filter(spec=spec) for spec in specs]
    keys = {
        row.image_id: [
            rendition_model.construct_cache_key(row.image, item.get_cache_key(row.image), item.spec) for item in filters
        ]
        for row in rows
    }
    cached = rendition_model.cache_backend.get_many([key for image_keys in keys.values() for key in image_keys])
    missing = [row.image for row in rows if not all(key in cached for key in keys[row.image_id])]
    if missing:
        prefetch_related_objects(
            missing,
            models.Prefetch("renditions", queryset=rendition_model.objects.filter(filter_spec__in=specs)),
        )
    for row in rows:
        # From the cache or the prefetched rows; made (and stored) once for a new picture.
        renditions = row.image.get_renditions(*specs)
        row.large = renditions[GALLERY_SPEC]
        row.thumb = renditions[GALLERY_THUMB_SPEC]
    return rows


def preview_context(product):
    """What the product page's previews section reads: the gallery, the video and the sample."""
    return {
        "gallery": gallery_images(product),
        "video": video_for(product),
        "has_sample": bool(product.preview_file),
    }
