"""Middleware that sits in front of everything else in ``MIDDLEWARE``.

- :class:`RequestIdMiddleware` gives each request an id, carried by every log line
  written while it runs and echoed in the ``X-Request-ID`` response header.
- :class:`HealthCheckMiddleware` answers the load balancer's probes, ``/health/`` and
  ``/ready/``, before SecurityMiddleware's HTTPS redirect and before the Host header is
  validated: a probe reaches the instance by its IP, over plain HTTP.
- :class:`SecurityHeadersMiddleware` adds ``Content-Security-Policy`` to every HTML page
  and ``Permissions-Policy`` to every response.
"""

from functools import lru_cache
from urllib.parse import urlsplit

from django.conf import settings
from django.core.files.storage import storages
from django.http import JsonResponse
from django.urls import reverse

from dodo.client import checkout_origin

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


class SecurityHeadersMiddleware:
    """``Content-Security-Policy`` on HTML responses, ``Permissions-Policy`` on all.

    The policy is ``CONTENT_SECURITY_POLICY`` plus, under Wagtail admin's URL,
    ``CONTENT_SECURITY_POLICY_ADMIN_EXTRA``, plus the origins only known from other
    settings: public media in object storage or on a CDN (img-src), Dodo's hosted
    checkout (form-action), and the operator's ``CSP_EXTRA_IMG_SRC`` and
    ``CSP_EXTRA_FORM_ACTION``. A response that already carries a policy keeps it (private
    downloads send their own, ``catalogue.files.serve_private_file``). Other responses
    (JSON, files) run no markup, so they get none.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", permissions_policy())
        if not self._is_html(response) or self._is_debug_error_page(response):
            return response
        # A policy set here before is set again: Wagtail's preview runs the page's own
        # request through this middleware inside the admin's, and the admin response,
        # framed by the editor (X-Frame-Options: SAMEORIGIN), needs the admin's policy.
        if "Content-Security-Policy" not in response or getattr(response, "csp_from_settings", False):
            frame_options = response.get("X-Frame-Options", "")
            response["Content-Security-Policy"] = content_security_policy(request, frame_options=frame_options)
            response.csp_from_settings = True
        return response

    @staticmethod
    def _is_html(response):
        return response.get("Content-Type", "").startswith("text/html")

    @staticmethod
    def _is_debug_error_page(response):
        # Django 5.2's technical 404 and 500 pages (DEBUG only) style and script themselves
        # inline; under the policy they would be unreadable just when they are needed.
        return settings.DEBUG and response.status_code in (404, 500)


#: frame-ancestors for each X-Frame-Options value; none (framing allowed) when the view
#: is exempt from XFrameOptionsMiddleware and the header is absent.
FRAME_ANCESTORS = {"DENY": "'none'", "SAMEORIGIN": "'self'"}


def content_security_policy(request, frame_options="DENY"):
    """The ``Content-Security-Policy`` header value for an HTML response to ``request``.

    ``frame_options`` is the response's ``X-Frame-Options``: frame-ancestors says the same
    (browsers that know frame-ancestors ignore X-Frame-Options).
    """
    directives = {name: list(sources) for name, sources in settings.CONTENT_SECURITY_POLICY.items()}
    if request.path.startswith(reverse("wagtailadmin_home")):
        for name, sources in settings.CONTENT_SECURITY_POLICY_ADMIN_EXTRA.items():
            directives.setdefault(name, []).extend(sources)
    directives["img-src"] += [media_origin(storages["default"]), *settings.CSP_EXTRA_IMG_SRC]
    directives["form-action"] += [checkout_origin(), *settings.CSP_EXTRA_FORM_ACTION]
    if frame_options.upper() in FRAME_ANCESTORS:
        directives["frame-ancestors"] = [FRAME_ANCESTORS[frame_options.upper()]]
    return "; ".join(
        " ".join([name, *dict.fromkeys(source for source in sources if source)]) for name, sources in directives.items()
    )


@lru_cache(maxsize=8)
def media_origin(storage):
    """The origin public media URLs point at, or "" when they are on this site.

    Asked of the storage itself, so a CDN domain, a custom endpoint and either S3
    addressing style all come out as the browser will see them. Cached per storage
    object: one is built again only when ``STORAGES`` changes.
    """
    parts = urlsplit(storage.url("csp-probe"))
    if parts.scheme in ("http", "https") and parts.netloc:
        return f"{parts.scheme}://{parts.netloc}"
    return ""


def permissions_policy():
    """The ``Permissions-Policy`` header value from ``PERMISSIONS_POLICY``."""
    return ", ".join(f"{feature}=({' '.join(origins)})" for feature, origins in settings.PERMISSIONS_POLICY.items())
