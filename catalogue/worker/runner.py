"""``RecoveringWorker``: django-tasks-db's ``Worker`` with heartbeat, recovery, schedule
and request ids (see the package docstring)."""

import logging

from django.db import DatabaseError
from django_tasks_db.management.commands.db_worker import Worker

from . import heartbeat, recovery, schedule
from .request_ids import bound_to_enqueuing_request

logger = logging.getLogger(__name__)


class RecoveringWorker(Worker):
    """Runs tasks as ``db_worker`` does; SIGTERM still lets the running task finish.

    Around the base loop it registers a heartbeat row, recovers dead workers' tasks and
    enqueues due scheduled work on start, keeps doing both from the heartbeat thread,
    and removes its row on a clean exit (a SIGKILL leaves it to go stale).
    """

    def housekeeping(self):
        """Re-queue dead workers' tasks, enqueue due periodic work; never raises for a
        database error (logged; the next round tries again)."""
        try:
            recovery.recover_dead_tasks()
            recovery.prune_dead_heartbeats()
            schedule.enqueue_due()
        except DatabaseError as error:
            logger.warning("Worker %s: housekeeping failed, will retry: %s", self.worker_id, error)

    def run(self):
        heartbeat.register(self.worker_id)
        beating = heartbeat.HeartbeatThread(self.worker_id, housekeeping=self.housekeeping)
        try:
            self.housekeeping()
            beating.start()
            super().run()
        finally:
            beating.stop()
            if beating.is_alive():
                beating.join(timeout=heartbeat.beat_interval() * 2)
            heartbeat.unregister(self.worker_id)
            logger.info("Worker %s: stopped", self.worker_id)

    def run_task(self, db_task_result):
        with bound_to_enqueuing_request(db_task_result.id):
            super().run_task(db_task_result)
