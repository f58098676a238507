"""Editors' discount codes in Wagtail admin: marketplace-wide codes made there reach
Dodo unrestricted; sellers' codes are listed beside them with their uses."""

from decimal import Decimal

import pytest

from catalogue.models import DiscountCode
from tests.dodo.purchase import sellable_product
from tests.factories import DiscountCodeFactory, OrderFactory, SellerFactory

pytestmark = pytest.mark.django_db

LIST_URL = "/admin/snippets/catalogue/discountcode/"
ADD_URL = LIST_URL + "add/"


@pytest.fixture
def editor(client, staff):
    client.force_login(staff)
    return client


def test_an_editor_makes_a_marketplace_code_that_reaches_dodo(editor, site_tree, commit, dodo_settings, dodo_emulator):
    sellable_product(commit)
    response = commit(
        lambda: editor.post(
            ADD_URL, {"code": "welcome-15", "percent": "15", "expires_at": "", "usage_limit": "500", "active": "on"}
        )
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    code = DiscountCode.objects.get()
    assert (code.code, code.percent, code.seller, code.usage_limit) == ("WELCOME-15", 15, None, 500)
    [dodo] = dodo_emulator.state()["discounts"]
    assert (dodo["code"], dodo["amount"], dodo["restricted_to"], dodo["usage_limit"]) == ("WELCOME-15", 1500, [], 500)


def test_an_editor_is_told_when_a_code_is_taken_or_malformed(editor):
    DiscountCodeFactory(code="TAKEN")
    html = editor.post(ADD_URL, {"code": "taken", "percent": "10"}).content.decode()
    assert "Discount code with this Code already exists." in html
    html = editor.post(ADD_URL, {"code": "no spaces", "percent": "10"}).content.decode()
    assert "Use only letters, digits" in html
    assert DiscountCode.objects.count() == 1


def test_the_listing_shows_marketplace_and_sellers_codes_with_uses_and_searches(editor, site_tree):
    maya = SellerFactory(first_name="Maya", last_name="Okafor")
    DiscountCodeFactory(seller=None, code="SITEWIDE")
    DiscountCodeFactory(seller=maya, code="MAYA10", usage_limit=5)
    OrderFactory(product__seller=maya, discount_code="MAYA10", net_amount=Decimal("9.00"))
    html = editor.get(LIST_URL).content.decode()
    assert "SITEWIDE" in html and "Marketplace (editors)" in html
    assert "MAYA10" in html and "Maya Okafor" in html and "1 / 5" in html and "$9.00" in html
    found = editor.get(LIST_URL, {"q": "maya10"}).content.decode()
    assert "MAYA10" in found and "SITEWIDE" not in found
    only_editors = editor.get(LIST_URL, {"kind": "marketplace"}).content.decode()
    assert "SITEWIDE" in only_editors and "MAYA10" not in only_editors


def test_a_failed_code_shows_on_the_dodo_sync_report_and_retry_now_syncs_it(
    editor, site_tree, commit, dodo_settings, dodo_emulator
):
    from dodo.models import DodoDiscount, SyncStatus

    seller = SellerFactory()
    sellable_product(commit, seller=seller)
    dodo_emulator.fail(n=1, status=503)
    code = commit(lambda: DiscountCodeFactory(seller=seller, code="FLAKY"))
    html = editor.get("/admin/reports/dodo-sync/").content.decode()
    assert "FLAKY" in html and "503" in html
    editor.post("/admin/reports/dodo-sync/retry/", {"kind": "discount", "key": str(code.pk)})
    assert DodoDiscount.objects.get(code=code).sync_status == SyncStatus.SYNCED
    assert [d["code"] for d in dodo_emulator.state()["discounts"]] == ["FLAKY"]


def test_an_editor_cannot_delete_a_used_code(editor, site_tree):
    code = DiscountCodeFactory(code="KEEPME")
    OrderFactory(product__seller=code.seller, discount_code="KEEPME")
    response = editor.post(f"{LIST_URL}delete/{code.pk}/", follow=True)
    assert DiscountCode.objects.filter(pk=code.pk).exists()
    assert "Used codes can&#x27;t be deleted, as their orders name them: KEEPME." in response.content.decode()
