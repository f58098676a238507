"""The seller portal for a seller the editors have not trusted yet (catalogue.moderation):
"Publish" is "Submit for review", a crafted publish POST only submits, unpublishing stays
direct, and the list and form show where each product stands, in the same queries
however many products there are."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from wagtail.models import TaskState, WorkflowState

from catalogue import moderation
from catalogue.models import ProductPage
from tests.factories import ProductPageFactory, SellerFactory, UserFactory

from .conftest import count_queries, pdf_upload, product_data

pytestmark = pytest.mark.django_db

LIST_URL = reverse("seller_portal:products")


@pytest.fixture
def newcomer(db):
    return SellerFactory(email="nina@example.com")


@pytest.fixture
def newcomer_client(client, newcomer):
    client.force_login(newcomer)
    return client


def _messages(response):
    return [str(message) for message in response.context["messages"]]


def _reject(page, comment):
    """An editor asks for changes (the Wagtail admin path is tests/catalogue/test_moderation.py)."""
    editor = UserFactory()
    editor.groups.add(Group.objects.get(name=moderation.EDITORS_GROUP))
    task_state = TaskState.objects.get(workflow_state__object_id=str(page.pk), status=TaskState.STATUS_IN_PROGRESS)
    task_state.specific.reject(user=editor, comment=comment)


def test_the_form_offers_submit_for_review_not_publish(newcomer_client, site_tree):
    html = newcomer_client.get(reverse("seller_portal:product_create")).content.decode()
    assert 'value="submit"' in html and "Submit for review" in html
    assert "Publish now" not in html


def test_submitting_a_new_product_leaves_it_in_review_with_a_clear_message(newcomer_client, category, site_tree):
    response = newcomer_client.post(
        reverse("seller_portal:product_create"),
        {**product_data(category, action="submit"), "file": pdf_upload()},
        follow=True,
    )
    page = ProductPage.objects.get()
    assert not page.live
    assert moderation.review_of(page).state == moderation.ReviewState.IN_REVIEW
    assert any("is submitted for review" in message for message in _messages(response))
    html = response.content.decode()
    assert 'data-review-state="in_review"' in html and "In review" in html


def test_a_crafted_publish_post_only_submits_for_review(newcomer_client, newcomer, category, site_tree):
    # The form's old button value, and the list's publish URL: neither publishes.
    newcomer_client.post(
        reverse("seller_portal:product_create"), {**product_data(category, action="publish"), "file": pdf_upload()}
    )
    page = ProductPage.objects.get()
    assert not page.live
    assert moderation.review_of(page).in_review

    draft = ProductPageFactory(seller=newcomer, live=False)
    response = newcomer_client.post(reverse("seller_portal:product_publish", args=[draft.pk]), follow=True)
    draft.refresh_from_db()
    assert not draft.live
    assert moderation.review_of(draft).in_review
    assert any("is submitted for review" in message for message in _messages(response))

    # Publishing it again while in review changes nothing.
    response = newcomer_client.post(reverse("seller_portal:product_publish", args=[draft.pk]), follow=True)
    assert any("already in review" in message for message in _messages(response))
    assert WorkflowState.objects.filter(object_id=str(draft.pk)).count() == 1


def test_editing_a_live_product_keeps_the_live_page_until_approved(newcomer_client, newcomer, category, site_tree):
    page = ProductPageFactory(seller=newcomer, category=category, title="Bread basics")
    response = newcomer_client.post(
        reverse("seller_portal:product_edit", args=[page.pk]),
        product_data(category, title="Bread basics, second edition", action="submit"),
        follow=True,
    )
    page.refresh_from_db()
    assert page.live and page.title == "Bread basics"
    assert moderation.review_of(page).state == moderation.ReviewState.LIVE_CHANGES_IN_REVIEW
    assert any("live page stays as it is" in message for message in _messages(response))
    assert "Changes in review" in response.content.decode()

    # Unpublishing stays direct, and withdraws the review: an approval must not publish
    # the product again against the seller's wish.
    newcomer_client.post(reverse("seller_portal:product_unpublish", args=[page.pk]))
    page.refresh_from_db()
    assert not page.live
    assert not moderation.review_of(page).in_review
    assert not WorkflowState.objects.filter(object_id=str(page.pk), status=WorkflowState.STATUS_IN_PROGRESS).exists()


def test_changes_requested_shows_the_editors_comment_and_resubmitting_resumes(
    newcomer_client, newcomer, category, site_tree
):
    newcomer_client.post(
        reverse("seller_portal:product_create"), {**product_data(category, action="submit"), "file": pdf_upload()}
    )
    page = ProductPage.objects.get()
    _reject(page, "Please add a table of contents.")

    html = newcomer_client.get(LIST_URL).content.decode()
    assert 'data-review-state="changes_requested"' in html
    assert "Changes requested" in html and "Please add a table of contents." in html
    form_html = newcomer_client.get(reverse("seller_portal:product_edit", args=[page.pk])).content.decode()
    assert "Please add a table of contents." in form_html

    # A draft save keeps the request (and its comment); submitting resumes the same review.
    newcomer_client.post(reverse("seller_portal:product_edit", args=[page.pk]), product_data(category, action="draft"))
    assert moderation.review_of(page).changes_requested
    newcomer_client.post(reverse("seller_portal:product_edit", args=[page.pk]), product_data(category, action="submit"))
    assert moderation.review_of(page).in_review
    assert WorkflowState.objects.filter(object_id=str(page.pk)).count() == 1


def test_a_draft_save_while_in_review_withdraws_it(newcomer_client, category, site_tree):
    newcomer_client.post(
        reverse("seller_portal:product_create"), {**product_data(category, action="submit"), "file": pdf_upload()}
    )
    page = ProductPage.objects.get()
    response = newcomer_client.post(
        reverse("seller_portal:product_edit", args=[page.pk]), product_data(category, action="draft"), follow=True
    )
    assert moderation.review_of(page).state == moderation.ReviewState.DRAFT
    assert any("withdrawn from review" in message for message in _messages(response))


def test_a_trusted_seller_still_publishes_directly(seller_client, seller, category, site_tree):
    html = seller_client.get(reverse("seller_portal:product_create")).content.decode()
    assert "Publish now" in html and "Submit for review" not in html
    seller_client.post(
        reverse("seller_portal:product_create"), {**product_data(category, action="publish"), "file": pdf_upload()}
    )
    page = ProductPage.objects.get()
    assert page.live
    assert not WorkflowState.objects.filter(object_id=str(page.pk)).exists()


def test_the_list_shows_every_state_in_the_same_queries_for_2_or_10_products(
    newcomer_client, newcomer, category, site_tree
):
    def add_products(count):
        for n in range(count):
            kind = n % 4
            page = ProductPageFactory(seller=newcomer, category=category, live=kind == 0)
            if kind in (1, 2):
                page.save_revision(user=newcomer)
                moderation.submit_for_review(page, newcomer)
            if kind == 2:
                _reject(page, f"Comment {n}")

    add_products(2)
    two = count_queries(newcomer_client, LIST_URL)
    add_products(8)
    ten = count_queries(newcomer_client, LIST_URL)
    assert ten == two

    html = newcomer_client.get(LIST_URL).content.decode()
    for state in ("live", "in_review", "changes_requested", "draft"):
        assert f'data-review-state="{state}"' in html
    assert "Submit for review" in html  # the drafts' action


def test_another_sellers_product_cannot_be_submitted(newcomer_client, site_tree):
    other = ProductPageFactory(seller=SellerFactory(), live=False)
    response = newcomer_client.post(reverse("seller_portal:product_publish", args=[other.pk]))
    assert response.status_code == 404
    assert not WorkflowState.objects.filter(object_id=str(other.pk)).exists()


def test_a_gallery_change_of_a_new_seller_waits_for_review(newcomer_client, newcomer, site_tree):
    from catalogue.models import ProductGalleryImage
    from tests.catalogue.test_previews import png_upload

    product = ProductPageFactory(seller=newcomer)
    response = newcomer_client.post(
        f"/seller/products/{product.pk}/gallery/", {"image": png_upload(), "caption": "Unchecked"}, follow=True
    )
    assert response.status_code == 200
    assert not ProductGalleryImage.objects.filter(product=product).exists()  # not on the live page
    newcomer_client.post(reverse("seller_portal:product_publish", args=[product.pk]))
    product.refresh_from_db()
    assert moderation.review_of(product).state == moderation.ReviewState.LIVE_CHANGES_IN_REVIEW
    assert not ProductGalleryImage.objects.filter(product=product).exists()


def test_a_gallery_change_during_a_review_withdraws_it(newcomer_client, newcomer, site_tree):
    """Approval publishes the latest revision: an unreviewed gallery must not ride along."""
    from tests.catalogue.test_previews import png_upload

    product = ProductPageFactory(seller=newcomer)
    newcomer_client.post(reverse("seller_portal:product_publish", args=[product.pk]))
    product.refresh_from_db()
    assert moderation.review_of(product).in_review
    newcomer_client.post(f"/seller/products/{product.pk}/gallery/", {"image": png_upload(), "caption": "Unchecked"})
    product.refresh_from_db()
    assert not moderation.review_of(product).in_review
    assert not WorkflowState.objects.filter(object_id=str(product.pk), status=WorkflowState.STATUS_IN_PROGRESS).exists()


def test_files_and_versions_change_only_for_trusted_sellers(newcomer_client, newcomer, site_tree):
    """Extra files and new versions reach buyers at once, past review: a new seller changes
    the main file through the product form instead."""
    from catalogue.models import ProductFile

    product = ProductPageFactory(seller=newcomer)
    files_before = ProductFile.objects.filter(release__product=product).count()
    page = newcomer_client.get(reverse("seller_portal:product_files", args=[product.pk])).content.decode()
    assert "Publish a new version" not in page and "Add files" not in page
    assert "go through review" not in page and "only through review" in page

    response = newcomer_client.post(
        reverse("seller_portal:product_files", args=[product.pk]), {"files": pdf_upload()}, follow=True
    )
    assert any("only through review" in message for message in _messages(response))
    assert newcomer_client.get(reverse("seller_portal:product_version_new", args=[product.pk])).status_code == 302
    newcomer_client.post(
        reverse("seller_portal:product_version_new", args=[product.pk]), {"note": "v2", "files": pdf_upload()}
    )
    assert ProductFile.objects.filter(release__product=product).count() == files_before

    # Another seller's product is still a 404, not a message.
    other = ProductPageFactory(seller=SellerFactory())
    response = newcomer_client.post(reverse("seller_portal:product_version_new", args=[other.pk]), {"note": "x"})
    assert response.status_code == 404
