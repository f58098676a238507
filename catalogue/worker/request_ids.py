"""Carry the id of the request that enqueued a task into the worker that runs it.

At enqueue time (django-tasks' ``task_enqueued`` signal) the current request id
(``site_config.logging.request_id_var``) is stored by task result id; the worker binds it
around the task (``bound_request_id``), so the task's log lines carry it, and so do the
tasks it enqueues in turn. The immediate backend runs the task inside the request, where
the id is bound already: nothing to store.
"""

from site_config.logging import bound_request_id, current_request_id

from .models import TaskRequestId


def remember_request_id(sender, task_result, **kwargs):
    """Receiver of ``task_enqueued``: store the request id for a task that runs later."""
    request_id = current_request_id()
    if not request_id or not getattr(sender, "supports_defer", False):
        return
    TaskRequestId.objects.create(task_result_id=str(task_result.id), request_id=str(request_id)[:200])


def bound_to_enqueuing_request(task_result_id):
    """A context manager binding the stored request id of ``task_result_id`` (or none)."""
    request_id = (
        TaskRequestId.objects.filter(task_result_id=str(task_result_id)).values_list("request_id", flat=True).first()
    )
    return bound_request_id(request_id)
