"""What a production deploy runs beside the app, started for a test on loopback (the mail
relay is ``tests/smtp.py``, the object store ``tests/s3.py``).

- :class:`TlsProxy`: what the TLS-terminating proxy (nginx) does for the app: forwards to
  one app instance with ``Host`` of the public name, ``X-Forwarded-Proto: https`` and
  ``X-Forwarded-For``;
- :func:`create_postgres_database`: an empty PostgreSQL database;
- :class:`Processes`: long-running commands started from the README, stopped at the end.
"""

import http.client
import os
import signal
import socket
import subprocess
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-connection"}


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class TlsProxy:
    """Forwards every request to ``upstream`` (host, port) as the TLS proxy would."""

    def __init__(self, upstream, public_host):
        proxy = self
        self.upstream, self.public_host = upstream, public_host
        self.seen = 0

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def forward(self):
                proxy.seen += 1
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP | {"host"}}
                headers.update(
                    {"Host": proxy.public_host, "X-Forwarded-Proto": "https", "X-Forwarded-For": self.client_address[0]}
                )
                connection = http.client.HTTPConnection(*proxy.upstream, timeout=60)
                try:
                    connection.request(self.command, self.path, body=body, headers=headers)
                    response = connection.getresponse()
                    payload = response.read()
                finally:
                    connection.close()
                self.send_response(response.status, response.reason)
                for key, value in response.getheaders():
                    if key.lower() not in HOP_BY_HOP | {"content-length"}:
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_HEAD = do_PUT = do_DELETE = forward

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def create_postgres_database(name, admin_url="postgres://postgres@127.0.0.1:5432/postgres"):
    """Create the empty database ``name``; returns a function that drops it."""
    import psycopg2

    def run(sql):
        connection = psycopg2.connect(admin_url)
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql)
        finally:
            connection.close()

    run(f'DROP DATABASE IF EXISTS "{name}"')
    run(f'CREATE DATABASE "{name}"')
    return lambda: run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def postgres_available(host="127.0.0.1", port=5432):
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


class Processes:
    """Long-running commands (web instances, the worker), each logging to its own file."""

    def __init__(self, cwd):
        self.cwd = cwd
        self.running = []

    def start(self, name, command, env):
        log = tempfile.NamedTemporaryFile(prefix=f"deploy-{name}-", suffix=".log", delete=False)
        # The README's own command line, run by a shell as a process manager's would be.
        process = subprocess.Popen(  # noqa: S602
            command, shell=True, cwd=self.cwd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.running.append((name, process, log.name))
        return process

    def log(self, name):
        for each, _, path in self.running:
            if each == name:
                with open(path, errors="replace") as handle:
                    return handle.read()
        return ""

    def logs(self):
        return "\n".join(f"--- {name} ---\n{self.log(name)[-4000:]}" for name, _, _ in self.running)

    def stop(self):
        for _, process, _ in self.running:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for _, process, path in self.running:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            os.unlink(path)
        self.running = []
