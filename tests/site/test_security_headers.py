"""Security headers (site_config.middleware.SecurityHeadersMiddleware): a
Content-Security-Policy on every HTML page, admin and error pages included, built from the
settings; Permissions-Policy and Referrer-Policy everywhere; private files locked down
with a sandbox policy of their own."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from tests.factories import PDF_BYTES, CustomerFactory, OrderFactory, ProductPageFactory, StaffFactory

pytestmark = pytest.mark.django_db

SANDBOX = "default-src 'none'; sandbox"


def directives(response):
    """The response's Content-Security-Policy as {directive: [sources]}."""
    policy = response["Content-Security-Policy"]
    return {name: sources for name, *sources in (part.split() for part in policy.split(";"))}


def test_a_storefront_page_gets_the_strict_policy(client, site_tree):
    response = client.get("/")
    assert response.status_code == 200
    assert directives(response) == {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "connect-src": ["'self'"],
        # Product videos: the privacy-enhanced YouTube and Vimeo players (catalogue.previews).
        "frame-src": ["'self'", "https://www.youtube-nocookie.com", "https://player.vimeo.com"],
        # The test settings' Dodo base URL: the emulator serves its checkout pages there.
        "form-action": ["'self'", "http://127.0.0.1:9"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
    assert response["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
    assert "payment=()" in response["Permissions-Policy"]


def test_portal_pages_get_the_policy(client, site_tree):
    client.force_login(CustomerFactory())
    response = client.get(reverse("portal:products"))
    assert response.status_code == 200
    assert directives(response)["script-src"] == ["'self'"]


def test_wagtail_admin_adds_unsafe_inline_and_nothing_else(client, site_tree):
    client.force_login(StaffFactory())
    response = client.get(reverse("wagtailadmin_home"))
    assert response.status_code == 200
    policy = directives(response)
    assert policy["script-src"] == ["'self'", "'unsafe-inline'"]
    assert policy["style-src"] == ["'self'", "'unsafe-inline'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]


def test_wagtails_preview_may_be_framed_by_the_editor_only(client, site_tree):
    client.force_login(StaffFactory())
    product = ProductPageFactory()
    preview_url = reverse("wagtailadmin_pages:preview_on_edit", args=[product.pk])
    client.post(preview_url, {})
    response = client.get(preview_url)
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert directives(response)["frame-ancestors"] == ["'self'"]


@pytest.mark.parametrize("status", [403, 404])
def test_error_pages_get_the_policy(client, site_tree, status):
    # A customer in the seller portal is refused (403.html); a bad path is 404.html.
    client.force_login(CustomerFactory())
    response = client.get(reverse("seller_portal:dashboard") if status == 403 else "/no-such-page/")
    assert response.status_code == status
    assert directives(response)["default-src"] == ["'self'"]


def test_json_responses_carry_no_policy(client):
    response = client.get("/health/")
    assert response.status_code == 200
    assert "Content-Security-Policy" not in response


def test_operators_add_origins_from_settings(client, site_tree, settings):
    settings.CSP_EXTRA_IMG_SRC = ["https://images.example.com"]
    settings.CSP_EXTRA_FORM_ACTION = ["https://pay.example.com"]
    settings.DODO_PAYMENTS_BASE_URL = ""
    settings.DODO_PAYMENTS_ENVIRONMENT = "live_mode"
    policy = directives(client.get("/"))
    assert policy["img-src"] == ["'self'", "data:", "blob:", "https://images.example.com"]
    assert policy["form-action"] == ["'self'", "https://checkout.dodopayments.com", "https://pay.example.com"]


def test_media_in_object_storage_or_on_a_cdn_is_allowed_as_images(s3_storage, client, site_tree, settings):
    assert directives(client.get("/"))["img-src"][-1] == s3_storage.url
    media = settings.STORAGES["default"]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**media, "OPTIONS": {**media["OPTIONS"], "custom_domain": "cdn.example.com"}},
    }
    assert directives(client.get("/"))["img-src"][-1] == "https://cdn.example.com"


# PRIVATE FILES


def _product_download(client):
    customer = CustomerFactory()
    order = OrderFactory(customer=customer, product=ProductPageFactory())
    client.force_login(customer)
    return reverse("portal:download", args=[order.pk])


def _attachment_download(client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from catalogue.support import services

    upload = SimpleUploadedFile("notes.txt", b"Steps to reproduce.", content_type="text/plain")
    ticket = services.open_ticket(CustomerFactory(), ProductPageFactory(), "Help", "See", attachment=upload)
    client.force_login(ticket.customer)
    return reverse("portal:support_attachment", kwargs={"pk": ticket.pk, "message_pk": ticket.messages.get().pk})


@pytest.mark.parametrize("download", [_product_download, _attachment_download], ids=["product", "attachment"])
@pytest.mark.parametrize("x_accel_prefix", ["", "/protected/"], ids=["streamed", "x-accel"])
def test_private_files_are_sandboxed(client, site_tree, settings, download, x_accel_prefix):
    settings.DOWNLOADS_X_ACCEL_PREFIX = x_accel_prefix
    response = client.get(download(client))
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == SANDBOX
    assert "Permissions-Policy" in response


def test_the_redirect_to_a_presigned_url_is_sandboxed_too(s3_storage, client, site_tree):
    customer = CustomerFactory()
    product = ProductPageFactory(file=ContentFile(PDF_BYTES, name="Field Notes.pdf"))
    order = OrderFactory(customer=customer, product=product)
    client.force_login(customer)
    response = client.get(reverse("portal:download", args=[order.pk]))
    assert response.status_code == 302
    assert response["Content-Security-Policy"] == SANDBOX
