"""Waiting for another process or thread to make progress, without timing it.

Tests poll for what they expect with a generous deadline: progress, not speed, is what
they check (speed is ``make bench``'s).
"""

import threading
import time

from django.db import connection


def wait_for(condition, what, deadline=60.0, describe=lambda: "", interval=0.1):
    """Poll ``condition`` until it answers something truthy and return that; fail naming
    ``what`` (and ``describe()``, e.g. a process's log) after ``deadline`` seconds."""
    end = time.monotonic() + deadline
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}\n{describe()}")
        time.sleep(interval)


def race(function, copies=2):
    """Run ``function`` in ``copies`` threads at once (each with its own database
    connection, closed after); answer what each returned."""
    outcomes = []

    def run():
        try:
            outcomes.append(function())
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(copies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes
