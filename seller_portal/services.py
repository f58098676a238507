"""What the seller portal does to products, categories and short links.

Views validate input with the forms and call one function here. These functions change
the marketplace through the same Wagtail paths the admin uses (``add_child``,
``save_revision``, publish and unpublish actions, ``delete``), so the signals fire as they
do everywhere else and the ``dodo`` app keeps Dodo in step. Nothing here talks to Dodo.

The seller is always the signed-in user passed in by the view, never a value from a form.
"""

import logging

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.actions.unpublish_page import UnpublishPageAction
from wagtail.images import get_image_model
from wagtail.models import Collection

from catalogue import moderation
from catalogue.extensions import product_sync_provider
from catalogue.models import CatalogueIndexPage, ProductPage
from catalogue.referrals import REFERRALS_SESSION_KEY

from .codes import random_code
from .models import ShortLink
from .stats import ZERO, sales_by_product

logger = logging.getLogger(__name__)

# How often a random short-link code is redrawn after a collision before giving up. With
# 31^8 codes a second draw is already astronomically unlikely to be needed.
RANDOM_CODE_ATTEMPTS = 5


class ShortLinkCodeTaken(Exception):
    """The chosen code was taken between the form's check and the insert."""


# PRODUCTS


def seller_products(user):
    """The seller's products for the portal list, with their checkout state.

    The product sync provider (dodo's) adds each product's state as a subquery. Sales
    figures are not here: the list adds them to the one page it shows
    (:func:`add_sales_figures`), so a seller with many orders does not wait for the
    orders of every product to be summed.
    """
    products = product_sync_provider().annotate(ProductPage.objects.for_seller(user).select_related("category"))
    # Newest first, a stable order (a product does not jump to the top when edited) that
    # an index on the product table serves page by page, however many products there are.
    return products.order_by("-pk")


def add_sales_figures(products):
    """Set ``sales`` and ``revenue`` (net of refunds, see :mod:`seller_portal.stats`) on
    each of ``products`` (a page of the list), summing only their orders: one query."""
    products = list(products)
    figures = sales_by_product([product.pk for product in products])
    for product in products:
        product.sales, product.revenue, product.free_downloads = figures.get(product.pk, (0, ZERO, 0))
    return products


def store_image(upload, title, seller, fallback_title=None):
    """Store an uploaded picture (a cover or a gallery image, already validated by
    ``WagtailImageField``) as a Wagtail image in the root collection."""
    image = get_image_model()(
        title=str(title)[:255] or str(fallback_title or _("Product cover")),
        file=upload,
        collection=Collection.get_first_root_node(),
        uploaded_by_user=seller,
    )
    image._set_image_file_metadata()
    image.save()
    return image


@transaction.atomic
def create_product(page, seller, *, publish, cover=None, submit=False):
    """Create ``page`` (an unsaved ``ProductPage`` from the form) under the catalogue index.

    It always starts as a draft with a first revision, as in Wagtail admin; ``publish``
    then publishes that revision, ``submit`` sends it to the editors' review instead
    (``catalogue.moderation``: the portal decides which one a seller may do). Dodo hears
    of it through the signals, once, after the transaction commits.
    """
    page.seller = seller
    page.live = False
    if cover is not None:
        page.cover_image = store_image(cover, page.title, seller)
    index = CatalogueIndexPage.objects.get()
    index.add_child(instance=page)
    revision = page.save_revision(user=seller, log_action=True)
    if publish:
        revision.publish(user=seller, skip_permission_checks=True)
    elif submit:
        moderation.submit_for_review(page, seller)
    logger.info("Product #%s: created by seller #%s (%s)", page.pk, seller.pk, _outcome(publish, submit))
    return page


def _outcome(publish, submit):
    return "published" if publish else "submitted for review" if submit else "draft"


@transaction.atomic
def update_product(page, seller, *, publish, cover=None, submit=False):
    """Save the seller's changes to ``page`` (the latest revision, edited by the form).

    ``publish`` publishes them; ``submit`` sends them to the editors' review; otherwise
    they are kept as a draft revision, and a review still in progress is withdrawn (the
    editors must not approve a revision the seller has since replaced). A draft, or a
    revision in review, of a live product leaves the live page, and therefore Dodo,
    untouched until it is published. A product that was never published is saved in
    full as well, as Wagtail admin does, so its listing shows the latest title.
    """
    page.seller = seller
    if cover is not None:
        page.cover_image = store_image(cover, page.title, seller)
    if not page.live:
        page.save()
    revision = page.save_revision(user=seller, log_action=True)
    if publish:
        revision.publish(user=seller, skip_permission_checks=True)
    elif submit:
        moderation.submit_for_review(page, seller)
    else:
        moderation.withdraw_from_review(page, seller)
    logger.info("Product #%s: edited by seller #%s (%s)", page.pk, seller.pk, _outcome(publish, submit))
    return page


@transaction.atomic
def publish_product(page, seller):
    """Publish the latest revision of ``page`` (a first revision is made if it has none)."""
    revision = page.get_latest_revision() or page.save_revision(user=seller, log_action=True)
    revision.publish(user=seller, skip_permission_checks=True)
    logger.info("Product #%s: published by seller #%s", page.pk, seller.pk)


@transaction.atomic
def submit_product(page, seller):
    """Send the latest revision of ``page`` to the editors' review (a seller who may not
    publish directly, ``catalogue.moderation.needs_review``)."""
    if page.get_latest_revision() is None:
        page.save_revision(user=seller, log_action=True)
    moderation.submit_for_review(page, seller)


@transaction.atomic
def unpublish_product(page, seller):
    """Take ``page`` off the catalogue; buyers keep their downloads."""
    # The portal has checked ownership; sellers hold no Wagtail page permissions.
    UnpublishPageAction(page, user=seller).execute(skip_permission_checks=True)
    # An approval still to come would publish the product again against the seller's wish.
    moderation.withdraw_from_review(page, seller)
    logger.info("Product #%s: unpublished by seller #%s", page.pk, seller.pk)


@transaction.atomic
def delete_product(page, seller):
    """Delete ``page``; raises ``ProductHasOrdersError`` (nothing changes) if it was ordered."""
    page_id = page.pk
    page.delete()
    logger.info("Product #%s: deleted by seller #%s", page_id, seller.pk)


# CATEGORIES


def save_category(category, seller):
    """Save a category the seller created or edits: a proposal that waits for an editor's
    approval (``catalogue.moderation.propose_category``); the slug comes from the signal."""
    return moderation.propose_category(category, seller)


@transaction.atomic
def delete_category(category, seller):
    """Delete ``category``; raises ``CategoryInUseError`` while products use it."""
    category_id = category.pk
    category.delete()
    logger.info("Category #%s: deleted by seller #%s", category_id, seller.pk)


# SHORT LINKS


def seller_short_links(user):
    """The seller's short links with their product and sales (one query)."""
    return ShortLink.objects.for_seller(user).select_related("product").with_sales()


def create_short_link(seller, product, code=""):
    """Create a short link to ``product``; a random code when ``code`` is empty.

    A random code that collides is drawn again; a chosen code taken since the form
    checked it raises :class:`ShortLinkCodeTaken` (the unique index is the referee).
    """
    attempts = 1 if code else RANDOM_CODE_ATTEMPTS
    for _attempt in range(attempts):
        candidate = code or random_code()
        try:
            # A savepoint: a failed insert must not break the caller's transaction.
            with transaction.atomic():
                link = ShortLink.objects.create(seller=seller, product=product, code=candidate)
        except IntegrityError:
            if code:
                raise ShortLinkCodeTaken(code) from None
            logger.info("Short link: random code %s collided, drawing again", candidate)
            continue
        logger.info(
            "Short link #%s: /s/%s/ created by seller #%s for product #%s", link.pk, link.code, seller.pk, product.pk
        )
        return link
    raise RuntimeError(f"No free short-link code after {attempts} attempts")


def set_short_link_active(link, active):
    """Enable or disable ``link``; a disabled link answers 404."""
    ShortLink.objects.filter(pk=link.pk).update(is_active=active)
    link.is_active = active
    logger.info("Short link #%s: %s", link.pk, "enabled" if active else "disabled")


def delete_short_link(link):
    """Delete ``link``; its code answers 404 and may be taken again. Orders keep the code."""
    link_id = link.pk
    link.delete()
    logger.info("Short link #%s: deleted", link_id)


def follow_short_link(code, session, count=True):
    """Count a click on the active link ``code`` and remember it for sales attribution.

    Returns the link's live product page, or ``None`` when there is no active link with
    that code or its product is not live (the caller answers 404). The click is counted
    with one ``UPDATE ... SET clicks = clicks + 1``, so simultaneous clicks are never lost.

    Attribution: ``session[REFERRALS_SESSION_KEY]`` (``catalogue.referrals``) maps product
    ids (as strings) to the code last followed for that product; checkout stores that code on the order
    (``Order.referral_code``). ``count=False`` (a HEAD request, e.g. a link preview
    checking the target) resolves the link without counting or remembering anything.
    """
    link = ShortLink.objects.with_code(code).filter(is_active=True).select_related("product").first()
    if link is None or not link.product.live:
        return None
    if not count:
        return link.product
    ShortLink.objects.filter(pk=link.pk).update(clicks=F("clicks") + 1, last_clicked_at=timezone.now())
    referrals = dict(session.get(REFERRALS_SESSION_KEY) or {})
    referrals[str(link.product_id)] = link.code
    session[REFERRALS_SESSION_KEY] = referrals
    return link.product
