"""How every signal receiver in the project runs: one small wrapper (the "signal
middleware" Django's signal guides describe), and a check that the receivers the
marketplace cannot work without are connected.

Receivers do work nobody sees happen: a new user gets a Dodo customer, a saved product
reaches Dodo, a slug is made, a deleted product's file leaves storage. When one fails
or is slow, or is not connected at all, the damage shows up much later (a checkout that
fails, a URL that breaks, storage that leaks). So:

- :func:`guarded` wraps a receiver. It logs a failure with the receiver's name, the
  sender and the object's id, and keeps it in the recent-failures list the editors'
  Dodo sync report shows; it logs a slow run with its duration. A receiver that
  decides the object's own data (a slug) is ``critical``: its failure is re-raised, so
  the save fails rather than storing a page without a URL. Any other receiver only
  schedules side effects (tasks after the commit, emails, file cleanup); its failure is
  recorded and the person's save goes on, as DESIGN asks of Dodo failures.
- Each app lists its receivers as :class:`Connection` rows; :func:`connect_all`
  connects them through the wrapper, and :func:`receiver_errors` turns the essential
  ones that are not connected into system-check errors naming the receiver.
"""

import logging
import time
from dataclasses import dataclass
from functools import wraps

from django.core.cache import cache
from django.dispatch.dispatcher import _make_id
from django.utils import timezone

logger = logging.getLogger(__name__)

# A receiver slower than this is logged with its duration: receivers should only decide
# and enqueue, so anything slow is doing work that belongs in a task.
SLOW_RECEIVER_SECONDS = 0.25

# The editors' report shows the latest failures, kept in the shared cache for a week.
RECENT_FAILURES_KEY = "receivers:recent-failures"
RECENT_FAILURES_KEPT = 50
RECENT_FAILURES_TTL = 7 * 24 * 3600


def _subject(kwargs):
    """The object a signal is about, for the log line (instance, page, user, ...)."""
    for name in ("instance", "page", "order", "ticket", "user"):
        if kwargs.get(name) is not None:
            return kwargs[name]
    return None


def _describe(sender, subject):
    sender_name = getattr(sender, "__name__", None) or type(sender).__name__
    if subject is None:
        return sender_name
    return f"{sender_name} #{getattr(subject, 'pk', None)}"


def _remember_failure(name, about, error):
    failures = cache.get(RECENT_FAILURES_KEY) or []
    failures.insert(0, {"at": timezone.now().isoformat(), "receiver": name, "about": about, "error": error[:500]})
    cache.set(RECENT_FAILURES_KEY, failures[:RECENT_FAILURES_KEPT], RECENT_FAILURES_TTL)


def recent_failures():
    """The latest receiver failures, newest first: ``[{at, receiver, about, error}]``."""
    return cache.get(RECENT_FAILURES_KEY) or []


def guarded(function=None, *, critical=False):
    """Wrap a receiver: failures logged (and recorded) with the sender and object id,
    slow runs logged with their duration. ``critical`` re-raises the failure."""

    def wrap(receiver):
        name = f"{receiver.__module__}.{receiver.__qualname__}"

        @wraps(receiver)
        def run(sender, **kwargs):
            started = time.monotonic()
            try:
                return receiver(sender, **kwargs)
            except Exception as error:
                about = _describe(sender, _subject(kwargs))
                logger.exception("Receiver %s failed for %s", name, about)
                _remember_failure(name, about, f"{type(error).__name__}: {error}")
                if critical:
                    raise
                return None
            finally:
                took = time.monotonic() - started
                if took > SLOW_RECEIVER_SECONDS:
                    logger.warning(
                        "Receiver %s took %.2f s for %s", name, took, _describe(sender, _subject(kwargs))
                    )

        run.guarded_receiver = receiver
        return run

    return wrap(function) if function is not None else wrap


@dataclass(frozen=True)
class Connection:
    """One receiver of an app, as its ``AppConfig.ready()`` connects it.

    ``breaks`` says what stops working without it: when set, the receiver is one the
    marketplace cannot do without, and the app's system check fails start-up if it is
    not connected. ``critical`` re-raises its failures (see :func:`guarded`).
    """

    signal: object
    sender: object
    receiver: object
    dispatch_uid: str
    breaks: str = ""
    critical: bool = False

    @property
    def name(self):
        return f"{self.receiver.__module__}.{self.receiver.__qualname__}"


def connect_all(connections):
    """Connect every receiver through :func:`guarded` (weak=False: the wrappers are ours)."""
    for connection in connections:
        connection.signal.connect(
            guarded(connection.receiver, critical=connection.critical),
            sender=connection.sender,
            dispatch_uid=connection.dispatch_uid,
            weak=False,
        )


def _resolved(sender):
    # Model signals accept "app_label.Model" strings; their receivers are keyed by the class.
    if isinstance(sender, str):
        from django.apps import apps

        return apps.get_model(sender)
    return sender


def is_connected(signal, sender, dispatch_uid):
    """Whether a receiver with ``dispatch_uid`` listens to ``signal`` for ``sender``."""
    wanted = (dispatch_uid, _make_id(_resolved(sender)))
    return any(entry[0] == wanted for entry in signal.receivers)


def missing_receivers(connections):
    """The connections that must be there (``breaks`` set) and are not connected now."""
    return [c for c in connections if c.breaks and not is_connected(c.signal, c.sender, c.dispatch_uid)]


def receiver_errors(connections, error_id):
    """System-check errors, one per missing essential receiver, naming it."""
    from django.core.checks import Error

    return [
        Error(
            f"The receiver {c.name} ({c.dispatch_uid}) is not connected: {c.breaks}",
            hint="Connect it in the app's AppConfig.ready() (it is listed in the app's signal_handlers.CONNECTIONS).",
            id=error_id,
        )
        for c in missing_receivers(connections)
    ]
