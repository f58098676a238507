"""An editor in the users admin in Chromium, at 1280 and 390 px: the role badges and the
role filter on the list, and a customer's page leading to their orders."""

import pytest

from tests.browser.helpers import login, save_screenshot
from tests.conftest import _new_page
from tests.factories import TEST_PASSWORD, CustomerFactory, OrderFactory, SellerFactory, StaffFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1280, 390])
def test_editor_filters_users_by_role_and_opens_a_customers_orders(browser_site, chromium, width):
    staff = StaffFactory(first_name="Edith", last_name="Editor")
    SellerFactory(email="sam@example.com", first_name="Sam", last_name="Stone", is_trusted_seller=True)
    buyer = CustomerFactory(email="cara@example.com", first_name="Cara", last_name="Cole")
    OrderFactory(customer=buyer, product__title="Watercolour brushes")
    OrderFactory(product__title="Someone else's order")

    context, page = _new_page(chromium, width, 900)
    try:
        login(page, browser_site.url, staff.email, TEST_PASSWORD)
        page.wait_for_load_state()
        page.goto(f"{browser_site.url}/admin/users/")
        row = page.locator("tr", has_text="sam@example.com")
        assert row.locator("[data-role=seller]").is_visible()
        save_screenshot(page, f"admin-users-{width}")

        page.goto(f"{browser_site.url}/admin/users/?role=seller")
        assert page.get_by_text("sam@example.com").is_visible()
        assert page.get_by_text("cara@example.com").count() == 0

        page.goto(f"{browser_site.url}/admin/users/edit/{buyer.pk}/")
        assert page.get_by_role("heading", name="Records").is_visible()
        save_screenshot(page, f"admin-user-edit-{width}")
        page.locator("a[data-record=orders]").click()
        page.wait_for_load_state()
        assert page.get_by_text("Watercolour brushes").is_visible()
        assert page.get_by_text("Someone else's order").count() == 0
        save_screenshot(page, f"admin-user-orders-{width}")
    finally:
        context.close()
