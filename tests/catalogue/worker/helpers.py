"""A tiny SMTP server on loopback and a ``run_worker`` process, for the worker tests."""

import os
import signal
import socketserver
import subprocess
import sys
import threading
import time
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[3]


class _SMTPHandler(socketserver.StreamRequestHandler):
    timeout = 120  # a client that never speaks does not keep a thread for good

    def handle(self):
        server = self.server
        if server.hanging.is_set():
            # Accept, then never answer: the client waits for the greeting.
            with server.lock:
                server.hung_connections += 1
            server.released.wait(timeout=120)
            return
        self._reply("220 tiny-smtp ready")
        message, in_data = [], False
        for raw in self.rfile:
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            if in_data:
                if line == ".":
                    in_data = False
                    with server.lock:
                        server.messages.append("\n".join(message))
                    message = []
                    self._reply("250 queued")
                else:
                    message.append(line[1:] if line.startswith("..") else line)
                continue
            command = line[:4].upper()
            if command == "DATA":
                in_data = True
                self._reply("354 end with <CRLF>.<CRLF>")
            elif command == "QUIT":
                self._reply("221 bye")
                return
            else:  # EHLO, HELO, MAIL, RCPT, RSET, NOOP
                self._reply("250 ok")

    def _reply(self, text):
        self.wfile.write(text.encode() + b"\r\n")
        self.wfile.flush()


class TinySMTPServer(socketserver.ThreadingTCPServer):
    """Receives mail into ``messages``; while ``hanging`` is set it accepts connections and
    never answers them (counted in ``hung_connections``) until :meth:`answer`."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _SMTPHandler)
        self.lock = threading.Lock()
        self.messages, self.hung_connections = [], 0
        self.hanging, self.released = threading.Event(), threading.Event()
        self.port = self.server_address[1]
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    def start(self, *, hanging=False):
        if hanging:
            self.hanging.set()
        self._thread.start()
        return self

    def answer(self):
        """Answer from now on; the hung connections are closed."""
        self.hanging.clear()
        self.released.set()

    def stop(self):
        self.released.set()
        self.shutdown()
        self.server_close()


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


def wait_for(condition, what, deadline=60.0, describe=lambda: ""):
    """Poll ``condition`` until it is true; fail after a generous ``deadline`` (progress,
    not speed, is what the tests check)."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}\n{describe()}")
