"""Discount codes reach Dodo's ``/discounts`` through the sync machinery (issue 15, point 5).

Codes are saved as the seller portal and Wagtail admin save them; on-commit callbacks run
as after a real request, and the emulator (over HTTP) shows what reached "Dodo".
"""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from catalogue import discounts
from dodo.models import DodoDiscount, DodoProduct, SyncStatus
from tests.dodo.purchase import sellable_product
from tests.factories import DiscountCodeFactory, ProductPageFactory, SellerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def seller(dodo_settings):
    return SellerFactory()


def _dodo_discounts(emulator):
    return emulator.state()["discounts"]


def _only_dodo_discount(emulator):
    [discount] = _dodo_discounts(emulator)
    return discount


def _calls(emulator, method):
    return [r for r in emulator.requests() if r["path"].startswith("/discounts") and r["method"] == method]


def _product_id(page):
    return DodoProduct.objects.get(page=page).product_id


def test_a_sellers_code_reaches_dodo_restricted_to_all_their_products(site_tree, commit, seller, dodo_emulator):
    first = sellable_product(commit, seller=seller, price=Decimal("10.00"))
    second = sellable_product(commit, seller=seller, price=Decimal("25.00"))
    sellable_product(commit)  # another seller's product: never in the code's list
    expires = datetime(2031, 6, 1, tzinfo=UTC)
    code = commit(
        lambda: DiscountCodeFactory(seller=seller, code="spring-20", percent=20, usage_limit=50, expires_at=expires)
    )

    dodo = _only_dodo_discount(dodo_emulator)
    assert code.code == "SPRING-20"
    assert dodo["code"] == "SPRING-20"
    assert dodo["type"] == "percentage" and dodo["amount"] == 2000  # basis points
    assert sorted(dodo["restricted_to"]) == sorted([_product_id(first), _product_id(second)])
    assert dodo["usage_limit"] == 50
    assert dodo["expires_at"].startswith("2031-06-01T00:00:00")
    assert dodo["metadata"]["code_id"] == str(code.pk)
    record = DodoDiscount.objects.get(code=code)
    assert record.sync_status == SyncStatus.SYNCED and record.discount_id == dodo["discount_id"]


def test_a_restricted_code_names_only_its_products(site_tree, commit, seller, dodo_emulator):
    chosen = sellable_product(commit, seller=seller)
    sellable_product(commit, seller=seller)
    commit(lambda: DiscountCodeFactory(seller=seller, code="ONLYONE", products=[chosen]))
    assert _only_dodo_discount(dodo_emulator)["restricted_to"] == [_product_id(chosen)]


def test_an_edit_updates_dodo_and_a_save_that_changes_nothing_sends_nothing(site_tree, commit, seller, dodo_emulator):
    sellable_product(commit, seller=seller)
    code = commit(lambda: DiscountCodeFactory(seller=seller, code="EDITME", percent=10))

    def edit():
        code.percent = 35
        code.usage_limit = 3
        discounts.save_code(code)

    commit(edit)
    dodo = _only_dodo_discount(dodo_emulator)
    assert (dodo["amount"], dodo["usage_limit"]) == (3500, 3)
    assert len(_calls(dodo_emulator, "PATCH")) == 1
    commit(lambda: discounts.save_code(code))
    assert len(_calls(dodo_emulator, "PATCH")) == 1


def test_a_new_product_joins_the_sellers_unrestricted_codes_on_dodo(site_tree, commit, seller, dodo_emulator):
    first = sellable_product(commit, seller=seller)
    commit(lambda: DiscountCodeFactory(seller=seller, code="ALLOFMINE"))
    later = sellable_product(commit, seller=seller)
    assert sorted(_only_dodo_discount(dodo_emulator)["restricted_to"]) == sorted(
        [_product_id(first), _product_id(later)]
    )


def test_a_code_waits_off_dodo_until_the_seller_has_a_product_there(site_tree, commit, seller, dodo_emulator):
    # An empty restricted_to would make it valid for every product of the marketplace.
    code = commit(lambda: DiscountCodeFactory(seller=seller, code="EARLYBIRD"))
    assert _dodo_discounts(dodo_emulator) == []
    assert DodoDiscount.objects.get(code=code).discount_id is None
    page = sellable_product(commit, seller=seller)
    assert _only_dodo_discount(dodo_emulator)["restricted_to"] == [_product_id(page)]


def test_deactivating_deletes_on_dodo_and_activating_creates_it_again(site_tree, commit, seller, dodo_emulator):
    sellable_product(commit, seller=seller)
    code = commit(lambda: DiscountCodeFactory(seller=seller, code="ONOFF"))
    first_id = _only_dodo_discount(dodo_emulator)["discount_id"]

    commit(lambda: discounts.set_active(code, False))
    assert _dodo_discounts(dodo_emulator) == []
    assert [call["path"] for call in _calls(dodo_emulator, "DELETE")] == [f"/discounts/{first_id}"]
    assert DodoDiscount.objects.get(code=code).discount_id is None

    commit(lambda: discounts.set_active(code, True))
    again = _only_dodo_discount(dodo_emulator)
    assert again["code"] == "ONOFF" and again["discount_id"] != first_id


def test_deleting_a_code_deletes_its_dodo_discount(site_tree, commit, seller, dodo_emulator):
    sellable_product(commit, seller=seller)
    code = commit(lambda: DiscountCodeFactory(seller=seller, code="GONE"))
    code_key = code.pk
    commit(lambda: discounts.delete_code(code))
    assert _dodo_discounts(dodo_emulator) == []
    record = DodoDiscount.objects.get(code_key=code_key)
    assert record.code is None and record.discount_id is None


def test_an_editors_marketplace_code_is_valid_for_every_product(site_tree, commit, dodo_settings, dodo_emulator):
    sellable_product(commit)
    commit(lambda: DiscountCodeFactory(seller=None, code="SITEWIDE", percent=15))
    dodo = _only_dodo_discount(dodo_emulator)
    assert (dodo["code"], dodo["amount"], dodo["restricted_to"]) == ("SITEWIDE", 1500, [])


def test_dodo_down_is_recorded_never_raised_and_dodo_sync_retries(site_tree, commit, seller, dodo_emulator):
    sellable_product(commit, seller=seller)
    dodo_emulator.fail(n=1, status=503)  # a POST is never retried in-call after a 5xx
    code = commit(lambda: DiscountCodeFactory(seller=seller, code="RETRYME"))  # the save itself succeeds
    record = DodoDiscount.objects.get(code=code)
    assert record.sync_status == SyncStatus.FAILED and record.sync_attempts == 1
    assert "503" in record.sync_error and record.next_attempt_at > timezone.now()
    # The create may have reached Dodo although its answer was lost: the retry looks first.
    call_command("dodo_sync")
    record.refresh_from_db()
    assert record.sync_status == SyncStatus.SYNCED and record.sync_attempts == 0
    assert _only_dodo_discount(dodo_emulator)["discount_id"] == record.discount_id


def test_rate_limited_waits_for_retry_after_and_the_due_retry_syncs(site_tree, commit, seller, dodo_emulator):
    sellable_product(commit, seller=seller)
    dodo_emulator.fail(n=1, status=429, retry_after=600)
    code = commit(lambda: DiscountCodeFactory(seller=seller, code="SLOWDOWN"))
    record = DodoDiscount.objects.get(code=code)
    assert record.sync_status == SyncStatus.FAILED
    assert record.next_attempt_at >= timezone.now() + timedelta(seconds=590)
    call_command("dodo_sync", due_only=True)  # not due yet: nothing is sent
    assert _dodo_discounts(dodo_emulator) == []
    DodoDiscount.objects.filter(pk=record.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    call_command("dodo_sync", due_only=True)
    record.refresh_from_db()
    assert record.sync_status == SyncStatus.SYNCED
    assert _only_dodo_discount(dodo_emulator)["code"] == "SLOWDOWN"


def test_a_code_someone_else_made_on_dodo_is_rejected_with_dodos_message(
    site_tree, commit, seller, dodo_emulator, dodo_api
):
    sellable_product(commit, seller=seller)
    dodo_api("POST", "/discounts", {"type": "percentage", "amount": 1000, "code": "TAKEN"})
    code = commit(lambda: DiscountCodeFactory(seller=seller, code="TAKEN"))
    record = DodoDiscount.objects.get(code=code)
    assert record.sync_status == SyncStatus.REJECTED and "409" in record.sync_error


def test_pay_what_you_want_products_are_left_out_of_a_codes_products(site_tree, commit, seller, dodo_emulator):
    fixed = sellable_product(commit, seller=seller)
    commit(lambda: ProductPageFactory(seller=seller, pay_what_you_want=True, price=Decimal("5.00")))
    commit(lambda: DiscountCodeFactory(seller=seller, code="FIXEDONLY"))
    assert _only_dodo_discount(dodo_emulator)["restricted_to"] == [_product_id(fixed)]
