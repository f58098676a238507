"""A local Dodo Payments emulator for development and tests.

A small standalone HTTP server (standard library only, plus ``standardwebhooks``) that
speaks the part of Dodo's API the marketplace uses, with the same paths, fields, status
codes and validation errors; keeps its state in memory (one store per environment,
test and live); serves a hosted checkout page where a tester picks a billing country,
enters a discount code and pays or declines; charges tax by country and in the buyer's
currency (Adaptive Currency); refunds, disputes and lists payments; limits requests per
key as Dodo does; and delivers correctly signed webhooks on Dodo's retry schedule. It
needs no Django settings or database, so it runs as its own process:

- ``python -m dodo.emulator --port 8010 ...`` (see :mod:`dodo.emulator.__main__`);
- ``python manage.py dodo_emulator`` (defaults from Django settings);
- :func:`dodo.emulator.testing.run_in_subprocess` from tests.

Modules: :mod:`~dodo.emulator.server` (routes, switches), :mod:`~dodo.emulator.store`
(state), :mod:`~dodo.emulator.money` (exponents, tax, exchange rates, quotes),
:mod:`~dodo.emulator.validation` (400/422 rules), :mod:`~dodo.emulator.ratelimit`
(429s), :mod:`~dodo.emulator.webhooks` (signing, delivery, retry schedule),
:mod:`~dodo.emulator.pages` (HTML), :mod:`~dodo.emulator.testing` (process handle for
tests).

It is a development and test tool, never a production path: it listens on loopback
only and its control routes have no authentication.
"""
