"""A local Dodo Payments emulator for development and tests.

A small standalone HTTP server (standard library only, plus ``standardwebhooks``) that
speaks the part of Dodo's API the marketplace uses, with the same paths, fields, status
codes and validation errors; keeps its state in memory; serves a hosted checkout page
where a tester pays or declines; and delivers correctly signed webhooks. It needs no
Django settings or database, so it runs as its own process:

- ``python -m dodo.emulator --port 8010 ...`` (see :mod:`dodo.emulator.__main__`);
- ``python manage.py dodo_emulator`` (defaults from Django settings);
- :func:`dodo.emulator.testing.run_in_subprocess` from tests.

Modules: :mod:`~dodo.emulator.server` (routes, switches), :mod:`~dodo.emulator.store`
(state), :mod:`~dodo.emulator.validation` (400/422 rules),
:mod:`~dodo.emulator.webhooks` (signing and delivery), :mod:`~dodo.emulator.pages`
(HTML), :mod:`~dodo.emulator.testing` (process handle for tests).

It is a development and test tool, never a production path: it listens on loopback
only and its control routes have no authentication.
"""
