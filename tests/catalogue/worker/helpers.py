"""A ``run_worker`` process on the test's database, for the worker tests (the mail server is
``tests/smtp.py``)."""

import os
import signal
import subprocess
import sys
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[3]


def database_url():
    """A DATABASE_URL naming the test database this process uses, for a child process."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    if connection.vendor == "postgresql":
        auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
        return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    raise NotImplementedError(connection.vendor)


class WorkerProcess:
    """``manage.py run_worker`` as a child process on the test's database."""

    def __init__(self, worker_id, log_dir, **env):
        self.worker_id = worker_id
        self.log_path = Path(log_dir) / f"{worker_id}.log"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.catalogue.worker.worker_settings",
            "DATABASE_URL": database_url(),
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
            **{name: str(value) for name, value in env.items()},
        }
        self.process = None

    def start(self):
        self._log = self.log_path.open("w")
        self.process = subprocess.Popen(  # noqa: S603 - our own command line
            [sys.executable, "manage.py", "run_worker", "--interval", "0.1", "--no-startup-delay",
             "--worker-id", self.worker_id, "-v", "2"],
            cwd=ROOT, env=self.env, stdout=self._log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        return self

    def log(self):
        return self.log_path.read_text()

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=60)

    def terminate(self):
        """SIGTERM: the worker finishes its task and exits; answer its return code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=60)
        finally:
            self._log.close()

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=60)
        if self.process is not None and not self._log.closed:
            self._log.close()
