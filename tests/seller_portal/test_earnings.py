"""The seller's earnings page (/seller/earnings/): balance by state, the next payout,
every entry, the CSV, payouts, payout details stored encrypted, the dashboard's earnings
and the price advice on the product form (issue 15, points 2, 3 and 8).

Default fees: 10 % with a 0.50 minimum; earnings pending for 30 days; payouts from 25.00.
"""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from catalogue import payouts
from catalogue.models import LedgerEntry, PayoutDetails
from tests.factories import CustomerFactory, ProductPageFactory, SellerFactory, ledger_sale
from tests.seller_portal.conftest import count_queries

pytestmark = pytest.mark.django_db

EARNINGS = reverse("seller_portal:earnings")
EXPORT = reverse("seller_portal:earnings_export")
DETAILS = reverse("seller_portal:payout_details")
D = Decimal


@pytest.fixture
def history(seller, site_tree):
    """An available sale (40.00 -> 36.00 earned), a pending one (10.00 -> 9.00) and a
    payout of 20.00: available 16.00, pending 9.00, paid out 20.00, earned 45.00."""
    old = ledger_sale(seller, "40.00", days_ago=40, title="Bread book")
    new = ledger_sale(seller, "10.00", days_ago=2, title="Cake course")
    payouts.record_payout(seller, amount=D("20.00"), paid_on=timezone.localdate(), reference="BANK-001")
    return old, new


def test_the_page_shows_the_balance_by_state(seller_client, history):
    response = seller_client.get(EARNINGS)
    assert response.status_code == 200
    balance = response.context["balance"]
    assert (balance.available, balance.pending, balance.paid_out, balance.earned) == (
        D("16.00"),
        D("9.00"),
        D("20.00"),
        D("45.00"),
    )
    html = response.content.decode()
    for figure in ("$16.00", "$9.00", "$20.00", "$45.00 earned in all"):
        assert figure in html


def test_every_entry_newest_first_with_its_order_and_product(seller_client, history):
    old, new = history
    html = seller_client.get(EARNINGS).content.decode()
    payout_at, new_at, old_at = html.index("Reference BANK-001"), html.index("Cake course"), html.index("Bread book")
    assert payout_at < new_at < old_at
    assert f"Order #{old.pk}" in html
    # Sale, fee (taken off) and earnings of the old sale.
    assert "+$40.00" in html and "\u2212$4.00" in html and "+$36.00" in html
    assert "Pending until" in html and "Available" in html


def test_next_payout_waits_for_the_minimum_and_names_the_next_date(seller_client, seller, site_tree):
    ledger_sale(seller, "10.00", days_ago=40)  # 9.00 available
    pending = ledger_sale(seller, "20.00", days_ago=5)  # 18.00 free in 25 days
    response = seller_client.get(EARNINGS)
    estimate = response.context["next_payout"]
    assert not estimate["ready"]
    assert estimate["short"] == D("16.00")  # 25.00 - 9.00
    assert estimate["next_day"] == timezone.localdate(pending.paid_at + timedelta(days=30))
    assert estimate["next_amount"] == D("18.00")
    assert "$16.00 to go" in response.content.decode()


def test_next_payout_is_the_available_balance_above_the_minimum(seller_client, seller, site_tree):
    ledger_sale(seller, "30.00", days_ago=31)  # 27.00 available
    estimate = seller_client.get(EARNINGS).context["next_payout"]
    assert estimate["ready"] and estimate["amount"] == D("27.00")


def test_a_seller_never_sees_another_sellers_money(client, history, site_tree):
    other = SellerFactory()
    client.force_login(other)
    response = client.get(EARNINGS)
    assert list(response.context["entries"]) == []
    assert "Bread book" not in response.content.decode()
    lines = b"".join(client.get(EXPORT).streaming_content).decode().splitlines()
    assert len(lines) == 1  # the header alone


def test_the_page_is_for_sellers_only(client, site_tree):
    assert client.get(EARNINGS).status_code == 302  # to the login page
    client.force_login(CustomerFactory())
    assert client.get(EARNINGS).status_code == 403
    assert client.get(EXPORT).status_code == 403
    assert client.get(DETAILS).status_code == 403


def test_the_csv_streams_every_entry_with_exact_decimals(seller_client, seller, history):
    # A title a spreadsheet would run as a formula.
    ledger_sale(seller, "3.00", days_ago=1, title="=HYPERLINK(1)")
    response = seller_client.get(EXPORT)
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == LedgerEntry.objects.for_seller(seller).count() == 4
    # Newest first: the payout (today), the 3.00 sale (yesterday), 10.00, then 40.00.
    payout, cheap = rows[0], rows[1]
    assert [row["sale_net_of_tax"] for row in rows] == ["0.00", "3.00", "10.00", "40.00"]
    # 3.00 pays the 0.50 minimum fee; the title cannot run as a formula.
    assert (cheap["sale_net_of_tax"], cheap["marketplace_fee"], cheap["earnings"]) == ("3.00", "0.50", "2.50")
    assert cheap["product"] == "'=HYPERLINK(1)"
    assert (payout["earnings"], payout["reference"], payout["order"]) == ("-20.00", "BANK-001", "")
    assert sum(D(row["earnings"]) for row in rows) == D("27.50")  # 36 + 9 + 2.50 - 20


def test_the_page_costs_the_same_queries_with_3_or_60_entries(seller_client, seller, site_tree):
    for days in range(3):
        ledger_sale(seller, "10.00", days_ago=days * 20)
    few = count_queries(seller_client, EARNINGS)
    for days in range(57):
        ledger_sale(seller, "10.00", days_ago=days)
    assert LedgerEntry.objects.for_seller(seller).count() == 60
    assert count_queries(seller_client, EARNINGS) == few
    assert few <= 12


def test_payouts_are_listed_for_the_seller(seller_client, history):
    response = seller_client.get(EARNINGS)
    assert [payout.reference for payout in response.context["payouts"]] == ["BANK-001"]


# PAYOUT DETAILS


def test_payout_details_are_stored_encrypted_and_shown_masked(seller_client, seller):
    response = seller_client.post(
        DETAILS,
        {
            "account_name": "Maya  Lindqvist",
            "method": "bank_transfer",
            "account_reference": "DE89 3704 0044 0532 0130 00",
        },
    )
    assert response.status_code == 302
    details = PayoutDetails.objects.get(seller=seller)
    assert details.account_name == "Maya Lindqvist"
    assert "DE89" not in details.account_reference_encrypted
    assert payouts.decrypt_reference(details.account_reference_encrypted) == "DE89370400440532013000"
    assert details.masked_reference == "•••• 3000"
    page = seller_client.get(EARNINGS).content.decode()
    assert "•••• 3000" in page and "DE8937" not in page
    # Never echoed back into the form.
    form = seller_client.get(DETAILS).content.decode()
    assert "DE89" not in form and "370400" not in form and "•••• 3000" in form


def test_an_empty_reference_keeps_the_saved_one_unless_the_method_changes(seller_client, seller):
    payouts.save_payout_details(seller, account_name="Maya", method="paypal", account_reference="maya@example.com")
    before = PayoutDetails.objects.get(seller=seller).account_reference_encrypted
    seller_client.post(DETAILS, {"account_name": "Maya L", "method": "paypal", "account_reference": ""})
    details = PayoutDetails.objects.get(seller=seller)
    assert details.account_name == "Maya L" and details.account_reference_encrypted == before
    assert details.masked_reference == "ma•••@ex•••"

    response = seller_client.post(
        DETAILS, {"account_name": "Maya L", "method": "bank_transfer", "account_reference": ""}
    )
    assert response.status_code == 200
    assert "You changed how you are paid" in response.content.decode()
    assert PayoutDetails.objects.get(seller=seller).method == "paypal"


@pytest.mark.parametrize(
    ("method", "reference", "message"),
    [
        ("bank_transfer", "DE89 3704 0044 0532 0130 01", "check digits do not match"),
        ("paypal", "DE89370400440532013000", "email address of your PayPal account"),
        ("bank_transfer", "maya@example.com", "IBAN or account number"),
        ("wise", "maya@", "valid email address"),
        ("bank_transfer", "12", "6 to 34 letters and digits"),
    ],
)
def test_bad_payout_details_are_explained_and_nothing_is_saved(seller_client, seller, method, reference, message):
    response = seller_client.post(
        DETAILS, {"account_name": "Maya Lindqvist", "method": method, "account_reference": reference}
    )
    html = response.content.decode()
    assert response.status_code == 200 and message in html
    assert "Maya Lindqvist" in html  # what they typed is kept
    assert not PayoutDetails.objects.filter(seller=seller).exists()


# DASHBOARD AND PRODUCT FORM


def test_the_dashboard_shows_net_earnings_from_the_ledger(seller_client, history):
    response = seller_client.get(reverse("seller_portal:dashboard"))
    assert response.context["earnings"].earned == D("45.00")
    html = response.content.decode()
    assert "Your earnings" in html and "$45.00" in html and "$16.00 available" in html


def test_the_product_form_warns_below_the_break_even_without_blocking(seller_client, seller, site_tree):
    cheap = ProductPageFactory(seller=seller, price=D("2.00"))
    html = seller_client.get(reverse("seller_portal:product_edit", args=(cheap.pk,))).content.decode()
    # 2.00 to a buyer abroad with 20 % tax: Dodo 5.5 % of 2.40 + 0.40 = 0.53 > the 0.50 fee.
    assert "payment processing costs about $0.53 a sale, more than the $0.50 marketplace fee" in html
    assert "Prices from $11.77 cover the costs" in html
    fine = ProductPageFactory(seller=seller, price=D("24.00"))
    html = seller_client.get(reverse("seller_portal:product_edit", args=(fine.pk,))).content.decode()
    assert "marketplace loses money" not in html


# IN A BROWSER


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [1280, 390])
def test_the_earnings_pages_fit_desktop_and_phone(browser_site, chromium, width):
    from tests.browser.helpers import login, save_screenshot
    from tests.factories import TEST_PASSWORD

    seller = SellerFactory(first_name="Maya", last_name="Okafor")
    ledger_sale(seller, "40.00", days_ago=45, title="Intro to Rust")
    ledger_sale(seller, "24.00", days_ago=38, title="Notion Freelancer OS")
    ledger_sale(seller, "3.00", days_ago=12, title="Watercolour Brushes")
    ledger_sale(seller, "19.00", days_ago=2, title="Lo-fi Drum Loops: 120 loops for producers")
    payouts.save_payout_details(
        seller, account_name="Maya Okafor", method="bank_transfer", account_reference="DE89 3704 0044 0532 0130 00"
    )
    payouts.record_payout(seller, amount=D("30.00"), paid_on=timezone.localdate(), reference="SEPA-2026-0412")
    context = chromium.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    login(page, browser_site.url, seller.email, TEST_PASSWORD)
    for name, url in [("earnings", EARNINGS), ("payout-details", DETAILS), ("earnings-dashboard", "/seller/")]:
        page.goto(browser_site.url + url)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, name
        save_screenshot(page, f"seller-{name}-{width}")
    context.close()
