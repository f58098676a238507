"""The task worker that loses nothing: ``manage.py run_worker``.

django-tasks-db's ``Worker`` (``db_worker``) runs tasks from the database queue; this
package adds what production needs around it:

- ``heartbeat.py``: each worker keeps a row (``WorkerHeartbeat``) fresh from a daemon
  thread, so the others can tell a busy worker from a dead one;
- ``recovery.py``: a task left RUNNING by a dead worker (SIGKILL, OOM, lost host) is put
  back to READY, once, by a conditional UPDATE; one that killed its worker
  ``TASK_MAX_CLAIMS`` times is failed instead;
- ``schedule.py``: periodic work from ``settings.TASK_SCHEDULE`` is enqueued by the
  workers themselves (no cron), each run once however many workers there are;
- ``request_ids.py``: the request id of the request that enqueued a task is stored at
  enqueue time and bound around the task, so its log lines carry it;
- ``runner.py``: the ``Worker`` subclass that ties them together.

The models live in ``models.py`` and are imported by ``catalogue.models``, so they are
models of the catalogue app.
"""
