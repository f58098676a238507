"""Free products (issue 15, point 7): a price of 0, "Get it free", no Dodo at all.

"Get it free" is the Buy form of a free product (or of a pay-what-you-want product at
0): the order is made paid at once (``catalogue.orders.get_free``), the product is in
the customer's library and downloads, and Dodo hears nothing, neither of the product
nor of the order (the emulator's request log stays empty). The seller's figures count
it as a download, not a sale; nothing was paid, so nothing can be refunded.
"""

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse

from catalogue.models import LedgerEntry, Order, OrderStatus
from dodo.models import DodoProduct
from seller_portal import stats
from seller_portal.models import ProductSales, SellerDailySales
from tests.factories import CustomerFactory, OrderFactory, ProductPageFactory, SellerFactory

pytestmark = pytest.mark.django_db

LIBRARY = reverse("portal:products")


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run ``fn`` and then its on-commit callbacks (the Dodo sync, emails), as a request would."""

    def run(fn):
        with django_capture_on_commit_callbacks(execute=True):
            return fn()

    return run


@pytest.fixture
def free(commit, site_tree, dodo_settings):
    """A free product, saved as a seller would (its Dodo sync task ran)."""
    seller = commit(lambda: SellerFactory(email="maker@example.com"))
    return commit(lambda: ProductPageFactory(title="Weekly Planner", price=Decimal("0"), seller=seller))


@pytest.fixture
def customer(client, commit, dodo_settings):
    user = commit(lambda: CustomerFactory(email="reader@example.com"))
    client.force_login(user)
    return user


def _get_it(client, product, commit, **data):
    return commit(lambda: client.post(reverse("dodo:checkout", args=(product.pk,)), data))


def test_get_it_free_adds_it_to_the_library_without_any_dodo_call(client, customer, free, commit, dodo_emulator):
    dodo_emulator.reset()  # forget the sign-up's customer sync; the product made no call
    html = client.get(free.url).content.decode()
    assert "Get it free" in html and ">Free<" in html and "Secure checkout by Dodo Payments</li>" not in html

    response = _get_it(client, free, commit)
    assert response.status_code == 302 and response["Location"] == LIBRARY
    order = Order.objects.get(customer=customer, product=free)
    assert order.status == OrderStatus.PAID and order.amount == Decimal("0")
    assert (order.paid_total, order.net_amount, order.platform_fee, order.seller_earnings) == (0, 0, 0, 0)
    assert not order.dodo_payment_id and not order.dodo_checkout_session_id
    assert dodo_emulator.requests() == []

    library = client.get(LIBRARY).content.decode()
    assert "Weekly Planner" in library
    assert "“Weekly Planner” is in your library." in library
    download = client.get(reverse("portal:download", args=(order.pk,)))
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")
    assert dodo_emulator.requests() == []


def test_a_free_product_is_never_created_on_dodo(free, dodo_emulator):
    assert not [r for r in dodo_emulator.requests() if r["path"].startswith("/products")]
    record = DodoProduct.objects.get(page=free)
    assert record.product_id is None


def test_a_paid_product_made_free_is_archived_on_dodo_so_its_old_price_cannot_be_paid(
    commit, site_tree, dodo_settings, dodo_emulator
):
    product = commit(lambda: ProductPageFactory(price=Decimal("9.00")))
    record = DodoProduct.objects.get(page=product)

    def make_free():
        product.price = Decimal("0")
        product.save_revision().publish()

    commit(make_free)
    record.refresh_from_db()
    assert record.archived
    assert [r["method"] for r in dodo_emulator.requests() if r["path"].startswith("/products")] == ["POST", "DELETE"]


def test_no_ledger_money_a_library_email_and_no_sale_email(client, customer, free, commit):
    mail.outbox.clear()
    _get_it(client, free, commit)
    order = Order.objects.get(customer=customer)
    assert not LedgerEntry.objects.filter(order=order).exists()
    [email] = mail.outbox
    assert email.to == ["reader@example.com"]
    assert email.subject == "Weekly Planner is in your library"
    assert "nothing was charged" in email.body and reverse("portal:download", args=(order.pk,)) in email.body


def test_a_second_click_leads_to_the_library_without_a_second_order(client, customer, free, commit):
    _get_it(client, free, commit)
    response = _get_it(client, free, commit)
    assert response["Location"] == LIBRARY
    assert Order.objects.filter(customer=customer, product=free).count() == 1
    html = client.get(free.url).content.decode()
    assert "You added this on" in html and ">Download<" in html


def test_visitors_are_asked_to_sign_in_and_come_back(client, free):
    html = client.get(free.url).content.decode()
    login = reverse("accounts:login") + "?next=" + free.url
    assert f'href="{login}"' in html and "Sign in to get it free" in html
    response = client.post(reverse("dodo:checkout", args=(free.pk,)))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    assert not Order.objects.exists()


def test_free_products_are_limited_per_customer_and_hour(client, customer, commit, site_tree, settings):
    settings.FREE_ORDERS_PER_HOUR = 2
    products = [ProductPageFactory(price=Decimal("0")) for _ in range(3)]
    for product in products[:2]:
        assert _get_it(client, product, commit)["Location"] == LIBRARY
    response = _get_it(client, products[2], commit)
    assert response["Location"] == products[2].url
    message = "You have added 2 free products in the last hour, the most we allow. Please try again later."
    assert message in client.get(products[2].url).content.decode()
    assert Order.objects.filter(customer=customer).count() == 2
    # Another customer has their own allowance.
    client.force_login(CustomerFactory())
    assert _get_it(client, products[2], commit)["Location"] == LIBRARY


def test_pay_what_you_want_from_zero_at_zero_goes_the_free_way(client, customer, commit, site_tree, dodo_emulator):
    product = ProductPageFactory(price=Decimal("0"), pay_what_you_want=True, suggested_price=Decimal("4.00"))
    dodo_emulator.reset()
    assert _get_it(client, product, commit, amount="0")["Location"] == LIBRARY
    order = Order.objects.get(customer=customer)
    assert order.status == OrderStatus.PAID and order.amount == 0
    assert dodo_emulator.requests() == []


def test_the_seller_counts_it_as_a_download_not_a_sale(client, customer, free, commit):
    seller = free.seller
    OrderFactory(product=free, amount=Decimal("0"))  # another customer's free download
    _get_it(client, free, commit)
    paid = ProductPageFactory(seller=seller, price=Decimal("10.00"))
    OrderFactory(product=paid)  # one sale of 10.00

    summary = stats.revenue_summary(seller)
    assert (summary["orders"], summary["total"], summary["orders_today"]) == (1, Decimal("10.00"), 1)
    assert summary["free_downloads"] == 2
    assert stats.best_sellers(seller)[0]["product_id"] == paid.pk
    assert [order.product_id for order in stats.recent_sales(seller)] == [paid.pk]
    assert ProductSales.objects.get(product=free).sales == 0
    assert sum(SellerDailySales.objects.filter(seller=seller).values_list("orders", flat=True)) == 1
    # The summaries a recount writes are those the orders' saves left.
    rows = list(ProductSales.objects.order_by("pk").values_list("product_id", "sales", "revenue", "free_downloads"))
    stats.recount_all_product_sales()
    stats.recount_all_daily_sales()
    assert list(
        ProductSales.objects.order_by("product_id").values_list("product_id", "sales", "revenue", "free_downloads")
    ) == sorted(rows)
    # The product list counts the free downloads apart.
    assert stats.sales_by_product([free.pk, paid.pk]) == {
        free.pk: (0, Decimal("0"), 2),
        paid.pk: (1, Decimal("10.00"), 0),
    }
    client.force_login(seller)
    html = client.get(reverse("seller_portal:products")).content.decode()
    assert "+2 free" in html
    assert "2 free downloads" in client.get(reverse("seller_portal:dashboard")).content.decode()


def test_the_python_form_of_the_rule_agrees_for_a_free_order(customer, free):
    values = {
        "seller_id": free.seller_id,
        "product_id": free.pk,
        "status": OrderStatus.PAID,
        "amount": Decimal("0"),
        "net_amount": Decimal("0"),
        "refunded_amount": Decimal("0"),
        "paid_at": None,
    }
    products, days = stats.contributions(values)
    assert products == {(free.seller_id, free.pk): (0, 0, Decimal("0"), 1)} and days == {}


def test_a_free_order_cannot_be_refunded(client, customer, free, commit, dodo_emulator):
    from dodo.refunds import RefundRefused, can_refund, refund_order

    _get_it(client, free, commit)
    order = Order.objects.get(customer=customer)
    dodo_emulator.reset()
    assert not can_refund(order)
    with pytest.raises(RefundRefused):
        refund_order(order, reason="changed my mind")
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert dodo_emulator.requests() == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL (CI runs it)")
def test_quick_clicks_at_once_make_one_order_and_keep_to_the_limit(site_tree, settings):
    from catalogue.orders import PurchaseRefused, get_free

    settings.FREE_ORDERS_PER_HOUR = 3
    customer = CustomerFactory()
    products = [ProductPageFactory(price=Decimal("0")) for _ in range(5)]
    clicks = [products[0]] * 4 + products[1:]  # four on one product, one on each of the others

    def click(product):
        try:
            return get_free(customer, product).pk
        except PurchaseRefused:
            return None
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(clicks)) as pool:
        made = [pk for pk in pool.map(click, clicks) if pk]
    assert len(made) == 3
    orders = Order.objects.filter(customer=customer)
    assert orders.count() == 3
    assert orders.filter(product=products[0]).count() <= 1
