"""Every product validation rule, with its message on the right field.

The rules live in ProductPage.clean() and field validators, so they hold for Wagtail
admin and for any ModelForm (the seller portal's included).
"""

import io
import zipfile
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms import modelform_factory

from catalogue.models import ProductPage
from catalogue.validators import MAX_PRICE, content_matches_extension, validate_product_file
from tests.factories import PDF_BYTES, ProductCategoryFactory, ProductPageFactory, SellerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def product(site_tree):
    return ProductPageFactory(title="Intro to Rust", price=Decimal("20.00"))


def errors_of(page):
    with pytest.raises(ValidationError) as caught:
        page.full_clean()
    return caught.value.message_dict


def test_a_valid_product_passes(product):
    product.full_clean()


# TITLE


def test_title_may_not_be_blank(product):
    product.title = "   "
    assert "Give the product a name." in errors_of(product)["title"]


def test_title_at_most_100_characters(product):
    product.title = "x" * 100
    product.full_clean()
    product.title = "x" * 101
    assert errors_of(product)["title"] == ["Keep the product name to 100 characters or fewer (it has 101)."]


def test_title_without_nul_characters(product):
    product.title = "Intro\x00 to Rust"
    assert "Remove the NUL (\\x00) character from this text." in errors_of(product)["title"]


# PRICES


@pytest.mark.parametrize("field", ["price", "selling_price"])
def test_prices_cannot_be_negative(product, field):
    setattr(product, field, Decimal("-1.00"))
    assert "Enter a price of 0 or more (0 makes the product free)." in errors_of(product)[field]


@pytest.mark.parametrize("field", ["price", "selling_price"])
def test_a_price_of_zero_is_a_free_product(product, field):
    # Issue 15: free products. 0 is a price (given away without Dodo), not an error.
    setattr(product, field, Decimal("0"))
    product.full_clean()
    assert product.is_free


@pytest.mark.parametrize("field", ["price", "selling_price"])
def test_prices_have_at_most_two_decimals(product, field):
    setattr(product, field, Decimal("9.999"))
    assert "Ensure that there are no more than 2 decimal places." in errors_of(product)[field]


def test_price_at_most_dodos_limit(product):
    product.price = MAX_PRICE
    product.full_clean()
    product.price = MAX_PRICE + Decimal("0.01")
    assert errors_of(product)["price"] == ["Enter a price of at most 21,474,836.47."]


def test_selling_price_at_most_dodos_limit(product):
    product.price = MAX_PRICE
    product.selling_price = Decimal("21474836.48")
    assert "Enter a price of at most 21,474,836.47." in errors_of(product)["selling_price"]


def test_selling_price_may_equal_the_price(product):
    product.selling_price = product.price
    product.full_clean()
    assert not product.is_discounted


def test_selling_price_above_the_price_is_refused_on_that_field(product):
    product.selling_price = Decimal("20.01")
    assert errors_of(product) == {"selling_price": ["The selling price cannot be more than the price (20.00)."]}


def test_price_is_required(product):
    product.price = None
    assert "price" in errors_of(product)


# SUMMARY


def test_summary_at_most_1000_characters(product):
    product.summary = "x" * 1000
    product.full_clean()
    product.summary = "x" * 1001
    assert "Ensure this value has at most 1000 characters (it has 1001)." in errors_of(product)["summary"]


def test_summary_is_required_and_without_nul(product):
    product.summary = ""
    assert "summary" in errors_of(product)
    product.summary = "Hi\x00"
    assert "Remove the NUL (\\x00) character from this text." in errors_of(product)["summary"]


# FILE


def upload(name, data):
    return SimpleUploadedFile(name, data)


def test_file_extension_must_be_allowed(settings):
    settings.PRODUCT_FILE_EXTENSIONS = ["pdf", "zip"]
    with pytest.raises(ValidationError) as caught:
        validate_product_file(upload("tool.exe", b"MZ\x90\x00"))
    assert caught.value.messages == ["Files of type “.exe” cannot be sold here. Allowed types: .pdf, .zip."]


def test_file_size_limit_comes_from_settings(settings):
    settings.PRODUCT_FILE_MAX_SIZE = 100
    validate_product_file(upload("book.pdf", PDF_BYTES))  # 77 bytes
    with pytest.raises(ValidationError) as caught:
        validate_product_file(upload("book.pdf", b"%PDF-1.4\n" + b" " * 141))
    assert caught.value.messages == ["The file is 150\xa0bytes; the largest file you can upload is 100\xa0bytes."]


def test_default_limits():
    from django.conf import settings

    assert settings.PRODUCT_FILE_MAX_SIZE == 200 * 1024 * 1024
    for extension in ("pdf", "epub", "zip", "mp3", "mp4", "png", "docx", "txt"):
        assert extension in settings.PRODUCT_FILE_EXTENSIONS


def test_empty_file_is_refused():
    with pytest.raises(ValidationError, match="The file is empty."):
        validate_product_file(upload("book.pdf", b""))


def test_content_must_match_the_extension():
    with pytest.raises(ValidationError) as caught:
        validate_product_file(upload("book.pdf", b"just some text pretending to be a PDF"))
    assert caught.value.messages == [
        "The file’s contents do not look like a .pdf file. Check that you chose the right file."
    ]


def _zip_bytes(**members):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


PNG_BYTES = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + b"\x00" * 20
MP3_BYTES = b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\x00" * 64
WAV_BYTES = b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 64
MP4_BYTES = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 32


@pytest.mark.parametrize(
    ("extension", "head", "ok"),
    [
        ("pdf", PDF_BYTES, True),
        ("zip", _zip_bytes(**{"readme.txt": "hi"}), True),
        ("epub", _zip_bytes(mimetype="application/epub+zip"), True),
        ("docx", _zip_bytes(**{"word/document.xml": "<w/>"}), True),
        ("png", PNG_BYTES, True),
        ("mp3", MP3_BYTES, True),
        ("wav", WAV_BYTES, True),
        ("mp4", MP4_BYTES, True),
        ("txt", "Plain text, even with accents: é ü ß.\n".encode(), True),
        ("csv", b"a,b\n1,2\n", True),
        ("csv", "nom;prix\ncaf\xe9;2\n".encode("latin-1"), True),
        ("md", b"# Title\n\nBody\n", True),
        ("mobi", b"\x00" * 60 + b"BOOKMOBI" + b"\x00" * 20, True),
        # mismatches
        ("pdf", PNG_BYTES, False),
        ("png", PDF_BYTES, False),
        ("zip", PDF_BYTES, False),
        ("mp3", PNG_BYTES, False),
        ("txt", PDF_BYTES, False),
        ("txt", b"binary\x00\x01\x02", False),
        ("mobi", PDF_BYTES, False),
        # programs never pass, whatever the extension
        ("pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 60, False),
        ("bin", b"\x7fELF\x02\x01\x01" + b"\x00" * 60, False),
    ],
)
def test_content_checks(extension, head, ok):
    assert content_matches_extension(extension, head) is ok


def test_demo_files_pass_the_checks():
    from catalogue.demo import DEMO_FILES

    for extension, make in DEMO_FILES.items():
        assert content_matches_extension(extension, make("A title")), extension


def test_stored_files_are_not_read_again(product):
    # The factory's file is in storage already; re-validating the page must not re-read it.
    product.file.storage.delete(product.file.name)
    product.full_clean()


# FORMS: the rules reach any ModelForm as field errors


def test_model_form_shows_each_error_on_its_field(site_tree):
    form_class = modelform_factory(
        ProductPage,
        fields=["title", "slug", "seller", "category", "summary", "price", "selling_price", "tax_category", "file"],
    )
    seller, category = SellerFactory(), ProductCategoryFactory()
    data = {
        "title": "x" * 101,
        "slug": "a-product",
        "seller": seller.pk,
        "category": category.pk,
        "summary": "A summary.",
        "price": "10.00",
        "selling_price": "12.00",
        "tax_category": "e_book",
    }
    form = form_class(data, {"file": upload("book.pdf", b"not a pdf")})
    assert not form.is_valid()
    assert form.errors["title"] == ["Keep the product name to 100 characters or fewer (it has 101)."]
    assert form.errors["selling_price"] == ["The selling price cannot be more than the price (10.00)."]
    assert form.errors["file"] == [
        "The file’s contents do not look like a .pdf file. Check that you chose the right file."
    ]


def test_model_form_accepts_a_good_product(site_tree):
    form_class = modelform_factory(ProductPage, fields=["title", "seller", "category", "summary", "price", "file"])
    data = {
        "title": "A fine product",
        "seller": SellerFactory().pk,
        "category": ProductCategoryFactory().pk,
        "summary": "A summary.",
        "price": "10.00",
    }
    form = form_class(data, {"file": upload("book.pdf", PDF_BYTES)})
    assert form.is_valid(), form.errors
    product = form.save(commit=False)
    site_tree[1].add_child(instance=product)
    assert product.file_name == "book.pdf"
    assert product.file.name.startswith("products/") and "book" not in product.file.name


def test_tax_category_values_are_dodos():
    from catalogue.models import TaxCategory

    assert set(TaxCategory.values) == {"digital_products", "saas", "e_book", "edtech", "live_tutoring"}
