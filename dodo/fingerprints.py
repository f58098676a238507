"""What we send to Dodo for an object, and a fingerprint of it.

The fingerprint of what was last sent is stored on the sync record; comparing it with
the fingerprint of the current values tells whether Dodo needs an update, whatever the
save that triggered the check (draft revisions, edits of other fields) was about.
"""

import hashlib
import json

from django.conf import settings

# Dodo's limits on product names and descriptions.
NAME_MAX = 100
DESCRIPTION_MAX = 1000


def fingerprint(payload):
    """A stable hash of a JSON-able payload."""
    encoded = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(encoded.encode()).hexdigest()


def customer_payload(user):
    """The customer fields Dodo holds for ``user``."""
    return {"email": user.email, "name": user.get_full_name() or user.email.split("@", 1)[0]}


# The Dodo-facing fields of a product page: a change to anything else sends nothing.
PRODUCT_FIELDS = frozenset(
    {
        "title",
        "summary",
        "price",
        "selling_price",
        "pay_what_you_want",
        "suggested_price",
        "tax_category",
        "license_key_enabled",
        "license_key_activation_limit",
        "license_key_duration_days",
    }
)


def product_payload(page):
    """The product as Dodo should hold it: the effective selling price in minor units of
    the marketplace currency (by its ISO 4217 exponent), and whether it includes tax.

    The amount Dodo charges must equal the price the page shows, so the selling price is
    sent as Dodo's price with no Dodo discount (a whole percentage cannot express every
    selling price). ``tax_inclusive`` follows ``PRICES_INCLUDE_TAX``: changing the
    setting changes every fingerprint, so every product is updated on Dodo.

    A pay-what-you-want product adds Dodo's ``pay_what_you_want`` and its suggestion
    (``price_cents`` is then the minimum), and a product that issues license keys adds
    ``license_key_enabled`` with its activation limit and duration in days; they are
    left out otherwise, so the fingerprints of other products stay what they were.
    """
    payload = {
        "name": page.title[:NAME_MAX],
        "description": (page.summary or "")[:DESCRIPTION_MAX],
        "price_cents": page.price_minor,
        "currency": settings.MARKETPLACE_CURRENCY,
        "tax_category": page.tax_category,
        "tax_inclusive": bool(settings.PRICES_INCLUDE_TAX),
    }
    if page.pay_what_you_want:
        payload["pay_what_you_want"] = True
        payload["suggested_price_cents"] = page.suggested_price_minor
    if page.license_key_enabled:
        # Dodo then issues each buyer a key (license_key.created); left out otherwise,
        # like pay-what-you-want, so other products' fingerprints stay what they were.
        payload["license_key_enabled"] = True
        payload["license_key_activations_limit"] = page.license_key_activation_limit
        payload["license_key_duration_days"] = page.license_key_duration_days
    return payload
