"""``python manage.py recount_categories``: recount each category's live products.

The signal handlers keep ``ProductCategory.live_product_count`` exact on every path that
saves through the ORM; a bulk load that writes rows directly (fixtures loaded raw, SQL,
the bench) bypasses them, and this command brings the counters back in line from the
rows. Safe to run at any time.
"""

from django.core.management.base import BaseCommand

from catalogue.models import ProductCategory


class Command(BaseCommand):
    help = "Recount every category's live products (ProductCategory.live_product_count) from the rows."

    def handle(self, *args, **options):
        before = dict(ProductCategory.objects.values_list("pk", "live_product_count"))
        ProductCategory.objects.all().recount_live_products()
        after = dict(ProductCategory.objects.values_list("pk", "live_product_count"))
        changed = sorted(pk for pk, count in after.items() if before.get(pk) != count)
        self.stdout.write(f"Categories: {len(after)} recounted, {len(changed)} changed.")
