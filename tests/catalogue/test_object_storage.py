"""Object storage (STORAGE=s3) against a real S3-compatible server: moto's server mode,
over HTTP on loopback, no mocks. Private files go under private/ with a private ACL and
leave the site by a presigned URL that lives a minute; images go under media/ and are
served by plain public URLs."""

import logging
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.core.checks import run_checks
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from wagtail.documents import get_document_model

from catalogue.models import Download, Order, OrderStatus, ProductPage
from catalogue.storage import PrivateFileURLError, get_private_storage
from catalogue.support import services
from tests.dodo.purchase import event, post_webhook
from tests.factories import PDF_BYTES, CustomerFactory, OrderFactory, ProductCategoryFactory, ProductPageFactory
from tests.storage_fixtures import use_s3

pytestmark = pytest.mark.django_db

PUBLIC_GRANTEES = (
    "http://acs.amazonaws.com/groups/global/AllUsers",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
)


def _keys(s3, bucket, prefix=""):
    listing = s3.client.list_objects_v2(Bucket=bucket, Prefix=prefix)
    return {item["Key"] for item in listing.get("Contents", [])}


def _is_private(s3, bucket, key):
    grants = s3.client.get_object_acl(Bucket=bucket, Key=key)["Grants"]
    return grants and not [g for g in grants if g["Grantee"].get("URI") in PUBLIC_GRANTEES]


def _download_url(order):
    return reverse("portal:download", args=[order.pk])


def _bought(client, product=None, **product_kwargs):
    customer = CustomerFactory()
    order = OrderFactory(customer=customer, product=product or ProductPageFactory(**product_kwargs))
    client.force_login(customer)
    return order


# STORAGE


def test_a_product_file_lands_under_private_with_a_private_acl(s3_storage, site_tree):
    product = ProductPageFactory(file=ContentFile(PDF_BYTES, name="My Great Book.pdf"))

    key = f"private/{product.file.name}"
    assert product.file.name.startswith("products/")
    assert _keys(s3_storage, s3_storage.private_bucket, "private/") == {key}
    assert not _keys(s3_storage, s3_storage.media_bucket, "media/")
    assert _is_private(s3_storage, s3_storage.private_bucket, key)
    assert s3_storage.client.get_object(Bucket=s3_storage.private_bucket, Key=key)["Body"].read() == PDF_BYTES
    with pytest.raises(PrivateFileURLError):
        _ = product.file.url


def test_private_files_may_have_a_bucket_of_their_own(settings, moto_server, site_tree):
    s3 = use_s3(settings, moto_server, separate_private_bucket=True)
    product = ProductPageFactory()

    assert s3.private_bucket != s3.media_bucket
    assert _keys(s3, s3.private_bucket) == {f"private/{product.file.name}"}
    assert not _keys(s3, s3.media_bucket)


def test_a_cover_and_its_renditions_are_public_media(s3_storage, site_tree, client):
    product = ProductPageFactory(with_cover=True)
    image = product.cover_image
    rendition = image.get_rendition("fill-400x300")

    original_key = f"media/{image.file.name}"
    rendition_key = f"media/{rendition.file.name}"
    assert original_key.startswith("media/original_images/") and rendition_key.startswith("media/images/")
    assert {original_key, rendition_key} <= _keys(s3_storage, s3_storage.media_bucket, "media/")
    # A plain URL on the bucket, no signature: the bucket policy makes it public.
    assert rendition.url == f"{s3_storage.url}/{s3_storage.media_bucket}/{rendition_key}"
    fetched = requests.get(rendition.url, timeout=5)
    assert fetched.status_code == 200
    assert (
        fetched.content
        == s3_storage.client.get_object(Bucket=s3_storage.media_bucket, Key=rendition_key)["Body"].read()
    )
    assert fetched.content[:8] == b"\x89PNG\r\n\x1a\n" or fetched.content[:2] == b"\xff\xd8"
    # The product page shows the cover from there.
    page = client.get(product.url).content.decode()
    assert f"{s3_storage.url}/{s3_storage.media_bucket}/media/images/" in page


def test_media_urls_point_at_the_cdn_domain_when_one_is_set(s3_storage, settings, site_tree):
    media = settings.STORAGES["default"]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**media, "OPTIONS": {**media["OPTIONS"], "custom_domain": "cdn.example.com"}},
    }
    image = ProductPageFactory(with_cover=True).cover_image
    assert image.file.url == f"https://cdn.example.com/media/{image.file.name}"


def test_private_storage_refuses_what_would_make_files_public(s3_storage, settings):
    from catalogue.storage import PrivateS3Storage

    options = settings.STORAGES["private"]["OPTIONS"]
    storage = PrivateS3Storage(
        **options,
        custom_domain="cdn.example.com",
        querystring_auth=False,
        querystring_expire=3600,
        default_acl="public-read",
    )
    assert (storage.custom_domain, storage.querystring_auth, storage.default_acl) == (None, True, "private")
    with pytest.raises(PrivateFileURLError):
        storage.url("x.pdf")
    query = parse_qs(urlsplit(storage.presigned_download_url("x.pdf", "x.pdf", "application/pdf")).query)
    assert query["X-Amz-Expires"] == ["60"]


def test_documents_stay_behind_wagtails_view(s3_storage, client, site_tree):
    document = get_document_model().objects.create(title="Terms", file=ContentFile(b"The terms.", name="terms.txt"))
    assert f"media/{document.file.name}" in _keys(s3_storage, s3_storage.media_bucket, "media/documents/")
    # The link Wagtail gives out is its own serve view, never the bucket.
    assert document.url.startswith("/documents/")
    response = client.get(document.url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"The terms."


# DOWNLOADS


def test_the_buyer_is_redirected_to_a_presigned_url_that_lives_a_minute(s3_storage, client, site_tree):
    order = _bought(client, file=ContentFile(PDF_BYTES, name="Field Notes.pdf"))

    response = client.get(_download_url(order))

    assert response.status_code == 302
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    location = response["Location"]
    parts = urlsplit(location)
    assert f"{parts.scheme}://{parts.netloc}" == s3_storage.url
    assert parts.path == f"/{s3_storage.private_bucket}/private/{order.product.file.name}"
    query = parse_qs(parts.query)
    assert int(query["X-Amz-Expires"][0]) <= 60
    assert query["response-content-disposition"] == ['attachment; filename="Field Notes.pdf"']
    fetched = requests.get(location, timeout=5)
    assert fetched.status_code == 200
    assert fetched.content == PDF_BYTES
    assert fetched.headers["Content-Disposition"] == 'attachment; filename="Field Notes.pdf"'
    assert fetched.headers["Content-Type"] == "application/pdf"
    assert Download.objects.filter(order=order).count() == 1


def test_another_customer_gets_a_404(s3_storage, client, site_tree):
    order = _bought(client)
    client.force_login(CustomerFactory())
    response = client.get(_download_url(order))
    assert response.status_code == 404
    assert "Location" not in response


def test_a_missing_object_is_the_404_page_and_does_not_use_up_a_download(
    s3_storage, client, site_tree, settings, caplog
):
    settings.DOWNLOAD_LIMIT_PER_ORDER = 1
    order = _bought(client)
    name = order.product.file.name
    s3_storage.client.delete_object(Bucket=s3_storage.private_bucket, Key=f"private/{name}")

    with caplog.at_level(logging.ERROR, logger="catalogue.files"):
        response = client.get(_download_url(order))

    assert response.status_code == 404
    assert "Location" not in response
    assert "This file is not available" in response.content.decode()
    [error] = [record for record in caplog.records if record.levelno == logging.ERROR]
    assert error.getMessage().startswith(
        f"ProductPage #{order.product.pk}: file {name} is missing from private storage"
    )
    assert not Download.objects.exists()
    get_private_storage().save(name, ContentFile(PDF_BYTES))
    assert client.get(_download_url(order)).status_code == 302  # the one allowed download is still there


def test_stream_mode_streams_from_the_bucket(s3_storage, client, site_tree, settings):
    settings.PRIVATE_DOWNLOADS = "stream"
    order = _bought(client, file=ContentFile(PDF_BYTES, name="Field Notes.pdf"))

    response = client.get(_download_url(order))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Disposition"] == 'attachment; filename="Field Notes.pdf"'
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_ticket_attachment_is_served_the_same_way(s3_storage, client, site_tree):
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
    upload = SimpleUploadedFile("my screen.png", png, content_type="image/png")
    ticket = services.open_ticket(CustomerFactory(), ProductPageFactory(), "Look", "See", attachment=upload)
    message = ticket.messages.get()
    assert _is_private(s3_storage, s3_storage.private_bucket, f"private/{message.attachment.name}")
    client.force_login(ticket.customer)

    response = client.get(reverse("portal:support_attachment", kwargs={"pk": ticket.pk, "message_pk": message.pk}))

    assert response.status_code == 302
    fetched = requests.get(response["Location"], timeout=5)
    assert fetched.content == png
    assert fetched.headers["Content-Disposition"] == 'attachment; filename="my screen.png"'
    assert fetched.headers["Content-Type"] == "image/png"


# END TO END


def test_a_product_uploaded_by_a_seller_is_bought_and_downloaded_from_the_bucket(
    s3_storage, site_tree, seller, dodo_settings, dodo_emulator, django_capture_on_commit_callbacks
):
    def commit(fn):
        with django_capture_on_commit_callbacks(execute=True):
            return fn()

    category = ProductCategoryFactory(name="E-books")
    seller_client = Client()
    seller_client.force_login(seller)
    form = {
        "title": "The Sourdough Handbook",
        "category": str(category.pk),
        "summary": "Everything about sourdough, from starter to crust.",
        "body": "Twelve chapters.",
        "price": "24.00",
        "selling_price": "",
        "tax_category": "e_book",
        "action": "publish",
        "file": SimpleUploadedFile("sourdough.pdf", PDF_BYTES, content_type="application/pdf"),
    }
    response = commit(lambda: seller_client.post(reverse("seller_portal:product_create"), form))
    assert response.status_code == 302
    product = ProductPage.objects.get(title="The Sourdough Handbook")
    assert _keys(s3_storage, s3_storage.private_bucket, "private/") == {f"private/{product.file.name}"}

    customer = commit(lambda: CustomerFactory(email="buyer@example.com"))
    buyer = Client()
    buyer.force_login(customer)
    checkout = commit(lambda: buyer.post(reverse("dodo:checkout", args=(product.pk,))))
    assert checkout["Location"].startswith(dodo_emulator.base_url)
    order = Order.objects.get(customer=customer, product=product)
    payment = dodo_emulator.pay(order.dodo_checkout_session_id)["payment"]
    assert commit(lambda: post_webhook(buyer, event("payment.succeeded", payment))).status_code == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID

    download = buyer.get(_download_url(order))

    assert download.status_code == 302
    fetched = requests.get(download["Location"], timeout=5)
    assert fetched.status_code == 200
    assert fetched.content == PDF_BYTES
    assert fetched.headers["Content-Disposition"] == 'attachment; filename="sourdough.pdf"'
    assert Download.objects.filter(order=order).count() == 1


# CHECKS


def _storage_errors():
    return sorted(e.id for e in run_checks() if e.id in ("catalogue.E005", "catalogue.E006", "catalogue.E007"))


def test_checks_name_a_missing_bucket_and_unknown_values(settings):
    assert _storage_errors() == []
    settings.STORAGE = "s3"
    settings.S3_MEDIA_BUCKET = ""
    assert _storage_errors() == ["catalogue.E005"]
    settings.STORAGE = "gcs"
    settings.PRIVATE_DOWNLOADS = "teleport"
    assert _storage_errors() == ["catalogue.E006", "catalogue.E007"]
