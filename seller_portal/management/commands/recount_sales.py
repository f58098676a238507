"""``python manage.py recount_sales``: rewrite every seller's summaries from the rows.

``pre_save``/``post_save(Order)`` keep ``ProductSales`` and ``SellerDailySales`` equal to
their orders, and ``pre_save``/``post_save``/``post_delete(ProductPage)`` keep each
``SellerCatalogue`` equal to the seller's products, on every path that saves through the
ORM; after a bulk load that wrote orders or products directly, this command rewrites them
all (``seller_portal.stats.recount_all_product_sales``, ``recount_all_daily_sales`` and
``recount_all_seller_catalogues``). Safe to run at any time.
"""

from django.core.management.base import BaseCommand

from seller_portal.stats import recount_all_daily_sales, recount_all_product_sales, recount_all_seller_catalogues


class Command(BaseCommand):
    help = (
        "Rewrite the seller dashboard's per-product and per-day sales summaries from the order rows, "
        "and each seller's product counts and storage from the product rows."
    )

    def handle(self, *args, **options):
        products = recount_all_product_sales()
        days = recount_all_daily_sales()
        catalogues = recount_all_seller_catalogues()
        self.stdout.write(
            f"Seller summaries: {products} sales per product, {days} per day, {catalogues} seller catalogues rewritten."
        )
