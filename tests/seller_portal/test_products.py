"""Products through the seller portal: list, create, edit, publish, unpublish, delete.

Dodo is not involved here (on-commit callbacks do not run in these tests); what reaches
Dodo is checked against the emulator in test_dodo_sync.py.
"""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Page

from catalogue.models import ProductPage
from dodo.models import DodoProduct
from tests.factories import (
    CustomerFactory,
    OrderFactory,
    ProductCategoryFactory,
    ProductPageFactory,
    StaffFactory,
)

from .conftest import count_queries, pdf_upload, product_data

pytestmark = pytest.mark.django_db

CREATE_URL = reverse("seller_portal:product_create")
LIST_URL = reverse("seller_portal:products")


def _create(client, category, files=True, **overrides):
    data = product_data(category, **overrides)
    if files:
        data["file"] = pdf_upload()
    return client.post(CREATE_URL, data)


def test_publish_now_creates_a_live_product_page_under_the_catalogue_owned_by_the_seller(
    seller_client, seller, category, catalogue_index
):
    response = _create(seller_client, category, title="The Sourdough Handbook", selling_price="19.50")

    assert response.status_code == 302
    assert response["Location"] == LIST_URL
    page = ProductPage.objects.get(title="The Sourdough Handbook")
    assert page.seller == seller
    assert page.live and not page.has_unpublished_changes
    assert page.get_parent().specific == catalogue_index
    assert page.effective_price == Decimal("19.50")
    assert page.body == "<p>Twelve chapters.</p><p>With photos.</p>"
    assert page.file_name == "guide.pdf"
    assert page.slug.startswith("the-sourdough")
    assert page.revisions.count() == 1
    # It is in the public catalogue at once.
    assert seller_client.get(page.url).status_code == 200
    assert "The Sourdough Handbook" in seller_client.get(catalogue_index.url).content.decode()


def test_save_draft_creates_a_product_that_is_not_live(seller_client, category, site_tree):
    _create(seller_client, category, action="draft")
    page = ProductPage.objects.get()
    assert not page.live
    assert page.revisions.count() == 1
    listing = seller_client.get(LIST_URL).content.decode()
    assert "Draft" in listing


def test_a_forged_seller_or_dodo_state_in_the_post_changes_nothing(
    seller_client, seller, other_seller, category, site_tree
):
    _create(
        seller_client,
        category,
        seller=str(other_seller.pk),
        dodo_product_id="pdt_forged",
        product_id="pdt_forged",
        sync_status="synced",
        featured="on",
        slug="chosen-slug",
        live="",
        owner=str(other_seller.pk),
    )
    page = ProductPage.objects.get()
    assert page.seller == seller
    assert not page.featured
    assert page.slug != "chosen-slug"
    assert not DodoProduct.objects.filter(product_id="pdt_forged").exists()


def test_the_category_select_offers_every_category(seller_client, other_seller, site_tree):
    mine = ProductCategoryFactory(name="Mine", owner=None)
    theirs = ProductCategoryFactory(name="Theirs", owner=other_seller)
    editors = ProductCategoryFactory(name="Editors'")
    form = seller_client.get(CREATE_URL).context["form"]
    assert set(form.fields["category"].queryset) == {mine, theirs, editors}


def test_the_description_is_sanitised(seller_client, category, site_tree):
    _create(
        seller_client,
        category,
        body='<h2>Inside</h2><p onclick="steal()">Hi <script>alert(1)</script><a href="javascript:x()">x</a></p>',
    )
    body = ProductPage.objects.get().body
    assert "<h2>Inside</h2>" in body
    assert "script" not in body and "onclick" not in body and "javascript" not in body


def test_errors_appear_next_to_their_fields_and_what_was_typed_is_kept(seller_client, category, site_tree):
    response = _create(seller_client, category, title="Bread at home", price="10.00", selling_price="12.00", summary="")

    assert response.status_code == 200
    form = response.context["form"]
    assert "cannot be more than the price" in " ".join(form.errors["selling_price"])
    assert form.errors["summary"]
    html = response.content.decode()
    assert 'value="Bread at home"' in html
    assert 'id="id_selling_price_error"' in html
    # The file was fine but is lost with the form: the page says so.
    assert "choose it again" in html
    assert not ProductPage.objects.exists()


def test_a_file_of_a_forbidden_type_is_refused_and_the_rest_of_the_form_kept(seller_client, category, site_tree):
    data = product_data(category, title="Bread at home")
    data["file"] = pdf_upload(name="setup.exe", data=b"MZ\x90\x00" + b"\x00" * 100)
    response = seller_client.post(CREATE_URL, data)

    errors = " ".join(response.context["form"].errors["file"])
    assert "cannot be sold here" in errors
    assert "Choose the file again" in errors
    assert 'value="Bread at home"' in response.content.decode()
    assert not ProductPage.objects.exists()


def test_a_file_that_is_too_big_is_refused(seller_client, category, site_tree, settings):
    settings.PRODUCT_FILE_MAX_SIZE = 50
    response = _create(seller_client, category)
    assert "the largest file you can upload is 50" in " ".join(response.context["form"].errors["file"])
    assert not ProductPage.objects.exists()


def test_the_form_tells_the_upload_script_the_server_limits(seller_client, site_tree, settings):
    settings.PRODUCT_FILE_MAX_SIZE = 5 * 1024 * 1024
    settings.PRODUCT_FILE_EXTENSIONS = ["pdf", "zip"]
    html = seller_client.get(CREATE_URL).content.decode()
    assert 'data-max-size="5242880"' in html
    assert 'data-extensions="pdf,zip"' in html
    assert 'accept=".pdf,.zip"' in html
    assert "js/seller_upload.js" in html
    assert "<progress" in html


def test_the_upload_script_gets_json_on_success_and_the_form_with_status_400_on_errors(
    seller_client, category, site_tree
):
    xhr = {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest"}
    bad = seller_client.post(CREATE_URL, {**product_data(category, price="abc"), "file": pdf_upload()}, **xhr)
    assert bad.status_code == 400
    fragment = bad.content.decode()
    assert fragment.lstrip().startswith("<form") or "<form" in fragment
    assert "<html" not in fragment
    assert 'value="The Sourdough Handbook"' in fragment

    good = seller_client.post(CREATE_URL, {**product_data(category), "file": pdf_upload()}, **xhr)
    assert good.status_code == 200
    assert good.json() == {"redirect": LIST_URL}
    assert ProductPage.objects.filter(live=True).count() == 1


def test_a_cover_image_becomes_a_wagtail_image(seller_client, category, site_tree):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (1200, 900), "#4338ca").save(buffer, format="PNG")
    data = {**product_data(category), "file": pdf_upload(), "cover": SimpleUploadedFile("cover.png", buffer.getvalue())}
    seller_client.post(CREATE_URL, data)
    page = ProductPage.objects.get()
    assert page.cover_image is not None
    assert page.cover_image.width == 1200
    assert page.cover_image.collection.is_root()


def test_editing_a_live_product_as_a_draft_leaves_the_live_page_alone(seller_client, seller, category, site_tree):
    page = ProductPageFactory(seller=seller, category=category, title="Old title", price=Decimal("10.00"))
    url = reverse("seller_portal:product_edit", args=[page.pk])
    response = seller_client.post(url, product_data(category, title="New title", price="12.00", action="draft"))
    assert response.status_code == 302

    page.refresh_from_db()
    assert page.title == "Old title"
    assert page.price == Decimal("10.00")
    assert page.draft_title == "New title"
    assert page.has_unpublished_changes
    # The form shows the draft, as Wagtail admin does; the file is kept.
    form = seller_client.get(url).context["form"]
    assert form.initial["title"] == "New title"
    assert page.file

    seller_client.post(url, product_data(category, title="New title", price="12.00", action="publish"))
    page.refresh_from_db()
    assert page.title == "New title"
    assert page.price == Decimal("12.00")
    assert not page.has_unpublished_changes
    assert page.file_name  # the original file is still the product's


def test_unpublish_and_publish_again(seller_client, seller, site_tree):
    page = ProductPageFactory(seller=seller)
    seller_client.post(reverse("seller_portal:product_unpublish", args=[page.pk]))
    page.refresh_from_db()
    assert not page.live
    assert seller_client.get(page.url).status_code == 404

    seller_client.post(reverse("seller_portal:product_publish", args=[page.pk]))
    page.refresh_from_db()
    assert page.live


def test_actions_are_post_only(seller_client, seller, site_tree):
    page = ProductPageFactory(seller=seller)
    for name in ("product_publish", "product_unpublish"):
        assert seller_client.get(reverse(f"seller_portal:{name}", args=[page.pk])).status_code == 405
    page.refresh_from_db()
    assert page.live


def test_deleting_a_product_without_orders(seller_client, seller, site_tree):
    page = ProductPageFactory(seller=seller)
    url = reverse("seller_portal:product_delete", args=[page.pk])
    assert "cannot be undone" in seller_client.get(url).content.decode()
    response = seller_client.post(url)
    assert response.status_code == 302
    assert not Page.objects.filter(pk=page.pk).exists()


def test_deleting_a_product_with_orders_is_refused_and_unpublishing_suggested(seller_client, seller, site_tree):
    page = ProductPageFactory(seller=seller, title="Sold one")
    OrderFactory(product=page)
    url = reverse("seller_portal:product_delete", args=[page.pk])

    confirm = seller_client.get(url).content.decode()
    assert "cannot be deleted" in confirm
    assert "Unpublish instead" in confirm

    response = seller_client.post(url, follow=True)
    assert ProductPage.objects.filter(pk=page.pk).exists()
    messages = [str(message) for message in response.context["messages"]]
    assert any("cannot be deleted" in m and "Unpublish it instead" in m for m in messages)


def test_the_list_shows_status_price_sales_revenue_and_sync_state(seller_client, seller, site_tree):
    synced = ProductPageFactory(
        seller=seller, title="Synced one", price=Decimal("20.00"), selling_price=Decimal("15.00")
    )
    draft = ProductPageFactory(seller=seller, title="Draft one", live=False)
    ProductPageFactory(title="Someone else's")
    # The dodo app's signals made the records; set the states this list must show.
    DodoProduct.objects.filter(page=synced).update(sync_status="synced", product_id="pdt_1")
    DodoProduct.objects.filter(page=draft).update(sync_status="failed")
    OrderFactory(product=synced, amount=Decimal("15.00"))
    OrderFactory(product=synced, amount=Decimal("15.00"), status="refunded", refunded_amount=Decimal("15.00"))
    OrderFactory(product=synced, amount=Decimal("15.00"), status="pending", paid_at=None)

    response = seller_client.get(LIST_URL)
    html = response.content.decode()
    products = {p.title: p for p in response.context["products"]}
    assert set(products) == {"Synced one", "Draft one"}
    assert products["Synced one"].sales == 2
    assert products["Synced one"].revenue == Decimal("15.00")
    assert products["Draft one"].sales == 0
    assert "$15.00" in html and "$20.00" in html
    assert "Synced" in html and "Failed" in html
    assert "Live" in html and "Draft" in html

    never = ProductPageFactory(seller=seller, title="Never synced")
    DodoProduct.objects.filter(page=never).delete()  # e.g. a product loaded from a fixture
    assert "Not sent yet" in seller_client.get(LIST_URL).content.decode()

    # One query for the rows, whatever their number.
    # The same number of queries for 3 rows or 9 (figures and sync state come with the rows).
    before = count_queries(seller_client, LIST_URL)
    for _ in range(6):
        OrderFactory(product=ProductPageFactory(seller=seller))
    assert count_queries(seller_client, LIST_URL) == before


def test_an_editor_made_product_of_the_seller_can_be_edited_in_the_portal(seller_client, seller, category, site_tree):
    # Products made in Wagtail admin (or by the factory) may have no revision yet.
    page = ProductPageFactory(seller=seller, category=category)
    assert page.revisions.count() == 0
    url = reverse("seller_portal:product_edit", args=[page.pk])
    assert seller_client.get(url).status_code == 200
    seller_client.post(url, product_data(category, title="Renamed"))
    page.refresh_from_db()
    assert page.title == "Renamed"
    StaffFactory()  # editors keep their own access; nothing here depends on them


def test_a_plain_text_description_is_edited_as_plain_text(seller_client, seller, category, site_tree):
    _create(seller_client, category, body="Twelve chapters.\n\nWith photos & notes.\nAnd a map.")
    page = ProductPage.objects.get()
    assert page.body == "<p>Twelve chapters.</p><p>With photos &amp; notes.<br>And a map.</p>"
    form = seller_client.get(reverse("seller_portal:product_edit", args=[page.pk])).context["form"]
    assert form.initial["body"] == "Twelve chapters.\n\nWith photos & notes.\nAnd a map."

    # Richer HTML (from Wagtail admin, say) is shown as it is stored.
    page.body = "<h2>Inside</h2><p>Twelve chapters.</p>"
    page.save_revision().publish()
    form = seller_client.get(reverse("seller_portal:product_edit", args=[page.pk])).context["form"]
    assert form.initial["body"] == "<h2>Inside</h2><p>Twelve chapters.</p>"


def test_the_list_sums_only_the_shown_page_in_the_same_queries_however_many_orders(seller_client, seller, site_tree):
    from catalogue.models import Order

    products = [ProductPageFactory(seller=seller) for _ in range(3)]
    customer = CustomerFactory()
    OrderFactory(product=products[0], customer=customer, amount=Decimal("10.00"))
    few = count_queries(seller_client, LIST_URL)

    Order.objects.bulk_create(
        Order(
            customer=customer,
            product=products[n % 3],
            seller=seller,
            amount=Decimal("10.00"),
            currency="USD",
            status="paid",
            paid_at=timezone.now(),
        )
        for n in range(2000)
    )
    response = seller_client.get(LIST_URL)
    assert count_queries(seller_client, LIST_URL) == few
    figures = {p.pk: (p.sales, p.revenue) for p in response.context["products"]}
    assert figures[products[0].pk] == (668, Decimal("6680.00"))  # 667 bulk + the first
    assert figures[products[1].pk] == (667, Decimal("6670.00"))
