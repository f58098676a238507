"""Demo short links for ``seed_demo``: a few links per demo seller, with clicks.

Idempotent: links are found by code (``get_or_create``); a second run creates nothing and
leaves the clicks of existing links alone. Links are made only for products the demo
catalogue gave that seller (matched by title), so it runs after ``seed_catalogue``.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from catalogue.models import ProductPage

from .models import ShortLink

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DemoLink:
    code: str
    product_title: str
    clicks: int
    hours_since_last_click: int | None
    is_active: bool = True


# One list per demo seller, in the order seed_demo passes the sellers (as seed_catalogue).
DEMO_LINKS = [
    [
        DemoLink("rust-book", "Intro to Rust: a friendly first book", 248, 3),
        DemoLink("pitch-deck", "Minimal Pitch Deck Template", 97, 26),
        DemoLink("budget-2026", "Monthly Budget Planner", 41, 150),
        DemoLink("presets-launch", "Film Look Lightroom Presets", 12, 24 * 20, is_active=False),
    ],
    [
        DemoLink("lofi-drums", "Lo-fi Drum Loops", 315, 1),
        DemoLink("python-course", "Python for Data Analysis: Video Course", 122, 9),
        DemoLink("synth-book", "Synthesis From Scratch", 0, None),
    ],
]


def seed_short_links(sellers):
    """Create the demo short links of ``sellers``; returns how many this run created."""
    now = timezone.now()
    created = 0
    for seller, links in zip(sellers, DEMO_LINKS, strict=False):
        for demo in links:
            product = ProductPage.objects.for_seller(seller).filter(title=demo.product_title).first()
            if product is None:
                logger.info(
                    "Demo short link %s: seller #%s has no product %r, skipped",
                    demo.code,
                    seller.pk,
                    demo.product_title,
                )
                continue
            last_click = now - timedelta(hours=demo.hours_since_last_click) if demo.hours_since_last_click else None
            _link, was_created = ShortLink.objects.get_or_create(
                code=demo.code,
                defaults={
                    "seller": seller,
                    "product": product,
                    "clicks": demo.clicks,
                    "last_clicked_at": last_click,
                    "is_active": demo.is_active,
                },
            )
            created += was_created
    return created


# A category the untrusted demo seller proposed, waiting for the demo editor's approval
# (Wagtail admin: Catalogue > Categories, filter "Awaiting approval").
DEMO_PROPOSAL = ("Field recordings", "Ambient sound captured outdoors: cities, forests, weather.")


def seed_category_proposal(sellers):
    """Propose one category for the last demo seller, once; returns 1 if it was made."""
    from catalogue.models import CategoryStatus, ProductCategory

    if not sellers:
        return 0
    name, description = DEMO_PROPOSAL
    _category, created = ProductCategory.objects.get_or_create(
        name=name,
        defaults={"description": description, "owner": sellers[-1], "status": CategoryStatus.PENDING},
    )
    return int(created)
