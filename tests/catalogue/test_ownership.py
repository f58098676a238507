"""One owner filter (``catalogue.ownership``): every portal object by role, and nothing else."""

import pytest

from catalogue.models import LedgerEntry, Order, ProductCategory, ProductPage, SupportTicket
from seller_portal.models import ShortLink
from tests.factories import (
    CustomerFactory,
    OrderFactory,
    ProductCategoryFactory,
    ProductPageFactory,
    SellerFactory,
    ShortLinkFactory,
    SupportTicketFactory,
)

pytestmark = pytest.mark.django_db


def test_each_portal_model_is_filtered_by_its_owner_for_each_role(site_tree):
    seller, other_seller = SellerFactory(), SellerFactory()
    buyer, other_buyer = CustomerFactory(), CustomerFactory()
    product = ProductPageFactory(seller=seller)
    ProductPageFactory(seller=other_seller)
    order = OrderFactory(product=product, customer=buyer)
    OrderFactory(product=ProductPageFactory(seller=other_seller), customer=other_buyer)
    category = ProductCategoryFactory(owner=seller)
    ProductCategoryFactory(owner=other_seller)
    link = ShortLinkFactory(product=product)
    ticket = SupportTicketFactory(product=product, customer=buyer)
    SupportTicketFactory(product=ProductPageFactory(seller=other_seller), customer=other_buyer)

    assert list(ProductPage.objects.for_seller(seller)) == [product]
    assert list(ProductCategory.objects.for_seller(seller)) == [category]
    assert list(ShortLink.objects.for_seller(seller)) == [link]
    assert list(Order.objects.for_seller(seller)) == [order]
    assert list(Order.objects.for_customer(buyer)) == [order]
    assert list(SupportTicket.objects.for_seller(seller)) == [ticket]
    assert list(SupportTicket.objects.for_customer(buyer)) == [ticket]
    assert not LedgerEntry.objects.for_seller(seller).exists()


def test_a_role_a_model_has_no_owner_for_is_an_error_not_everything():
    with pytest.raises(ValueError, match="ProductCategory has no 'customer' owner"):
        ProductCategory.objects.for_customer(CustomerFactory())
