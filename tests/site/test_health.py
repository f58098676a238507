"""/health/ and /ready/: answered for a load balancer's probe, by IP, over plain HTTP."""

import socket

import pytest
from django.core.files.storage import storages

PRODUCTION_LIKE = {"SECURE_SSL_REDIRECT": True, "ALLOWED_HOSTS": ["shop.example.com"], "DEBUG": False}


@pytest.fixture
def production_like(settings):
    for name, value in PRODUCTION_LIKE.items():
        setattr(settings, name, value)
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    return settings


@pytest.fixture
def database_task_queue(settings):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
        "db": {"BACKEND": "django_tasks_db.DatabaseBackend"},
    }


@pytest.fixture
def unreachable_cache(settings):
    """The default cache is Redis on a loopback port nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }


def test_the_site_itself_refuses_a_foreign_host_and_redirects_to_https(production_like, client):
    """The setting the probes must get past: without the middleware they would see these."""
    assert client.get("/", HTTP_HOST="10.0.0.7:8000").status_code == 400
    assert client.get("/", HTTP_HOST="shop.example.com").status_code == 301


@pytest.mark.parametrize("path", ["/health/", "/ready/"])
@pytest.mark.django_db
def test_probes_answer_over_plain_http_with_a_foreign_host(production_like, database_task_queue, client, path):
    response = client.get(path, HTTP_HOST="10.0.0.7:8000")

    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    assert response.json()["status"] == "ok"


def test_health_touches_nothing(production_like, client):
    """No database here (no ``db`` fixture): a query would raise."""
    response = client.head("/health", HTTP_HOST="10.0.0.7")
    assert response.status_code == 200


@pytest.mark.django_db
def test_ready_reports_every_check_in_a_few_queries(
    production_like, database_task_queue, client, django_assert_max_num_queries
):
    with django_assert_max_num_queries(3):
        response = client.get("/ready/", HTTP_HOST="10.0.0.7:8000")

    body = response.json()
    assert response.status_code == 200
    assert body["failed"] == []
    assert set(body["checks"]) == {"database", "cache", "storage", "tasks"}
    assert body["checks"]["tasks"]["backend"] == "DatabaseBackend"


@pytest.mark.django_db
def test_ready_is_503_naming_the_cache_when_redis_is_unreachable(production_like, unreachable_cache, client):
    response = client.get("/ready/", HTTP_HOST="10.0.0.7:8000")

    body = response.json()
    assert response.status_code == 503
    assert response["Cache-Control"] == "no-store"
    assert body["status"] == "unavailable"
    assert body["failed"] == ["cache"]
    assert body["checks"]["cache"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True


@pytest.mark.django_db
def test_a_failed_check_shows_no_exception_text(production_like, client, monkeypatch):
    """A driver's message may hold a URL with its password: logged, never answered."""

    def refuse(name):
        raise OSError("could not reach s3://AKIAEXAMPLE:hunter2@bucket")

    monkeypatch.setattr(storages["private"], "exists", refuse)

    response = client.get("/ready/", HTTP_HOST="10.0.0.7:8000")

    assert response.status_code == 503
    assert response.json()["failed"] == ["storage"]
    assert response.json()["checks"]["storage"]["error"] == "OSError"
    assert b"hunter2" not in response.content


def test_other_methods_go_on_to_the_site(production_like, client):
    """Only GET and HEAD are probes; a POST is the site's business (here: a foreign host)."""
    assert client.post("/health/", HTTP_HOST="10.0.0.7:8000").status_code == 400


@pytest.mark.django_db
def test_ready_reports_live_task_workers_without_depending_on_them(production_like, database_task_queue, client):
    from django.utils import timezone

    worker = pytest.importorskip("catalogue.worker.models")
    response = client.get("/ready/", HTTP_HOST="10.0.0.7:8000")
    assert response.status_code == 200
    assert response.json()["checks"]["tasks"]["live_workers"] == 0

    now = timezone.now()
    worker.WorkerHeartbeat.objects.create(worker_id="w1", host="app-1", pid=42, started_at=now, last_seen=now)
    assert client.get("/ready/", HTTP_HOST="10.0.0.7:8000").json()["checks"]["tasks"]["live_workers"] == 1
