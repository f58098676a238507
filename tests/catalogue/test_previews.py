"""Previews (catalogue.previews): video addresses, the product page's gallery, video and
free sample, the Content-Security-Policy that frames the players, the query budget, and
the seller portal's gallery and preview fields."""

import io
import re

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as PILImage

from catalogue.models import ProductGalleryImage, ProductPage
from catalogue.previews import VIDEO_FRAME_ORIGINS, parse_video_url, validate_video_url
from tests.factories import PDF_BYTES, ProductGalleryImageFactory, ProductPageFactory, SellerFactory
from tests.seller_portal.conftest import pdf_upload, product_data

pytestmark = pytest.mark.django_db

PRODUCT_BUDGET = 12  # tests/catalogue/test_query_budget.py


def png_upload(name="picture.png", color="#0e9f6e"):
    buffer = io.BytesIO()
    PILImage.new("RGB", (640, 480), color).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def csp(response):
    return {
        name: sources for name, *sources in (part.split() for part in response["Content-Security-Policy"].split(";"))
    }


@pytest.mark.parametrize(
    ("url", "embed"),
    [
        ("https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=42", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"),
        ("https://youtu.be/dQw4w9WgXcQ?si=abc", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"),
        ("https://m.youtube.com/shorts/dQw4w9WgXcQ", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"),
        ("https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"),
        ("https://vimeo.com/76979871", "https://player.vimeo.com/video/76979871?dnt=1"),
        ("https://vimeo.com/channels/staffpicks/76979871", "https://player.vimeo.com/video/76979871?dnt=1"),
        ("http://player.vimeo.com/video/76979871", "https://player.vimeo.com/video/76979871?dnt=1"),
    ],
)
def test_youtube_and_vimeo_addresses_become_privacy_enhanced_players(url, embed):
    assert parse_video_url(url).embed_url == embed
    validate_video_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/watch?v=dQw4w9WgXcQ",
        "https://www.youtube.com.evil.example/watch?v=dQw4w9WgXcQ",
        "javascript:alert(1)//youtube.com/watch?v=dQw4w9WgXcQ",
        "https://www.youtube.com/watch?v=short",
        "https://www.youtube.com/@somechannel",
        "https://vimeo.com/about",
        "ftp://vimeo.com/76979871",
        "https://user:pass@youtu.be/dQw4w9WgXcQ",
    ],
)
def test_other_addresses_are_refused_with_a_clear_message(url):
    assert parse_video_url(url) is None
    with pytest.raises(ValidationError, match="YouTube or Vimeo"):
        validate_video_url(url)


def test_the_product_model_refuses_another_video_site(site_tree):
    product = ProductPageFactory(video_url="")
    product.video_url = "https://videos.example.com/v/1"
    with pytest.raises(ValidationError) as error:
        product.full_clean()
    assert "video_url" in error.value.message_dict


def test_the_product_page_shows_gallery_video_and_sample_and_frames_only_the_players(client, site_tree):
    product = ProductPageFactory(with_cover=True, video_url="https://youtu.be/dQw4w9WgXcQ")
    product.preview_file = SimpleUploadedFile("Chapter 1.pdf", PDF_BYTES)
    product.save()
    ProductGalleryImageFactory(product=product, caption="Second", sort_order=2)
    ProductGalleryImageFactory(product=product, caption="First", sort_order=1)

    response = client.get(product.url)
    html = response.content.decode()
    assert response.status_code == 200
    # The cover, then the gallery in the seller's order.
    assert html.index('alt="First"') < html.index('alt="Second"')
    assert html.count('class="gallery-slide"') == 3
    assert re.search(r'<iframe src="https://www\.youtube-nocookie\.com/embed/dQw4w9WgXcQ"[^>]*loading="lazy"', html)
    assert "<script" not in html.split('class="product-detail"')[1].split("</article>")[0]
    # The sample is public media under its own name, apart from the private product file.
    product.refresh_from_db()
    assert product.preview_file_name == "Chapter 1.pdf"
    assert product.preview_file.name.startswith("previews/")
    assert f'href="/media/{product.preview_file.name}"' in html
    assert "Download a free sample" in html
    # frame-src: the site itself and the two players, nothing broader.
    assert csp(response)["frame-src"] == ["'self'", *VIDEO_FRAME_ORIGINS]
    assert not any("*" in source or source in ("https:", "http:") for source in csp(response)["frame-src"])


def test_a_vimeo_video_embeds_with_do_not_track(client, site_tree):
    product = ProductPageFactory(video_url="https://vimeo.com/76979871")
    html = client.get(product.url).content.decode()
    assert 'src="https://player.vimeo.com/video/76979871?dnt=1"' in html
    assert "gallery-slide" not in html  # no gallery: the plain cover as before


def measure(client, url, django_assert_max_num_queries, budget):
    assert client.get(url).status_code == 200
    cache.clear()
    with django_assert_max_num_queries(budget) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_gallery_keeps_the_product_page_budget_however_many_pictures(
    client, site_tree, django_assert_max_num_queries
):
    few = ProductPageFactory(with_cover=True, video_url="https://youtu.be/dQw4w9WgXcQ")
    ProductGalleryImageFactory(product=few)
    many = ProductPageFactory(with_cover=True, category=few.category, video_url="https://youtu.be/dQw4w9WgXcQ")
    ProductGalleryImageFactory.create_batch(8, product=many)
    count_few = measure(client, few.url, django_assert_max_num_queries, PRODUCT_BUDGET)
    count_many = measure(client, many.url, django_assert_max_num_queries, PRODUCT_BUDGET)
    assert count_few == count_many
    # Cached: a second anonymous request costs nothing, a signed-in one does not read the gallery.
    with django_assert_max_num_queries(0):
        client.get(many.url)


def test_a_published_gallery_change_shows_on_the_cached_page(client, site_tree):
    seller = SellerFactory(is_trusted_seller=True)
    product = ProductPageFactory(seller=seller, with_cover=True)
    assert "gallery-slide" not in client.get(product.url).content.decode()
    client.force_login(seller)
    response = client.post(
        f"/seller/products/{product.pk}/gallery/", {"image": png_upload(), "caption": "Inside spread"}
    )
    assert response.status_code == 302
    client.logout()
    html = client.get(product.url).content.decode()
    assert 'alt="Inside spread"' in html


def test_the_seller_adds_reorders_and_removes_gallery_pictures(client, site_tree):
    seller = SellerFactory(is_trusted_seller=True)
    product = ProductPageFactory(seller=seller)
    client.force_login(seller)
    url = f"/seller/products/{product.pk}/gallery/"
    for caption in ("One", "Two", "Three"):
        assert client.post(url, {"image": png_upload(), "caption": caption}).status_code == 302

    def live_captions():
        return list(
            ProductGalleryImage.objects.filter(product=product).order_by("sort_order").values_list("caption", flat=True)
        )

    assert live_captions() == ["One", "Two", "Three"]
    three = ProductGalleryImage.objects.get(product=product, caption="Three")
    change = f"/seller/products/{product.pk}/gallery/change/"
    assert client.post(change, {"image": three.image_id, "action": "up"}).status_code == 302
    assert live_captions() == ["One", "Three", "Two"]
    one = ProductGalleryImage.objects.get(product=product, caption="One")
    assert client.post(change, {"image": one.image_id, "action": "remove"}).status_code == 302
    assert live_captions() == ["Three", "Two"]
    # The latest revision holds the same gallery: publishing it later keeps it.
    product.refresh_from_db()
    assert [item.caption for item in product.get_latest_revision_as_object().gallery_images.all()] == ["Three", "Two"]
    page = client.get(url)
    assert page.status_code == 200
    assert "Picture 2" in page.content.decode()
    # A picture that is not in this gallery, or an unknown action: 404.
    assert client.post(change, {"image": one.image_id, "action": "up"}).status_code == 404
    assert client.post(change, {"image": three.image_id, "action": "explode"}).status_code == 404


def test_a_gallery_change_to_a_product_with_a_pending_draft_waits_for_publishing(client, site_tree):
    seller = SellerFactory(is_trusted_seller=True)
    product = ProductPageFactory(seller=seller)
    client.force_login(seller)
    client.post(
        f"/seller/products/{product.pk}/edit/", {**product_data(product.category, title="New title"), "action": "draft"}
    )
    product.refresh_from_db()
    assert product.has_unpublished_changes
    response = client.post(
        f"/seller/products/{product.pk}/gallery/", {"image": png_upload(), "caption": "Later"}, follow=True
    )
    assert "publish the product to show it" in response.content.decode()
    assert not ProductGalleryImage.objects.filter(product=product).exists()
    client.post(f"/seller/products/{product.pk}/publish/")
    assert list(ProductGalleryImage.objects.filter(product=product).values_list("caption", flat=True)) == ["Later"]


def test_the_product_form_takes_a_sample_and_a_video_and_explains_a_wrong_address(client, site_tree):
    seller = SellerFactory(is_trusted_seller=True)
    product = ProductPageFactory(seller=seller)
    client.force_login(seller)
    url = f"/seller/products/{product.pk}/edit/"
    bad = product_data(product.category, video_url="https://dailymotion.com/video/x7")
    response = client.post(url, bad)
    assert response.status_code == 200
    field = response.context["form"]["video_url"]
    assert "YouTube or Vimeo" in str(field.errors)
    assert 'value="https://dailymotion.com/video/x7"' in response.content.decode()  # input kept

    good = {
        **product_data(product.category, video_url="https://vimeo.com/76979871"),
        "preview_file": pdf_upload("Sample chapter.pdf"),
    }
    assert client.post(url, good).status_code == 302
    product = ProductPage.objects.get(pk=product.pk)
    assert product.video_url == "https://vimeo.com/76979871"
    assert product.preview_file_name == "Sample chapter.pdf"
    assert product.preview_file.storage.exists(product.preview_file.name)


def test_another_sellers_gallery_is_404(client, site_tree):
    product = ProductPageFactory()
    item = ProductGalleryImageFactory(product=product)
    client.force_login(SellerFactory(is_trusted_seller=True))
    assert client.get(f"/seller/products/{product.pk}/gallery/").status_code == 404
    response = client.post(
        f"/seller/products/{product.pk}/gallery/change/", {"image": item.image_id, "action": "remove"}
    )
    assert response.status_code == 404
    assert ProductGalleryImage.objects.filter(pk=item.pk).exists()


def test_editors_manage_previews_in_wagtail_admin(client, site_tree):
    from django.urls import reverse

    from tests.factories import StaffFactory

    product = ProductPageFactory()
    ProductGalleryImageFactory(product=product, caption="Spread")
    client.force_login(StaffFactory())
    html = client.get(reverse("wagtailadmin_pages:edit", args=[product.pk])).content.decode()
    assert 'name="gallery_images-TOTAL_FORMS"' in html and 'value="Spread"' in html
    assert 'name="preview_file"' in html and 'name="video_url"' in html


def test_deleting_a_product_removes_its_sample_unless_another_product_names_it(site_tree, django_capture_on_commit_callbacks):
    product = ProductPageFactory()
    product.preview_file = SimpleUploadedFile("Chapter 1.pdf", PDF_BYTES)
    product.save()
    name = product.preview_file.name
    storage = product.preview_file.storage
    shared = ProductPageFactory()
    shared.preview_file = SimpleUploadedFile("Chapter 2.pdf", PDF_BYTES)
    shared.save()
    # A copy of the page names the same stored sample.
    copy = ProductPageFactory()
    ProductPage.objects.filter(pk=copy.pk).update(preview_file=shared.preview_file.name)

    with django_capture_on_commit_callbacks(execute=True):
        product.delete()
        shared.delete()
    assert not storage.exists(name)
    assert storage.exists(shared.preview_file.name)
