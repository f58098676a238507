"""Screenshots of the main pages at desktop and phone widths (`make screenshots`)."""

import pytest

from tests.browser.helpers import login, save_screenshot
from tests.factories import TEST_PASSWORD, CustomerFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1280, 390])
def test_public_pages(browser_site, chromium, width):
    context = chromium.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    for name, path, status in [("home", "/", 200), ("catalogue", "/catalogue/", 200), ("404", "/missing-page/", 404)]:
        response = page.goto(browser_site.url + path)
        assert response.status == status
        # Nothing may overflow sideways on a phone.
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        save_screenshot(page, f"{name}-{width}")
    customer = CustomerFactory()
    login(page, browser_site.url, customer.email, TEST_PASSWORD)
    page.wait_for_load_state()
    response = page.goto(browser_site.url + "/seller/")
    assert response.status == 403
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    save_screenshot(page, f"403-{width}")
    context.close()
