"""Request ids: one per request, in the X-Request-ID response header and in every log line."""

import io
import json
import logging
import re

import pytest

from site_config.logging import JsonFormatter, RequestIdFilter, bound_request_id


@pytest.fixture
def json_log():
    """JSON lines of what ``site_config`` logs, as production writes them."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("site_config")
    logger.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logger.removeHandler(handler)


@pytest.fixture
def failing_cache(settings):
    """A cache that raises, so /ready/ logs an error while the request runs."""
    settings.CACHES = {"default": {"BACKEND": "tests.site.test_request_id.BrokenCache"}}


class BrokenCache:
    def __init__(self, *args, **kwargs):
        pass

    def set(self, *args, **kwargs):
        raise ConnectionError("no cache today")

    def close(self, **kwargs):
        pass


@pytest.mark.django_db
def test_a_requests_log_line_carries_the_id_of_its_response(failing_cache, json_log, client):
    response = client.get("/ready/")

    request_id = response["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    [line] = [entry for entry in json_log() if entry["logger"] == "site_config.health"]
    assert line["request_id"] == request_id
    assert line["level"] == "ERROR"
    assert line["message"] == "Readiness check cache failed"
    assert "ConnectionError: no cache today" in line["exception"]


def test_a_sane_incoming_id_is_kept(client):
    response = client.get("/health/", HTTP_X_REQUEST_ID="lb-7f3a.01_Z")
    assert response["X-Request-ID"] == "lb-7f3a.01_Z"


@pytest.mark.parametrize("incoming", ["", "has space", "x" * 65, "quote\"'", "new\nline", "ünïcode"])
def test_an_insane_incoming_id_is_replaced(client, incoming):
    response = client.get("/health/", HTTP_X_REQUEST_ID=incoming)
    assert response["X-Request-ID"] != incoming
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_each_request_gets_its_own_id(client):
    assert client.get("/health/")["X-Request-ID"] != client.get("/health/")["X-Request-ID"]


def test_json_lines_carry_time_level_extras_and_survive_odd_values():
    record = logging.LogRecord("shop", logging.WARNING, __file__, 1, "Order #%s: %s", (7, "late"), None)
    record.order_id = 7
    record.unserialisable = object()
    RequestIdFilter().filter(record)

    with bound_request_id("abc123"):
        RequestIdFilter().filter(record2 := logging.makeLogRecord({"msg": "inside", "name": "shop"}))

    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "Order #7: late"
    assert entry["level"] == "WARNING"
    assert entry["logger"] == "shop"
    assert entry["request_id"] is None
    assert entry["order_id"] == 7
    assert entry["unserialisable"].startswith("<object object")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", entry["time"])
    assert json.loads(JsonFormatter().format(record2))["request_id"] == "abc123"
