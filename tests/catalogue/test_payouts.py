"""Payouts by editors in Wagtail admin, the bank file, the margin report and the money
system checks (issue 15, points 3 and 8).

Default settings: payouts from 25.00; fees 10 % (at least 0.50) against Dodo's estimated
4 % + 0.40, +1.5 % abroad; earnings pending for 30 days.
"""

import csv
import io
import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from catalogue import checks, payouts
from catalogue.models import LedgerEntry, LedgerKind, Payout
from tests.factories import SellerFactory, UserFactory, ledger_sale

pytestmark = pytest.mark.django_db

D = Decimal
RUN = reverse("catalogue_payout_run")
EXPORT = reverse("catalogue_payout_export")
MARGIN = reverse("catalogue_margin_report")


def record_url(seller):
    return reverse("catalogue_payout_record", args=(seller.pk,))


@pytest.fixture
def editor(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def owed(site_tree):
    """Maya: 36.00 available (and 9.00 pending), details given. Lars: 27.00 available, no
    details. Ola: 22.50 available, under the minimum."""
    maya = SellerFactory(first_name="Maya", last_name="Lindqvist")
    ledger_sale(maya, "40.00", days_ago=40)
    ledger_sale(maya, "10.00", days_ago=3)
    payouts.save_payout_details(
        maya, account_name="Maya Lindqvist", method="bank_transfer", account_reference="DE89 3704 0044 0532 0130 00"
    )
    lars = SellerFactory(first_name="Lars", last_name="Berg")
    ledger_sale(lars, "30.00", days_ago=35)
    ola = SellerFactory(first_name="Ola", last_name="Nordmann")
    ledger_sale(ola, "25.00", days_ago=35)
    return {"maya": maya, "lars": lars, "ola": ola}


def test_the_run_lists_sellers_at_or_above_the_minimum_in_one_query(owed):
    with CaptureQueriesContext(connection) as queries:
        candidates = [(seller.first_name, seller.available) for seller in payouts.payout_candidates()]
    assert len(queries) == 1
    assert candidates == [("Maya", D("36.00")), ("Lars", D("27.00"))]


def test_a_seller_exactly_at_the_minimum_is_in_the_run(site_tree, settings):
    settings.PAYOUT_MINIMUM = D("27.00")
    seller = SellerFactory()
    ledger_sale(seller, "30.00", days_ago=31)  # 27.00 available
    assert [s.pk for s in payouts.payout_candidates()] == [seller.pk]


def test_the_run_page_shows_masked_details_never_the_account(editor, owed):
    response = editor.get(RUN)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Maya Lindqvist" in html and "•••• 3000" in html and "DE8937" not in html
    assert "No payout details yet" in html  # Lars
    assert "Nordmann" not in html


def test_recording_a_payout_writes_the_payout_and_its_row_and_emails_the_seller(
    editor, owed, django_capture_on_commit_callbacks
):
    maya = owed["maya"]
    with django_capture_on_commit_callbacks(execute=True):
        response = editor.post(
            record_url(maya), {"amount": "30.00", "paid_on": timezone.localdate().isoformat(), "reference": "SEPA-77"}
        )
    assert response.status_code == 302
    payout = Payout.objects.get(seller=maya)
    assert (payout.amount, payout.reference, payout.currency) == (D("30.00"), "SEPA-77", "USD")
    [row] = LedgerEntry.objects.filter(payout=payout)
    assert (row.kind, row.earnings, row.order_id) == (LedgerKind.PAYOUT, D("-30.00"), None)
    balance = LedgerEntry.objects.for_seller(maya).summary()
    assert (balance.available, balance.pending, balance.paid_out) == (D("6.00"), D("9.00"), D("30.00"))
    [email] = mail.outbox
    assert email.to == [maya.email]
    assert "$30.00" in email.subject and "SEPA-77" in email.body and "$6.00" in email.body
    # The seller sees it on their earnings page.
    seller = Client()
    seller.force_login(maya)
    assert "SEPA-77" in seller.get(reverse("seller_portal:earnings")).content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"amount": "36.01"}, "has $36.00 available: record at most that"),
        ({"paid_on": "2999-01-01"}, "cannot be in the future"),
        ({"amount": "0"}, "above zero"),
        ({"amount": "10.005"}, "cannot have that many decimals"),
    ],
)
def test_a_payout_that_cannot_be_right_is_refused_with_nothing_saved(editor, owed, data, message):
    post = {"amount": "10.00", "paid_on": timezone.localdate().isoformat(), "reference": "SEPA-1", **data}
    response = editor.post(record_url(owed["maya"]), post)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Payout.objects.exists()
    assert not LedgerEntry.objects.filter(kind=LedgerKind.PAYOUT).exists()


def test_the_same_reference_twice_is_a_double_submission(editor, owed):
    post = {"amount": "10.00", "paid_on": timezone.localdate().isoformat(), "reference": "SEPA-2"}
    assert editor.post(record_url(owed["maya"]), post).status_code == 302
    response = editor.post(record_url(owed["maya"]), post)
    assert "already recorded for this seller" in response.content.decode()
    assert Payout.objects.count() == 1


def test_the_bank_file_has_the_decrypted_account_only_for_payout_editors(editor, owed):
    response = editor.get(EXPORT)
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(row["seller"], row["account_reference"], row["amount"], row["currency"]) for row in rows] == [
        ("Maya Lindqvist", "DE89370400440532013000", "36.00", "USD"),
        ("Lars Berg", "", "27.00", "USD"),
    ]
    assert rows[0]["method"] == "Bank transfer" and rows[0]["account_holder"] == "Maya Lindqvist"


def test_editors_without_the_payout_permission_see_nothing(owed):
    desk = UserFactory(is_staff=True)
    group = Group.objects.create(name="Order desk")
    group.permissions.add(
        Permission.objects.get(codename="access_admin"), Permission.objects.get(codename="change_order")
    )
    desk.groups.add(group)
    client = Client()
    client.force_login(desk)
    # Wagtail answers a refusal in the admin by sending the editor back to its dashboard.
    for url in (RUN, EXPORT, MARGIN, record_url(owed["maya"])):
        response = client.get(url)
        assert response.status_code in (302, 403), url
        assert b"DE89" not in response.content
    assert client.post(record_url(owed["maya"]), {"amount": "5", "reference": "x"}).status_code in (302, 403)
    assert not Payout.objects.exists()

    group.permissions.add(Permission.objects.get(codename="add_payout"))
    desk = type(desk).objects.get(pk=desk.pk)  # permissions are cached per user object
    client.force_login(desk)
    assert client.get(RUN).status_code == 200


def test_the_permission_can_be_given_in_settings_groups(editor):
    html = editor.get(reverse("wagtailusers_groups:add")).content.decode()
    assert "Can add payout" in html


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL (CI runs it)")
@pytest.mark.django_db(transaction=True)
def test_two_payouts_at_once_cannot_pay_more_than_is_available(site_tree):
    seller = SellerFactory()
    ledger_sale(seller, "40.00", days_ago=40)  # 36.00 available
    results = []
    start = threading.Barrier(2)

    def pay(reference):
        start.wait()
        try:
            payouts.record_payout(seller, amount=D("30.00"), paid_on=timezone.localdate(), reference=reference)
            results.append("paid")
        except payouts.PayoutRefused:
            results.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=pay, args=(f"REF-{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["paid", "refused"]
    assert LedgerEntry.objects.for_seller(seller).summary().available == D("6.00")


# MARGIN


def test_the_margin_report_names_the_break_even_and_the_sales_that_lost(editor, site_tree):
    seller = SellerFactory()
    ledger_sale(seller, "5.00", days_ago=1)  # fee 0.50, Dodo 5.5 % of 5.00 + 0.40 = 0.68 (no tax recorded)
    ledger_sale(seller, "20.00", days_ago=1)  # fee 2.00, Dodo 1.10 + 0.40 = 1.50
    response = editor.get(MARGIN)
    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["break_even_abroad"] == D("11.77")  # 0.40 / (10 % - 1.2 x 5.5 %)
    assert response.context["break_even_at_home"] == D("7.70")  # 0.40 / (10 % - 1.2 x 4 %)
    assert (response.context["fees_taken"], response.context["dodo_fees"]) == (D("2.50"), D("2.18"))
    assert response.context["losing_sales"] == 1
    assert "$11.77" in html
    # The example: 5.00 to the UK, 6.00 with VAT: Dodo takes 0.73 against a 0.50 fee.
    five = next(abroad for abroad, home in response.context["samples"] if abroad.price == D("5"))
    assert (five.total, five.dodo_fee, five.marketplace_fee, five.margin) == (
        D("6.00"),
        D("0.73"),
        D("0.50"),
        D("-0.23"),
    )


def test_the_payout_key_check_refuses_a_missing_invalid_or_public_key(settings):
    settings.PAYOUT_DETAILS_KEY = []
    assert [error.id for error in checks.check_payout_details_key()] == ["catalogue.E020"]
    settings.PAYOUT_DETAILS_KEY = ["not-a-key"]
    assert "not a Fernet key" in checks.check_payout_details_key()[0].msg
    settings.PAYOUT_DETAILS_KEY = [settings.DEV_PAYOUT_DETAILS_KEY]
    assert "public development key" in checks.check_payout_details_key()[0].msg
    settings.PAYOUT_DETAILS_KEY = ["rfOlHcTURy2P5Y8-MATM9nOaCjR7RxzfLIIBRe6blwk="]
    assert checks.check_payout_details_key() == []


def test_a_rotated_key_still_opens_old_details(site_tree, settings):
    seller = SellerFactory()
    details = payouts.save_payout_details(seller, account_name="A", method="paypal", account_reference="a@b.example")
    settings.PAYOUT_DETAILS_KEY = ["rfOlHcTURy2P5Y8-MATM9nOaCjR7RxzfLIIBRe6blwk=", settings.DEV_PAYOUT_DETAILS_KEY]
    assert payouts.decrypt_reference(details.account_reference_encrypted) == "a@b.example"


def test_negative_fee_settings_are_an_error(settings):
    settings.MARKETPLACE_FEE_MINIMUM = D("-1")
    assert [error.id for error in checks.check_fee_settings()] == ["catalogue.E021"]


def test_old_entries_do_not_count_in_the_margin_window(editor, site_tree):
    seller = SellerFactory()
    ledger_sale(seller, "5.00", days_ago=45)
    assert editor.get(MARGIN).context["sales"] == 0


# DEMO


def test_seed_payouts_gives_history_details_and_one_payout_once(site_tree):
    from catalogue.models import Order, PayoutDetails
    from catalogue.payout_demo import seed_payouts
    from tests.factories import CustomerFactory, ProductPageFactory

    sellers = [SellerFactory(), SellerFactory()]
    for seller in sellers:
        for price in ("12.00", "20.00", "35.00"):
            ProductPageFactory(seller=seller, price=D(price))
    customers = [CustomerFactory() for _ in range(3)]

    assert seed_payouts(sellers, customers) == 1
    assert seed_payouts(sellers, customers) == 0  # a second run adds nothing
    assert Payout.objects.count() == 1 and PayoutDetails.objects.count() == 2
    for order in Order.objects.all():
        sale = LedgerEntry.objects.get(order=order, kind=LedgerKind.SALE)
        assert sale.earnings == order.seller_earnings and sale.created_at == order.paid_at
        assert sale.available_at == order.paid_at + timedelta(days=30)
    first = LedgerEntry.objects.for_seller(sellers[0]).summary()
    assert first.paid_out > 0 and first.available > 0
    assert first.paid_out + first.available == first.earned  # every demo sale is past its hold
    assert LedgerEntry.objects.for_seller(sellers[1]).summary().paid_out == 0


# IN A BROWSER


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [1280, 390])
def test_the_money_admin_pages_fit_desktop_and_phone(browser_site, chromium, width):
    from tests.browser.helpers import login, save_screenshot
    from tests.factories import TEST_PASSWORD, StaffFactory

    editor = StaffFactory(first_name="Ed", last_name="Itor")
    maya = SellerFactory(first_name="Maya", last_name="Okafor")
    ledger_sale(maya, "40.00", days_ago=40, title="Intro to Rust")
    ledger_sale(maya, "5.00", days_ago=3, title="Watercolour Brushes")
    payouts.save_payout_details(
        maya, account_name="Maya Okafor", method="bank_transfer", account_reference="DE89 3704 0044 0532 0130 00"
    )
    lars = SellerFactory(first_name="Lars", last_name="Berg")
    ledger_sale(lars, "30.00", days_ago=35, title="Lo-fi Drum Loops")
    payouts.record_payout(maya, amount=D("10.00"), paid_on=timezone.localdate(), reference="SEPA-2026-0001")
    context = chromium.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    login(page, browser_site.url, editor.email, TEST_PASSWORD)
    for name, url in [("payout-run", RUN), ("payout-record", record_url(maya)), ("margin-report", MARGIN)]:
        response = page.goto(browser_site.url + url)
        assert response.status == 200, name
        assert page.evaluate("document.documentElement.scrollWidth") <= width, name
        save_screenshot(page, f"admin-{name}-{width}")
    context.close()
