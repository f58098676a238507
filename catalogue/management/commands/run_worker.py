"""``python manage.py run_worker``: the production task worker (replaces ``db_worker``).

django-tasks-db's ``db_worker`` with our worker (``catalogue.worker``): the same options,
``--backend`` (default ``db``), ``--queue-name`` (default ``*``, every queue),
``--exclude-queues``, ``--interval``, ``--batch``, ``--max-tasks``, ``--worker-id``,
``--no-startup-delay``, plus a heartbeat, recovery of tasks whose worker died, the
periodic schedule (``TASK_SCHEDULE``) and request ids in the tasks' log lines.
SIGTERM or Ctrl-C lets the running task finish, then the worker exits; a second signal
stops the task (it is then recovered like a killed worker's).
"""

from django.core.management.base import CommandError
from django_tasks_db.management.commands import db_worker

from catalogue.worker.runner import RecoveringWorker


class Command(db_worker.Command):
    help = "Run the task worker: db_worker plus heartbeat, recovery of dead workers' tasks and the schedule."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        # No autoreload: a reload would stop a task midway (recovered, but run twice).
        parser.set_defaults(backend_name="db", queue_name="*", reload=False)

    def handle(self, *, verbosity, queue_name, interval, batch, backend_name, startup_delay, max_tasks, worker_id,
               exclude_queues, **options):  # fmt: skip
        self.configure_logging(verbosity)
        queue_names = queue_name.split(",")
        excluded_queue_names = exclude_queues.split(",") if exclude_queues else []
        if excluded_queue_names and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = RecoveringWorker(
            queue_names=queue_names,
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=startup_delay,
            max_tasks=max_tasks,
            worker_id=worker_id,
            excluded_queue_names=excluded_queue_names,
        )
        worker.configure_signals()
        worker.run()
