"""Log records that operators can search: JSON lines carrying the request id.

The request id is set per request by ``site_config.middleware.RequestIdMiddleware`` and,
in the task worker, per task from the id of the request that enqueued it; every log line
written meanwhile carries it.
"""

import contextlib
import json
import logging
import re
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime

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


# An id a proxy may hand us (nginx's $request_id is 32 hex digits); anything else is replaced.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def sanitize_request_id(value):
    """``value`` if it is a sane request id (1-64 of ``A-Za-z0-9._-``), else a new one."""
    if value and _SANE_REQUEST_ID.fullmatch(value):
        return value
    return uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    """Give every record a ``request_id`` attribute: the current request's id, or None."""

    def filter(self, record):
        if getattr(record, "request_id", None) is None:
            record.request_id = current_request_id()
        return True


# Attributes every LogRecord has; anything else on a record came in through ``extra=``.
_RECORD_ATTRIBUTES = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message",
    "asctime",
    "request_id",
    "taskName",
}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id, exception, and
    the record's ``extra`` fields (values JSON cannot hold are written as text)."""

    def format(self, record):
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or current_request_id(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        for key, value in record.__dict__.items():
            if key not in _RECORD_ATTRIBUTES and key not in entry:
                entry[key] = _jsonable(value)
        return json.dumps(entry, default=str)


def _jsonable(value):
    """``value`` if JSON can hold it as it is, else its text (never raises)."""
    try:
        json.dumps(value)
    except (TypeError, ValueError, RecursionError):
        try:
            return str(value)
        except Exception:  # noqa: BLE001  (a broken __str__ must not lose the log line)
            return f"<unprintable {type(value).__name__}>"
    return value
