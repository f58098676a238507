"""Moderation of sellers' products (catalogue.moderation): an untrusted seller's product
goes through Wagtail's workflow; an editor of the Editors group approves it, or asks for
changes with a comment, on Wagtail admin's own workflow action URL; the seller is emailed
either way; a trusted seller publishes directly; Dodo (the emulator, over HTTP) only ever
sells what an editor approved."""

import importlib

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from wagtail.models import GroupPagePermission, Task, TaskState, Workflow, WorkflowPage, WorkflowState

from catalogue import moderation
from catalogue.models import ProductPage
from dodo.models import DodoProduct, SyncStatus
from home.site_tree import ensure_site_tree
from seller_portal import services
from tests.factories import PDF_BYTES, ProductCategoryFactory, SellerFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(site_tree):
    """A member of the Editors group: no superuser, only what the group grants."""
    user = UserFactory(email="eddie@example.com", first_name="Eddie")
    user.groups.add(Group.objects.get(name=moderation.EDITORS_GROUP))
    return user


@pytest.fixture
def newcomer(db):
    return SellerFactory(email="nina@example.com", first_name="Nina")


def _new_product(seller, *, submit=False, publish=False, title="Field notes"):
    page = ProductPage(
        title=title,
        summary="A field guide.",
        body="<p>Inside.</p>",
        price="12.00",
        tax_category="e_book",
        category=ProductCategoryFactory(),
        file=SimpleUploadedFile("guide.pdf", PDF_BYTES, content_type="application/pdf"),
    )
    return services.create_product(page, seller, publish=publish, submit=submit)


def _task_state(page):
    return TaskState.objects.get(workflow_state__object_id=str(page.pk), status=TaskState.STATUS_IN_PROGRESS)


def _act(client, page, action, comment=""):
    """What an editor's click in Wagtail admin posts: the page's workflow action URL."""
    url = reverse("wagtailadmin_pages:workflow_action", args=(page.pk, action, _task_state(page).pk))
    return client.post(url, {"comment": comment})


def _mail_to(address):
    return [message for message in mail.outbox if address in message.to]


# SETUP


def test_the_review_workflow_is_assigned_to_the_catalogue_and_ensuring_it_again_changes_nothing(site_tree):
    home, index = site_tree
    workflow = Workflow.objects.get(name=moderation.REVIEW_WORKFLOW_NAME)
    assert WorkflowPage.objects.get(page=index).workflow == workflow
    [task] = [task.specific for task in workflow.tasks]
    assert task.name == moderation.REVIEW_TASK_NAME
    assert list(task.groups.values_list("name", flat=True)) == ["Editors"]
    editors = Group.objects.get(name="Editors")
    codenames = set(
        GroupPagePermission.objects.filter(group=editors, page=index).values_list("permission__codename", flat=True)
    )
    assert {"change_page", "publish_page"} <= codenames
    assert editors.permissions.filter(codename="access_admin").exists()

    counts = (Workflow.objects.count(), Task.objects.count(), GroupPagePermission.objects.count())
    ensure_site_tree()
    moderation.ensure_product_workflow()
    assert (Workflow.objects.count(), Task.objects.count(), GroupPagePermission.objects.count()) == counts
    # A product page finds ours, not Wagtail's "Moderators approval" on the root page.
    assert _new_product(SellerFactory()).get_workflow() == workflow


def test_the_data_migration_makes_the_same_rows(site_tree):
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    index = site_tree[1]
    WorkflowPage.objects.filter(page=index).delete()
    Workflow.objects.filter(name=moderation.REVIEW_WORKFLOW_NAME).delete()
    Task.objects.filter(name=moderation.REVIEW_TASK_NAME).delete()
    state = MigrationExecutor(connection).loader.project_state(("catalogue", "0018_product_review_workflow"))
    migration = importlib.import_module("catalogue.migrations.0018_product_review_workflow")
    migration.create_review_workflow(state.apps, None)

    assert WorkflowPage.objects.get(page=index).workflow.name == moderation.REVIEW_WORKFLOW_NAME
    task = Task.objects.get(name=moderation.REVIEW_TASK_NAME).specific
    assert list(task.groups.values_list("name", flat=True)) == ["Editors"]


# THE RULES


def test_needs_review_follows_the_trusted_flag():
    assert moderation.needs_review(SellerFactory.build())
    assert not moderation.needs_review(SellerFactory.build(is_trusted_seller=True))


def test_an_untrusted_sellers_product_is_not_live_until_an_editor_approves_it(
    client, editor, newcomer, dodo_settings, dodo_emulator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        page = _new_product(newcomer, submit=True)
    page.refresh_from_db()
    assert not page.live
    assert moderation.review_of(page).state == moderation.ReviewState.IN_REVIEW
    # Dodo holds it archived: nobody can buy a product an editor has not approved.
    record = DodoProduct.objects.get(page_key=page.pk)
    assert record.archived

    client.force_login(editor)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = _act(client, page, "approve", "Lovely cover.")
    assert response.status_code == 302

    page.refresh_from_db()
    assert page.live
    assert moderation.review_of(page).state == moderation.ReviewState.LIVE
    assert WorkflowState.objects.get(object_id=str(page.pk)).status == WorkflowState.STATUS_APPROVED
    # Published through Wagtail's publish: page_published fired, Dodo sells it now.
    record.refresh_from_db()
    assert record.sync_status == SyncStatus.SYNCED and not record.archived
    [dodo_product] = [p for p in dodo_emulator.state()["products"] if p["product_id"] == record.product_id]
    assert dodo_product["archived"] is False

    [email] = _mail_to(newcomer.email)
    assert "Approved: Field notes is live" in email.subject
    assert "Lovely cover." in email.body
    assert "/catalogue/" in email.body


def test_rejection_with_a_comment_keeps_it_a_draft_and_emails_the_seller_the_comment(
    client, editor, newcomer, dodo_settings, dodo_emulator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        page = _new_product(newcomer, submit=True)
    client.force_login(editor)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _act(client, page, "reject", "The cover is blurry; please upload a sharper one.")

    page.refresh_from_db()
    assert not page.live
    review = moderation.review_of(page)
    assert review.state == moderation.ReviewState.CHANGES_REQUESTED
    assert review.comment == "The cover is blurry; please upload a sharper one."
    # Only our email reaches the seller (Wagtail's would link to an admin they cannot open).
    [email] = _mail_to(newcomer.email)
    assert email.subject == "Changes requested for Field notes"
    assert "The cover is blurry; please upload a sharper one." in email.body
    assert "The cover is blurry" in email.alternatives[0][0]
    assert f"/seller/products/{page.pk}/edit/" in email.body
    # Never sold on Dodo.
    assert DodoProduct.objects.get(page_key=page.pk).archived
    assert all(p["archived"] for p in dodo_emulator.state()["products"])

    # The seller fixes it and submits again: the same review resumes, an editor approves.
    page = ProductPage.objects.get(pk=page.pk).get_latest_revision_as_object()
    page.summary = "A sharper field guide."
    with django_capture_on_commit_callbacks(execute=True):
        services.update_product(page, newcomer, publish=False, submit=True)
    assert moderation.review_of(ProductPage.objects.get(pk=page.pk)).in_review
    assert WorkflowState.objects.filter(object_id=str(page.pk)).count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        _act(client, page, "approve")
    page = ProductPage.objects.get(pk=page.pk)
    assert page.live and page.summary == "A sharper field guide."
    assert not DodoProduct.objects.get(page_key=page.pk).archived


def test_editing_a_live_product_keeps_the_live_version_until_approved(
    client, editor, newcomer, django_capture_on_commit_callbacks
):
    page = _new_product(newcomer, publish=True, title="Old title")  # e.g. before trust was withdrawn
    page = ProductPage.objects.get(pk=page.pk).get_latest_revision_as_object()
    page.title = "New title"
    services.update_product(page, newcomer, publish=False, submit=True)

    live = ProductPage.objects.get(pk=page.pk)
    assert live.live and live.title == "Old title"
    assert moderation.review_of(live).state == moderation.ReviewState.LIVE_CHANGES_IN_REVIEW
    client.force_login(editor)
    with django_capture_on_commit_callbacks(execute=True):
        _act(client, live, "approve")
    assert ProductPage.objects.get(pk=page.pk).title == "New title"


def test_saving_a_newer_draft_withdraws_the_review(newcomer, site_tree):
    page = _new_product(newcomer, submit=True)
    page = ProductPage.objects.get(pk=page.pk).get_latest_revision_as_object()
    page.summary = "Changed after submitting."
    services.update_product(page, newcomer, publish=False)
    assert moderation.review_of(ProductPage.objects.get(pk=page.pk)).state == moderation.ReviewState.DRAFT
    assert WorkflowState.objects.get(object_id=str(page.pk)).status == WorkflowState.STATUS_CANCELLED


def test_a_trusted_seller_publishes_directly(site_tree, dodo_settings, dodo_emulator, django_capture_on_commit_callbacks):
    trusted = SellerFactory(is_trusted_seller=True)
    with django_capture_on_commit_callbacks(execute=True):
        page = _new_product(trusted, publish=True)
    assert ProductPage.objects.get(pk=page.pk).live
    assert not WorkflowState.objects.filter(object_id=str(page.pk)).exists()
    assert not DodoProduct.objects.get(page_key=page.pk).archived


def test_a_user_outside_the_editors_group_cannot_approve(client, newcomer, site_tree):
    page = _new_product(newcomer, submit=True)
    outsider = UserFactory(is_staff=True)
    outsider.groups.add(Group.objects.get_or_create(name="Moderators")[0])  # Wagtail's other group: not ours
    client.force_login(outsider)
    response = _act(client, page, "approve")
    assert response.status_code in (302, 403)
    assert not ProductPage.objects.get(pk=page.pk).live
    assert moderation.review_of(ProductPage.objects.get(pk=page.pk)).in_review
