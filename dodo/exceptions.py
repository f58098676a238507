"""Typed errors raised by :mod:`dodo.client`.

Every failure of a Dodo call surfaces as one of these, so callers decide on the *kind*
of failure, never on ``requests`` internals:

- :class:`DodoNotConfigured`: our side is wrong (no API key, unknown environment, bad
  base URL). Retrying will not help until the settings change.
- :class:`DodoUnavailable`: Dodo could not be reached or answered 429/5xx, even after
  the client's own retries. Transient: a task may try again later. For a ``POST`` the
  object may or may not exist on Dodo now (look it up by our id in ``metadata``).
- :class:`DodoRejected`: Dodo understood the request and refused it (4xx). Retrying the
  same request gives the same answer; the message says what to fix.
- :class:`DodoNotFound`: the 404 case of :class:`DodoRejected`: the id is unknown to Dodo.

The messages name the method, path and status so that a log line alone explains the
failure; they never contain the API key or request bodies.
"""

from __future__ import annotations


class DodoError(Exception):
    """Base class of every error raised by the Dodo client."""


class DodoNotConfigured(DodoError):
    """Dodo settings are missing or invalid, so no request was sent."""


class DodoUnavailable(DodoError):
    """Dodo could not be reached, timed out, or answered 429/5xx after the retries.

    ``status_code`` is the last HTTP status received, or ``None`` when no response
    arrived at all (connection refused or reset, timeout).
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        method: str = "",
        path: str = "",
    ) -> None:
        """Keep the request line and status beside the message for callers and logs."""
        self.status_code = status_code
        self.method = method
        self.path = path
        super().__init__(message)


class DodoRejected(DodoError):
    """Dodo answered with a 4xx status (other than a retried 429).

    ``code`` and ``message`` come from Dodo's JSON error body
    (``{"code": "...", "message": "..."}``) when it has one; ``body`` is that parsed
    body (or the raw text) for debugging.
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
    ) -> None:
        """Build a log-ready summary such as ``POST /products -> 422 (X): message``."""
        self.status_code = status_code
        self.message = message
        self.code = code
        self.method = method
        self.path = path
        self.body = body
        code_part = f" ({code})" if code else ""
        super().__init__(f"{method} {path} -> {status_code}{code_part}: {message}".strip())


class DodoNotFound(DodoRejected):
    """Dodo answered 404: the customer, product, session or payment id is unknown."""
