"""A visitor walks from the home page to the catalogue in a real Chromium."""

import pytest

from tests.browser.helpers import save_screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_home_to_catalogue(browser_site, page):
    page.goto(browser_site.url + "/")
    assert page.locator("h1").first.inner_text() == "Digital goods from independent makers"
    page.get_by_role("link", name="Browse the catalogue").first.click()
    page.wait_for_url("**/catalogue/")
    assert page.locator("h1").inner_text() == "Catalogue"
    save_screenshot(page, "walk-catalogue")
