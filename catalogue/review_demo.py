"""Demo reviews for ``seed_demo``: the demo customers rate some of what they bought, and
the sellers answer a few, so product cards and pages show stars and the seller portal's
reviews page has something to answer.

Written directly (no emails to the sellers), then each product's rating is recounted as
the services do. Only entitling orders (paid, not free) are reviewed, and only the first
two of each customer's, so their libraries also offer "Write a review". Idempotent: a
customer who has reviews is left alone.
"""

from datetime import timedelta

from django.utils import timezone

from . import page_cache
from .models import Order, OrderStatus, Review
from .reviews import recount_rating

# (rating, title, body, the seller's reply or "") for each customer's first paid orders.
DEMO_REVIEWS = [
    (
        5,
        "Exactly what I needed",
        "Clear, well organised and worth every cent. I was using it the same afternoon.",
        "Thank you! So glad it saved you time. More in this series is coming soon.",
    ),
    (4, "Good value", "Solid and practical. A few more examples would make it perfect.", ""),
    (
        3,
        "Decent, a bit basic",
        "Does the job, but I expected more depth for the price.",
        "Thanks for the honest feedback: an expanded edition is on the way, free for existing buyers.",
    ),
    (5, "Beautifully made", "The attention to detail shows. Recommended to my whole team.", ""),
]


def seed_reviews(customers):
    """Create each demo customer's reviews once; answers how many were created."""
    created = 0
    product_ids = set()
    now = timezone.now()
    for offset, customer in enumerate(customers):
        if Review.objects.filter(customer=customer).exists():
            continue
        # The orders that entitle a review (catalogue.reviews.entitling_orders), oldest first.
        paid = list(
            Order.objects.for_customer(customer)
            .filter(status=OrderStatus.PAID, amount__gt=0, product__live=True)
            .select_related("product")
            .order_by("paid_at", "pk")
        )
        for index, order in enumerate(paid[:2]):
            rating, title, body, reply = DEMO_REVIEWS[(offset * 2 + index) % len(DEMO_REVIEWS)]
            review = Review.objects.create(
                product=order.product,
                customer=customer,
                order=order,
                rating=rating,
                title=title,
                body=body,
                seller_reply=reply,
                seller_replied_at=now if reply else None,
            )
            Review.objects.filter(pk=review.pk).update(created_at=now - timedelta(days=index + offset, hours=3))
            product_ids.add(order.product_id)
            created += 1
    for product_id in sorted(product_ids):
        recount_rating(product_id)
    if product_ids:
        page_cache.bump_generation()
    return created
