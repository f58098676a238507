"""A signed-in customer opens a shop from their account: one form, the seller terms
accepted and recorded, the seller role, then the seller portal. Every "sell" link leads
there for a customer."""

import pytest
from django.contrib.auth import get_user_model

from accounts.models import TermsAcceptance
from catalogue.models import SellerProfile
from home.legal import current_terms_version, ensure_legal_pages
from tests.accounts.helpers import field_errors
from tests.factories import CustomerFactory, SellerFactory

pytestmark = pytest.mark.django_db

User = get_user_model()


@pytest.fixture
def legal_pages(home_page):
    ensure_legal_pages(home_page)


def test_a_customer_opens_a_shop_in_one_form(client, legal_pages):
    customer = CustomerFactory()
    client.force_login(customer)
    page = client.get("/account/open-shop/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'name="accept_seller_terms"' in html and 'href="/terms/"' in html

    # Without the box: the reason beside it, the name as typed, and nothing changed.
    refused = client.post("/account/open-shop/", {"shop_name": "Paper & Ink"})
    assert refused.status_code == 200
    assert "accept the terms for sellers" in field_errors(refused, "accept_seller_terms")
    assert 'value="Paper &amp; Ink"' in refused.content.decode()
    customer.refresh_from_db()
    assert not customer.is_seller and not TermsAcceptance.objects.exists()

    opened = client.post("/account/open-shop/", {"shop_name": "Paper & Ink", "accept_seller_terms": "on"}, follow=True)
    assert opened.redirect_chain == [("/seller/", 302)]
    assert "Welcome to your shop!" in opened.content.decode()
    customer.refresh_from_db()
    assert customer.is_seller and customer.is_customer
    acceptance = TermsAcceptance.objects.get(user=customer)
    assert (acceptance.document, acceptance.version) == ("seller_terms", current_terms_version())
    assert SellerProfile.objects.get(user=customer).shop_name == "Paper & Ink"

    # Done once: back on the form, they are sent to their shop; nothing more is recorded.
    again = client.post("/account/open-shop/", {"accept_seller_terms": "on"})
    assert again.status_code == 302 and again["Location"] == "/seller/"
    assert TermsAcceptance.objects.count() == 1


def test_visitors_log_in_first_and_sellers_go_to_their_shop(client):
    assert client.get("/account/open-shop/")["Location"] == "/accounts/login/?next=/account/open-shop/"
    client.force_login(SellerFactory())
    assert client.get("/account/open-shop/")["Location"] == "/seller/"


@pytest.mark.parametrize(
    ("who", "sell_link"),
    [
        ("visitor", "/accounts/register/?role=seller"),
        ("customer", "/account/open-shop/"),
        ("seller", "/seller/"),
    ],
)
def test_every_sell_link_leads_where_the_person_can_sell(client, site_tree, who, sell_link):
    if who != "visitor":
        client.force_login(CustomerFactory() if who == "customer" else SellerFactory())
    html = client.get("/").content.decode()
    header = html.split('id="main-nav"', 1)[1].split("</nav>", 1)[0]
    assert f'href="{sell_link}"' in header
    footer = html.split('class="site-footer"', 1)[1]
    assert f'href="{sell_link}"' in footer
    # Links editors wrote into pages (home blocks) still say /accounts/register/?role=seller.
    answer = client.get("/accounts/register/?role=seller")
    if who == "visitor":
        assert answer.status_code == 200
    else:
        assert answer.status_code == 302 and answer["Location"] == sell_link


def test_the_customer_portal_offers_to_open_a_shop(client, site_tree):
    client.force_login(CustomerFactory())
    html = client.get("/account/").content.decode()
    assert html.count('href="/account/open-shop/"') >= 2  # the navigation and an overview card
    client.force_login(SellerFactory())
    assert "/account/open-shop/" not in client.get("/account/").content.decode()
