"""Portal tables on a phone and the short links on a desktop, in a real Chromium.

At 390 px every seller-portal and customer-portal page with a table fits the screen (no
sideways scroll), every link and button in it is on screen and takes a tap, and the
portal navigation shows every tab. At 1280 px the short-links table keeps its Delete and
Copy buttons inside it, and Copy puts the link on the clipboard."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from catalogue import ledger, payouts, reviews
from catalogue.models import CategoryStatus, OrderStatus, ProductCategory
from seller_portal.models import ShortLink
from tests.browser.helpers import login, save_screenshot
from tests.factories import (
    TEST_PASSWORD,
    CustomerFactory,
    DiscountCodeFactory,
    OrderFactory,
    ProductCategoryFactory,
    ProductPageFactory,
    ReviewFactory,
    SellerFactory,
    ShortLinkFactory,
    SupportTicketFactory,
    ledger_sale,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_TITLE = "The Complete Sourdough Handbook: From a Wild Starter to a Crackling Crust, Forty Everyday Loaves"
LONG_CODE = "sourdough-newsletter-spring-2026-launch"  # 39 of the 40 characters a code may have

# Every link, button and field of the portal (navigation and page) that a person could
# use: each must lie inside the viewport's width and be what a tap at its centre hits.
# Answers the ones that fail, described. Elements inside a closed <details>, hidden ones
# and screen-reader-only ones are not on screen by design.
UNREACHABLE = """
() => {
  const width = document.documentElement.clientWidth;
  const failures = [];
  const controls = document.querySelectorAll(
    ".portal a[href], .portal button, .portal input:not([type=hidden]), .portal select, .portal textarea"
  );
  for (const el of controls) {
    if (el.closest("details:not([open]) > :not(summary)") || el.closest("[hidden], .visually-hidden")) continue;
    if (getComputedStyle(el).visibility === "hidden") continue;
    el.scrollIntoView({block: "center", inline: "nearest"});
    const box = el.getBoundingClientRect();
    const name = `${el.tagName.toLowerCase()} "${(el.innerText || el.value || el.name || "").trim().slice(0, 40)}"`;
    if (box.width === 0 || box.height === 0) { failures.push(`${name}: not shown`); continue; }
    if (box.left < 0 || box.right > width + 0.5) { failures.push(`${name}: ${box.left}..${box.right} outside 0..${width}`); continue; }
    // A link that wraps is tapped on one of its lines: the first line's box.
    const line = el.getClientRects()[0];
    const hit = document.elementFromPoint(line.left + line.width / 2, line.top + line.height / 2);
    if (!hit || !(hit === el || el.contains(hit) || (el.labels && [...el.labels].some((l) => l.contains(hit))))) {
      failures.push(`${name}: covered by ${hit ? hit.tagName + "." + hit.className : "nothing"}`);
    }
  }
  window.scrollTo(0, 0);
  return failures;
}
"""

# Per table row: its actions (links and buttons), each fully inside the row's card.
ROW_ACTIONS = """
() => [...document.querySelectorAll(".portal .table tbody tr")].map((row) => {
  const card = row.getBoundingClientRect();
  return [...row.querySelectorAll("a[href], button")]
    .filter((el) => !el.closest("[hidden], .visually-hidden"))
    .map((el) => {
      const box = el.getBoundingClientRect();
      return {
        name: (el.innerText || "").trim(),
        inside: box.width > 0 && box.left >= card.left - 0.5 && box.right <= card.right + 0.5,
      };
    });
})
"""


@pytest.fixture
def portal_data(browser_site, dodo_settings):
    """A seller with a few of everything (long titles, a long link), and a customer who
    bought from her, asked her a question and reviewed a product."""
    now = timezone.now()
    maya = SellerFactory(first_name="Maya", last_name="Okafor")
    chloe = CustomerFactory(first_name="Chloe", last_name="Martin", email="chloe.martin.longaddress@example.com")
    shelf = ProductCategoryFactory(
        name="Bread, baking and everything that rises slowly overnight",
        owner=maya,
        description="Recipes and guides for home bakers, from the first starter to festive breads.",
    )
    # A proposal still awaiting the editors: the seller may edit or delete it.
    proposal = ProductCategoryFactory(
        name="Fermentation projects for small kitchens", owner=maya, status=CategoryStatus.PENDING
    )
    long_one = ProductPageFactory(
        seller=maya, category=shelf, title=LONG_TITLE, price=Decimal("24.00"), selling_price=Decimal("19.00")
    )
    pasta = ProductPageFactory(seller=maya, category=shelf, title="Weekday Pasta", price=Decimal("12.00"))
    ProductPageFactory(seller=maya, category=shelf, title="Rye Bread Zine", live=False)
    orders = []
    for product, status, days in [
        (long_one, OrderStatus.PAID, 1),
        (pasta, OrderStatus.PAID, 3),
        (pasta, OrderStatus.REFUNDED, 5),
    ]:
        order = OrderFactory(customer=chloe, product=product, status=status, paid_at=now - timedelta(days=days))
        if status == OrderStatus.PAID:
            order.compute_earnings()
            order.save()
            ledger.record_sale(order, reference=order.dodo_payment_id)
        orders.append(order)
    ledger_sale(maya, "40.00", days_ago=40, title="Bread at home")  # available to pay out
    payouts.record_payout(
        maya, amount=Decimal("10.00"), paid_on=timezone.localdate(), reference="SEPA-2026-0412-LONG-REFERENCE"
    )
    ShortLinkFactory(product=long_one, code=LONG_CODE, clicks=128, last_clicked_at=now - timedelta(hours=3))
    ShortLinkFactory(product=pasta, code="pasta", clicks=0)
    ShortLinkFactory(product=pasta, code="k7dq2mxa", is_active=False)
    DiscountCodeFactory(seller=maya, code="LAUNCH-WEEKEND", percent=15, products=[long_one, pasta])
    DiscountCodeFactory(seller=maya, code="SPRING10", percent=10)
    review = ReviewFactory(product=long_one, customer=chloe, rating=5, title="Finally clicked", body="Clear chapters.")
    reviews.reply(maya, review, "Thank you Chloe!")
    SupportTicketFactory(
        customer=chloe, product=pasta, subject="Does the pasta book include a gluten-free chapter with substitutions?"
    )
    return {
        "url": browser_site.url,
        "maya": maya,
        "chloe": chloe,
        "orders": orders,
        "long_one": long_one,
        "proposal": proposal,
    }


def _seller_pages(data):
    order = data["orders"][0]
    return [
        ("products", "/seller/products/"),
        ("categories", "/seller/categories/"),
        ("short-links", "/seller/links/"),
        ("orders", "/seller/orders/"),
        ("order", f"/seller/orders/{order.pk}/"),
        ("discounts", "/seller/discounts/"),
        ("reviews", "/seller/reviews/"),
        ("earnings", "/seller/earnings/"),
        ("files", f"/seller/products/{data['long_one'].pk}/files/"),
        ("support", "/seller/support/"),
        ("dashboard", "/seller/"),
    ]


CUSTOMER_PAGES = [
    ("orders", "/account/orders/"),
    ("library", "/account/products/"),
    ("support", "/account/support/"),
]


def _assert_fits_a_phone(pg, path):
    assert pg.evaluate("document.scrollingElement.scrollWidth") <= 390, path
    assert pg.evaluate(UNREACHABLE) == [], path
    for actions in pg.evaluate(ROW_ACTIONS):
        assert all(action["inside"] for action in actions), (path, actions)


def test_portal_tables_are_cards_on_a_phone_with_every_action_in_reach(portal_data, chromium):
    base = portal_data["url"]
    context = chromium.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=1)
    pg = context.new_page()
    pg.set_default_timeout(10_000)

    login(pg, base, portal_data["maya"].email, TEST_PASSWORD)
    pg.wait_for_load_state()
    for name, path in _seller_pages(portal_data):
        assert pg.goto(base + path).status == 200, path
        if name in {"products", "short-links", "orders"}:
            save_screenshot(pg, f"portal-cards-seller-{name}-390")
        _assert_fits_a_phone(pg, path)
        # Every tab of the seller's navigation is on screen, the current one marked.
        nav = pg.locator("nav.portal-nav")
        assert nav.locator("a").count() >= 11
        assert nav.locator("a[aria-current=page]").count() == 1, path

    # The table's actions work from the card: Edit opens the product's form...
    pg.goto(base + "/seller/products/")
    row = pg.locator(".table tbody tr", has_text=LONG_TITLE)
    row.get_by_role("link", name="Edit").click()
    pg.wait_for_url(f"**/seller/products/{portal_data['long_one'].pk}/edit/")
    # ...Delete opens the confirmation, and going back leaves the category alone...
    pg.goto(base + "/seller/categories/")
    proposal = portal_data["proposal"]
    pg.locator(".table tbody tr", has_text=proposal.name).get_by_role("link", name="Delete").click()
    pg.wait_for_url(f"**/seller/categories/{proposal.pk}/delete/")
    pg.go_back()
    assert ProductCategory.objects.filter(pk=proposal.pk).exists()
    # ...and a short link's Delete asks first; cancelling keeps the link.
    pg.goto(base + "/seller/links/")
    pg.once("dialog", lambda dialog: dialog.dismiss())
    pg.locator(".table tbody tr", has_text=LONG_TITLE).get_by_role("button", name="Delete").click()
    pg.wait_for_load_state()
    assert pg.url.endswith("/seller/links/") and ShortLink.objects.filter(code=LONG_CODE).exists()

    context.clear_cookies()
    login(pg, base, portal_data["chloe"].email, TEST_PASSWORD)
    pg.wait_for_load_state()
    for name, path in CUSTOMER_PAGES:
        assert pg.goto(base + path).status == 200, path
        save_screenshot(pg, f"portal-cards-customer-{name}-390")
        _assert_fits_a_phone(pg, path)
        assert pg.locator("nav.portal-nav a[aria-current=page]").count() == 1, path
    # The order card's Download is a full-size button that works.
    pg.goto(base + "/account/orders/")
    download = pg.locator(".table tbody tr", has_text=LONG_TITLE).get_by_role("link", name="Download")
    assert download.bounding_box()["height"] >= 44
    download.click(trial=True)
    context.close()


def test_short_links_fit_a_desktop_and_copy_puts_the_link_on_the_clipboard(portal_data, chromium):
    base = portal_data["url"]
    context = chromium.new_context(
        viewport={"width": 1280, "height": 900},
        device_scale_factor=1,
        permissions=["clipboard-read", "clipboard-write"],
    )
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    login(pg, base, portal_data["maya"].email, TEST_PASSWORD)
    pg.wait_for_load_state()
    pg.goto(base + "/seller/links/")
    save_screenshot(pg, "portal-cards-seller-short-links-1280")

    wrap = pg.locator(".table-wrap")
    assert pg.evaluate("(el) => el.scrollWidth <= el.clientWidth", wrap.element_handle())
    frame = wrap.bounding_box()
    rows = pg.locator(".table tbody tr")
    assert rows.count() == 3
    for index in range(3):
        for name in ("Delete", "Copy"):
            box = rows.nth(index).get_by_role("button", name=name).bounding_box()
            assert box is not None, (index, name)
            assert frame["x"] <= box["x"] and box["x"] + box["width"] <= frame["x"] + frame["width"], (index, name)
    # The long address ends in an ellipsis in its field, which still holds all of it.
    row = rows.filter(has_text=LONG_TITLE)
    url = row.locator("input.short-url").input_value()
    assert url.endswith(f"/s/{LONG_CODE}/")

    copy = row.locator("button.copy-button")
    copy.click()
    # The button says so for a moment, and the page's live region tells screen readers.
    row.locator("button.copy-button.is-copied", has_text="Copied").wait_for()
    status = pg.locator("[data-copy-status]")
    status.filter(has_text=url).wait_for(state="attached")
    assert pg.evaluate("navigator.clipboard.readText()") == url

    # The other seller tables fit a laptop too: their row buttons stack rather than clip.
    for name, path in [("products", "/seller/products/"), ("orders", "/seller/orders/")]:
        pg.goto(base + path)
        save_screenshot(pg, f"portal-cards-seller-{name}-1280")
        assert pg.evaluate("document.scrollingElement.scrollWidth") <= 1280
        assert pg.evaluate("(el) => el.scrollWidth <= el.clientWidth", pg.locator(".table-wrap").element_handle()), path
    context.clear_cookies()
    login(pg, base, portal_data["chloe"].email, TEST_PASSWORD)
    pg.wait_for_load_state()
    for name, path in CUSTOMER_PAGES[:2]:
        pg.goto(base + path)
        save_screenshot(pg, f"portal-cards-customer-{name}-1280")
    context.close()

    # Without JavaScript there is no Copy button, and the field shows the link to copy.
    context = chromium.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=False)
    pg = context.new_page()
    login(pg, base, portal_data["maya"].email, TEST_PASSWORD)
    pg.wait_for_load_state()
    pg.goto(base + "/seller/links/")
    assert pg.locator("button.copy-button").first.is_hidden()
    assert pg.locator("input.short-url").first.is_visible()
    context.close()
