"""The Content-Security-Policy in a real Chromium: the storefront, both portals and Wagtail
admin (dashboard, the product editor with Draftail, the image chooser, the preview) load
and work without a single violation."""

import pytest

from catalogue.models import ProductPage
from tests.browser.helpers import login
from tests.factories import (
    TEST_PASSWORD,
    CustomerFactory,
    OrderFactory,
    ProductPageFactory,
    SellerFactory,
    StaffFactory,
    WagtailImageFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Reports every violation, in the page and in any frame of it (the preview), to Python.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportCspViolation(
    `${location.pathname}: ${event.effectiveDirective} blocked ${event.blockedURI || "inline"}` +
    ` (${event.sourceFile}:${event.lineNumber})`
  );
});
"""


@pytest.fixture
def csp_violations(page):
    """Every CSP violation the page meets, from the event and from Chromium's console."""
    violations = []

    def on_console(message):
        if "Content Security Policy" in message.text:
            violations.append(message.text)

    page.expose_function("reportCspViolation", lambda text: violations.append(text))
    page.add_init_script(REPORT_VIOLATIONS)
    page.on("console", on_console)
    return violations


def visit(page, url):
    response = page.goto(url)
    assert response.ok, url
    assert "default-src 'self'" in response.headers["content-security-policy"], url
    page.wait_for_load_state("networkidle")


def test_storefront_and_portals_load_without_violations(browser_site, page, csp_violations):
    seller = SellerFactory()
    product = ProductPageFactory(seller=seller, with_cover=True, title="Field Recordings")
    customer = CustomerFactory()
    OrderFactory(customer=customer, product=product)
    base = browser_site.url

    for path in ("/", "/catalogue/", product.url, "/catalogue/?sort=newest", "/no-such-page/"):
        response = page.goto(base + path)
        assert "default-src 'self'" in response.headers["content-security-policy"], path
        page.wait_for_load_state("networkidle")
    # The catalogue's filters submit themselves (site.js, no inline script).
    page.goto(base + "/catalogue/")
    with page.expect_navigation():
        page.locator("form[data-auto-submit] select").first.select_option(index=1)

    login(page, base, customer.email, TEST_PASSWORD)
    page.wait_for_load_state()
    visit(page, base + "/account/products/")
    assert page.get_by_text("Field Recordings").first.is_visible()

    page.context.clear_cookies()
    login(page, base, seller.email, TEST_PASSWORD)
    page.wait_for_load_state()
    visit(page, base + "/seller/")
    visit(page, base + "/seller/products/new/")
    visit(page, base + f"/seller/products/{product.pk}/edit/")

    assert csp_violations == []


def test_wagtail_admin_works_under_the_policy(browser_site, page, csp_violations):
    staff = StaffFactory()
    WagtailImageFactory(title="Cover to choose")
    product = ProductPageFactory(title="Synth Presets")
    base = browser_site.url
    login(page, base, staff.email, TEST_PASSWORD)
    page.wait_for_load_state()

    visit(page, base + "/admin/")
    visit(page, base + f"/admin/pages/{product.pk}/edit/")

    # Draftail is up and takes typing; so does the title.
    editor = page.locator(".Draftail-Editor [contenteditable=true]").first
    editor.wait_for()
    editor.click()
    page.keyboard.type(" Now with more presets.")
    page.locator("#id_title").fill("Synth Presets, revised")

    # The image chooser modal loads its listing.
    page.get_by_role("button", name="Choose an image").first.click()
    page.locator(".modal").get_by_text("Cover to choose").first.wait_for()
    page.locator(".modal [data-dismiss=modal]").first.click()
    page.locator(".modal").first.wait_for(state="hidden")

    # The preview panel renders the page in its iframe.
    page.get_by_role("button", name="Toggle preview").click()
    page.frame_locator("#w-preview-iframe").get_by_role("heading", name="Synth Presets, revised").wait_for()

    page.get_by_role("button", name="Save draft").click()
    # Saving runs the page's receivers and Wagtail's tasks in the request: on a loaded CI
    # machine that has taken longer than Playwright's default 10 s.
    page.get_by_text("has been updated").first.wait_for(timeout=30_000)
    draft = ProductPage.objects.get(pk=product.pk).get_latest_revision_as_object()
    assert draft.title == "Synth Presets, revised"
    assert "Now with more presets." in draft.body

    assert csp_violations == []
