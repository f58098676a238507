"""The portal shells, their navigation, and the account menu."""

import pytest
from django.template import Context, Template
from django.urls import NoReverseMatch, reverse

from tests.factories import CustomerFactory, SellerFactory, StaffFactory

pytestmark = pytest.mark.django_db


def _resolves(name):
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


CUSTOMER_NAV = {"portal:products": "My products", "portal:orders": "Orders", "portal:support": "Support"}
SELLER_NAV = {
    "seller_portal:products": "Products",
    "seller_portal:categories": "Categories",
    "seller_portal:support": "Support",
    "seller_portal:short_links": "Short links",
}


def _nav(html):
    start = html.index('<nav class="portal-nav"')
    return html[start : html.index("</nav>", start)]


def test_customer_portal_is_a_real_page_with_navigation(client):
    client.force_login(CustomerFactory(first_name="Chloe", last_name="Martin"))
    html = client.get("/account/").content.decode()
    assert "Hello, Chloe" in html
    nav = _nav(html)
    assert 'href="/account/" aria-current="page"' in nav
    assert 'href="/account/profile/"' in nav
    # Every portal page is in the navigation (a name that does not resolve is not linked).
    for name, label in CUSTOMER_NAV.items():
        url = _resolves(name)
        if url:
            assert f'href="{url}"' in nav
        else:
            assert label not in nav
    assert "/seller/" not in nav


def test_seller_portal_is_a_real_page_with_navigation(client):
    client.force_login(SellerFactory(first_name="Maya"))
    html = client.get("/seller/").content.decode()
    assert "Welcome to your shop, Maya" in html
    assert "Getting started" in html and "No sales yet" in html
    nav = _nav(html)
    assert 'href="/seller/" aria-current="page"' in nav
    for name, label in SELLER_NAV.items():
        url = _resolves(name)
        if url:
            assert f'href="{url}"' in nav
        else:
            assert label not in nav
    assert 'href="/account/"' in nav  # a seller is a customer too


def test_a_person_with_both_roles_sees_both_portals_in_the_account_menu(client):
    client.force_login(SellerFactory())
    html = client.get("/account/").content.decode()
    menu = html[html.index('<details class="account-menu">') : html.index("</details>")]
    assert 'href="/account/"' in menu and 'href="/seller/"' in menu


def test_a_customer_sees_only_their_portal(client):
    client.force_login(CustomerFactory())
    html = client.get("/account/").content.decode()
    menu = html[html.index('<details class="account-menu">') : html.index("</details>")]
    assert 'href="/account/"' in menu and 'href="/seller/"' not in menu


def test_staff_without_roles_can_still_change_their_password_from_the_menu(client):
    client.force_login(StaffFactory())
    html = client.get("/accounts/password/change/").content.decode()
    menu = html[html.index('<details class="account-menu">') : html.index("</details>")]
    assert 'href="/accounts/password/change/"' in menu and 'href="/admin/"' in menu


def test_sign_up_links_in_the_header(client):
    html = client.get("/accounts/login/").content.decode()
    assert 'class="btn btn-primary" href="/accounts/register/"' in html


def test_a_nav_link_to_a_url_name_that_does_not_exist_is_an_error(rf):
    # A typo in a portal navigation is a bug to see, not a link to leave out quietly.
    template = Template('{% load accounts_tags %}{% portal_nav_link "portal:no_such_page" "Nowhere" %}')
    with pytest.raises(NoReverseMatch):
        template.render(Context({"request": rf.get("/account/")}))
