"""The anonymous page cache: Wagtail pages rendered once, served from the shared cache.

The home page, the catalogue, its category pages and the product pages are the same for
every visitor who is not signed in, so :class:`PageCacheMiddleware` keeps the rendered
response in the ``default`` cache (Redis in production, shared by every app host) for
``PAGE_CACHE_TIMEOUT`` seconds and tells a CDN it may keep it too
(``Cache-Control: public, max-age=PAGE_CACHE_MAX_AGE, s-maxage=PAGE_CACHE_TIMEOUT``).

Why a middleware, and why there: a page may only be stored once the *whole* response is
known, cookies included (a CSRF token, a session, a message), and those are set by the
session, CSRF and messages middleware on the way out. So it sits outside them (right
after WhiteNoise); it only ever looks at requests that resolve to Wagtail's page view, so
the portals, checkout and admin are never touched. A hit returns before the session is
loaded or the page tree routed: no database query at all.

What is never stored or served from here: requests other than GET/HEAD, visitors with a
session cookie (signed in, or carrying session data) or pending messages, queries with
parameters the pages do not read (``utm_*``, search text), responses other than 200,
responses that set a cookie or were marked private. Signed-in visitors get
``Cache-Control: private``.

Purging is a *generation* number kept in the same cache: every entry records the
generation it was rendered under, and any change a page shows (publish, unpublish, move,
delete, a category or seller rename; see ``signal_handlers.expire_cached_pages``) bumps
it, so every host stops serving every older entry at once. The bump happens at once and
again when the transaction commits, so a page rendered from the data of before the
commit is never kept under the new number.

Signed-in visitors get a page of their own, but most of it is not theirs: the product
cards of a listing and a product page's "More in ..." section are the same for everyone.
:func:`cached_fragments` keeps those pieces under the same generation, read when the
request starts (before any data is), so a purge expires them with the pages. Wagtail's
``Site`` for the request (with its root page, the first thing page routing needs) is kept
the same way instead of being looked up on every request.
"""

import hashlib
import logging
import time

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import caches
from django.db import transaction
from django.http.request import split_domain_port
from django.urls import Resolver404, resolve
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import urlencode
from wagtail import views as wagtail_views
from wagtail.models import Site

logger = logging.getLogger(__name__)

CACHE_ALIAS = "default"
GENERATION_KEY = "page-cache:generation"
FRAGMENT_KEY_PREFIX = "page-fragment"
SITE_KEY_PREFIX = "page-site"
# Where the middleware leaves the generation a request's fragments may be cached under.
REQUEST_GENERATION_ATTRIBUTE = "page_cache_generation"
# The only query parameters the cached pages read (CatalogueQuery: page number and sort);
# any other parameter, search text included, makes the request uncacheable, so nobody
# can fill the cache with variants nor be served a page that ignored their query.
CACHED_QUERY_PARAMETERS = ("page", "sort")


def _cache():
    return caches[CACHE_ALIAS]


def is_enabled():
    return settings.PAGE_CACHE_TIMEOUT > 0


def current_generation(cache=None):
    """The generation pages are cached under now, made (from the clock) if missing.

    A missing number (never set, or evicted) starts from nanoseconds since the epoch, so
    it cannot meet a number that earlier entries were stored under.
    """
    cache = cache or _cache()
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        cache.add(GENERATION_KEY, time.time_ns(), timeout=None)
        generation = cache.get(GENERATION_KEY)
    return generation


def bump_generation():
    """Expire every cached page now, and once more when the current transaction commits."""
    _bump()
    transaction.on_commit(_bump)


def _bump():
    cache = _cache()
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # no number yet: any new one expires every entry
        cache.set(GENERATION_KEY, time.time_ns(), timeout=None)


def serves_pages(request):
    """Whether the request is for Wagtail's page view (not the portals, admin, checkout)."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return False
    return match.func is wagtail_views.serve


def cache_key(request):
    """The key of this request's page, or ``None`` when it must not come from the cache.

    Keyed on scheme, host, path and the normalised query (the last value of each
    parameter the pages read, empty ones dropped, in a fixed order).
    """
    if request.method not in ("GET", "HEAD") or not is_enabled():
        return None
    cookies = request.COOKIES
    if settings.SESSION_COOKIE_NAME in cookies or CookieStorage.cookie_name in cookies:
        # Signed in, or the session or a pending message makes the page theirs alone.
        return None
    if any(name not in CACHED_QUERY_PARAMETERS for name in request.GET):
        return None
    if not serves_pages(request):
        return None
    query = urlencode([(name, request.GET[name]) for name in CACHED_QUERY_PARAMETERS if request.GET.get(name)])
    address = f"{request.scheme}://{request.get_host()}{request.path}?{query}"
    return "page-cache:" + hashlib.sha256(address.encode()).hexdigest()


def mark_public(response):
    """Headers for a response any visitor (and a CDN) may be given."""
    patch_cache_control(
        response, public=True, max_age=settings.PAGE_CACHE_MAX_AGE, s_maxage=settings.PAGE_CACHE_TIMEOUT
    )
    # A shared cache that honours Vary never hands this copy to a signed-in visitor.
    patch_vary_headers(response, ["Cookie"])


def is_storable(request, response):
    """Whether a rendered page response is the same for every anonymous visitor."""
    if request.method != "GET" or response.status_code != 200 or response.streaming:
        return False
    if response.cookies:  # a CSRF token, a session or a message was used to render it
        return False
    if "private" in response.get("Cache-Control", "") or "no-store" in response.get("Cache-Control", ""):
        return False
    user = getattr(request, "user", None)
    return user is None or not user.is_authenticated


class PageCacheMiddleware:
    """Serve anonymous visitors' Wagtail pages from the shared cache (see module docs).

    Place it after WhiteNoise and before SessionMiddleware, so that it sees the cookies
    the inner middleware set, and a hit skips them all.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = cache_key(request)
        if key is None:
            if is_enabled() and serves_pages(request):
                # Read before the page reads any data, for its fragments (cached_fragments).
                generation = current_generation()
                setattr(request, REQUEST_GENERATION_ATTRIBUTE, generation)
                remember_site(request, generation)
            response = self.get_response(request)
            if is_enabled() and response.status_code == 200 and serves_pages(request):
                # Not storable here, so not by anyone else: a signed-in visitor's page.
                patch_cache_control(response, private=True)
            return response

        cache = _cache()
        found = cache.get_many([GENERATION_KEY, key])
        generation = found.get(GENERATION_KEY)
        if generation is None:
            generation = current_generation(cache)
        entry = found.get(key)
        if entry is not None and entry[0] == generation:
            return entry[1]
        setattr(request, REQUEST_GENERATION_ATTRIBUTE, generation)
        remember_site(request, generation)

        response = self.get_response(request)
        if is_storable(request, response):
            mark_public(response)
            # Stored under the generation read before rendering: a change committed
            # meanwhile has bumped it, so this copy is never served.
            cache.set(key, (generation, response), settings.PAGE_CACHE_TIMEOUT)
        elif response.status_code == 200:
            patch_cache_control(response, private=True)
        return response


def remember_site(request, generation):
    """Give the request its Wagtail ``Site`` from the cache, or look it up and keep it.

    ``Site.find_for_request`` keeps what it finds on the request (``_wagtail_site``) and
    reads it from there, so page routing then starts without a query. Kept under the
    generation: publishing the home page, or saving or deleting a site, bumps it.
    """
    # get_host() first: a host outside ALLOWED_HOSTS is refused before it can name a key.
    hostname = split_domain_port(request.get_host())[0]
    key = f"{SITE_KEY_PREFIX}:{generation}:{hostname}:{request.get_port()}"
    cache = _cache()
    site = cache.get(key)
    if site is not None:
        request._wagtail_site = site
        return
    site = Site.find_for_request(request)
    if site is not None:
        cache.set(key, site, settings.PAGE_CACHE_TIMEOUT)


def cached_fragments(request, names, render):
    """``{name: html}`` for the page pieces ``names``, from the cache where it holds them.

    ``render(missing_names)`` answers ``{name: html}`` for the others (leaving out any it
    cannot render, a product deleted meanwhile), which are then stored. One ``get_many`` and at most one ``set_many`` for the lot. Pieces are kept
    only under the generation the middleware read when the request started; a request
    that did not pass through it (a preview, a portal view, the cache switched off)
    renders everything, since nothing would tell a stale piece from a fresh one.
    """
    names = list(names)
    generation = getattr(request, REQUEST_GENERATION_ATTRIBUTE, None)
    if generation is None or not names:
        return render(names)
    keys = {name: f"{FRAGMENT_KEY_PREFIX}:{generation}:{name}" for name in names}
    cache = _cache()
    found = cache.get_many(list(keys.values()))
    pieces = {name: found[key] for name, key in keys.items() if key in found}
    missing = [name for name in names if name not in pieces]
    if missing:
        fresh = render(missing)
        cache.set_many({keys[name]: html for name, html in fresh.items()}, settings.PAGE_CACHE_TIMEOUT)
        pieces.update(fresh)
    return pieces
