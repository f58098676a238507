"""Every receiver runs through one wrapper, and the ones the marketplace cannot do
without are checked at start-up (issue 12, point 8)."""

import logging

import pytest
from django.core.checks import run_checks
from django.test.utils import override_settings

from catalogue.receivers import Connection, connect_all, guarded, recent_failures
from dodo import signal_handlers as dodo_handlers
from tests.factories import ProductPageFactory, SellerFactory

pytestmark = pytest.mark.django_db


class Thing:
    pk = 7


def test_a_failing_receiver_is_logged_with_sender_and_object_and_recorded(caplog):
    def explode(sender, instance, **kwargs):
        raise RuntimeError("mail server down")

    wrapped = guarded(explode)
    with caplog.at_level(logging.ERROR, logger="catalogue.receivers"):
        assert wrapped(Thing, instance=Thing()) is None  # the save goes on
    assert "explode failed for Thing #7" in caplog.text and "mail server down" in caplog.text
    assert recent_failures()[0]["about"] == "Thing #7"


def test_a_critical_receiver_failure_stops_the_save():
    @guarded(critical=True)
    def make_slug(sender, instance, **kwargs):
        raise ValueError("no slug")

    with pytest.raises(ValueError, match="no slug"):
        make_slug(Thing, instance=Thing())


def test_a_slow_receiver_is_logged_with_its_duration(caplog, monkeypatch):
    from catalogue import receivers

    monkeypatch.setattr(receivers, "SLOW_RECEIVER_SECONDS", -1)  # every run counts as slow
    with caplog.at_level(logging.WARNING, logger="catalogue.receivers"):
        guarded(lambda sender, **kwargs: None)(Thing, instance=Thing())
    assert "took" in caplog.text and "Thing #7" in caplog.text


def _apps_connections():
    from accounts import signal_handlers as accounts_handlers
    from catalogue import signal_handlers as catalogue_handlers

    return [c for m in (dodo_handlers, catalogue_handlers, accounts_handlers) for c in m.connections()]


def test_every_connected_receiver_runs_through_the_wrapper():
    for connection in _apps_connections():
        # Connected with weak=False, so the stored receiver is the wrapper itself.
        live = [receiver for key, receiver, *_ in connection.signal.receivers if key[0] == connection.dispatch_uid]
        assert [getattr(r, "guarded_receiver", None) for r in live] == [connection.receiver], connection.name


@pytest.mark.parametrize(
    "uid",
    [
        "dodo_queue_customer_sync",
        "dodo_queue_product_sync",
        "catalogue_product_slug",
        "catalogue_deleted_file",
        "accounts.send_activation_email_to_new_user",
    ],
)
def test_start_up_fails_when_an_essential_receiver_is_not_connected(uid):
    connection = next(c for c in _apps_connections() if c.dispatch_uid == uid)
    assert connection.signal.disconnect(sender=connection.sender, dispatch_uid=uid)
    try:
        errors = [message for message in run_checks() if message.is_serious()]
        assert any(connection.name in message.msg for message in errors), errors
    finally:
        connect_all([connection])
    assert not [message for message in run_checks() if message.is_serious()]


@override_settings(DODO_PAYMENTS_API_KEY="")
def test_a_broken_side_effect_does_not_block_the_seller_saving(site_tree, caplog, monkeypatch):
    """The receivers queue Dodo work; if one breaks, the product is still saved, and
    the failure is in the log and the recent-failures list editors see."""

    def broken(*args, **kwargs):
        raise RuntimeError("queue unavailable")

    monkeypatch.setattr(dodo_handlers.tasks, "enqueue_on_commit", broken)
    seller = SellerFactory()
    product = ProductPageFactory(seller=seller, title="Still saved")
    assert product.pk and "queue_dodo_product_sync failed for ProductPage #" in caplog.text
    assert any("queue unavailable" in failure["error"] for failure in recent_failures())


def test_editors_see_recent_receiver_failures_on_the_dodo_sync_report(client, staff):
    from django.urls import reverse

    guarded(lambda sender, **kwargs: 1 / 0)(Thing, instance=Thing())
    client.force_login(staff)
    html = client.get(reverse("dodo_sync_report")).content.decode()
    assert "Receivers that failed" in html and "Thing #7" in html and "ZeroDivisionError" in html


def test_connections_are_declared_once():
    connections = _apps_connections()
    uids = [c.dispatch_uid for c in connections]
    assert len(uids) == len(set(uids))
    assert all(isinstance(c, Connection) for c in connections)
