"""Checking the shape of what Dodo sends before anything acts on it.

A webhook is signed by Dodo, but its ``data`` still has to be the object its type says
(a Payment, a Refund, a Dispute, a LicenseKey) with the fields we act on: a payment without its id
must not mark an order paid with an empty id. Each check answers the data unchanged or
raises :class:`MalformedPayload` with a reason fit for the event log; the webhook then
answers 400 and keeps the event with that reason. The field names and types are those
of the ``dodopayments`` SDK's ``Payment``, ``Refund`` and ``Dispute`` models.
"""


class MalformedPayload(ValueError):
    """The data is not the object its event type announces; ``reason`` says what is wrong."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def _require_id(data, name):
    value = data.get(name)
    if not isinstance(value, str) or not value.strip():
        raise MalformedPayload(f"`{name}` must be a non-empty string, not {value!r}"[:300])
    if len(value) > 64:
        raise MalformedPayload(f"`{name}` is longer than 64 characters")
    return value


def _optional(data, name, *types):
    value = data.get(name)
    # bool is an int subclass: True is not an amount.
    wrong_bool = isinstance(value, bool) and bool not in types
    if value is not None and (wrong_bool or not isinstance(value, types)):
        expected = " or ".join(t.__name__ for t in types)
        raise MalformedPayload(f"`{name}` must be {expected}, not {type(value).__name__}")
    return value


def _currency(data, name, *, required):
    value = data.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or len(value) != 3 or not value.isalpha():
        raise MalformedPayload(f"`{name}` must be a three-letter currency code, not {value!r}"[:300])
    return value


def _data(payload):
    data = payload.get("data")
    if not isinstance(data, dict):
        raise MalformedPayload(f"`data` must be an object, not {type(data).__name__}")
    return data


def check_payment(data):
    """A ``Payment``: id, status, amounts in integer minor units, currencies, cart, metadata."""
    _require_id(data, "payment_id")
    _optional(data, "status", str)
    for name in ("total_amount", "tax", "settlement_amount", "settlement_tax"):
        _optional(data, name, int)
    if not isinstance(data.get("total_amount"), int) or isinstance(data.get("total_amount"), bool):
        raise MalformedPayload("`total_amount` must be an integer")
    _currency(data, "currency", required=True)
    _currency(data, "settlement_currency", required=False)
    _optional(data, "checkout_session_id", str)
    _optional(data, "discount_id", str)
    if _optional(data, "metadata", dict) is not None:
        for key, value in data["metadata"].items():
            if not isinstance(value, str | int | float | bool):
                raise MalformedPayload(f"metadata `{key}` must be a plain value")
    cart = _optional(data, "product_cart", list)
    for item in cart or []:
        if not isinstance(item, dict) or not isinstance(item.get("product_id"), str):
            raise MalformedPayload("`product_cart` items must be objects with a `product_id`")
    discounts = _optional(data, "discounts", list)
    for item in discounts or []:
        if not isinstance(item, dict) or not isinstance(item.get("code", ""), str):
            raise MalformedPayload("`discounts` items must be objects with a `code`")
    for name in ("refunds", "disputes"):
        items = _optional(data, name, list)
        for item in items or []:
            if not isinstance(item, dict):
                raise MalformedPayload(f"`{name}` items must be objects")
    return data


def check_refund(data):
    """A ``Refund``: its id, the payment's id, status, amount (minor units, tax included)."""
    _require_id(data, "refund_id")
    _require_id(data, "payment_id")
    if not isinstance(data.get("status"), str):
        raise MalformedPayload("`status` must be a string")
    _optional(data, "amount", int)
    _optional(data, "is_partial", bool)
    _currency(data, "currency", required=False)
    _optional(data, "reason", str)
    return data


def check_dispute(data):
    """A ``Dispute``: its id, the payment's id, status, amount (a string of minor units)."""
    _require_id(data, "dispute_id")
    _require_id(data, "payment_id")
    if not isinstance(data.get("dispute_status"), str):
        raise MalformedPayload("`dispute_status` must be a string")
    amount = data.get("amount")
    if not isinstance(amount, str) or not amount.lstrip("-").isdigit():
        raise MalformedPayload(f"`amount` must be a string of minor units, not {amount!r}"[:300])
    _currency(data, "currency", required=True)
    _optional(data, "dispute_stage", str)
    _optional(data, "remarks", str)
    return data


def check_license_key(data):
    """A ``LicenseKey``: its id, the key string and the payment it was issued for."""
    _require_id(data, "id")
    _require_id(data, "payment_id")
    key = data.get("key")
    if not isinstance(key, str) or not key.strip():
        raise MalformedPayload(f"`key` must be a non-empty string, not {key!r}"[:300])
    if len(key) > 200:
        raise MalformedPayload("`key` is longer than 200 characters")
    _optional(data, "status", str)
    _optional(data, "activations_limit", int)
    _optional(data, "expires_at", str)
    return data


# Which check each event family's data must pass, by the prefix of its type.
CHECKS = {
    "payment.": check_payment,
    "refund.": check_refund,
    "dispute.": check_dispute,
    "license_key.": check_license_key,
}


def check_event(payload):
    """The checked ``data`` of an event we handle, or raises MalformedPayload.

    Types we do not handle are not checked (they are stored and ignored).
    """
    event_type = payload.get("type", "")
    for prefix, check in CHECKS.items():
        if event_type.startswith(prefix):
            return check(_data(payload))
    return payload.get("data")
