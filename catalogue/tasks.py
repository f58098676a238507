"""Background work for the catalogue; tasks take primitive ids.

They run on the "db" task backend alias: immediately in development and tests, from the
database queue in production.
"""

import logging

from django_tasks import task
from wagtail.search import index

logger = logging.getLogger(__name__)


@task(backend="db")
def reindex_products(product_ids):
    """Refresh the search entries of these products.

    A product is found by its category's and seller's names too; when one of those
    changes, the products that carry it are indexed again.
    """
    from .models import ProductPage

    products = ProductPage.objects.filter(pk__in=product_ids).select_related("seller", "category")
    for product in products:
        index.insert_or_update_object(product)
    logger.info("Reindexed %d products for search", len(product_ids))
