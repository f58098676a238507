"""Helpers for checkout and webhook tests: a product Dodo sells, and signed webhooks."""

import json
import uuid
from datetime import UTC, datetime

from django.conf import settings
from standardwebhooks.webhooks import Webhook

from tests.factories import ProductPageFactory, SellerFactory


def sellable_product(commit, **kwargs):
    """A live product synced to the emulator (its on-commit sync ran)."""
    kwargs.setdefault("seller", SellerFactory())
    return commit(lambda: ProductPageFactory(**kwargs))


def event(event_type, data):
    return {"business_id": "bus_test", "type": event_type, "timestamp": datetime.now(UTC).isoformat(), "data": data}


def signed_headers(body, *, secret=None, msg_id=None, timestamp=None):
    """Standard Webhooks headers for ``body`` (bytes), signed with the package itself."""
    msg_id = msg_id or f"msg_{uuid.uuid4().hex}"
    when = timestamp or datetime.now(UTC)
    signature = Webhook(secret or settings.DODO_PAYMENTS_WEBHOOK_KEY).sign(msg_id, when, body.decode())
    return {
        "HTTP_WEBHOOK_ID": msg_id,
        "HTTP_WEBHOOK_TIMESTAMP": str(int(when.timestamp())),
        "HTTP_WEBHOOK_SIGNATURE": signature,
    }


def post_webhook(client, payload, **kwargs):
    """POST a signed event to /dodo/webhook/ as Dodo would; answers the response."""
    body = json.dumps(payload).encode() if not isinstance(payload, bytes) else payload
    headers = signed_headers(body, **kwargs)
    return client.post("/dodo/webhook/", data=body, content_type="application/json", **headers)
