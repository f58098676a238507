"""``python manage.py recount_sales``: rewrite every seller's sales summaries from the orders.

``pre_save``/``post_save(Order)`` keep ``ProductSales`` and ``SellerDailySales`` equal to
their orders on every path that saves through the ORM; after a bulk load that wrote
orders directly, this command rewrites them all
(``seller_portal.stats.recount_all_product_sales`` and ``recount_all_daily_sales``).
Safe to run at any time.
"""

from django.core.management.base import BaseCommand

from seller_portal.stats import recount_all_daily_sales, recount_all_product_sales


class Command(BaseCommand):
    help = "Rewrite the seller dashboard's per-product and per-day sales summaries from the order rows."

    def handle(self, *args, **options):
        products = recount_all_product_sales()
        days = recount_all_daily_sales()
        self.stdout.write(f"Seller sales summaries: {products} per product, {days} per day rewritten.")
