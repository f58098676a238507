"""Reviews on the storefront: a product page's rating, its latest reviews, and the
signed-in buyer's "Write a review" / "Edit your review" link (``catalogue.reviews``)."""

from django import template

from catalogue import reviews

register = template.Library()


@register.inclusion_tag("catalogue/includes/rating_summary.html")
def rating_summary(product, link=""):
    """``★ 4.5 (12 reviews)`` for a product page with visible reviews, nothing otherwise
    (shares its one query with ``product_reviews``)."""
    rating, _latest = reviews.product_page_reviews(product)
    return {"rating": rating, "link": link}


@register.inclusion_tag("catalogue/includes/product_reviews.html")
def product_reviews(product):
    """The product page's reviews: the summary and the newest visible ones, each with the
    seller's reply. The same for every visitor, so pages keep it in a cached fragment."""
    rating, latest = reviews.product_page_reviews(product)
    return {
        "product": product,
        "rating": rating,
        "reviews": latest,
        "more": rating.review_count - len(latest) if rating else 0,
    }


@register.inclusion_tag("catalogue/includes/review_action.html", takes_context=True)
def review_action(context, product, owned_order):
    """In the buy box of a product the signed-in customer owns (``owned_order``): the link
    to write or edit their review. One query, for owners only."""
    user = context.get("user")
    state = reviews.review_link_state(user, owned_order) if user is not None and user.is_authenticated else None
    return {"state": state, "product": product}
