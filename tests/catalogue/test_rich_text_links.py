"""Page links in product descriptions lead only to live pages (catalogue/rich_text.py):
a seller cannot learn the address of another seller's draft by linking to its id."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from wagtail.rich_text import expand_db_html

from catalogue.models import ProductPage
from catalogue.rich_text import drop_unpublished_page_links
from tests.factories import PDF_BYTES, ProductCategoryFactory, ProductPageFactory, SellerFactory

pytestmark = pytest.mark.django_db

MISSING_PAGE_ID = 987654


def _link(page_id, text):
    return f'<a linktype="page" id="{page_id}">{text}</a>'


@pytest.fixture
def live_page(site_tree):
    return ProductPageFactory(title="Public guide")


@pytest.fixture
def draft_page(site_tree):
    return ProductPageFactory(title="Secret launch", live=False)


def test_a_description_links_a_live_page_to_its_url(client, live_page):
    product = ProductPageFactory(body=f"<p>See {_link(live_page.pk, 'the guide')}.</p>")

    html = client.get(product.url).content.decode()

    assert f'<a href="{live_page.url}">the guide</a>' in html


def test_a_description_never_reveals_a_draft_or_a_missing_page(client, draft_page):
    product = ProductPageFactory(
        body=f"<p>{_link(draft_page.pk, 'coming soon')} and {_link(MISSING_PAGE_ID, 'gone')}</p>"
    )

    response = client.get(product.url)

    html = response.content.decode()
    assert response.status_code == 200
    assert draft_page.slug not in html and draft_page.url not in html
    # The link is dropped, its text kept.
    assert "<a>coming soon</a>" in html and "<a>gone</a>" in html


def test_a_page_unpublished_after_it_was_linked_loses_its_link(live_page):
    html = f"<p>{_link(live_page.pk, 'the guide')}</p>"
    url = live_page.url
    live_page.unpublish()

    assert url not in expand_db_html(html)


def test_rendering_many_page_links_takes_as_many_queries_as_one(live_page, draft_page):
    others = ProductPageFactory.create_batch(3)
    one = _link(live_page.pk, "one")
    many = "".join(_link(page.pk, page.title) for page in [live_page, draft_page, *others]) + _link(
        MISSING_PAGE_ID, "gone"
    )
    expand_db_html(many)  # warm the site root paths cache that page URLs read

    with CaptureQueriesContext(connection) as single:
        expand_db_html(one)
    with CaptureQueriesContext(connection) as several:
        rendered = expand_db_html(many)

    assert len(several) == len(single)
    assert all(page.url in rendered for page in [live_page, *others])
    assert draft_page.slug not in rendered


def test_drop_unpublished_page_links_keeps_live_and_other_links(live_page, draft_page):
    html = (
        f'<p>{_link(live_page.pk, "guide")} {_link(draft_page.pk, "draft")} <a linktype="page">no id</a> '
        f'<a linktype="document" id="{draft_page.pk}">file</a> <a href="https://example.com/">out</a></p>'
    )

    with CaptureQueriesContext(connection) as queries:
        clean = drop_unpublished_page_links(html)

    assert len(queries) == 1
    assert clean == (
        f"<p>{_link(live_page.pk, 'guide')} draft no id "
        f'<a linktype="document" id="{draft_page.pk}">file</a> <a href="https://example.com/">out</a></p>'
    )


def test_the_seller_form_unwraps_links_to_pages_that_are_not_live(client, live_page, draft_page):
    seller = SellerFactory()
    client.force_login(seller)
    body = f"<p>{_link(live_page.pk, 'guide')}, {_link(draft_page.pk, 'secret')}, {_link(MISSING_PAGE_ID, 'gone')}</p>"

    response = client.post(
        reverse("seller_portal:product_create"),
        {
            "title": "Linking product",
            "category": str(ProductCategoryFactory().pk),
            "summary": "A product whose description links to other pages.",
            "body": body,
            "price": "24.00",
            "selling_price": "",
            "tax_category": "e_book",
            "action": "publish",
            "file": SimpleUploadedFile("guide.pdf", PDF_BYTES, content_type="application/pdf"),
        },
    )

    assert response.status_code == 302
    stored = ProductPage.objects.get(seller=seller).body
    assert f'linktype="page" id="{live_page.pk}"' in stored
    assert f'id="{draft_page.pk}"' not in stored and f'id="{MISSING_PAGE_ID}"' not in stored
    assert "secret" in stored and "gone" in stored
