"""deploy/nginx.conf: valid for Debian's nginx, and an X-Accel download through it keeps
the app's security headers. Skipped where nginx is not installed."""

import os
import re
import signal
import socket
import subprocess
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
import requests
from django.core.files.base import ContentFile
from django.urls import path

from catalogue.files import serve_private_file
from catalogue.storage import get_private_storage

NGINX = Path("/usr/sbin/nginx")
SITE_CONF = Path(__file__).resolve().parent.parent.parent / "deploy" / "nginx.conf"

pytestmark = pytest.mark.skipif(not NGINX.exists(), reason="nginx is not installed (apt-get install nginx)")


def _download(request):
    """A download as a paid order's view answers it, after its checks."""
    response = serve_private_file(request, SimpleNamespace(name="products/guide.pdf"), "Field guide.pdf")
    # Set in production by SecurityMiddleware (HSTS) and the CSP policy; the live server's
    # middleware was built from the test settings when it started, so the view says them.
    response["Strict-Transport-Security"] = "max-age=3600"
    response["Content-Security-Policy"] = "default-src 'none'"
    return response


# This module is the live server's URLconf in the X-Accel test.
urlpatterns = [path("download/", _download)]


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _configure(tmp_path, *, upstream, private_root):
    """The example site file with this machine's paths and ports, wrapped in a main
    config that keeps every file nginx writes in ``tmp_path``. Returns (conf, https_port)."""
    https_port, http_port = _free_port(), _free_port()
    for name in ("static", "media", "logs", "temp"):
        (tmp_path / name).mkdir(exist_ok=True)
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(  # noqa: S603  (fixed arguments)
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-days", "1", "-subj", "/CN=shop.example.com", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=30,
    )  # fmt: skip
    site = SITE_CONF.read_text()
    replacements = {
        "/etc/ssl/certs/shop.example.com.pem": str(cert),
        "/etc/ssl/private/shop.example.com.key": str(key),
        "/srv/brightshelf/staticfiles/": f"{tmp_path / 'static'}/",
        "/srv/brightshelf/media/": f"{tmp_path / 'media'}/",
        "/srv/brightshelf/private_media/": f"{private_root}/",
        "/var/log/nginx/brightshelf.access.log": str(tmp_path / "logs" / "access.log"),
        "server 127.0.0.1:8001": f"server {upstream}",
        "server 127.0.0.1:8002": f"server {upstream}",
        "listen 443 ssl": f"listen 127.0.0.1:{https_port} ssl",
        "listen 80;": f"listen 127.0.0.1:{http_port};",
    }
    for old, new in replacements.items():
        assert old in site, old
        site = site.replace(old, new)
    # No IPv6 on every test machine.
    site = re.sub(r"^\s*listen \[::\].*$", "", site, flags=re.M)
    temp = tmp_path / "temp"
    main = f"""
{"user root;" if os.geteuid() == 0 else ""}
worker_processes 1;
pid {tmp_path / "nginx.pid"};
error_log {tmp_path / "logs" / "error.log"};
events {{ worker_connections 64; }}
http {{
    include /etc/nginx/mime.types;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
{site}
}}
"""
    conf = tmp_path / "nginx.conf"
    conf.write_text(main)
    return conf, https_port


def _nginx(tmp_path, conf, *args):
    return subprocess.run(  # noqa: S603  (Debian's nginx, our config)
        [str(NGINX), "-p", str(tmp_path), "-c", str(conf), "-e", str(tmp_path / "logs" / "error.log"), *args],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip


def test_the_example_config_is_valid(tmp_path):
    conf, _port = _configure(tmp_path, upstream="127.0.0.1:8001", private_root=tmp_path / "private")
    result = _nginx(tmp_path, conf, "-t")
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


@pytest.fixture
def nginx_in_front(tmp_path, live_server, settings):
    """nginx with the example config in front of the live server; returns its https URL."""
    settings.ROOT_URLCONF = __name__
    settings.DOWNLOADS_X_ACCEL_PREFIX = "/protected/"
    storage = get_private_storage()
    storage.save("products/guide.pdf", ContentFile(b"%PDF-1.4 private bytes"))
    conf, port = _configure(tmp_path, upstream=live_server.url.removeprefix("http://"), private_root=storage.location)
    (tmp_path / "media" / "documents").mkdir()
    (tmp_path / "media" / "documents" / "secret.pdf").write_bytes(b"%PDF-1.4 a private document")
    (tmp_path / "static" / "site.css").write_text("body{}")
    started = _nginx(tmp_path, conf)
    assert started.returncode == 0, started.stderr
    try:
        # nginx daemonises: its master writes the pid file once it listens.
        deadline = time.monotonic() + 10
        while not (tmp_path / "nginx.pid").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        yield f"https://127.0.0.1:{port}", str(tmp_path / "cert.pem")
    finally:
        pid_file = tmp_path / "nginx.pid"
        if pid_file.exists():
            os.kill(int(pid_file.read_text()), signal.SIGTERM)


def test_an_x_accel_download_through_nginx_keeps_the_apps_headers(nginx_in_front):
    base, cert = nginx_in_front

    response = requests.get(f"{base}/download/", verify=cert, timeout=10)

    assert response.status_code == 200, response.text
    assert response.content == b"%PDF-1.4 private bytes"
    assert response.headers["Content-Type"] == "application/pdf"
    # Each exactly once: nginx keeps some of the app's headers itself, the config adds the rest.
    raw = response.raw.headers
    assert raw.getlist("Content-Disposition") == ['attachment; filename="Field guide.pdf"']
    assert raw.getlist("X-Content-Type-Options") == ["nosniff"]
    assert raw.getlist("Cache-Control") == ["private, no-store"]
    assert raw.getlist("Strict-Transport-Security") == ["max-age=3600"]
    assert raw.getlist("Content-Security-Policy") == ["default-src 'none'"]
    assert raw.getlist("X-Frame-Options") == ["DENY"]
    assert raw.getlist("Referrer-Policy") == ["same-origin"]
    # nginx's $request_id, kept by the app and echoed back.
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])


def test_private_files_are_not_reachable_directly(nginx_in_front):
    base, cert = nginx_in_front

    assert requests.get(f"{base}/protected/products/guide.pdf", verify=cert, timeout=10).status_code == 404
    assert requests.get(f"{base}/media/documents/secret.pdf", verify=cert, timeout=10).status_code == 404
    static = requests.get(f"{base}/static/site.css", verify=cert, timeout=10)
    assert static.status_code == 200
    assert "immutable" in static.headers["Cache-Control"]
