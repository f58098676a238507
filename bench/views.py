"""The bare view every page is compared with: Django rendering a template, nothing else.

It runs in the same gunicorn workers, through the same middleware, and answers about as
many bytes as the page it is compared with (``?bytes=``), but touches no database,
session or Wagtail code. A page's requests/s divided by this view's is the share of
Django's own ceiling that the page keeps; what it loses is the page's queries and logic.
"""

from django.http import HttpResponse
from django.template.loader import render_to_string

# Bytes one card of bare.html renders to, near enough to size the list.
CARD_BYTES = 420
PAGE_BYTES = 1500
MAX_BYTES = 2_000_000


def bare(request):
    try:
        target = min(int(request.GET.get("bytes", "40000")), MAX_BYTES)
    except ValueError:
        target = 40000
    count = max((target - PAGE_BYTES) // CARD_BYTES, 0)
    # Real template work per card (variables, filters, a loop), like a product grid;
    # rendered without the request so no context processor can reach the database.
    cards = [
        {
            "url": f"/catalogue/bench-product-{number}/",
            "title": f"Bench product number {number}",
            "seller": "A bench seller",
            "summary": "A practical, carefully edited product to download on any device.",
            "price": f"{number % 90 + 5}.00",
        }
        for number in range(count)
    ]
    html = render_to_string("bench/bare.html", {"cards": cards, "title": "Bare view"})
    return HttpResponse(html)
