"""POST /dodo/webhook/: Standard Webhooks signatures over the raw body, stored once,
applied idempotently from the payment's own status.

Payments are made on the emulator (over HTTP) and their events signed with the
``standardwebhooks`` package, exactly as Dodo signs them.
"""

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from wagtail.models import ReferenceIndex

from catalogue.models import Download, Order, OrderStatus
from dodo.models import WebhookEvent, WebhookEventStatus
from tests.dodo.purchase import event, post_webhook, sellable_product, signed_headers
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    def run(fn):
        with django_capture_on_commit_callbacks(execute=True):
            return fn()

    return run


@pytest.fixture
def checkout(client, site_tree, commit, dodo_settings, dodo_emulator):
    """A customer who pressed Buy: answers (customer, product, order, session id)."""
    customer = commit(lambda: CustomerFactory(email="buyer@example.com"))
    product = sellable_product(commit, title="Field Recordings", price=Decimal("12.50"))
    client.force_login(customer)
    client.post(reverse("dodo:checkout", args=(product.pk,)))
    order = Order.objects.get(customer=customer)
    return customer, product, order, order.dodo_checkout_session_id


@pytest.fixture
def deliver(client, commit):
    """POST a signed event; on-commit work (emails) runs as after a real request."""

    def run(payload, **kwargs):
        return commit(lambda: post_webhook(client, payload, **kwargs))

    return run


def _paid_event(dodo_emulator, session_id):
    return event("payment.succeeded", dodo_emulator.pay(session_id)["payment"])


def test_pay_then_webhook_marks_paid_sends_one_receipt_and_grants_the_download(
    client, checkout, deliver, dodo_emulator
):
    customer, product, order, session_id = checkout
    mail.outbox.clear()
    response = deliver(_paid_event(dodo_emulator, session_id))
    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and order.paid_at
    assert order.platform_fee == Decimal("1.25") and order.seller_earnings == Decimal("11.25")
    subjects = sorted(message.subject for message in mail.outbox)
    assert subjects == ["New sale: Field Recordings ($12.50)", f"Your receipt for Field Recordings (order #{order.pk})"]
    receipt = next(m for m in mail.outbox if m.subject.startswith("Your receipt"))
    assert receipt.to == ["buyer@example.com"]
    assert f"http://testserver/account/products/{order.pk}/download/" in receipt.body
    seller_mail = next(m for m in mail.outbox if m.subject.startswith("New sale"))
    assert seller_mail.to == [product.seller.email]

    download = client.get(reverse("portal:download", args=(order.pk,)))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Cache-Control"] == "private, no-store"
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    assert Download.objects.filter(order=order).count() == 1


def test_a_paid_order_still_tells_wagtail_it_uses_its_product(checkout, deliver, dodo_emulator):
    """Paying skips Wagtail's reference index (nothing it records changed); the order's
    reference to its product, recorded when it was made, is what the admin's delete
    pages read to explain why the product cannot go."""
    _, product, order, session_id = checkout
    uses = ReferenceIndex.get_references_to(product).filter(object_id=str(order.pk))
    assert uses.exists()
    assert deliver(_paid_event(dodo_emulator, session_id)).status_code == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert uses.exists()


def test_declined_payment_marks_the_order_failed(checkout, deliver, dodo_emulator):
    _, _, order, session_id = checkout
    payment = dodo_emulator.decline(session_id)["payment"]
    assert deliver(event("payment.failed", payment)).status_code == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.FAILED
    assert not mail.outbox or all("receipt" not in m.subject for m in mail.outbox)


def test_refund_revokes_access(client, checkout, deliver, dodo_emulator):
    _, _, order, session_id = checkout
    paid = _paid_event(dodo_emulator, session_id)
    deliver(paid)
    refund = dodo_emulator.refund(paid["data"]["payment_id"])
    assert deliver(event("refund.succeeded", refund)).status_code == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED and order.refunded_amount == order.amount
    assert client.get(reverse("portal:download", args=(order.pk,))).status_code == 410
    assert b"Field Recordings" not in client.get(reverse("portal:products")).content


def test_duplicate_delivery_answers_200_and_changes_nothing(checkout, deliver, dodo_emulator):
    _, _, order, session_id = checkout
    paid = _paid_event(dodo_emulator, session_id)
    mail.outbox.clear()
    assert deliver(paid, msg_id="msg_same").status_code == 200
    assert deliver(paid, msg_id="msg_same").status_code == 200
    assert WebhookEvent.objects.filter(webhook_id="msg_same").count() == 1
    assert len([m for m in mail.outbox if m.subject.startswith("Your receipt")]) == 1


def test_several_events_for_one_payment_pay_once(checkout, deliver, dodo_emulator):
    _, _, order, session_id = checkout
    paid = _paid_event(dodo_emulator, session_id)
    mail.outbox.clear()
    for _ in range(5):
        assert deliver(paid).status_code == 200  # a new webhook-id every time
    assert WebhookEvent.objects.count() == 5
    assert len([m for m in mail.outbox if m.subject.startswith("Your receipt")]) == 1
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID


def test_refund_before_success_waits_for_the_payment_and_ends_refunded(client, checkout, deliver, dodo_emulator):
    _, _, order, session_id = checkout
    paid = _paid_event(dodo_emulator, session_id)
    refund = dodo_emulator.refund(paid["data"]["payment_id"])
    refunded = event("refund.succeeded", refund)
    # The payment is unknown yet: not acknowledged, so Dodo delivers the refund again.
    assert deliver(refunded, msg_id="msg_early_refund").status_code == 500
    assert deliver(paid).status_code == 200
    assert deliver(refunded, msg_id="msg_early_refund").status_code == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED
    assert client.get(reverse("portal:download", args=(order.pk,))).status_code == 410


def test_late_failure_after_success_keeps_the_order_paid(checkout, deliver, dodo_emulator):
    _, _, order, session_id = checkout
    paid = _paid_event(dodo_emulator, session_id)
    deliver(paid)
    # Dodo sends the latest state: a late payment.failed may still say "succeeded"...
    deliver(event("payment.failed", paid["data"]))
    # ...or an older "failed" state of the same payment may arrive after the success.
    deliver(event("payment.failed", {**paid["data"], "status": "failed"}))
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID


def test_a_payment_that_does_not_match_the_order_is_flagged_not_granted(checkout, deliver, dodo_emulator):
    _, _, order, session_id = checkout
    paid = _paid_event(dodo_emulator, session_id)
    paid["data"]["total_amount"] = 1
    assert deliver(paid).status_code == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING
    assert order.needs_review and "no discount code" in order.review_note


def test_unknown_event_types_are_stored_and_ignored(client, site_tree, dodo_settings):
    response = post_webhook(client, event("subscription.active", {"subscription_id": "sub_1"}), msg_id="msg_licence")
    assert response.status_code == 200
    assert WebhookEvent.objects.get(webhook_id="msg_licence").status == WebhookEventStatus.IGNORED


def test_processing_failure_is_recorded_answered_5xx_and_replayable(checkout, deliver, dodo_emulator, monkeypatch):
    from dodo import webhook_handlers

    _, _, order, session_id = checkout
    paid = _paid_event(dodo_emulator, session_id)

    def broken(data):
        raise RuntimeError("database hiccup")

    monkeypatch.setitem(webhook_handlers.HANDLERS, "payment.succeeded", broken)
    assert deliver(paid, msg_id="msg_retry").status_code == 500
    stored = WebhookEvent.objects.get(webhook_id="msg_retry")
    assert stored.status == WebhookEventStatus.FAILED and "database hiccup" in stored.error
    monkeypatch.undo()

    call_command("dodo_replay_webhooks")
    stored.refresh_from_db()
    assert stored.status == WebhookEventStatus.PROCESSED
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID


def test_dodo_retrying_a_failed_event_processes_it(checkout, deliver, dodo_emulator, monkeypatch):
    from dodo import webhook_handlers

    _, _, order, session_id = checkout
    paid = _paid_event(dodo_emulator, session_id)
    monkeypatch.setitem(webhook_handlers.HANDLERS, "payment.succeeded", lambda data: 1 / 0)
    assert deliver(paid, msg_id="msg_again").status_code == 500
    monkeypatch.undo()
    assert deliver(paid, msg_id="msg_again").status_code == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID


# REJECTED DELIVERIES: nothing stored, nothing changed


def _body(dodo_emulator, session_id):
    return json.dumps(_paid_event(dodo_emulator, session_id)).encode()


def _assert_untouched(order):
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING
    assert not WebhookEvent.objects.exists()


def test_wrong_secret_is_401(client, checkout, dodo_emulator):
    _, _, order, session_id = checkout
    body = _body(dodo_emulator, session_id)
    headers = signed_headers(body, secret="whsec_" + "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQQ==")
    response = client.post("/dodo/webhook/", body, content_type="application/json", **headers)
    assert response.status_code == 401
    _assert_untouched(order)


def test_tampered_body_is_401(client, checkout, dodo_emulator):
    _, _, order, session_id = checkout
    body = _body(dodo_emulator, session_id)
    headers = signed_headers(body)
    tampered = body.replace(b'"succeeded"', b'"succeeded" ', 1)
    assert client.post("/dodo/webhook/", tampered, content_type="application/json", **headers).status_code == 401
    _assert_untouched(order)


def test_stale_timestamp_is_401(client, checkout, dodo_emulator):
    _, _, order, session_id = checkout
    body = _body(dodo_emulator, session_id)
    headers = signed_headers(body, timestamp=datetime.now(UTC) - timedelta(minutes=10))
    assert client.post("/dodo/webhook/", body, content_type="application/json", **headers).status_code == 401
    _assert_untouched(order)


@pytest.mark.parametrize("missing", ["HTTP_WEBHOOK_ID", "HTTP_WEBHOOK_TIMESTAMP", "HTTP_WEBHOOK_SIGNATURE"])
def test_missing_headers_are_400(client, checkout, dodo_emulator, missing):
    _, _, order, session_id = checkout
    body = _body(dodo_emulator, session_id)
    headers = signed_headers(body)
    del headers[missing]
    assert client.post("/dodo/webhook/", body, content_type="application/json", **headers).status_code == 400
    _assert_untouched(order)


@pytest.mark.parametrize("signature", ["v1", "v1,not base64!", "v1,abc  v1,def", "garbage", ""])
def test_malformed_signature_header_is_400_never_500(client, checkout, dodo_emulator, signature):
    _, _, order, session_id = checkout
    body = _body(dodo_emulator, session_id)
    headers = {**signed_headers(body), "HTTP_WEBHOOK_SIGNATURE": signature}
    assert client.post("/dodo/webhook/", body, content_type="application/json", **headers).status_code == 400
    _assert_untouched(order)


def test_signed_non_json_and_non_utf8_bodies_are_400(client, site_tree, dodo_settings):
    response = post_webhook(client, b"this is not json")
    assert response.status_code == 400
    body = b"\xff\xfe not utf-8"
    headers = {"HTTP_WEBHOOK_ID": "msg_x", "HTTP_WEBHOOK_TIMESTAMP": "1", "HTTP_WEBHOOK_SIGNATURE": "v1,AAAA"}
    assert client.post("/dodo/webhook/", body, content_type="application/json", **headers).status_code == 400
    assert not WebhookEvent.objects.exists()


def test_oversized_body_is_413_and_get_is_405(client, site_tree, dodo_settings):
    assert client.get("/dodo/webhook/").status_code == 405
    response = post_webhook(client, b"x" * (300 * 1024))
    assert response.status_code == 413


def test_webhook_needs_no_csrf_token(site_tree, dodo_settings):
    from django.test import Client

    response = post_webhook(Client(enforce_csrf_checks=True), event("subscription.active", {}))
    assert response.status_code == 200


def test_editors_see_failed_webhook_events_and_replay_them(client, checkout, deliver, dodo_emulator, monkeypatch, staff):
    from dodo import webhook_handlers

    _, _, order, session_id = checkout
    paid = _paid_event(dodo_emulator, session_id)
    monkeypatch.setitem(webhook_handlers.HANDLERS, "payment.succeeded", lambda data: 1 / 0)
    deliver(paid, msg_id="msg_for_editor")
    monkeypatch.undo()
    client.force_login(staff)
    report = client.get(reverse("dodo_sync_report"))
    assert b"msg_for_editor" in report.content and b"ZeroDivisionError" in report.content
    stored = WebhookEvent.objects.get(webhook_id="msg_for_editor")
    response = client.post(reverse("dodo_sync_retry"), {"kind": "webhook", "key": stored.pk}, follow=True)
    assert "Webhook msg_for_editor processed." in [str(m) for m in response.context["messages"]]
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
