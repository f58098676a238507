"""The emulator's license keys and invoices (issue 16, points 6 and 7), over HTTP.

A product with license keys enabled gets one key per succeeded payment, announced by a
signed ``license_key.created``; Dodo's public ``/licenses/*`` routes activate (up to the
limit), validate and deactivate it; ``PATCH /license_keys/{id}`` disables it. Shapes are
checked against the ``dodopayments`` SDK's models. The invoice is a real PDF.
"""

import re
from decimal import Decimal

import pytest
import requests
from dodopayments.types import (
    LicenseActivateResponse,
    LicenseKey,
    LicenseKeyCreatedWebhookEvent,
    LicenseValidateResponse,
    Product,
)

from dodo.client import get_client
from dodo.exceptions import DodoNotFound
from dodo.models import DodoProduct
from tests.dodo.purchase import sellable_product

pytestmark = pytest.mark.django_db


def _licensed_payment(dodo_emulator, *, limit=2, duration_days=None, country="DE"):
    """A product with license keys, paid once: answers (product, payment, key)."""
    dodo = get_client()
    product = dodo.create_product(
        name="Studio Plugin",
        description="An audio plugin.",
        price_cents=2000,
        currency="USD",
        tax_category="saas",
        metadata={},
        license_key_enabled=True,
        license_key_activations_limit=limit,
        license_key_duration_days=duration_days,
    )
    Product.model_validate(product)
    assert product["license_key_activations_limit"] == limit
    session = dodo.create_checkout_session(
        product_cart=[{"product_id": product["product_id"], "quantity": 1}],
        customer={"email": "ada@example.com", "name": "Ada"},
        return_url=None,
        metadata={"order_id": "1"},
    )
    payment = dodo_emulator.pay(session["session_id"], country=country)["payment"]
    [key] = dodo_emulator.state()["license_keys"]
    return product, payment, key


def _public(base_url, route, body):
    """Dodo's public license routes take no API key."""
    return requests.post(f"{base_url}/licenses/{route}", json=body, timeout=10)


def test_a_paid_licensed_product_gets_a_key_announced_by_a_signed_event(dodo_settings, dodo_emulator):
    product, payment, key = _licensed_payment(dodo_emulator, duration_days=30)
    LicenseKey.model_validate(key)
    assert (key["payment_id"], key["product_id"], key["status"]) == (
        payment["payment_id"],
        product["product_id"],
        "active",
    )
    assert key["activations_limit"] == 2 and key["instances_count"] == 0 and key["expires_at"]
    events = [d for d in dodo_emulator.webhooks() if d["type"] == "license_key.created"]
    assert len(events) == 1
    LicenseKeyCreatedWebhookEvent.model_validate(events[0]["payload"])
    assert events[0]["payload"]["data"]["key"] == key["key"]
    assert get_client().get_license_key(key["id"])["key"] == key["key"]

    # A product without license keys gets none.
    plain = get_client().create_product(
        name="Plain", description="", price_cents=500, currency="USD", tax_category="e_book", metadata={}
    )
    assert plain["license_key_enabled"] is False


def test_activate_up_to_the_limit_validate_deactivate_and_a_disabled_key_is_refused(dodo_settings, dodo_emulator):
    _product, _payment, key = _licensed_payment(dodo_emulator, limit=2)
    base = dodo_emulator.base_url
    first = _public(base, "activate", {"license_key": key["key"], "name": "Laptop"})
    assert first.status_code == 201
    instance = LicenseActivateResponse.model_validate(first.json())
    assert instance.license_key_id == key["id"] and instance.name == "Laptop"
    assert _public(base, "activate", {"license_key": key["key"], "name": "Studio PC"}).status_code == 201
    at_limit = _public(base, "activate", {"license_key": key["key"], "name": "Third"})
    assert at_limit.status_code == 422 and "limit" in at_limit.json()["message"]

    valid = _public(base, "validate", {"license_key": key["key"], "license_key_instance_id": instance.id})
    assert LicenseValidateResponse.model_validate(valid.json()).valid is True
    assert _public(base, "validate", {"license_key": "NOT-A-KEY"}).json() == {"valid": False}

    # Deactivating frees a seat; the freed instance no longer validates.
    gone = _public(base, "deactivate", {"license_key": key["key"], "license_key_instance_id": instance.id})
    assert gone.status_code == 200
    assert _public(base, "validate", {"license_key": key["key"], "license_key_instance_id": instance.id}).json() == {
        "valid": False
    }
    assert _public(base, "activate", {"license_key": key["key"], "name": "Third"}).status_code == 201
    bad_instance = _public(base, "deactivate", {"license_key": key["key"], "license_key_instance_id": "lki_nope"})
    assert bad_instance.status_code == 403

    disabled = get_client().disable_license_key(key["id"])
    LicenseKey.model_validate(disabled)
    assert disabled["status"] == "disabled"
    assert _public(base, "validate", {"license_key": key["key"]}).json() == {"valid": False}
    refused = _public(base, "activate", {"license_key": key["key"], "name": "Fourth"})
    assert refused.status_code == 403
    assert _public(base, "activate", {"license_key": "NOT-A-KEY", "name": "x"}).status_code == 404
    with pytest.raises(DodoNotFound):
        get_client().disable_license_key("lic_unknown")


def test_an_expired_key_neither_validates_nor_activates(dodo_settings, dodo_emulator, dodo_api):
    _product, _payment, key = _licensed_payment(dodo_emulator, duration_days=1)
    base = dodo_emulator.base_url
    assert _public(base, "validate", {"license_key": key["key"]}).json() == {"valid": True}
    expired = dodo_api("PATCH", f"/license_keys/{key['id']}", {"expires_at": "2020-01-01T00:00:00Z"})
    assert expired["status"] == "expired"
    assert _public(base, "validate", {"license_key": key["key"]}).json() == {"valid": False}
    assert _public(base, "activate", {"license_key": key["key"], "name": "Late"}).status_code == 403


def _pdf_is_well_formed(pdf):
    """The cross-reference table points at each object and ``startxref`` at the table,
    as a PDF reader requires."""
    assert pdf.startswith(b"%PDF-1.") and pdf.rstrip().endswith(b"%%EOF")
    xref_at = int(re.search(rb"startxref\s+(\d+)", pdf).group(1))
    assert pdf[xref_at : xref_at + 4] == b"xref"
    count = int(re.match(rb"xref\s+0 (\d+)", pdf[xref_at:]).group(1))
    offsets = re.findall(rb"(\d{10}) 00000 n", pdf[xref_at:])
    assert len(offsets) == count - 1
    for number, offset in enumerate(offsets, start=1):
        assert pdf[int(offset) :].startswith(f"{number} 0 obj".encode())


def test_the_invoice_is_a_real_pdf_naming_payment_product_amounts_and_tax(dodo_settings, dodo_emulator):
    _product, payment, _key = _licensed_payment(dodo_emulator, country="DE")
    pdf = get_client().get_payment_invoice(payment["payment_id"])
    _pdf_is_well_formed(pdf)
    text = pdf.decode("latin-1")
    assert payment["payment_id"] in text and "Studio Plugin" in text
    # 20.00 USD converted to EUR for a German buyer, with German VAT on top.
    tax = Decimal(payment["tax"]) / 100
    total = Decimal(payment["total_amount"]) / 100
    assert tax > 0
    assert f"{tax:.2f} {payment['currency']}" in text and f"{total:.2f} {payment['currency']}" in text
    # No key needed (Dodo's invoice links are public), and an unknown payment is a 404.
    public = requests.get(f"{dodo_emulator.base_url}/invoices/payments/{payment['payment_id']}", timeout=10)
    assert public.headers["Content-Type"] == "application/pdf" and public.content == pdf
    with pytest.raises(DodoNotFound):
        get_client().get_payment_invoice("pay_unknown")


def test_the_product_sync_sends_license_settings_and_turning_them_off(site_tree, commit, dodo_settings, dodo_emulator):
    page = sellable_product(
        commit,
        price=Decimal("15.00"),
        license_key_enabled=True,
        license_key_activation_limit=3,
        license_key_duration_days=365,
    )
    product_id = DodoProduct.objects.get(page_key=page.pk).product_id
    on_dodo = get_client().get_product(product_id)
    assert on_dodo["license_key_enabled"] is True
    assert on_dodo["license_key_activations_limit"] == 3
    assert on_dodo["license_key_duration"] == {"count": 365, "interval": "Day"}

    page.license_key_enabled = False
    commit(lambda: page.save_revision().publish())
    assert get_client().get_product(product_id)["license_key_enabled"] is False
    patch = [r for r in dodo_emulator.requests() if r["method"] == "PATCH"][-1]["json"]
    assert patch["license_key_enabled"] is False
