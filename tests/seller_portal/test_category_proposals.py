"""Categories sellers propose (catalogue.moderation): pending until an editor approves
them in Wagtail admin, hidden from shoppers until then, the seller emailed either way."""

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse

from catalogue import moderation
from catalogue.models import CategoryStatus, ProductCategory
from tests.factories import CustomerFactory, ProductCategoryFactory, ProductPageFactory, SellerFactory, UserFactory

pytestmark = pytest.mark.django_db


def review_url(category):
    return reverse("catalogue_category_review", args=[category.pk])


@pytest.fixture
def editor(site_tree):
    user = UserFactory(email="eddie@example.com")
    user.groups.add(Group.objects.get(name=moderation.EDITORS_GROUP))
    return user


@pytest.fixture
def proposal(seller, site_tree):
    """A category the seller proposed, with a live product of theirs (a trusted seller's)."""
    category = ProductCategoryFactory(name="Field recordings", owner=seller, status=CategoryStatus.PENDING)
    ProductPageFactory(seller=seller, category=category, title="Rain on a tin roof")
    return category


# IN THE PORTAL


def test_a_category_created_in_the_portal_is_proposed(seller_client, seller, site_tree):
    response = seller_client.post(
        reverse("seller_portal:category_create"), {"name": "Field recordings", "description": "Outdoors."}, follow=True
    )
    category = ProductCategory.objects.get()
    assert category.status == CategoryStatus.PENDING and category.owner == seller
    messages = [str(message) for message in response.context["messages"]]
    assert any("is proposed" in message for message in messages)
    html = response.content.decode()
    assert "Proposed — awaiting approval" in html
    assert "/catalogue/category/field-recordings/" not in html  # no page to link to yet


def test_the_product_form_offers_approved_and_own_pending_categories_only(seller_client, seller, site_tree):
    approved = ProductCategoryFactory(name="E-books")
    mine = ProductCategoryFactory(name="Field recordings", owner=seller, status=CategoryStatus.PENDING)
    ProductCategoryFactory(name="Someone else's idea", owner=SellerFactory(), status=CategoryStatus.PENDING)
    ProductCategoryFactory(name="Turned down", owner=seller, status=CategoryStatus.REJECTED)

    form = seller_client.get(reverse("seller_portal:product_create")).context["form"]
    field = form.fields["category"]
    assert list(field.queryset) == [approved, mine]
    assert [label for _value, label in field.choices][1:] == ["E-books", "Field recordings (awaiting approval)"]


def test_an_approved_category_is_the_editors_and_a_rejected_one_may_be_fixed(seller_client, seller, site_tree):
    approved = ProductCategoryFactory(name="Mine, approved", owner=seller)
    response = seller_client.post(
        reverse("seller_portal:category_edit", args=[approved.pk]), {"name": "Renamed", "description": ""}, follow=True
    )
    approved.refresh_from_db()
    assert approved.name == "Mine, approved"
    assert any("editors look after it" in str(message) for message in response.context["messages"])
    seller_client.post(reverse("seller_portal:category_delete", args=[approved.pk]))
    assert ProductCategory.objects.filter(pk=approved.pk).exists()

    rejected = ProductCategoryFactory(
        name="Stuff", owner=seller, status=CategoryStatus.REJECTED, review_comment="Too vague."
    )
    html = seller_client.get(reverse("seller_portal:categories")).content.decode()
    assert "Not approved" in html and "Too vague." in html
    seller_client.post(
        reverse("seller_portal:category_edit", args=[rejected.pk]), {"name": "Sample packs", "description": ""}
    )
    rejected.refresh_from_db()
    assert (rejected.name, rejected.status) == ("Sample packs", CategoryStatus.PENDING)


# HIDDEN FROM SHOPPERS


def test_a_pending_category_is_hidden_from_shoppers(client, proposal, catalogue_index, home_page):
    approved = ProductCategoryFactory(name="E-books")
    ProductPageFactory(category=approved, title="A good book")
    product = proposal.products.get()

    assert client.get(catalogue_index.category_url(proposal)).status_code == 404
    assert client.get(catalogue_index.url, {"category": proposal.slug}).status_code == 200  # no redirect to it
    listing = client.get(catalogue_index.url).content.decode()
    assert "Rain on a tin roof" in listing  # the product is live...
    assert "Field recordings" not in listing  # ...but its category is named nowhere: chips, filter, cards
    assert "E-books" in listing
    assert "Field recordings" not in client.get(home_page.url).content.decode()  # the category grid
    page_html = client.get(product.url).content.decode()
    assert "Field recordings" not in page_html  # breadcrumb, label, "More in"

    assert [category.slug for category in catalogue_index.categories_with_urls()] == [approved.slug]


def test_checking_the_category_costs_no_query(client, proposal, catalogue_index):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(url):
        client.get(url)  # warm the site and fragment caches alike
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url, {"v": "x"}).status_code == 200
        return len(captured)

    hidden = proposal.products.get()
    shown = ProductPageFactory(category=ProductCategoryFactory(name="E-books"))
    assert queries(hidden.url) == queries(shown.url)  # the category is joined to the product


# APPROVAL IN WAGTAIL ADMIN


def test_the_admin_list_shows_the_status_and_filters_the_pending(client, editor, proposal):
    ProductCategoryFactory(name="E-books")
    client.force_login(editor)
    url = reverse(ProductCategory.snippet_viewset.get_url_name("list"))
    html = client.get(url, {"status": "pending"}).content.decode()
    assert "Field recordings" in html and "E-books" not in html
    assert "Awaiting approval" in html and review_url(proposal) in html


def test_an_editor_approves_a_proposal_and_the_seller_is_emailed(
    client, editor, proposal, seller, catalogue_index, django_capture_on_commit_callbacks
):
    client.force_login(editor)
    assert "Field recordings" in client.get(review_url(proposal)).content.decode()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(review_url(proposal), {"decision": "approve", "comment": "Welcome!"})
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == CategoryStatus.APPROVED
    assert proposal.reviewed_by == editor and proposal.reviewed_at is not None
    [email] = mail.outbox
    assert email.to == [seller.email]
    assert email.subject == "Category approved: Field recordings"
    assert "Welcome!" in email.body

    client.logout()
    assert client.get(catalogue_index.category_url(proposal)).status_code == 200


def test_a_rejection_needs_a_comment_and_emails_it(client, editor, proposal, seller, django_capture_on_commit_callbacks):
    client.force_login(editor)
    response = client.post(review_url(proposal), {"decision": "reject", "comment": "  "})
    assert response.status_code == 200
    assert "Say why it is rejected" in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == CategoryStatus.PENDING

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(review_url(proposal), {"decision": "reject", "comment": "We already have “Sound packs”."})
    proposal.refresh_from_db()
    assert proposal.status == CategoryStatus.REJECTED
    assert proposal.review_comment == "We already have “Sound packs”."
    [email] = mail.outbox
    assert email.subject == "Category not approved: Field recordings"
    assert "We already have “Sound packs”." in email.body

    # Decided once: a second decision is refused with a message, nothing changes.
    response = client.post(review_url(proposal), {"decision": "approve"}, follow=True)
    proposal.refresh_from_db()
    assert proposal.status == CategoryStatus.REJECTED
    assert "not awaiting approval" in response.content.decode()


@pytest.mark.parametrize("who", ["seller", "customer", "staff without category rights"])
def test_only_those_who_may_change_categories_may_decide(client, proposal, who):
    user = {
        "seller": lambda: proposal.owner,
        "customer": CustomerFactory,
        "staff without category rights": lambda: UserFactory(is_staff=True),
    }[who]()
    client.force_login(user)
    for response in (
        client.get(review_url(proposal)),
        client.post(review_url(proposal), {"decision": "approve", "comment": ""}),
    ):
        assert response.status_code in (302, 403)
        if response.status_code == 302:
            assert "/login/" in response["Location"]
    proposal.refresh_from_db()
    assert proposal.status == CategoryStatus.PENDING
    assert not mail.outbox


def test_editor_made_categories_are_approved(client, editor, site_tree):
    client.force_login(editor)
    client.post(
        reverse(ProductCategory.snippet_viewset.get_url_name("add")), {"name": "Courses", "slug": "", "description": ""}
    )
    assert ProductCategory.objects.get(name="Courses").status == CategoryStatus.APPROVED
