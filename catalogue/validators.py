"""Field validators for products, shared by Wagtail admin and the seller portal.

They run from ``Model.full_clean()`` (which every ModelForm calls), so a rule holds
whichever form a product comes through. Limits come from Dodo Payments, which sells the
product: a name of at most 100 characters, and prices in integer cents that fit a signed
32-bit integer.
"""

import codecs
import os
from decimal import Decimal

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models.fields.files import FieldFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from .money import exponent, fits_currency, is_known_currency

PRODUCT_TITLE_MAX_LENGTH = 100
# Dodo stores prices as integer cents, at most 2,147,483,647.
MAX_PRICE = Decimal("21474836.47")

# How much of a file to read to recognise its format.
HEAD_SIZE = 8192
# Formats that are ZIP archives inside; a file of any of these may hold any of the others'
# signature (an .epub is a .zip; a .zip of Word files may be seen as .docx).
ZIP_BASED = frozenset({"zip", "epub", "docx", "xlsx", "pptx", "odt", "ods", "odp"})
# Plain text has no signature: it must look like text instead.
TEXT_EXTENSIONS = frozenset({"txt", "md", "csv"})
# Formats whose signature must be exactly this detected kind.
EXACT_KINDS = {
    "pdf": {"pdf"},
    "rtf": {"rtf"},
    "7z": {"7z"},
    "rar": {"rar"},
    "gz": {"gz"},
    "tar": {"tar"},
    # An .m4a is an MP4 container; detectors may name it either way.
    "m4a": {"m4a", "mp4"},
}
# Media whose exact container varies (an .mp4 may be detected as m4v or mov): the detected
# MIME type only has to be of the same family.
MIME_FAMILIES = {
    **dict.fromkeys(["mp3", "wav", "flac", "ogg", "aac"], "audio/"),
    **dict.fromkeys(["mp4", "mov", "webm", "mkv", "m4v"], "video/"),
    **dict.fromkeys(["png", "jpg", "jpeg", "gif", "webp", "psd", "tif"], "image/"),
}
# Never acceptable, whatever the extension says.
EXECUTABLE_KINDS = frozenset({"exe", "elf", "crx", "swf", "wasm", "deb", "rpm", "nes"})
# Mobipocket e-books carry their signature at byte 60.
MOBI_SIGNATURES = (b"BOOKMOBI", b"TEXtREAd")


def validate_no_nul(value):
    """Refuse NUL characters: PostgreSQL cannot store them and they hide text."""
    if value and "\x00" in str(value):
        raise ValidationError(_("Remove the NUL (\\x00) character from this text."), code="null_characters")


def validate_product_title(value):
    """A product name Dodo accepts: 1 to 100 characters, no NUL characters."""
    validate_no_nul(value)
    length = len((value or "").strip())
    if length == 0:
        raise ValidationError(_("Give the product a name."), code="required")
    if length > PRODUCT_TITLE_MAX_LENGTH:
        raise ValidationError(
            _("Keep the product name to %(limit)d characters or fewer (it has %(length)d)."),
            code="max_length",
            params={"limit": PRODUCT_TITLE_MAX_LENGTH, "length": length},
        )


def validate_price(value):
    """A price Dodo can charge: 0 or more and at most 21,474,836.47.

    0 is a free product (given away without Dodo), or a pay-what-you-want product whose
    buyers may pay nothing. At most two decimal places is enforced by the
    ``DecimalField`` itself (``decimal_places=2``), with Django's own message.
    """
    if value is None:
        return
    if value < 0:
        raise ValidationError(_("Enter a price of 0 or more (0 makes the product free)."), code="min_value")
    if value > MAX_PRICE:
        raise ValidationError(
            _("Enter a price of at most %(max)s."), code="max_value", params={"max": f"{MAX_PRICE:,}"}
        )
    currency = settings.MARKETPLACE_CURRENCY
    if is_known_currency(currency) and not fits_currency(value, currency):
        # 1000.50 yen cannot be charged: the yen has no minor unit.
        raise ValidationError(
            _("Prices in %(currency)s can have at most %(places)s decimal places."),
            code="currency_decimals",
            params={"currency": currency, "places": exponent(currency)},
        )


def file_extension(name):
    """The lower-case extension of ``name`` without the dot (``"Book.PDF"`` -> ``"pdf"``)."""
    return os.path.splitext(name or "")[1].lower().lstrip(".")


def check_upload(value, *, extensions, max_size, type_message, size_message):
    """Check a newly uploaded file: allowed extension, size, and content that matches it.

    Shared by product files and support attachments, which differ only in their limits
    and wording. Files already in storage were checked when uploaded and are not re-read.
    ``type_message`` takes ``extension`` and ``allowed``; ``size_message`` ``size`` and ``max``.
    """
    if not value:
        return
    if isinstance(value, FieldFile) and value._committed:
        return

    extension = file_extension(value.name)
    allowed = [ext.lower().lstrip(".") for ext in extensions]
    if extension not in allowed:
        raise ValidationError(
            type_message,
            code="invalid_extension",
            params={"extension": extension or "?", "allowed": ", ".join(f".{ext}" for ext in allowed)},
        )

    size = value.size
    if size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    if size > max_size:
        raise ValidationError(
            size_message, code="file_too_large", params={"size": filesizeformat(size), "max": filesizeformat(max_size)}
        )

    head = _read_head(value)
    if not content_matches_extension(extension, head):
        raise ValidationError(
            _("The file’s contents do not look like a .%(extension)s file. Check that you chose the right file."),
            code="content_mismatch",
            params={"extension": extension},
        )


def validate_product_file(value):
    """Check a newly uploaded product file against the product-file settings."""
    check_upload(
        value,
        extensions=settings.PRODUCT_FILE_EXTENSIONS,
        max_size=settings.PRODUCT_FILE_MAX_SIZE,
        type_message=_("Files of type “.%(extension)s” cannot be sold here. Allowed types: %(allowed)s."),
        size_message=_("The file is %(size)s; the largest file you can upload is %(max)s."),
    )


def content_matches_extension(extension, head):
    """Whether the first bytes of a file (``head``) fit its ``extension``."""
    kind = filetype.guess(head)
    detected = kind.extension if kind else None
    if detected in EXECUTABLE_KINDS:
        return False
    if extension in TEXT_EXTENSIONS:
        return detected is None and _looks_like_text(head)
    if extension == "mobi":
        return head[60:68] in MOBI_SIGNATURES
    if extension in ZIP_BASED:
        return detected in ZIP_BASED
    if extension in EXACT_KINDS:
        return detected in EXACT_KINDS[extension]
    if extension in MIME_FAMILIES:
        return kind is not None and kind.mime.startswith(MIME_FAMILIES[extension])
    # An extension added in settings that we know nothing about: anything but a program.
    return True


def _looks_like_text(head):
    """Text: no NUL bytes, and valid UTF-8 or nearly free of control characters."""
    if b"\x00" in head:
        return False
    try:
        # Incremental, so a multi-byte character cut off at the end of ``head`` is fine.
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return True
    except UnicodeDecodeError:
        # Legacy 8-bit encodings (a CSV from an old spreadsheet): allow if it reads as text.
        controls = sum(1 for byte in head if byte < 32 and byte not in b"\t\n\r\f")
        return controls <= len(head) * 0.01


def _read_head(value):
    """The first bytes of an uploaded file, leaving its position at the start."""
    value.seek(0)
    head = value.read(HEAD_SIZE)
    value.seek(0)
    return head
