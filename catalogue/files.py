"""Removing product files from private storage once nothing needs them.

Storage is not transactional: a file deleted inside a transaction that later rolls back
is gone for good while the row that names it comes back. So files are only ever deleted
from ``transaction.on_commit`` callbacks, after the change that released them is durable.
"""

import logging
from functools import partial

from django.db import transaction

from .storage import get_private_storage

logger = logging.getLogger(__name__)


def delete_product_file_on_commit(name):
    """Delete the stored product file ``name`` once the current transaction commits.

    Nothing happens if the transaction rolls back.
    """
    if name:
        transaction.on_commit(partial(delete_unused_product_file, name))


def delete_unused_product_file(name):
    """Delete ``name`` from private storage unless a product still uses it.

    Copying a page in Wagtail copies the file reference, not the file: two products may
    share one file, so it goes only with the last of them. Failures are logged, never
    raised: the product change has already been committed.
    """
    from .models import ProductPage

    if ProductPage.objects.filter(file=name).exists():
        logger.info("Product file %s: still used by another product, kept", name)
        return False
    try:
        get_private_storage().delete(name)
    except OSError:
        logger.exception("Product file %s: could not delete it from private storage", name)
        return False
    logger.info("Product file %s: deleted from private storage", name)
    return True
