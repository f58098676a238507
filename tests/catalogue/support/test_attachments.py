"""Attachments: the product-file checks with support's own limits, private storage, and
downloads served only to the ticket's parties."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from catalogue.models import SupportTicket
from catalogue.storage import get_private_storage
from catalogue.support import services
from catalogue.support.models import validate_support_attachment
from tests.factories import PDF_BYTES, CustomerFactory

pytestmark = pytest.mark.django_db


def _upload(name, data):
    return SimpleUploadedFile(name, data)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("invoice.pdf", PDF_BYTES),
        ("notes.txt", "Ça marche pas\n".encode()),
        ("logs.zip", b"PK\x03\x04" + b"\x00" * 40),
    ],
)
def test_allowed_types_pass(name, data):
    validate_support_attachment(_upload(name, data))


def test_a_real_png_passes(png_upload):
    validate_support_attachment(png_upload())


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("tool.exe", b"MZ\x90\x00" + b"\x00" * 60, "invalid_extension"),
        # Allowed for products, not for attachments (the narrower default list).
        ("song.mp3", b"ID3\x03\x00" + b"\x00" * 60, "invalid_extension"),
        ("noext", b"hello", "invalid_extension"),
        ("empty.pdf", b"", "empty"),
        ("fake.pdf", b"just text, not a PDF", "content_mismatch"),
        ("program.png", b"MZ\x90\x00" + b"\x00" * 60, "content_mismatch"),
        ("binary.txt", b"\x00\x01\x02\x03" * 20, "content_mismatch"),
    ],
)
def test_wrong_types_and_contents_are_refused(name, data, code):
    with pytest.raises(ValidationError) as error:
        validate_support_attachment(_upload(name, data))
    assert error.value.code == code


def test_the_size_limit_comes_from_settings(settings, png_bytes):
    settings.SUPPORT_ATTACHMENT_MAX_SIZE = len(png_bytes) - 1
    with pytest.raises(ValidationError) as error:
        validate_support_attachment(_upload("big.png", png_bytes))
    assert error.value.code == "file_too_large"
    settings.SUPPORT_ATTACHMENT_MAX_SIZE = len(png_bytes)
    validate_support_attachment(_upload("ok.png", png_bytes))


def test_the_extension_list_comes_from_settings(settings):
    settings.SUPPORT_ATTACHMENT_EXTENSIONS = ["txt"]
    with pytest.raises(ValidationError):
        validate_support_attachment(_upload("invoice.pdf", PDF_BYTES))


def test_an_attachment_is_stored_privately_under_a_generated_name(product, png_upload, png_bytes):
    ticket = services.open_ticket(CustomerFactory(), product, "Look", "See", attachment=png_upload("my screen.png"))
    message = ticket.messages.get()
    assert message.attachment_name == "my screen.png"
    assert message.attachment_size == len(png_bytes)
    assert message.attachment.name.startswith("support/") and "screen" not in message.attachment.name
    storage = get_private_storage()
    with storage.open(message.attachment.name) as handle:
        assert handle.read() == png_bytes


def test_the_service_refuses_a_bad_attachment_too(product):
    with pytest.raises(ValidationError):
        services.open_ticket(CustomerFactory(), product, "Look", "See", attachment=_upload("tool.exe", b"MZ" * 40))
    assert not SupportTicket.objects.exists()


def test_uploading_through_the_portal(client, product, png_upload):
    customer = CustomerFactory()
    client.force_login(customer)
    response = client.post(
        "/account/support/new/",
        {"product": product.pk, "fixed": "1", "subject": "Look", "body": "See", "attachment": _upload("x.pdf", b"no")},
    )
    assert response.status_code == 200
    assert "do not look like a .pdf file" in response.content.decode()
    assert not SupportTicket.objects.exists()

    response = client.post(
        "/account/support/new/",
        {"product": product.pk, "fixed": "1", "subject": "Look", "body": "See", "attachment": png_upload()},
    )
    ticket = SupportTicket.objects.get()
    message = ticket.messages.get()
    html = client.get(response["Location"]).content.decode()
    assert f'href="/account/support/{ticket.pk}/attachments/{message.pk}/"' in html
    assert "screen shot.png" in html


@pytest.mark.parametrize("side", ["customer", "seller"])
def test_a_party_downloads_an_attachment_as_a_private_download(client, product, png_upload, png_bytes, side):
    ticket = services.open_ticket(CustomerFactory(), product, "Look", "See", attachment=png_upload("my screen.png"))
    message = ticket.messages.get()
    if side == "customer":
        client.force_login(ticket.customer)
        url = f"/account/support/{ticket.pk}/attachments/{message.pk}/"
    else:
        client.force_login(product.seller)
        url = f"/seller/support/{ticket.pk}/attachments/{message.pk}/"

    response = client.get(url)

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == png_bytes
    assert response["Content-Disposition"] == 'attachment; filename="my screen.png"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"


def test_a_missing_file_is_a_404_not_a_500(client, product, png_upload):
    ticket = services.open_ticket(CustomerFactory(), product, "Look", "See", attachment=png_upload())
    message = ticket.messages.get()
    get_private_storage().delete(message.attachment.name)
    client.force_login(ticket.customer)
    assert client.get(f"/account/support/{ticket.pk}/attachments/{message.pk}/").status_code == 404


def test_attachments_have_no_public_url(product, png_upload):
    ticket = services.open_ticket(CustomerFactory(), product, "Look", "See", attachment=png_upload())
    with pytest.raises(NotImplementedError):
        _ = ticket.messages.get().attachment.url
