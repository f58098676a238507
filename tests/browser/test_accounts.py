"""Sign-up, activation from the emailed link, and login, in a real Chromium.

The live server runs in a thread of this process with the locmem email backend, so the
activation email lands in ``django.core.mail.outbox`` here. Account pages need no
Wagtail page tree, so these tests use ``live_server`` directly.
"""

import re

import pytest
from django.core import mail

from tests.browser.helpers import login, save_screenshot
from tests.factories import TEST_PASSWORD, CustomerFactory, SellerFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Tulip-Harbour-4821"


@pytest.fixture
def site(live_server, settings):
    # Links in emails are built from SITE_URL: point it at the live server.
    settings.SITE_URL = live_server.url
    return live_server.url


def _activation_link(base):
    assert len(mail.outbox) == 1, [m.subject for m in mail.outbox]
    match = re.search(re.escape(base) + r"/accounts/activate/\S+", mail.outbox[0].body)
    assert match, mail.outbox[0].body
    return match.group(0)


@pytest.mark.parametrize(
    ("role", "landing", "heading"),
    [("customer", "/account/", "Hello, Ada"), ("seller", "/seller/", "Welcome to your shop, Ada")],
)
def test_sign_up_activate_and_log_in(site, page, role, landing, heading):
    page.goto(site + "/accounts/login/")
    page.get_by_role("link", name="Sign up").click()
    page.wait_for_url("**/accounts/register/")
    page.locator(f"input[name=role][value={role}]").check()
    page.fill("input[name=first_name]", "Ada")
    page.fill("input[name=last_name]", "Lovelace")
    page.fill("input[name=email]", "ada@example.com")
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", "not the same")
    page.check("input[name=accept_terms]")
    page.click("main form button[type=submit]")
    # A mistake is explained next to the field; what was typed stays, passwords don't.
    assert "didn’t match" in page.locator("#id_password2_error").inner_text()
    assert page.input_value("input[name=email]") == "ada@example.com"
    assert page.input_value("input[name=password1]") == ""
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url("**/accounts/register/done/")
    assert "sent an activation link to ada@example.com" in page.locator(".card").inner_text()

    page.goto(_activation_link(site))
    page.wait_for_url(f"**{landing}")
    assert page.locator("h1").inner_text().startswith(heading)
    assert "Your account is active" in page.locator(".messages").inner_text()

    # Log out through the account menu (a POST form), then log back in.
    page.locator("details.account-menu summary").click()
    page.get_by_role("menuitem", name="Log out").click()
    page.wait_for_url(site + "/")
    page.goto(site + "/accounts/login/")
    assert page.locator("details.account-menu").count() == 0
    page.fill("input[name=username]", "ADA@example.com")
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"**{landing}")
    assert page.locator("h1").inner_text().startswith(heading)

    # The activation link worked once.
    page.goto(_activation_link(site))
    assert page.locator("h1").inner_text() == "This activation link is invalid or has expired"


ANONYMOUS_PAGES = [
    ("register", "/accounts/register/?role=seller"),
    ("login", "/accounts/login/"),
    ("resend-activation", "/accounts/activation/resend/"),
    ("activation-invalid", "/accounts/activate/MQ/abc-def/"),
    ("password-reset", "/accounts/password/reset/"),
    ("password-reset-done", "/accounts/password/reset/done/"),
    ("password-reset-invalid", "/accounts/reset/MQ/abc-def/"),
]


@pytest.mark.parametrize("width", [1280, 390])
def test_account_pages_look_right(site, chromium, settings, width):
    """Every account page at desktop and phone widths: no sideways overflow; screenshots."""
    settings.AXES_FAILURE_LIMIT = 2
    context = chromium.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)

    def shot(name):
        assert page.evaluate("document.documentElement.scrollWidth") <= width, name
        save_screenshot(page, f"accounts-{name}-{width}")

    for name, path in ANONYMOUS_PAGES:
        page.goto(site + path)
        shot(name)

    # Forms with errors.
    page.goto(site + "/accounts/register/")
    page.fill("input[name=first_name]", "Ada")
    page.fill("input[name=email]", "ada@example")
    page.fill("input[name=password1]", "password")
    page.fill("input[name=password2]", "passwor")
    page.click("main form button[type=submit]")
    page.wait_for_selector("#id_password2_error")
    shot("register-errors")
    page.goto(site + "/accounts/register/")
    page.fill("input[name=first_name]", "Ada")
    page.fill("input[name=email]", "ada@example.com")
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.check("input[name=accept_terms]")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/done/")
    shot("register-done")
    # The mail server is down: the account exists, the page says so and offers resend.
    settings.EMAIL_BACKEND = "tests.accounts.helpers.BrokenEmailBackend"
    page.goto(site + "/accounts/register/")
    page.fill("input[name=first_name]", "Bea")
    page.fill("input[name=email]", "bea@example.com")
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.check("input[name=accept_terms]")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/done/")
    assert "couldn't send the email" in page.locator("h1").inner_text()
    shot("register-done-email-failed")
    login(page, site, "nobody@example.com", "wrong")
    page.wait_for_selector(".form-errors")
    shot("login-error")
    login(page, site, "nobody@example.com", "wrong")
    page.wait_for_selector("h1:has-text('Too many failed attempts')")
    shot("locked-out")

    # A person with both roles: the portals.
    context.clear_cookies()
    settings.AXES_FAILURE_LIMIT = 100
    seller = SellerFactory(first_name="Maya", last_name="Okafor", email="maya@example.com")
    login(page, site, seller.email, TEST_PASSWORD)
    page.wait_for_url("**/seller/")
    shot("seller-dashboard")
    for name, path in [
        ("portal-home", "/account/"),
        ("portal-profile", "/account/profile/"),
        ("portal-email-change", "/account/profile/email/"),
        ("password-change", "/accounts/password/change/"),
    ]:
        page.goto(site + path)
        shot(name)
    page.goto(site + "/account/profile/email/")
    page.fill("input[name=new_email]", "maya@example.com")
    page.fill("input[name=password]", "wrong")
    page.click("main form button[type=submit]")
    page.wait_for_selector("#id_password_error")
    shot("portal-email-change-errors")
    page.goto(site + "/account/")
    page.locator("details.account-menu summary").click()
    shot("account-menu")

    # A customer in the seller portal: the site's 403 page.
    context.clear_cookies()
    customer = CustomerFactory()
    login(page, site, customer.email, TEST_PASSWORD)
    page.wait_for_url("**/account/")
    response = page.goto(site + "/seller/")
    assert response.status == 403
    shot("403")
    context.close()
