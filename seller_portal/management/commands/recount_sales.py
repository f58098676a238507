"""``python manage.py recount_sales``: rewrite every seller's sales summaries from the orders.

``post_save(Order)`` keeps ``ProductSales`` equal to its orders on every path that saves
through the ORM; after a bulk load that wrote orders directly, this command rewrites
them all (``seller_portal.stats.recount_all_product_sales``). Safe to run at any time.
"""

from django.core.management.base import BaseCommand

from seller_portal.stats import recount_all_product_sales


class Command(BaseCommand):
    help = "Rewrite the seller dashboard's per-product sales summaries from the order rows."

    def handle(self, *args, **options):
        self.stdout.write(f"Seller sales summaries: {recount_all_product_sales()} rewritten.")
