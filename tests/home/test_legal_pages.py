"""The legal pages: made by ``bootstrap_site`` (never overwritten), one per kind at a fixed
address, versioned by their published revision, linked from every page and the buy box."""

from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.template.loader import render_to_string
from django.test import RequestFactory

from catalogue.refunds import REFUND_WINDOW
from home.legal import NO_PUBLISHED_VERSION, current_terms_version, ensure_legal_pages
from home.models import HomePage, LegalPage
from tests.factories import ProductPageFactory

pytestmark = pytest.mark.django_db


def bootstrap():
    call_command("bootstrap_site", stdout=StringIO())


def test_bootstrap_publishes_the_three_pages_once_and_keeps_what_editors_wrote(client, settings):
    settings.MARKETPLACE_NAME = "Makershelf"
    bootstrap()
    pages = {page.kind: page for page in LegalPage.objects.live()}
    assert {kind: page.url for kind, page in pages.items()} == {
        "terms": "/terms/",
        "privacy": "/privacy/",
        "refunds": "/refunds/",
    }
    assert all(page.get_parent().specific_class is HomePage for page in pages.values())

    terms = client.get("/terms/").content.decode()
    assert "Dodo Payments" in terms and "merchant of record" in terms and "Makershelf" in terms
    assert "Selling on Makershelf" in terms  # what "I accept the seller terms" refers to
    refunds = client.get("/refunds/").content.decode()
    assert f"within <b>{REFUND_WINDOW.days} days of paying</b>" in refunds
    privacy = client.get("/privacy/").content.decode()
    assert (
        "What we keep" in privacy and "Card and bank details you give at checkout go to <b>Dodo Payments</b>" in privacy
    )

    # An editor rewrites the terms; the next deploy leaves them (and everything else) alone.
    edited = pages["terms"]
    edited.body = "<p>Our own terms.</p>"
    edited.save_revision().publish()
    before = list(LegalPage.objects.order_by("pk").values_list("pk", "kind", "live_revision_id"))
    bootstrap()
    assert list(LegalPage.objects.order_by("pk").values_list("pk", "kind", "live_revision_id")) == before
    assert "Our own terms." in client.get("/terms/").content.decode()


def test_the_version_is_the_published_revision(home_page):
    assert current_terms_version() == NO_PUBLISHED_VERSION  # never bootstrapped: said so, not blank
    ensure_legal_pages(home_page)
    terms = LegalPage.objects.get(kind="terms")
    first = current_terms_version()
    assert first == f"{terms.last_published_at:%Y-%m-%d}.r{terms.live_revision_id}"

    terms.body = "<p>Changed.</p>"
    terms.save_revision()  # a draft is not what people accept
    assert current_terms_version() == first
    terms.save_revision().publish()
    assert current_terms_version() not in (first, NO_PUBLISHED_VERSION)
    terms.unpublish()
    assert current_terms_version() == NO_PUBLISHED_VERSION


def test_one_page_per_kind_and_its_address_is_fixed(client, home_page, staff):
    ensure_legal_pages(home_page)
    client.force_login(staff)  # editors edit them in Wagtail admin: kind, summary, body; no slug
    terms = LegalPage.objects.get(kind="terms")
    form = client.get(f"/admin/pages/{terms.pk}/edit/").content.decode()
    assert 'name="kind"' in form and 'name="body"' in form and 'name="slug"' not in form

    second = LegalPage(title="More terms", kind="terms", body="<p>x</p>")
    with pytest.raises(ValidationError) as error:
        home_page.add_child(instance=second)
    assert "already a page of this kind" in str(error.value)

    refunds = LegalPage.objects.get(kind="refunds")
    refunds.slug = "money-back"
    refunds.save_revision().publish()
    refunds.refresh_from_db()
    assert refunds.slug == "refunds"


def test_every_page_links_to_them_without_a_query(client, home_page, django_assert_num_queries):
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    with django_assert_num_queries(0):
        footer = render_to_string("includes/footer.html", request=request)
    for path, title in [
        ("/terms/", "Terms of service"),
        ("/privacy/", "Privacy policy"),
        ("/refunds/", "Refund policy"),
    ]:
        assert f'<a href="{path}">{title}</a>' in footer

    ensure_legal_pages(home_page)
    html = client.get("/").content.decode()
    assert 'href="/terms/"' in html and 'href="/privacy/"' in html and 'href="/refunds/"' in html
    assert all(client.get(path).status_code == 200 for path in ("/terms/", "/privacy/", "/refunds/"))


def test_the_buy_box_says_what_buying_agrees_to(catalogue_index):
    product = ProductPageFactory(price=Decimal("12.00"))
    free = ProductPageFactory(price=Decimal("0"))
    request = RequestFactory().get(product.url)
    request.user = AnonymousUser()

    def buy_box(product, user):
        request.user = user
        return render_to_string("catalogue/includes/buy_box.html", {"product": product}, request=request)

    html = buy_box(product, AnonymousUser())
    assert (
        'By buying you agree to the <a href="/terms/">Terms</a> and the <a href="/refunds/">Refund policy</a>.' in html
    )
    assert "By buying" not in buy_box(free, AnonymousUser())  # nothing is bought
    assert "By buying" not in buy_box(product, product.seller)  # their own product
