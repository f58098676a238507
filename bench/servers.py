"""The processes a bench run needs: a scratch database, gunicorn and the Dodo emulator.

Each is started by the run and stopped by it, whatever happens in between.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import requests

PROJECT_ROOT = Path(__file__).resolve().parent.parent
POSTGRES_SERVER = "postgres://postgres@127.0.0.1:5432"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# DATABASE


class ScratchDatabase:
    """A fresh PostgreSQL database ``bench_<timestamp>``, dropped at the end of the run
    (or a SQLite file in the run's scratch folder, with ``--sqlite``)."""

    def __init__(self, scratch, *, sqlite=False, server=POSTGRES_SERVER, keep=False):
        self.sqlite, self.server, self.keep = sqlite, server.rstrip("/"), keep
        self.name = f"bench_{datetime.now(UTC):%Y%m%d_%H%M%S}"
        self.path = Path(scratch) / f"{self.name}.sqlite3"

    @property
    def url(self):
        return f"sqlite:///{self.path}" if self.sqlite else f"{self.server}/{self.name}"

    def _admin(self, sql):
        import psycopg2

        # CREATE/DROP DATABASE cannot run in a transaction: an autocommit connection to
        # the server's maintenance database.
        connection = psycopg2.connect(f"{self.server}/postgres")
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql)
        finally:
            connection.close()

    def create(self):
        if not self.sqlite:
            self._admin(f'CREATE DATABASE "{self.name}"')

    def drop(self):
        if self.keep or self.sqlite:
            return
        from django.db import connections

        connections.close_all()
        self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def server_version(self):
        if self.sqlite:
            import sqlite3

            return f"SQLite {sqlite3.sqlite_version}"
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0].split()[0]}"


# GUNICORN


class Gunicorn:
    """``gunicorn -c gunicorn.conf.py site_config.wsgi`` with the bench's settings, as
    production runs it, but with the sync workers the recorded results were measured on."""

    def __init__(self, env, log_path, *, workers=2):
        self.env, self.log_path, self.workers = env, Path(log_path), workers
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.process = None

    def start(self, timeout=30):
        command = [
            str(Path(sys.executable).parent / "gunicorn"),
            # Production's config (no control socket, timeouts, forwarded IPs), with the
            # bench's measured shape on top: the command line wins over the file.
            "--config=gunicorn.conf.py",
            "site_config.wsgi:application",
            f"--workers={self.workers}",
            "--worker-class=sync",
            # gunicorn turns sync into gthread when threads > 1 (the config's default).
            "--threads=1",
            # No worker restarts in the middle of a measurement (recorded runs had none).
            "--max-requests=0",
            f"--bind=127.0.0.1:{self.port}",
            "--log-level=warning",
            f"--error-logfile={self.log_path}",
            # No access line per request under wrk's load, as in the recorded runs.
            "--access-logfile=/dev/null",
        ]
        with open(self.log_path, "a") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own command line
                command, cwd=PROJECT_ROOT, env=self.env, stdout=log, stderr=log, start_new_session=True
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.process.returncode}):\n{self.log_tail()}")
            try:
                # The first answer of a worker imports the URLconf, Wagtail and the apps.
                if requests.get(f"{self.base_url}/__bench__/bare/?bytes=100", timeout=20).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer within {timeout} s:\n{self.log_tail()}")

    def log_tail(self, characters=3000):
        """The end of gunicorn's log (it lives in the scratch folder, removed after the run)."""
        try:
            return self.log_path.read_text(errors="replace")[-characters:]
        except OSError:
            return "(no log)"

    def stop(self):
        if self.process is None or self.process.poll() is not None:
            return
        # The master's own process group: it and its workers, nothing else.
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)
