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
    """Refresh the search entries of these products: the storefront's (``catalogue.search``)
    and Wagtail's (the admin's search).

    A product is found by its category's and seller's names too; when one of those
    changes, the products that carry it are indexed again.
    """
    from .models import ProductPage
    from .search.indexing import index_products

    index_products(product_ids)
    products = ProductPage.objects.filter(pk__in=product_ids).select_related("seller", "category")
    for product in products:
        index.insert_or_update_object(product)
    logger.info("Reindexed %d products for search", len(product_ids))


# PERIODIC WORK: entries of settings.TASK_SCHEDULE, enqueued by the workers (catalogue.worker).


@task(backend="db")
def prune_task_results():
    """Delete finished task results older than ``TASK_RESULT_RETENTION_DAYS``, with the
    request ids and done effects kept beside them; READY and RUNNING rows are kept."""
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from .models import TaskEffect, TaskRequestId

    horizon = timezone.now() - timedelta(days=settings.TASK_RESULT_RETENTION_DAYS)
    results, _ = DBTaskResult.objects.finished().filter(finished_at__lt=horizon).delete()
    # Rows of tasks not finished yet (deferred for long) keep their request id and effects.
    unfinished = DBTaskResult.objects.exclude(pk__in=DBTaskResult.objects.finished().values("pk"))
    live_ids = [str(pk) for pk in unfinished.values_list("pk", flat=True)]
    request_ids, _ = TaskRequestId.objects.filter(created_at__lt=horizon).exclude(task_result_id__in=live_ids).delete()
    effects, _ = TaskEffect.objects.filter(done_at__lt=horizon).exclude(task_result_id__in=live_ids).delete()
    logger.info(
        "Pruned %d task results, %d request ids, %d effects older than %s", results, request_ids, effects, horizon
    )
    return {"task_results": results, "request_ids": request_ids, "effects": effects}


@task(backend="db")
def flush_product_analytics():
    """Add the product views and checkout starts counted in the cache to the daily rows
    (``catalogue.analytics``): every counter once, whatever crashed in between."""
    from .analytics import flush_counters

    result = flush_counters()
    if result.batches:
        logger.info(
            "Analytics: flushed %d batches, %d views, %d checkout starts",
            result.batches, result.views, result.checkout_starts,
        )  # fmt: skip
    return vars(result)


class OrphanFilesNotDeleted(Exception):
    """Some orphan files could not be deleted (each is logged); the next run tries again."""


@task(backend="db")
def cleanup_orphan_files():
    """Delete private files that nothing names any more (``catalogue.files``); the run
    is recorded as failed when some could not be deleted."""
    from .files import delete_orphan_files

    result = delete_orphan_files()
    counts = {"kept": result.kept, "deleted": result.deleted, "failed": result.failed}
    if result.failed:
        raise OrphanFilesNotDeleted(f"{result.failed} orphan files could not be deleted ({counts})")
    return counts
