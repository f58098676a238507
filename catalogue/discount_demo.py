"""Demo discount codes for ``seed_demo``: an editors' marketplace-wide code (the one the
demo orders' euro payments used, so its uses show), and a few codes per demo seller (for
all their products, for one product, with a last day, a usage limit, one deactivated).

Idempotent: codes are found by their text. Each save reaches Dodo through the usual
sync (nothing is sent when Dodo is not configured). Runs after ``seed_catalogue``.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from .discounts import save_code
from .models import DiscountCode, ProductPage

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DemoCode:
    code: str
    percent: int
    product_title: str = ""  # empty: every product of the seller
    days_left: int | None = None
    usage_limit: int | None = None
    active: bool = True


# The demo orders' euro payments used SPRING20 (catalogue.order_demo).
MARKETPLACE_CODES = [DemoCode("SPRING20", 20, usage_limit=1000)]
# One list per demo seller, in the order seed_demo passes the sellers (as seed_catalogue).
SELLER_CODES = [
    [
        DemoCode("LAUNCH-15", 15, days_left=60, usage_limit=100),
        DemoCode("RUST-FRIENDS", 25, product_title="Intro to Rust: a friendly first book"),
    ],
    [
        DemoCode("LOFI10", 10),
        DemoCode("BLACKFRIDAY", 30, days_left=20, active=False),
    ],
]


def seed_discount_codes(sellers):
    """Create the demo codes (marketplace-wide, then the sellers'); answers how many this run made."""
    created = sum(_seed(None, demo) for demo in MARKETPLACE_CODES)
    for seller, codes in zip(sellers, SELLER_CODES, strict=False):
        created += sum(_seed(seller, demo) for demo in codes)
    return created


def _seed(seller, demo):
    if DiscountCode.objects.filter(code=demo.code).exists():
        return 0
    products = []
    if demo.product_title:
        product = ProductPage.objects.filter(seller=seller, title=demo.product_title).first()
        if product is None:
            logger.info("Demo discount %s: no product %r, skipped", demo.code, demo.product_title)
            return 0
        products = [product]
    expires_at = None
    if demo.days_left is not None:
        expires_at = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(
            days=demo.days_left + 1
        )
    code = DiscountCode(
        seller=seller,
        code=demo.code,
        percent=demo.percent,
        expires_at=expires_at,
        usage_limit=demo.usage_limit,
        active=demo.active,
        created_by=seller,
    )
    save_code(code, products)
    return 1
