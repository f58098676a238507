"""Every row of DESIGN.md's sync table for products, against the emulator over HTTP.

Product pages are created through Wagtail's API (the same ``save``/``publish`` paths
the admin and the seller portal use); on-commit callbacks run as they would after a
real request, and the emulator's request log shows exactly what reached "Dodo".
"""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import transaction

from dodo.models import DodoProduct, SyncStatus
from tests.factories import ProductPageFactory, SellerFactory

pytestmark = pytest.mark.django_db


def _product_calls(emulator, method=None):
    return [
        r for r in emulator.requests() if r["path"].startswith("/products") and (method is None or r["method"] == method)
    ]


def _dodo_products(emulator):
    return emulator.state()["products"]


def _only_dodo_product(emulator):
    [product] = _dodo_products(emulator)
    return product


@pytest.fixture
def make_product(site_tree, dodo_settings, django_capture_on_commit_callbacks):
    def make(**kwargs):
        # The seller exists already (their own Dodo customer sync is another test's job).
        kwargs.setdefault("seller", SellerFactory())
        with django_capture_on_commit_callbacks(execute=True):
            return ProductPageFactory(**kwargs)

    return make


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run a block as one request would: its on-commit callbacks run at the end."""

    def run(fn):
        with django_capture_on_commit_callbacks(execute=True):
            return fn()

    return run


def test_created_product_reaches_dodo_with_the_selling_price_to_the_cent(make_product, dodo_emulator):
    page = make_product(
        title="Intro to Rust", summary="Learn Rust.", price=Decimal("49.99"), selling_price=Decimal("37.13"),
        tax_category="e_book",
    )
    [create] = _product_calls(dodo_emulator, "POST")
    assert create["json"]["name"] == "Intro to Rust"
    assert create["json"]["description"] == "Learn Rust."
    assert create["json"]["tax_category"] == "e_book"
    assert create["json"]["price"] == {
        "type": "one_time_price",
        "price": 3713,
        "currency": "USD",
        "discount": 0,
        "purchasing_power_parity": False,
        # PRICES_INCLUDE_TAX is off: Dodo adds tax at checkout by the buyer's country.
        "tax_inclusive": False,
    }
    assert create["json"]["metadata"] == {
        "page_id": str(page.pk),
        "seller_id": str(page.seller_id),
        "source": "brightshelf",
    }
    record = DodoProduct.objects.get(page=page)
    assert record.sync_status == SyncStatus.SYNCED
    product = _only_dodo_product(dodo_emulator)
    assert record.product_id == product["product_id"]
    assert product["archived"] is False


def test_draft_product_is_created_archived_and_publishing_unarchives_it(make_product, dodo_emulator, commit):
    page = make_product(live=False)
    record = DodoProduct.objects.get(page=page)
    assert _only_dodo_product(dodo_emulator)["archived"] is True
    assert record.archived

    commit(lambda: page.save_revision().publish())
    assert [c["method"] for c in _product_calls(dodo_emulator)][-1:] == ["POST"]
    assert _product_calls(dodo_emulator)[-1]["path"].endswith("/unarchive")
    assert _only_dodo_product(dodo_emulator)["archived"] is False


def test_price_and_selling_price_changes_reach_dodo_to_the_cent(make_product, dodo_emulator, commit):
    page = make_product(price=Decimal("20.00"))

    def publish_new_prices():
        page.price = Decimal("25.00")
        page.selling_price = Decimal("19.99")
        page.save_revision().publish()

    commit(publish_new_prices)
    assert _only_dodo_product(dodo_emulator)["price"]["price"] == 1999

    def drop_the_sale():
        page.selling_price = None
        page.save_revision().publish()

    commit(drop_the_sale)
    product = _only_dodo_product(dodo_emulator)
    assert product["price"]["price"] == 2500
    assert product["price"]["discount"] == 0
    assert len(_product_calls(dodo_emulator, "PATCH")) == 2


def test_title_and_summary_changes_are_patched(make_product, dodo_emulator, commit):
    page = make_product(title="Old name", summary="Old summary.")

    def rename():
        page.title = "New name"
        page.summary = "New summary."
        page.save_revision().publish()

    commit(rename)
    [patch] = _product_calls(dodo_emulator, "PATCH")
    assert patch["json"]["name"] == "New name"
    assert patch["json"]["description"] == "New summary."
    assert DodoProduct.objects.get(page=page).title == "New name"


def test_draft_revision_of_a_live_product_sends_nothing(make_product, dodo_emulator, commit):
    page = make_product(price=Decimal("20.00"))
    before = len(dodo_emulator.requests())

    def draft():
        page.title = "A title still in draft"
        page.price = Decimal("99.00")
        page.save_revision()  # what "Save draft" in Wagtail admin does for a live page

    commit(draft)
    assert len(dodo_emulator.requests()) == before
    assert _only_dodo_product(dodo_emulator)["price"]["price"] == 2000


def test_editing_fields_dodo_does_not_hold_sends_nothing(make_product, dodo_emulator, commit):
    page = make_product()
    before = len(dodo_emulator.requests())

    def edit_other_fields():
        page.body = "<p>A longer description.</p>"
        page.featured = True
        page.save_revision().publish()

    commit(edit_other_fields)
    assert len(dodo_emulator.requests()) == before


def test_unpublish_archives_and_publish_again_unarchives(make_product, dodo_emulator, commit):
    page = make_product()
    commit(lambda: page.unpublish())
    assert _product_calls(dodo_emulator, "DELETE")
    assert _only_dodo_product(dodo_emulator)["archived"] is True
    assert DodoProduct.objects.get(page=page).archived

    page.refresh_from_db()
    commit(lambda: page.save_revision().publish())
    assert _only_dodo_product(dodo_emulator)["archived"] is False
    assert not DodoProduct.objects.get(page=page).archived


def test_deleting_a_product_archives_it_and_keeps_the_record(make_product, dodo_emulator, commit):
    page = make_product()
    page_id = page.pk
    commit(lambda: page.delete())
    assert _only_dodo_product(dodo_emulator)["archived"] is True
    record = DodoProduct.objects.get(page_key=page_id)
    assert record.page is None
    assert record.archived


def test_rolled_back_save_and_delete_send_nothing(site_tree, dodo_settings, dodo_emulator, commit):
    seller = SellerFactory()

    def create_then_fail():
        with transaction.atomic():
            ProductPageFactory(seller=seller)
            raise RuntimeError("the request failed after saving")

    with pytest.raises(RuntimeError):
        commit(create_then_fail)
    assert dodo_emulator.requests() == []

    page = commit(lambda: ProductPageFactory(seller=seller))
    before = len(dodo_emulator.requests())

    def delete_then_fail():
        with transaction.atomic():
            page.delete()
            raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError):
        commit(delete_then_fail)
    assert len(dodo_emulator.requests()) == before
    assert _only_dodo_product(dodo_emulator)["archived"] is False


def test_product_saved_while_dodo_is_down_succeeds_and_catches_up(make_product, dodo_emulator, commit, capsys):
    dodo_emulator.down()
    page = make_product(title="Made offline", price=Decimal("10.00"))
    record = DodoProduct.objects.get(page=page)
    assert record.sync_status == SyncStatus.FAILED
    assert record.sync_attempts == 1
    assert "Made offline" in page.title  # the save itself succeeded

    # Edits keep being made during the outage; the last one must win.
    for price in ("11.00", "12.50"):
        page.price = Decimal(price)
        commit(lambda: page.save_revision().publish())
    record.refresh_from_db()
    assert record.sync_status == SyncStatus.FAILED

    dodo_emulator.up()
    call_command("dodo_sync")
    record.refresh_from_db()
    assert record.sync_status == SyncStatus.SYNCED
    product = _only_dodo_product(dodo_emulator)
    assert product["price"]["price"] == 1250
    assert "products: 1 synced, 0 failed" in capsys.readouterr().out


def test_timed_out_create_leaves_no_duplicate(make_product, dodo_emulator):
    dodo_emulator.hang(1.5, 1)
    page = make_product(title="Slow create", price=Decimal("15.00"))
    record = DodoProduct.objects.get(page=page)
    assert record.sync_status == SyncStatus.FAILED
    assert record.create_attempted
    # Dodo finished the create after we gave up.
    dodo_emulator.wait_until(lambda state: len(state["products"]) == 1)

    call_command("dodo_sync")
    record.refresh_from_db()
    assert record.sync_status == SyncStatus.SYNCED
    assert len(_dodo_products(dodo_emulator)) == 1
    assert record.product_id == _only_dodo_product(dodo_emulator)["product_id"]
    creates = [c for c in _product_calls(dodo_emulator, "POST") if c["path"] == "/products"]
    assert len(creates) == 1


def test_a_hanging_dodo_does_not_stop_a_product_save(make_product, dodo_emulator):
    # How long a save takes while Dodo hangs is measured by `make bench`; here: the save
    # succeeds, the sync waited on one call (one read timeout, the POST is not retried)
    # and is recorded as failed for the retry.
    dodo_emulator.hang(10, 5)
    page = make_product()
    record = DodoProduct.objects.get(page=page)
    assert record.sync_status == SyncStatus.FAILED and "timeout" in record.sync_error
    assert len(_product_calls(dodo_emulator, "POST")) == 1


def test_dodo_sync_archives_products_deleted_while_dodo_was_down(make_product, dodo_emulator, commit):
    page = make_product()
    page_id = page.pk
    dodo_emulator.down()
    commit(lambda: page.delete())
    record = DodoProduct.objects.get(page_key=page_id)
    assert record.sync_status == SyncStatus.FAILED
    assert not record.archived

    dodo_emulator.up()
    call_command("dodo_sync")
    record.refresh_from_db()
    assert record.archived and record.sync_status == SyncStatus.SYNCED
    assert _only_dodo_product(dodo_emulator)["archived"] is True


def test_dodo_sync_creates_products_it_has_never_seen(site_tree, dodo_settings, dodo_emulator):
    # Created without on-commit callbacks running: as if the worker never got the task.
    page = ProductPageFactory(title="Never sent")
    call_command("dodo_sync")
    assert DodoProduct.objects.get(page=page).sync_status == SyncStatus.SYNCED
    assert _only_dodo_product(dodo_emulator)["name"] == "Never sent"


def test_dodo_sync_twice_sends_nothing_the_second_time(make_product, dodo_emulator):
    make_product()
    call_command("dodo_sync")
    before = len(dodo_emulator.requests())
    call_command("dodo_sync")
    # It reads (orphan products, payments and refunds to reconcile) but changes nothing.
    assert [r["method"] for r in dodo_emulator.requests()[before:] if r["method"] != "GET"] == []


def test_several_signals_in_one_transaction_queue_one_sync(make_product, dodo_emulator, commit):
    page = make_product(price=Decimal("10.00"))
    before = len(dodo_emulator.requests())

    def edit_twice_then_unpublish_and_publish():
        page.price = Decimal("11.00")
        page.save_revision().publish()
        page.price = Decimal("12.00")
        page.save_revision().publish()

    with_callbacks = []

    def run():
        edit_twice_then_unpublish_and_publish()
        from django.db import connection

        with_callbacks.extend(cb for _, cb, _ in connection.run_on_commit if not getattr(cb, "done", True))

    commit(run)
    product_syncs = [cb.key for cb in with_callbacks if cb.key[0] == "dodo.tasks.sync_product"]
    assert product_syncs == [("dodo.tasks.sync_product", (page.pk,))]
    # One PATCH with the final price.
    patches = [r for r in dodo_emulator.requests()[before:] if r["method"] == "PATCH"]
    assert [p["json"]["price"]["price"] for p in patches] == [1200]
