"""Readiness checks for load balancers: can this instance serve requests right now?

Each check touches one shared dependency (the database, the cache, the storages, the task
queue) as cheaply as it can and raises on failure. :func:`run_readiness_checks` runs them
all, logs a failure with its exception, and returns only what is safe to show a probe:
which check failed and the exception's class name, never its text (a driver's message may
carry a host name or a password from a URL).

Every check is bounded by the client it uses: the Redis cache's socket timeouts
(production settings), the database driver's connect timeout, a HEAD or a ``stat`` for
storage.
"""

import importlib
import importlib.util
import logging
import time
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.cache import caches
from django.core.files.storage import storages
from django.db import DatabaseError, connection
from django.utils import timezone

logger = logging.getLogger(__name__)

# Storage aliases that must answer: public media and private files.
STORAGE_ALIASES = ("default", "private")
# The task backend our slow work is enqueued on.
TASK_BACKEND_ALIAS = "db"
# Where the task worker records its heartbeats (WorkerHeartbeat), when that module exists.
WORKER_MODULE = "catalogue.worker.models"


def check_database():
    """One trivial query on the default database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {}


def check_cache():
    """Set, get and delete a key of our own on the default cache."""
    cache = caches["default"]
    key = f"health-probe:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    try:
        if cache.get(key) != "1":
            raise LookupError("the cache did not return the value just set")
    finally:
        cache.delete(key)
    return {}


def check_storage():
    """Ask each storage about a name that does not exist: a HEAD on S3, a stat on disk."""
    for alias in STORAGE_ALIASES:
        storages[alias].exists(f"health-probe/{uuid.uuid4().hex}")
    return {}


def check_tasks():
    """The "db" task backend can be reached: for the database backend, its table answers.

    When the worker's heartbeat model exists, the number of live workers is reported;
    none alive does not fail readiness: this instance can still take requests and queue
    work, which waits in the table until a worker comes back.
    """
    from django_tasks import task_backends
    from django_tasks_db import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    backend = task_backends[TASK_BACKEND_ALIAS]
    details = {"backend": type(backend).__name__}
    if isinstance(backend, DatabaseBackend):
        list(DBTaskResult.objects.values_list("pk", flat=True)[:1])
        live = _live_worker_count()
        if live is not None:
            details["live_workers"] = live
    return details


def _live_worker_count():
    """Workers whose heartbeat is fresh, or None when the heartbeat model is not there
    (or its table cannot be read: that is the worker's business, not this instance's)."""
    package = WORKER_MODULE.rpartition(".")[0]
    if importlib.util.find_spec(package) is None or importlib.util.find_spec(WORKER_MODULE) is None:
        return None
    heartbeat = getattr(importlib.import_module(WORKER_MODULE), "WorkerHeartbeat", None)
    if heartbeat is None:
        return None
    horizon = timezone.now() - timedelta(seconds=getattr(settings, "TASK_WORKER_HEARTBEAT_TIMEOUT", 30))
    try:
        return heartbeat.objects.filter(last_seen__gte=horizon).count()
    except DatabaseError:
        logger.warning("Readiness: could not count live task workers", exc_info=True)
        return None


READINESS_CHECKS = {
    "database": check_database,
    "cache": check_cache,
    "storage": check_storage,
    "tasks": check_tasks,
}


def run_readiness_checks(checks=None):
    """Run every check; return ``(all_ok, results)`` where results maps each name to
    ``{"ok": bool, "ms": float, ...}`` plus ``"error": ExceptionClassName`` on failure."""
    results = {}
    for name, check in (checks or READINESS_CHECKS).items():
        started = time.monotonic()
        try:
            details = check() or {}
        except Exception as exc:  # noqa: BLE001  (any failure means "not ready"; it is logged)
            logger.exception("Readiness check %s failed", name)
            results[name] = {"ok": False, "error": type(exc).__name__}
        else:
            results[name] = {"ok": True, **details}
        results[name]["ms"] = round((time.monotonic() - started) * 1000, 1)
    return all(result["ok"] for result in results.values()), results
