"""Demo product traffic for ``seed_demo``: 90 days of views, checkout starts and their
sources for every live product, so ``make run`` shows populated analytics pages.

Written straight to the daily rows (the cache buffer is for real visitors), from a random
generator seeded by the product id: the same numbers on every machine. A product that has
any rows already is left alone, so running it again adds nothing.
"""

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from .models import ProductDailyStats, ProductPage, ProductTraffic, TrafficKind

DAYS = 90
REFERRERS = ("news.ycombinator.com", "reddit.com", "google.com", "bsky.app", "newsletter.example.com")


def _split(rng, total, parts):
    """``total`` split at random into ``parts`` non-negative integers."""
    cuts = sorted(rng.randint(0, total) for _ in range(parts - 1))
    return [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]


def seed_traffic(short_link_codes=None, today=None):
    """Rows for every live product without any; answers how many products got traffic.
    ``short_link_codes`` maps a product id to its short links' codes (lower case)."""
    short_link_codes = short_link_codes or {}
    today = today or timezone.localdate()
    seeded = set(ProductDailyStats.objects.values_list("product_id", flat=True).distinct())
    stats, traffic = [], []
    products = ProductPage.objects.live().exclude(pk__in=seeded).order_by("pk").values_list("pk", flat=True)
    for product_id in products:
        rng = random.Random(product_id)  # noqa: S311 (demo numbers, not secrets)
        base = rng.randint(5, 60)
        codes = short_link_codes.get(product_id, [])
        for offset in range(DAYS):
            day = today - timedelta(days=offset)
            # Busier lately, quieter at weekends, with the odd spike.
            views = int(base * (1.6 - offset / DAYS) * (0.6 if day.weekday() >= 5 else 1) * rng.uniform(0.5, 1.5))
            if rng.random() < 0.03:
                views *= 4
            if not views:
                continue
            stats.append(
                ProductDailyStats(
                    product_id=product_id, day=day, views=views, checkout_starts=views // rng.randint(12, 30)
                )
            )
            direct, marketplace, referred, linked = _split(rng, views, 4)
            if not codes:
                marketplace += linked
                linked = 0
            rows = [(TrafficKind.DIRECT, "", direct), (TrafficKind.MARKETPLACE, "", marketplace)]
            rows += zip([TrafficKind.REFERRER] * 2, rng.sample(REFERRERS, 2), _split(rng, referred, 2), strict=True)
            if codes:
                rows.append((TrafficKind.SHORT_LINK, rng.choice(codes), linked))
            traffic += [
                ProductTraffic(product_id=product_id, day=day, kind=kind, source=source, views=count)
                for kind, source, count in rows
                if count
            ]
    with transaction.atomic():
        ProductDailyStats.objects.bulk_create(stats, batch_size=1000, ignore_conflicts=True)
        ProductTraffic.objects.bulk_create(traffic, batch_size=1000, ignore_conflicts=True)
    return len({row.product_id for row in stats})
