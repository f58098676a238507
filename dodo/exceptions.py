"""Typed errors raised by :mod:`dodo.client`.

Every failure of a Dodo call surfaces as one of these, so callers decide on the *kind*
of failure, never on ``requests`` internals or raw status codes:

==========================  ==========================  =================================
error                       cause                       what the caller does
==========================  ==========================  =================================
:class:`DodoNotConfigured`  our settings are wrong      nothing until the settings change
:class:`DodoUnavailable`    no answer, timeout, 5xx     try again later (a task's retry)
:class:`DodoRateLimited`    429, or our own limiter     try again, not before
                            had no free slot            ``retry_after`` seconds
:class:`DodoRejected`       400, 422 and other 4xx      record it as rejected; do not
                                                        resend until the object changes
:class:`DodoAuthFailed`     401, 403                    fix the API key or its
                                                        permissions; retrying won't help
:class:`DodoNotFound`       404                         the id is unknown to Dodo
:class:`DodoGone`           410                         the object was deleted/archived
                                                        already (a no-op for an archive)
==========================  ==========================  =================================

The hierarchy: ``DodoRateLimited`` is a ``DodoUnavailable`` (transient);
``DodoAuthFailed`` and ``DodoNotFound`` are ``DodoRejected`` (permanent for this
request); ``DodoGone`` is a ``DodoNotFound``. So ``except DodoUnavailable`` still catches
every transient failure and ``except DodoRejected`` every refusal.

Every error has ``retry_after``: the seconds after which another attempt may succeed,
when that is known (a ``Retry-After`` header, or the wait our rate limiter computed),
else ``None``. A task scheduling its next attempt must not run it earlier.

For a ``POST`` that ended in :class:`DodoUnavailable` (but not :class:`DodoRateLimited`,
which Dodo did not process), the object may or may not exist on Dodo now: look it up by
our id in ``metadata`` before creating it again.

The messages name the method, path and status so that a log line alone explains the
failure; they never contain the API key or request bodies.
"""

from __future__ import annotations


class DodoError(Exception):
    """Base class of every error raised by the Dodo client."""

    #: Seconds to wait before trying again, when known; ``None`` otherwise.
    retry_after: float | None = None


class DodoNotConfigured(DodoError):
    """Dodo settings are missing or invalid, so no request was sent."""


class DodoUnavailable(DodoError):
    """Dodo could not be reached, timed out, or answered 5xx after the retries.

    ``status_code`` is the last HTTP status received, or ``None`` when no response
    arrived at all (connection refused or reset, timeout). ``retry_after`` is the last
    ``Retry-After`` in seconds, or ``None``.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        method: str = "",
        path: str = "",
        retry_after: float | None = None,
    ) -> None:
        """Keep the request line and status beside the message for callers and logs."""
        self.status_code = status_code
        self.method = method
        self.path = path
        self.retry_after = retry_after
        super().__init__(message)


class DodoRateLimited(DodoUnavailable):
    """Too many requests: Dodo answered 429, or our shared limiter found no free slot.

    Dodo did not process the request, so even a ``POST`` may be sent again, but not
    before ``retry_after`` seconds (``None`` when Dodo gave no ``Retry-After``).
    ``status_code`` is 429 when Dodo said so and ``None`` when the request was never
    sent because :mod:`dodo.ratelimit` had no slot within ``DODO_RATE_LIMIT_MAX_WAIT``.
    """


class DodoRejected(DodoError):
    """Dodo answered with a 4xx status (other than 429) and will answer it again.

    ``code`` and ``message`` come from Dodo's JSON error body
    (``{"code": "...", "message": "..."}``) when it has one; ``body`` is that parsed
    body (or the raw text) for debugging. The caller records the refusal (for example
    as the object's sync error) and does not resend until the object changes.
    """

    def __init__(
        self,
        status_code: int,
        message: str,
        *,
        code: str = "",
        method: str = "",
        path: str = "",
        body: object = None,
        retry_after: float | None = None,
    ) -> None:
        """Build a log-ready summary such as ``POST /products -> 422 (X): message``."""
        self.status_code = status_code
        self.message = message
        self.code = code
        self.method = method
        self.path = path
        self.body = body
        self.retry_after = retry_after
        code_part = f" ({code})" if code else ""
        super().__init__(f"{method} {path} -> {status_code}{code_part}: {message}".strip())


class DodoAuthFailed(DodoRejected):
    """Dodo answered 401 or 403: our API key is wrong, revoked or lacks the permission.

    Nothing about the object is wrong; every call will fail the same way until
    ``DODO_PAYMENTS_API_KEY`` is fixed, so this is worth an alert, not a retry.
    """


class DodoNotFound(DodoRejected):
    """Dodo answered 404: the customer, product, session, payment or refund id is unknown."""


class DodoGone(DodoNotFound):
    """Dodo answered 410: the object existed but is gone (e.g. archiving an archived product)."""


class DodoSyncFailed(Exception):
    """A sync task (``dodo.tasks``) could not bring Dodo in line: raised after the failure
    is recorded on the sync record (and its retry scheduled), so that the task result is
    FAILED rather than a successful run that returned "failed". Not a client error."""

    def __init__(self, what, outcome, detail=""):
        self.what, self.outcome = what, outcome
        super().__init__(f"{what}: Dodo sync {outcome}" + (f" ({detail})" if detail else ""))
