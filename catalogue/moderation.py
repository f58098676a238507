"""Moderation: what editors check before shoppers see a seller's work.

Products. A seller who is not yet trusted (``User.is_trusted_seller``, set by editors)
cannot publish: "Publish" in the portal submits the product's latest revision to
Wagtail's own workflow, "Seller products" (one :class:`GroupApprovalTask`, "Editors
review", for the "Editors" group), assigned to the catalogue index so that every product
page gets it. Editors approve or request changes, with a comment, on Wagtail admin's
usual moderation screens; approval publishes the revision through Wagtail's normal
publish, so ``page_published`` fires and the Dodo sync, the category counters and the
page cache follow as for any other publish. A trusted seller publishes directly.

The seller hears of the decision by email (``send_product_review_email``, enqueued after
the commit by ``signal_handlers.email_seller_about_product_review``). Wagtail's own
"approved"/"rejected" emails link to the admin, which sellers cannot open, so they are
turned off for a seller when they first submit (their Wagtail ``UserProfile``); editors
keep Wagtail's "submitted" emails, which is their channel.

Categories. A category a seller proposes starts ``PENDING`` (``CategoryStatus``); an
editor approves or rejects it, with a comment, in Wagtail admin
(``catalogue.admin_categories``); the seller is emailed either way. Shoppers only ever
see approved categories (:func:`ProductCategory.is_approved`, ``categories_with_urls``).
"""

import logging
from dataclasses import dataclass
from functools import partial

from django.apps import apps as global_apps
from django.conf import settings
from django.db import transaction
from django.db.models import Prefetch, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tasks import task

from .models import CatalogueIndexPage, CategoryStatus, ProductCategory, ProductPage

logger = logging.getLogger(__name__)

EDITORS_GROUP = "Editors"
REVIEW_TASK_NAME = "Editors review"
REVIEW_WORKFLOW_NAME = "Seller products"
# What editors need on the catalogue index (and so on every product below it) to review
# products in Wagtail admin: edit them, and publish (approving publishes the revision).
EDITOR_PAGE_PERMISSIONS = ("change_page", "publish_page")
# Model permissions of the group: into the admin, and the categories they review.
EDITOR_MODEL_PERMISSIONS = (
    ("wagtailadmin", "admin", "access_admin", "Can access Wagtail admin"),
    ("catalogue", "productcategory", "add_productcategory", "Can add product category"),
    ("catalogue", "productcategory", "change_productcategory", "Can change product category"),
    ("catalogue", "productcategory", "view_productcategory", "Can view product category"),
)


class ModerationError(Exception):
    """A moderation step that cannot be taken; the message is fit to show the user."""


class ReviewNotConfigured(ModerationError):
    """No review workflow applies to the product (``ensure_product_workflow`` not run)."""


class CategoryNotPending(ModerationError):
    """Only a category awaiting approval can be approved or rejected."""


# SETUP


def ensure_product_workflow(index=None, apps=global_apps):
    """Make sure products under the catalogue index are reviewed by the Editors group.

    Idempotent (``ensure_site_tree`` runs it on every deploy; migration 0018 once): the
    "Editors" group (Wagtail's initial data makes it) with admin access, the category
    permissions and change/publish on the catalogue index; the "Editors review" task for
    that group; the "Seller products" workflow holding it; and that workflow assigned to
    the catalogue index. Wagtail's migration assigns a "Moderators approval" workflow to
    the root page; the nearest assignment wins, so products get ours. A workflow an
    editor has since assigned to the index instead is left alone.

    ``apps`` is the app registry (a migration passes its historical one). Returns the
    workflow, or ``None`` when there is no catalogue index yet.
    """
    ContentType = apps.get_model("contenttypes", "ContentType")
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    GroupApprovalTask = apps.get_model("wagtailcore", "GroupApprovalTask")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    WorkflowTask = apps.get_model("wagtailcore", "WorkflowTask")
    WorkflowPage = apps.get_model("wagtailcore", "WorkflowPage")
    if index is None:
        index = apps.get_model("catalogue", "CatalogueIndexPage").objects.first()
    if index is None:
        return None

    def permission(app_label, model, codename, name):
        content_type, _created = ContentType.objects.get_or_create(app_label=app_label, model=model)
        found, _created = Permission.objects.get_or_create(
            content_type=content_type, codename=codename, defaults={"name": name}
        )
        return found

    editors, _created = Group.objects.get_or_create(name=EDITORS_GROUP)
    editors.permissions.add(*(permission(*spec) for spec in EDITOR_MODEL_PERMISSIONS))
    for codename in EDITOR_PAGE_PERMISSIONS:
        page_permission = permission("wagtailcore", "page", codename, f"Can {codename.replace('_', ' ')}")
        GroupPagePermission.objects.get_or_create(group=editors, page_id=index.pk, permission=page_permission)

    task = GroupApprovalTask.objects.filter(name=REVIEW_TASK_NAME).first()
    if task is None:
        task_type, _created = ContentType.objects.get_or_create(app_label="wagtailcore", model="groupapprovaltask")
        task = GroupApprovalTask.objects.create(name=REVIEW_TASK_NAME, content_type=task_type, active=True)
    task.groups.add(editors)

    workflow = Workflow.objects.filter(name=REVIEW_WORKFLOW_NAME).first()
    if workflow is None:
        workflow = Workflow.objects.create(name=REVIEW_WORKFLOW_NAME, active=True)
    WorkflowTask.objects.get_or_create(workflow=workflow, task_id=task.pk, defaults={"sort_order": 0})

    assigned = WorkflowPage.objects.filter(page_id=index.pk).first()
    if assigned is None:
        WorkflowPage.objects.create(page_id=index.pk, workflow=workflow)
    elif assigned.workflow_id != workflow.pk:
        logger.info("Catalogue index #%s keeps workflow #%s assigned by an editor", index.pk, assigned.workflow_id)
    return workflow


# PRODUCTS


def needs_review(seller):
    """Whether ``seller``'s products go through the editors' review before going live."""
    return not seller.is_trusted_seller


class ReviewState:
    """Where a product stands, as the seller portal shows it."""

    DRAFT = "draft"
    IN_REVIEW = "in_review"
    CHANGES_REQUESTED = "changes_requested"
    LIVE = "live"
    LIVE_CHANGES_IN_REVIEW = "live_changes_in_review"
    LIVE_CHANGES_REQUESTED = "live_changes_requested"


@dataclass(frozen=True)
class ProductReview:
    """A product's state for the portal: ``state`` (a :class:`ReviewState`), and the
    editor's ``comment`` when they asked for changes."""

    state: str
    comment: str = ""

    @property
    def live(self):
        return self.state.startswith("live")

    @property
    def in_review(self):
        return self.state in (ReviewState.IN_REVIEW, ReviewState.LIVE_CHANGES_IN_REVIEW)

    @property
    def changes_requested(self):
        return self.state in (ReviewState.CHANGES_REQUESTED, ReviewState.LIVE_CHANGES_REQUESTED)


def with_review_states(products):
    """``products`` (a product queryset) with their open review fetched alongside: one
    query for the whole list, whatever its length.

    Wagtail's ``prefetch_workflow_states()`` does this for querysets of ``Page``; on a
    ``ProductPage`` queryset its generic relation looks for the wrong content type, so the
    states are prefetched here through the relation keyed by the specific type (which
    ``WorkflowState.content_type`` holds), into the attribute Wagtail's
    ``current_workflow_state`` reads.
    """
    from wagtail.models import WorkflowState

    states = WorkflowState.objects.active().select_related("current_task_state__task")
    return products.prefetch_related(
        Prefetch("_specific_workflow_states", queryset=states, to_attr="_current_workflow_states")
    )


def review_of(product):
    """The :class:`ProductReview` of ``product``: from the prefetched workflow states
    (:func:`with_review_states`, no query), otherwise with one query."""
    from wagtail.models import WorkflowState

    workflow_state = product.current_workflow_state
    if workflow_state is None:
        return ProductReview(ReviewState.LIVE if product.live else ReviewState.DRAFT)
    if workflow_state.status == WorkflowState.STATUS_NEEDS_CHANGES:
        task_state = workflow_state.current_task_state
        comment = task_state.comment if task_state is not None else ""
        state = ReviewState.LIVE_CHANGES_REQUESTED if product.live else ReviewState.CHANGES_REQUESTED
        return ProductReview(state, comment)
    return ProductReview(ReviewState.LIVE_CHANGES_IN_REVIEW if product.live else ReviewState.IN_REVIEW)


def add_reviews(products):
    """Set ``review`` (:func:`review_of`) on each of ``products``; no query when they were
    loaded through :func:`with_review_states`."""
    products = list(products)
    for product in products:
        product.review = review_of(product)
    return products


def _mute_wagtail_decision_emails(seller):
    """Sellers cannot open Wagtail admin, where Wagtail's approved/rejected emails link;
    ours (``send_product_review_email``) tell them instead, so Wagtail's are turned off."""
    from wagtail.users.models import UserProfile

    profile = UserProfile.get_for_user(seller)
    if profile.approved_notifications or profile.rejected_notifications:
        profile.approved_notifications = False
        profile.rejected_notifications = False
        profile.save(update_fields=["approved_notifications", "rejected_notifications"])


def _lock(product):
    """Lock the product's row: two "Submit" presses at once must not start two reviews."""
    ProductPage.objects.select_for_update().filter(pk=product.pk).values_list("pk", flat=True).first()


@transaction.atomic
def submit_for_review(product, seller):
    """Submit ``product``'s latest revision to the editors on behalf of its seller.

    A review that asked for changes is resumed (the editors see it again, with its
    history); a review still in progress is restarted on the new revision, so what the
    editors approve is always what the seller last submitted. A live product stays live,
    as it is, until the editors approve. Returns the ``WorkflowState``.
    """
    from wagtail.models import WorkflowState

    _lock(product)
    workflow_state = product.workflow_states.active().select_related("current_task_state").first()
    _mute_wagtail_decision_emails(seller)
    if workflow_state is not None and workflow_state.status == WorkflowState.STATUS_NEEDS_CHANGES:
        workflow_state.resume(user=seller)
        logger.info("Product #%s: resubmitted for review by seller #%s", product.pk, seller.pk)
        return workflow_state
    if workflow_state is not None:
        workflow_state.cancel(user=seller)
    workflow = product.get_workflow()
    if workflow is None:
        raise ReviewNotConfigured(_("Products cannot be reviewed right now. Please try again later."))
    workflow_state = workflow.start(product, seller)
    logger.info("Product #%s: submitted for review by seller #%s", product.pk, seller.pk)
    return workflow_state


@transaction.atomic
def withdraw_from_review(product, seller):
    """Stop a review in progress (the seller saved a newer draft): editors must not approve
    a revision the seller has since replaced. A request for changes is kept, with its
    comment, until the seller submits again. Returns whether a review was withdrawn."""
    from wagtail.models import WorkflowState

    _lock(product)
    workflow_state = product.workflow_states.filter(status=WorkflowState.STATUS_IN_PROGRESS).first()
    if workflow_state is None:
        return False
    workflow_state.cancel(user=seller)
    logger.info("Product #%s: withdrawn from review by seller #%s", product.pk, seller.pk)
    return True


def product_decision_of(workflow_state):
    """The finished ``TaskState`` a product's approval or rejection rests on, or ``None``
    when ``workflow_state`` is not about a product page."""
    if workflow_state.content_type.model_class() is not ProductPage:
        return None
    return workflow_state.current_task_state


@task(backend="db", takes_context=True)
def send_product_review_email(context, task_state_id, attempt=1):
    """Tell the seller the editors approved their product (it is live) or asked for
    changes (with the editor's comment)."""
    from wagtail.models import TaskState

    from .emails import send_email_from_task

    task_state = TaskState.objects.select_related("workflow_state", "finished_by").filter(pk=task_state_id).first()
    if task_state is None:
        logger.warning("Task state #%s: review email not sent, it no longer exists", task_state_id)
        return False
    product = (
        ProductPage.objects.select_related("seller").filter(pk=task_state.workflow_state.object_id).first()
    )
    if product is None or not product.seller.is_active:
        logger.info("Task state #%s: review email skipped (no product or inactive seller)", task_state_id)
        return False
    approved = task_state.status == TaskState.STATUS_APPROVED
    template_context = {
        "product": product,
        "recipient": product.seller,
        "approved": approved,
        "comment": task_state.comment,
        "title": product.draft_title or product.title,
        "edit_url": settings.SITE_URL + reverse("seller_portal:product_edit", args=[product.pk]),
        "page_url": product.full_url if approved and product.live else "",
    }
    return send_email_from_task(
        context,
        "catalogue/emails/product_review",
        template_context,
        [product.seller.email],
        about=f"Product #{product.pk}: review {'approved' if approved else 'changes requested'}",
    )


# CATEGORIES


def propose_category(category, seller):
    """Save a category a seller created or edited: it awaits an editor's approval.

    An approved category is the marketplace's (other sellers file products under it, the
    home page may show it), so the portal lets its creator change only their proposals:
    pending or rejected ones. Editing a rejected one proposes it again.
    """
    category.owner = seller
    category.status = CategoryStatus.PENDING
    # A fresh proposal: the last decision no longer applies (the seller was emailed it).
    category.reviewed_by, category.reviewed_at, category.review_comment = None, None, ""
    category.save()
    logger.info("Category #%s: proposed by seller #%s", category.pk, seller.pk)
    return category


def seller_may_change(category):
    """Whether the seller who proposed ``category`` may still edit or delete it."""
    return category.status != CategoryStatus.APPROVED


def categories_offered_to(seller_id):
    """The categories a seller may file a product under: every approved one, and their
    own proposals still awaiting approval (rejected ones are not offered)."""
    return ProductCategory.objects.filter(
        Q(status=CategoryStatus.APPROVED) | Q(status=CategoryStatus.PENDING, owner_id=seller_id)
    ).order_by("name")


def category_choice_label(category):
    """How the product form names a category: a pending proposal says so."""
    if category.status == CategoryStatus.PENDING:
        return _("%(name)s (awaiting approval)") % {"name": category.name}
    return category.name


@transaction.atomic
def approve_category(category, editor, comment=""):
    """An editor approves a proposed category: shoppers see it from now on (once it has
    live products), and the seller who proposed it is emailed after the commit."""
    return _decide_category(category, editor, CategoryStatus.APPROVED, comment)


@transaction.atomic
def reject_category(category, editor, comment):
    """An editor rejects a proposed category, saying why: it stays hidden from shoppers,
    is no longer offered for products, and the seller is emailed the comment."""
    return _decide_category(category, editor, CategoryStatus.REJECTED, comment)


def _decide_category(category, editor, status, comment):
    # Locked and read again: two editors deciding at once cannot both win.
    locked = ProductCategory.objects.select_for_update().get(pk=category.pk)
    if locked.status != CategoryStatus.PENDING:
        raise CategoryNotPending(
            _("“%(name)s” is not awaiting approval any more (%(status)s).")
            % {"name": locked.name, "status": locked.get_status_display()}
        )
    locked.status = status
    locked.reviewed_by = editor
    locked.reviewed_at = timezone.now()
    locked.review_comment = comment.strip()
    locked.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_comment"])
    logger.info("Category #%s: %s by editor #%s", locked.pk, status, editor.pk)
    if locked.owner_id:
        transaction.on_commit(partial(send_category_review_email.enqueue, locked.pk))
    return locked


@task(backend="db", takes_context=True)
def send_category_review_email(context, category_id, attempt=1):
    """Tell the seller who proposed a category that editors approved or rejected it."""
    from .emails import send_email_from_task

    category = ProductCategory.objects.select_related("owner").filter(pk=category_id).first()
    if category is None or category.owner is None or not category.owner.is_active:
        logger.info("Category #%s: review email skipped (gone, no owner or inactive owner)", category_id)
        return False
    index = CatalogueIndexPage.objects.first()
    template_context = {
        "category": category,
        "recipient": category.owner,
        "approved": category.status == CategoryStatus.APPROVED,
        "comment": category.review_comment,
        "categories_url": settings.SITE_URL + reverse("seller_portal:categories"),
        "category_url": settings.SITE_URL + index.category_url(category) if index else "",
    }
    return send_email_from_task(
        context,
        "catalogue/emails/category_review",
        template_context,
        [category.owner.email],
        about=f"Category #{category_id}: {category.status}",
    )
