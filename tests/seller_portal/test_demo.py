"""seed_demo's short links: a few per demo seller, with clicks, made once."""

import pytest

from seller_portal.demo import DEMO_LINKS, seed_short_links
from seller_portal.models import ShortLink
from tests.factories import ProductPageFactory, SellerFactory

pytestmark = pytest.mark.django_db


def test_seed_short_links_is_idempotent_and_skips_missing_products(site_tree):
    first, second = SellerFactory(), SellerFactory()
    for demo in DEMO_LINKS[0]:
        ProductPageFactory(seller=first, title=demo.product_title)
    # The second seller has only one of their demo products.
    ProductPageFactory(seller=second, title=DEMO_LINKS[1][0].product_title)

    assert seed_short_links([first, second]) == len(DEMO_LINKS[0]) + 1
    ShortLink.objects.filter(code="rust-book").update(clicks=999)
    assert seed_short_links([first, second]) == 0
    assert ShortLink.objects.get(code="rust-book").clicks == 999  # left alone
    links = ShortLink.objects.filter(seller=first)
    assert all(link.product.seller == first for link in links)
    assert sum(link.clicks for link in links) > 0
    assert links.filter(is_active=False).exists()
