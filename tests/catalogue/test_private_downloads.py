"""Private files leave the site one way (``catalogue.files.serve_private_file``): a product
file bought by the customer and a ticket attachment get the same headers, the same
X-Accel hand-off to the web server, and the same answer when the file is missing."""

import logging
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from catalogue.models import Download
from catalogue.storage import get_private_storage
from catalogue.support import services
from tests.factories import PDF_BYTES, CustomerFactory, OrderFactory, ProductPageFactory

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@dataclass
class PrivateFile:
    url: str
    stored_name: str
    content: bytes
    content_disposition: str
    content_type: str
    owner: str  # how the ERROR line names the object whose file it is


def _product_file(client):
    customer = CustomerFactory()
    order = OrderFactory(customer=customer, product=ProductPageFactory(title="Budget Planner"))
    product = order.product
    client.force_login(customer)
    return PrivateFile(
        url=reverse("portal:download", args=[order.pk]),
        stored_name=product.file.name,
        content=PDF_BYTES,
        content_disposition=f'attachment; filename="{product.file_name}"',
        content_type="application/pdf",
        owner=f"ProductPage #{product.pk}: file {product.file.name}",
    )


def _attachment(client):
    upload = SimpleUploadedFile("my screen.png", PNG, content_type="image/png")
    ticket = services.open_ticket(CustomerFactory(), ProductPageFactory(), "Look", "See", attachment=upload)
    message = ticket.messages.get()
    client.force_login(ticket.customer)
    return PrivateFile(
        url=reverse("portal:support_attachment", kwargs={"pk": ticket.pk, "message_pk": message.pk}),
        stored_name=message.attachment.name,
        content=PNG,
        content_disposition='attachment; filename="my screen.png"',
        content_type="image/png",
        owner=f"TicketMessage #{message.pk}: attachment {message.attachment.name}",
    )


@pytest.fixture(params=["product file", "attachment"])
def private_file(request, client, site_tree):
    return {"product file": _product_file, "attachment": _attachment}[request.param](client)


def _private_headers(response, private_file):
    assert response["Content-Disposition"] == private_file.content_disposition
    assert response["Content-Type"] == private_file.content_type
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"


def test_streamed_by_django_with_the_same_headers(client, private_file):
    response = client.get(private_file.url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == private_file.content
    _private_headers(response, private_file)
    assert "X-Accel-Redirect" not in response


def test_handed_to_the_web_server_when_x_accel_is_configured(client, private_file, settings):
    settings.DOWNLOADS_X_ACCEL_PREFIX = "/protected/"
    response = client.get(private_file.url)
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == "/protected/" + private_file.stored_name
    assert response.content == b""
    _private_headers(response, private_file)


@pytest.mark.parametrize("x_accel", ["", "/protected/"], ids=["streamed", "x-accel"])
def test_a_missing_file_is_a_clear_404_and_an_error_in_the_log(client, private_file, settings, caplog, x_accel):
    settings.DOWNLOADS_X_ACCEL_PREFIX = x_accel
    get_private_storage().delete(private_file.stored_name)

    with caplog.at_level(logging.ERROR, logger="catalogue.files"):
        response = client.get(private_file.url)

    assert response.status_code == 404
    assert "X-Accel-Redirect" not in response
    assert "This file is not available" in response.content.decode()
    errors = [record for record in caplog.records if record.levelno == logging.ERROR]
    assert len(errors) == 1
    assert errors[0].getMessage().startswith(f"{private_file.owner} is missing from private storage")


def test_a_missing_product_file_is_not_counted_as_a_download(client, site_tree, settings):
    settings.DOWNLOAD_LIMIT_PER_ORDER = 1
    private_file = _product_file(client)
    get_private_storage().delete(private_file.stored_name)

    assert client.get(private_file.url).status_code == 404

    assert not Download.objects.exists()
    get_private_storage().save(private_file.stored_name, SimpleUploadedFile("x", PDF_BYTES))
    assert client.get(private_file.url).status_code == 200  # the one allowed download is still there
