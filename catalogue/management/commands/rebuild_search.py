"""``python manage.py rebuild_search``: recompute the storefront search's index.

The receivers keep ``ProductSearchTerm`` and ``SearchWord`` in step with every product
saved, published, unpublished or deleted through the ORM; a bulk load that writes rows
directly (raw fixtures, SQL) bypasses them, and this command rebuilds both tables from
the live products, in one transaction. Safe to run at any time.
"""

from django.core.management.base import BaseCommand

from catalogue.search.indexing import rebuild_index


class Command(BaseCommand):
    help = "Rebuild the storefront search index (ProductSearchTerm, SearchWord) from the live products."

    def handle(self, *args, **options):
        products, rows, words = rebuild_index()
        self.stdout.write(f"Search index: {products} live products, {rows} terms, {words} words.")
