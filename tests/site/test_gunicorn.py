"""gunicorn.conf.py: two instances side by side on one host, probes answered, access log
on stdout with the request id."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _production_env(tmp_path, port):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DODO_", "DJANGO_", "SECRET_KEY", "DEBUG"))}
    return {
        **clean,
        "DJANGO_SETTINGS_MODULE": "site_config.settings.production",
        "SECRET_KEY": "k7#Qp2!vZ9xL0mW4rT8yB1nC6dF3gH5jK0pL2qR7sT9uV1wX4yZ8aB3cD6eF9gH2",
        "ALLOWED_HOSTS": "shop.example.com",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "PRIVATE_MEDIA_ROOT": str(tmp_path / "private"),
        # Both instances share one home: the default control socket would be shared too.
        "HOME": str(tmp_path / "home"),
        "BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
        "GUNICORN_THREADS": "2",
    }


@pytest.fixture
def two_instances(tmp_path):
    started = []
    try:
        for index in range(2):
            port = _free_port()
            stdout = (tmp_path / f"stdout-{index}.log").open("w")
            process = subprocess.Popen(  # noqa: S603  (our own gunicorn and config)
                [str(GUNICORN), "-c", "gunicorn.conf.py", "site_config.wsgi"],
                cwd=ROOT,
                env=_production_env(tmp_path, port),
                stdout=stdout,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            started.append((process, port, tmp_path / f"stdout-{index}.log"))
        yield started
    finally:
        for process, _port, _log in started:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process, _port, _log in started:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)


def _wait_for_health(process, port, log, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        try:
            # Plain HTTP, Host is the IP (not in ALLOWED_HOSTS), SECURE_SSL_REDIRECT on.
            # The first request loads Django in the worker; on a busy 2-core CI machine that
            # can take longer than a probe would wait, so a read timeout is tried again too.
            return requests.get(
                f"http://127.0.0.1:{port}/health/", headers={"X-Request-ID": f"probe-{port}"}, timeout=(5, 30)
            )
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(0.2)
    pytest.fail(f"gunicorn on {port} did not answer:\n{log.read_text()}")


def test_two_instances_from_one_directory_both_answer_health(two_instances, tmp_path):
    for process, port, log in two_instances:
        response = _wait_for_health(process, port, log)
        assert response.status_code == 200, response.text
        assert response.json() == {"status": "ok"}
        assert response.headers["X-Request-ID"] == f"probe-{port}"

    # Both still up (neither took the other's control socket and exited), and each
    # instance's access line on stdout names the id of its request.
    deadline = time.monotonic() + 5
    for process, port, log in two_instances:
        assert process.poll() is None, log.read_text()
        while f"rid=probe-{port}" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.1)
        access = [line for line in log.read_text().splitlines() if "GET /health/" in line]
        assert access and access[-1].endswith(f"rid=probe-{port}"), log.read_text()
        assert " 200 " in access[-1]
    assert not (tmp_path / "home" / ".gunicorn").exists()
