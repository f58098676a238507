"""Demo catalogue for ``seed_demo``: six categories and forty products from two sellers.

Every product gets a generated cover (a gradient with its title, drawn with Pillow) and a
small but real file of an allowed type, so the whole flow (browse, buy, download) can be
clicked through. Idempotent: categories are found by slug, products by title and seller,
covers by title; a second run creates nothing and changes nothing.
"""

import io
import logging
import wave
import zipfile
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from anyascii import anyascii
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from PIL import Image as PillowImage
from PIL import ImageDraw, ImageFont
from wagtail.images import get_image_model
from wagtail.models import Collection

from .defaults import DEFAULT_CATEGORIES
from .models import CatalogueIndexPage, ProductCategory, ProductPage, TaxCategory

logger = logging.getLogger(__name__)

COVER_SIZE = (1200, 900)

# The demo's categories are the defaults, each with a cover gradient (from, to).
CATEGORY_COLOURS = {
    "e-books": ("#312e81", "#7c3aed"),
    "templates": ("#0f766e", "#22d3ee"),
    "sound-packs": ("#9d174d", "#f97316"),
    "photography": ("#1e3a8a", "#38bdf8"),
    "courses": ("#14532d", "#84cc16"),
    "planners": ("#7c2d12", "#facc15"),
}

# Which demo file each category's products carry.
FILE_KINDS = {
    "e-books": "pdf",
    "templates": "zip",
    "sound-packs": "wav",
    "photography": "jpg",
    "courses": "pdf",
    "planners": "csv",
}
TAX_CATEGORIES = {
    "e-books": TaxCategory.E_BOOK,
    "courses": TaxCategory.EDTECH,
}


@dataclass(frozen=True)
class DemoProduct:
    title: str
    category: str
    price: str
    selling_price: str | None = None
    featured: bool = False
    pay_what_you_want: bool = False
    suggested_price: str | None = None


# Twenty products per seller; the first seller gets the first list.
PRODUCTS = [
    [
        DemoProduct("Intro to Rust: a friendly first book", "e-books", "24.00", "19.00", featured=True),
        DemoProduct("The Sourdough Field Guide", "e-books", "12.00"),
        DemoProduct("Writing Clear Technical Docs", "e-books", "18.00", featured=True),
        DemoProduct("Small Garden, Big Harvest", "e-books", "9.50"),
        DemoProduct("Freelancer's Pricing Handbook", "e-books", "15.00", "11.00"),
        DemoProduct("Minimal Pitch Deck Template", "templates", "29.00", featured=True),
        DemoProduct("Portfolio Website Kit", "templates", "39.00"),
        DemoProduct("Instagram Story Pack: Warm Tones", "templates", "14.00", "9.00"),
        DemoProduct("Résumé Template Duo", "templates", "8.00"),
        DemoProduct("Brand Guidelines Starter", "templates", "45.00"),
        DemoProduct("Watercolour Textures Vol. 1", "photography", "16.00"),
        DemoProduct("Coastal Mornings Photo Set", "photography", "22.00", featured=True),
        DemoProduct("Film Look Lightroom Presets", "photography", "19.00", "12.00"),
        DemoProduct("Flat Lay Desk Scenes", "photography", "11.00"),
        DemoProduct("Monthly Budget Planner", "planners", "7.00", featured=True),
        DemoProduct("Habit Tracker 2026", "planners", "5.00"),
        DemoProduct("Wedding Planning Spreadsheet", "planners", "12.00", "9.00"),
        DemoProduct("Meal Prep Planner", "planners", "6.00"),
        DemoProduct("Content Calendar for Creators", "planners", "10.00"),
        DemoProduct("Home Renovation Tracker", "planners", "8.50"),
    ],
    [
        DemoProduct("Lo-fi Drum Loops", "sound-packs", "19.00", featured=True),
        DemoProduct("Cinematic Risers & Hits", "sound-packs", "25.00", "18.00"),
        DemoProduct("Field Recordings: Nordic Forest", "sound-packs", "14.00"),
        DemoProduct("Analog Synth One-Shots", "sound-packs", "21.00"),
        DemoProduct("Podcast Intro Jingles", "sound-packs", "12.00"),
        DemoProduct("Acoustic Guitar Phrases", "sound-packs", "16.00"),
        DemoProduct("Python for Data Analysis: Video Course", "courses", "89.00", "59.00", featured=True),
        DemoProduct("Watercolour Basics in 10 Lessons", "courses", "49.00"),
        DemoProduct("Home Recording for Beginners", "courses", "39.00"),
        DemoProduct("Negotiation Skills Workshop", "courses", "69.00"),
        DemoProduct("Learn Norwegian: A1 Starter", "courses", "29.00", "24.00"),
        DemoProduct("Mixing Vocals Masterclass", "courses", "79.00"),
        DemoProduct("The Quiet Studio", "e-books", "14.00"),
        DemoProduct("Synthesis From Scratch", "e-books", "22.00", featured=True),
        DemoProduct("A Year of Field Notes", "e-books", "10.00"),
        DemoProduct("Mountain Light Photo Set", "photography", "24.00"),
        DemoProduct("Nordic Cabin Interiors", "photography", "18.00", "13.00"),
        DemoProduct("Podcast Show Notes Template", "templates", "9.00"),
        DemoProduct("Album Artwork Templates", "templates", "17.00"),
        DemoProduct("Band Press Kit", "templates", "19.00"),
    ],
]


def seed_catalogue(sellers):
    """Create the demo categories and products for ``sellers`` (at least one user).

    Returns ``{"categories": n, "products": n}``: how many of each this run created.
    """
    sellers = list(sellers)
    if not sellers:
        return {"categories": 0, "products": 0}
    index_page = CatalogueIndexPage.objects.first()
    if index_page is None:
        raise RuntimeError("No catalogue index page: run ensure_site_tree() first.")

    created = {"categories": 0, "products": 0}
    categories = {}
    colours = {}
    for slug, name, description in DEFAULT_CATEGORIES:
        category, was_created = ProductCategory.objects.get_or_create(
            slug=slug, defaults={"name": name, "description": description}
        )
        categories[slug] = category
        colours[slug] = CATEGORY_COLOURS[slug]
        created["categories"] += was_created

    now = timezone.now()
    position = 0
    for seller_number, products in enumerate(PRODUCTS):
        seller = sellers[seller_number % len(sellers)]
        for product in products:
            position += 1
            if ProductPage.objects.filter(title=product.title, seller=seller).exists():
                continue
            _create_product(
                index_page,
                product,
                seller,
                categories[product.category],
                colours[product.category],
                # Spread publication over the last weeks, so "newest" means something.
                published_at=now - timedelta(hours=9 * position),
            )
            created["products"] += 1
    return created


# Pay what you want and free, one of each per seller list: the price is the minimum of
# the first (suggested 12.00) and 0 for the second, which customers get without paying.
PRICING_DEMO_PRODUCTS = [
    DemoProduct(
        "Indie Game Soundtrack Sampler", "sound-packs", "5.00", pay_what_you_want=True, suggested_price="12.00"
    ),
    DemoProduct("Printable Weekly Planner (free)", "planners", "0.00"),
]


def seed_pricing_demos(sellers):
    """Create the pay-what-you-want and the free demo product, for the first seller.

    Idempotent like :func:`seed_catalogue` (found by title and seller); returns how many
    this run created.
    """
    sellers = list(sellers)
    index_page = CatalogueIndexPage.objects.first()
    if not sellers or index_page is None:
        return 0
    seller, created, now = sellers[0], 0, timezone.now()
    for number, product in enumerate(PRICING_DEMO_PRODUCTS):
        if ProductPage.objects.filter(title=product.title, seller=seller).exists():
            continue
        category = ProductCategory.objects.get(slug=product.category)
        colours = CATEGORY_COLOURS[product.category]
        _create_product(index_page, product, seller, category, colours, published_at=now - timedelta(hours=2 + number))
        created += 1
    return created


@transaction.atomic
def _create_product(index_page, product, seller, category, colours, published_at):
    kind = FILE_KINDS[product.category]
    page = ProductPage(
        title=product.title,
        seller=seller,
        category=category,
        summary=_summary(product, category),
        body=_body(product, category, kind),
        cover_image=_cover(product.title, category.name, colours),
        price=Decimal(product.price),
        selling_price=Decimal(product.selling_price) if product.selling_price else None,
        pay_what_you_want=product.pay_what_you_want,
        suggested_price=Decimal(product.suggested_price) if product.suggested_price else None,
        tax_category=TAX_CATEGORIES.get(product.category, TaxCategory.DIGITAL_PRODUCTS),
        featured=product.featured,
        file=ContentFile(DEMO_FILES[kind](product.title), name=f"{_file_stem(product.title)}.{kind}"),
        live=False,
    )
    index_page.add_child(instance=page)
    # The seller cannot publish in Wagtail (no admin permissions); the seed acts for editors.
    page.save_revision(user=seller, log_action=False).publish(
        user=seller, log_action=False, skip_permission_checks=True
    )
    ProductPage.objects.filter(pk=page.pk).update(first_published_at=published_at, last_published_at=published_at)
    logger.info("Product #%s: demo product %r created", page.pk, product.title)
    return page


# One line per category that reads well after any title in it.
SUMMARIES = {
    "e-books": "A practical, carefully edited e-book to read on any device: clear chapters, worked examples and no filler.",
    "templates": "Polished, fully editable templates that save you hours: swap in your words and colours and you are done.",
    "sound-packs": "Royalty-free sounds recorded and mixed with care, ready to drop into your next track or video.",
    "photography": "High-resolution photos and presets from a working photographer, licensed for personal and commercial use.",
    "courses": "A self-paced course with short lessons, a printable workbook and exercises you can finish in a weekend.",
    "planners": "A ready-to-use spreadsheet that keeps the details in one place, so you can stop juggling lists.",
}


def _summary(product, category):
    return SUMMARIES[category.slug]


def _body(product, category, kind):
    return (
        f"<p>{product.title} comes as a {kind.upper()} file that you can download the moment you pay, "
        "and keep for good.</p>"
        "<h3>What you get</h3>"
        "<ul><li>Instant download, yours to keep</li><li>Free updates from the maker</li>"
        "<li>Questions? Ask the seller from your account</li></ul>"
        "<h3>Who it is for</h3><p>Anyone who wants to get going quickly, without starting from a blank page.</p>"
    )


def _file_stem(title):
    return "".join(ch if ch.isalnum() else "-" for ch in title.lower()).strip("-")[:60] or "product"


# COVERS


def _cover(title, category_name, colours):
    """A Wagtail image: a diagonal gradient with the title and category, found by title."""
    image_model = get_image_model()
    cover_title = f"Cover: {title}"
    existing = image_model.objects.filter(title=cover_title).first()
    if existing is not None:
        return existing
    data = _cover_jpeg(title, category_name, colours)
    image = image_model(
        title=cover_title,
        collection=Collection.get_first_root_node(),
        file=ContentFile(data, name=f"cover-{_file_stem(title)}.jpg"),
    )
    image.save()
    return image


def _cover_jpeg(title, category_name, colours):
    width, height = COVER_SIZE
    start, end = (_rgb(colour) for colour in colours)
    # A diagonal two-stop gradient drawn small and scaled up: smooth, and fast enough.
    small = PillowImage.new("RGB", (width // 8, height // 8))
    span = small.width + small.height - 2
    for x in range(small.width):
        for y in range(small.height):
            small.putpixel((x, y), _mix(start, end, (x + y) / span))
    canvas = small.resize((width, height), PillowImage.Resampling.BILINEAR)
    draw = ImageDraw.Draw(canvas)
    # Soft shapes so covers do not look flat.
    draw.ellipse((width - 420, -180, width + 180, 420), fill=_mix(end, (255, 255, 255), 0.18))
    draw.ellipse((-200, height - 300, 360, height + 260), fill=_mix(start, (0, 0, 0), 0.18))

    label_font, title_font = _font(38), _font(76, bold=True)
    if not _has_system_font():
        # Pillow's built-in font covers ASCII only: transliterate ("Résumé" -> "Resume").
        title, category_name = anyascii(title), anyascii(category_name)
    shadow = _mix(start, (0, 0, 0), 0.45)
    draw.text((90, 100), category_name.upper(), font=label_font, fill=(255, 255, 255))
    y = 190
    # Wrapped by measured width, clear of the circle in the top right corner.
    for line in _wrap(draw, title, title_font, max_width=680)[:4]:
        draw.text((93, y + 3), line, font=title_font, fill=shadow)
        draw.text((90, y), line, font=title_font, fill=(255, 255, 255))
        y += 96
    draw.text((90, height - 130), "Brightshelf", font=label_font, fill=_mix((255, 255, 255), end, 0.25))

    buffer = io.BytesIO()
    canvas.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


def _wrap(draw, text, font, max_width):
    """Split ``text`` into lines no wider than ``max_width`` pixels."""
    lines, line = [], ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if line and draw.textlength(candidate, font=font) > max_width:
            lines.append(line)
            line = word
        else:
            line = candidate
    return [*lines, line] if line else lines


# Debian's DejaVu fonts when installed (they cover accents); Pillow's own font otherwise.
SYSTEM_FONTS = {False: "DejaVuSans.ttf", True: "DejaVuSans-Bold.ttf"}


def _font(size, bold=False):
    try:
        return ImageFont.truetype(SYSTEM_FONTS[bold], size)
    except OSError:
        return ImageFont.load_default(size=size)


def _has_system_font():
    try:
        ImageFont.truetype(SYSTEM_FONTS[True], 10)
    except OSError:
        return False
    return True


def _rgb(colour):
    colour = colour.lstrip("#")
    return tuple(int(colour[i : i + 2], 16) for i in (0, 2, 4))


def _mix(a, b, amount):
    return tuple(int(x + (y - x) * amount) for x, y in zip(a, b, strict=True))


# PRODUCT FILES: small but real files of each allowed type.


def _pdf(title):
    """A one-page PDF with the title on it."""
    text = title.encode("latin-1", "replace").replace(b"(", b"[").replace(b")", b"]")
    content = b"BT /F1 24 Tf 72 720 Td (" + text + b") Tj 0 -36 Td /F1 12 Tf (Brightshelf demo file) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(content)).encode() + b" >>\nstream\n" + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def _zip(title):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "README.txt", f"{title}\n\nThank you for your purchase. Open the files in this folder to start.\n"
        )
        archive.writestr("LICENSE.txt", "Personal and commercial use allowed. Do not resell the files themselves.\n")
    return out.getvalue()


def _wav(title):
    """Half a second of a quiet 440 Hz tone, 8 kHz mono."""
    import math

    rate = 8000
    frames = bytearray()
    for i in range(rate // 2):
        sample = int(3000 * math.sin(2 * math.pi * 440 * i / rate))
        frames += sample.to_bytes(2, "little", signed=True)
    out = io.BytesIO()
    with wave.open(out, "wb") as sound:
        sound.setnchannels(1)
        sound.setsampwidth(2)
        sound.setframerate(rate)
        sound.writeframes(bytes(frames))
    return out.getvalue()


def _jpg(title):
    out = io.BytesIO()
    PillowImage.new("RGB", (640, 480), (56, 189, 248)).save(out, format="JPEG", quality=80)
    return out.getvalue()


def _csv(title):
    rows = ["Month,Planned,Actual,Notes"] + [f"{month},0,0," for month in ("Jan", "Feb", "Mar", "Apr", "May", "Jun")]
    return ("\n".join(rows) + "\n").encode()


DEMO_FILES = {"pdf": _pdf, "zip": _zip, "wav": _wav, "jpg": _jpg, "csv": _csv}
