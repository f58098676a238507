"""Each worker's heartbeat row, kept fresh by a daemon thread on its own connection.

The thread also runs the worker's housekeeping (recovery and the schedule) every few
beats, so a worker busy with a long task still re-queues the tasks of dead workers and
enqueues due periodic work.
"""

import logging
import os
import socket
import threading

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection
from django.utils import timezone

from .models import WorkerHeartbeat

logger = logging.getLogger(__name__)


def beat_interval():
    """Seconds between beats: a third of the timeout, so two missed beats are tolerated."""
    return max(0.2, min(10.0, settings.TASK_WORKER_HEARTBEAT_TIMEOUT / 3))


def register(worker_id):
    """Create (or take over) the worker's row, beating now."""
    now = timezone.now()
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={"host": socket.gethostname()[:255], "pid": os.getpid(), "started_at": now, "last_seen": now},
    )


def beat(worker_id):
    """Refresh the row; recreate it if another worker's recovery pruned it meanwhile."""
    if not WorkerHeartbeat.objects.filter(worker_id=worker_id).update(last_seen=timezone.now()):
        register(worker_id)


def unregister(worker_id):
    WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()


class HeartbeatThread(threading.Thread):
    """Beats every ``beat_interval()`` seconds and calls ``housekeeping`` every
    ``housekeeping_every`` beats, until :meth:`stop`. A database error is logged and
    retried at the next beat: a short outage must not stop the heartbeat for good."""

    def __init__(self, worker_id, housekeeping=None, housekeeping_every=3):
        super().__init__(name=f"heartbeat-{worker_id}", daemon=True)
        self.worker_id = worker_id
        self.housekeeping = housekeeping
        self.housekeeping_every = housekeeping_every
        self._stopped = threading.Event()

    def stop(self):
        self._stopped.set()

    def run(self):
        beats = 0
        try:
            while not self._stopped.wait(beat_interval()):
                close_old_connections()
                try:
                    beat(self.worker_id)
                    beats += 1
                    if self.housekeeping and beats % self.housekeeping_every == 0:
                        self.housekeeping()
                except DatabaseError as error:
                    logger.warning("Worker %s: heartbeat failed, will retry: %s", self.worker_id, error)
        finally:
            # This thread's own connection: close it, nobody else will.
            connection.close()
