"""The product page's view beacon: ``POST /p/viewed/`` (``catalogue.analytics``).

Posted by ``static/js/product_page.js`` with ``navigator.sendBeacon`` once per page load,
as a form: ``product`` (the page id), ``referrer`` (``document.referrer``) and ``via`` (the
short-link code from the ``#via=`` fragment, if any). It runs no database query (the
session and user are never touched) and only adds to a counter in the cache, so it costs
next to nothing however busy the pages are.

Answers: 204 when counted; 400 when the fields cannot be a view (no or a malformed id, a
malformed code); 405 for anything but POST. An id that is well formed but names no
product is counted and dropped by the flush: telling it apart would need a query. A
failing cache is logged and answered 204: the visitor's page must never care.

No CSRF token: the page is cached for everyone and the beacon changes nothing but a count.
The path avoids words ("analytics", "track", "beacon") that content blockers drop.
"""

import logging

from django.http import HttpResponse, HttpResponseBadRequest
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import analytics

logger = logging.getLogger(__name__)

# Longer referrers are not URLs a browser sends; they are read as no referrer.
MAX_REFERRER_LENGTH = 2048


@csrf_exempt
@never_cache
@require_POST
def product_viewed(request):
    try:
        product_id = analytics.parse_product_id(request.POST.get("product", ""))
        referrer = request.POST.get("referrer", "")
        if len(referrer) > MAX_REFERRER_LENGTH:
            referrer = ""
        kind, source = analytics.classify(
            referrer=referrer,
            via=request.POST.get("via", "").strip(),
            site_hosts=analytics.own_hosts(request.get_host()),
        )
    except analytics.InvalidBeacon as error:
        return HttpResponseBadRequest(str(error), content_type="text/plain")
    try:
        analytics.record_view(product_id, kind, source)
    except analytics.CACHE_ERRORS as error:
        logger.warning("Product #%s: view not counted, cache failed: %s", product_id, error)
    return HttpResponse(status=204)
