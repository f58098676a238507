"""Moderation in a real Chromium: a new seller submits a product for review on a phone
and sees "In review"; the product list with every state, and an editor's approve/reject
page for a proposed category, at desktop and phone widths (screenshots under
test-artifacts/)."""

import pytest
from django.contrib.auth.models import Group
from wagtail.models import TaskState

from catalogue import moderation
from catalogue.models import CategoryStatus, ProductPage
from tests.browser.helpers import login, save_screenshot
from tests.factories import (
    PDF_BYTES,
    TEST_PASSWORD,
    ProductCategoryFactory,
    ProductPageFactory,
    SellerFactory,
    UserFactory,
)

from .test_seller_portal import OUTSIDE_THE_PAGE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def review_site(browser_site, dodo_settings):
    """A new (untrusted) seller with products in every state, a category they proposed,
    and an editor of the Editors group."""
    seller = SellerFactory(first_name="Nina", last_name="Novak", email="nina@example.com")
    books = ProductCategoryFactory(name="E-books")
    proposal = ProductCategoryFactory(
        name="Field recordings",
        owner=seller,
        status=CategoryStatus.PENDING,
        description="Ambient sound captured outdoors: cities, forests, weather.",
    )
    editor = UserFactory(first_name="Eddie", last_name="Editor", email="eddie@example.com")
    editor.groups.add(Group.objects.get(name=moderation.EDITORS_GROUP))

    ProductPageFactory(seller=seller, category=books, title="Bread basics")
    in_review = ProductPageFactory(seller=seller, category=books, title="Sourdough deep dive", live=False)
    in_review.save_revision(user=seller)
    moderation.submit_for_review(in_review, seller)
    rejected = ProductPageFactory(seller=seller, category=proposal, title="Rain on a tin roof", live=False)
    rejected.save_revision(user=seller)
    moderation.submit_for_review(rejected, seller)
    task_state = TaskState.objects.get(workflow_state__object_id=str(rejected.pk), status=TaskState.STATUS_IN_PROGRESS)
    task_state.specific.reject(user=editor, comment="The cover is blurry: please upload a sharper one.")
    ProductPageFactory(seller=seller, category=books, title="Pasta by hand", live=False)
    return browser_site, seller, editor, proposal


@pytest.mark.parametrize("width", [390, 1280])
def test_a_new_seller_submits_for_review_and_sees_in_review(review_site, chromium, width):
    site, seller, _editor, _proposal = review_site
    context = chromium.new_context(viewport={"width": width, "height": 844}, device_scale_factor=1)
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    try:
        login(pg, site.url, seller.email, TEST_PASSWORD)
        pg.wait_for_load_state()
        pg.goto(site.url + "/seller/products/new/")
        pg.fill("#id_title", "Knots for sailors")
        pg.select_option("#id_category", label="E-books")
        pg.fill("#id_summary", "Twenty knots, drawn step by step.")
        pg.fill("#id_body", "Illustrated.")
        pg.fill("#id_price", "9.00")
        pg.select_option("#id_tax_category", "e_book")
        pg.set_input_files("#id_file", files=[{"name": "knots.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}])
        assert pg.get_by_role("button", name="Publish now").count() == 0
        pg.get_by_role("button", name="Submit for review").click()
        pg.wait_for_url("**/seller/products/")

        assert "is submitted for review" in pg.locator(".messages").inner_text()
        row = pg.locator("tr", has_text="Knots for sailors")
        assert "In review" in row.inner_text()
        assert "Changes requested" in pg.locator("tr", has_text="Rain on a tin roof").inner_text()
        assert "The cover is blurry" in pg.locator("tr", has_text="Rain on a tin roof").inner_text()
        assert not ProductPage.objects.get(title="Knots for sailors").live
        assert pg.evaluate(OUTSIDE_THE_PAGE) == []
        save_screenshot(pg, f"moderation-seller-products-{width}")

        pg.goto(site.url + "/seller/categories/")
        assert "Proposed — awaiting approval" in pg.locator("body").inner_text()
        assert pg.evaluate(OUTSIDE_THE_PAGE) == []
        save_screenshot(pg, f"moderation-seller-categories-{width}")

        product = ProductPage.objects.get(title="Rain on a tin roof")
        pg.goto(site.url + f"/seller/products/{product.pk}/edit/")
        assert "The cover is blurry" in pg.locator(".review-state").inner_text()
        save_screenshot(pg, f"moderation-seller-product-changes-requested-{width}")
    finally:
        context.close()


@pytest.mark.parametrize("width", [390, 1280])
def test_an_editor_reviews_a_proposed_category_in_wagtail_admin(review_site, chromium, width):
    site, _seller, editor, proposal = review_site
    context = chromium.new_context(viewport={"width": width, "height": 844}, device_scale_factor=1)
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    try:
        login(pg, site.url, editor.email, TEST_PASSWORD)
        pg.wait_for_load_state()
        # A product in review, as the editor meets it in Wagtail's page editor.
        in_review = ProductPage.objects.get(title="Sourdough deep dive")
        pg.goto(site.url + f"/admin/pages/{in_review.pk}/edit/")
        pg.get_by_role("button", name="More actions").click()
        pg.get_by_role("button", name="Request changes").wait_for()
        pg.wait_for_timeout(400)  # the menu fades in
        save_screenshot(pg, f"moderation-admin-product-in-review-{width}")
        assert pg.get_by_role("button", name="Request changes").is_visible()
        assert pg.get_by_role("button", name="Approve and Publish", exact=True).is_visible()
        pg.goto(site.url + "/admin/snippets/catalogue/productcategory/?status=pending")
        assert "Field recordings" in pg.locator("main").inner_text()
        save_screenshot(pg, f"moderation-admin-categories-{width}")

        pg.get_by_role("link", name="Approve or reject").first.click()
        pg.wait_for_url(f"**/admin/categories/{proposal.pk}/review/")
        assert "Ambient sound captured outdoors" in pg.locator("main").inner_text()
        save_screenshot(pg, f"moderation-admin-category-review-{width}")

        pg.get_by_role("button", name="Reject").click()
        assert "Say why it is rejected" in pg.locator("main").inner_text()
        pg.fill("textarea[name=comment]", "We already have a Sound packs category.")
        pg.get_by_role("button", name="Reject").click()
        pg.wait_for_url("**/admin/snippets/catalogue/productcategory/?status=pending")
        proposal.refresh_from_db()
        assert proposal.status == CategoryStatus.REJECTED
    finally:
        context.close()
