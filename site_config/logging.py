"""Log records that operators can search: JSON lines carrying the request id.

The request id is set per request by ``site_config.middleware.RequestIdMiddleware`` and,
in the task worker, per task from the id of the request that enqueued it; every log line
written meanwhile carries it.
"""

import contextlib
from contextvars import ContextVar

# The id of the request (or of the request that enqueued the running task); None outside both.
request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)


def current_request_id():
    """The request id of the code running now, or None."""
    return request_id_var.get()


@contextlib.contextmanager
def bound_request_id(value):
    """Carry ``value`` as the request id for the duration of the block."""
    token = request_id_var.set(value)
    try:
        yield value
    finally:
        request_id_var.reset(token)
