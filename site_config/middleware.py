"""Middleware that sits in front of everything else in ``MIDDLEWARE``.

- :class:`RequestIdMiddleware` gives each request an id, carried by every log line
  written while it runs and echoed in the ``X-Request-ID`` response header.
- :class:`HealthCheckMiddleware` answers the load balancer's probes, ``/health/`` and
  ``/ready/``, before SecurityMiddleware's HTTPS redirect and before the Host header is
  validated: a probe reaches the instance by its IP, over plain HTTP.
"""

from django.http import JsonResponse

from .health import run_readiness_checks
from .logging import bound_request_id, sanitize_request_id

REQUEST_ID_HEADER = "X-Request-ID"


class RequestIdMiddleware:
    """Take the proxy's ``X-Request-ID`` when it is a sane token, else make one; bind it
    for the request (``site_config.logging.request_id_var``) and echo it in the response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = sanitize_request_id(request.headers.get(REQUEST_ID_HEADER))
        request.request_id = request_id
        with bound_request_id(request_id):
            response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        return response


class HealthCheckMiddleware:
    """``/health/``: the process is up (200, no I/O). ``/ready/``: the database, cache,
    storages and task queue answer (200), or 503 naming the checks that failed.

    Only GET and HEAD are answered here; any other method goes on to the site as usual.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in ("GET", "HEAD"):
            path = request.path_info.rstrip("/")
            if path == "/health":
                return self._respond({"status": "ok"}, 200)
            if path == "/ready":
                ready, checks = run_readiness_checks()
                failed = [name for name, result in checks.items() if not result["ok"]]
                body = {"status": "ok" if ready else "unavailable", "failed": failed, "checks": checks}
                return self._respond(body, 200 if ready else 503)
        return self.get_response(request)

    @staticmethod
    def _respond(body, status):
        response = JsonResponse(body, status=status)
        # A probe's answer is about this instance, now: no cache may keep it.
        response["Cache-Control"] = "no-store"
        return response
