"""The bench's data: sellers, customers, categories, product pages, orders and the ledger,
written in bulk so that 100,000 products and 100,000 orders take seconds.

``grow_to(products, orders)`` adds whatever is missing to reach those counts, so one run
builds 1k, measures, grows to 10k, measures, and so on, on one database. The rows are
what the site itself would have written (paid orders carry their charge, fee, earnings
and a ledger sale; refunded ones their refund and its ledger row), only without the
signals, revisions and Dodo calls that make one save take milliseconds.

Product pages are Wagtail pages: their tree position (treebeard's materialised ``path``,
``depth``, and the parent's ``numchild``) and ``url_path`` are computed here, and the
``wagtailcore_page`` and ``catalogue_productpage`` rows are written side by side (see
``bulk.py``). Their search index entries are computed by PostgreSQL in one statement,
and checked against Wagtail's own indexer on a sample, so search measures real data.
"""

import contextlib
import gc
import io
import random
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify
from PIL import Image as PillowImage
from wagtail.images import get_image_model
from wagtail.models import Collection, Page

from catalogue.models import (
    CatalogueIndexPage,
    LedgerEntry,
    LedgerKind,
    Order,
    OrderRefund,
    OrderStatus,
    ProductCategory,
    ProductPage,
    TaxCategory,
)
from catalogue.models.products import CARD_COVER_SPEC, PAGE_COVER_SPEC, SHARE_IMAGE_SPEC
from home.site_tree import ensure_site_tree

from . import bulk, search_index

SEED = 20260512
SELLERS = 20
# One customer for every ten orders: ten orders each on average, as a shop with repeat
# buyers has.
ORDERS_PER_CUSTOMER = 10
# The signed-in customer owns one library page of products at every scale, so their
# library measures the orders table's indexes, not a longer list.
BENCH_CUSTOMER_ORDERS = 24
COVERS = 12
# The customer library's thumbnail (accounts.purchase_views.LIBRARY_COVER_SPEC).
LIBRARY_COVER_SPEC = "fill-320x240"
BATCH = 2000
# A word every 30th title carries: the search page looks for it.
SEARCH_WORD = "watercolour"

CATEGORIES = [
    ("e-books", "E-books", "Guides and novels to read on any device, as PDF or EPUB."),
    ("templates", "Templates", "Ready-made layouts for slides, documents, websites and social posts."),
    ("sound-packs", "Sound packs", "Samples, loops and effects for music and video makers."),
    ("photography", "Photography", "Stock photos and presets from working photographers."),
    ("courses", "Courses", "Self-paced lessons with workbooks and exercises."),
    ("planners", "Planners & spreadsheets", "Budgets, trackers and planners that keep life in order."),
    ("fonts", "Fonts", "Typefaces for print and screen, with web licences."),
    ("icons", "Icons", "Icon sets in SVG and PNG for apps and sites."),
    ("3d-models", "3D models", "Models and materials for games, renders and print."),
    ("presets", "Presets", "Colour and sound presets for the tools you already use."),
    ("worksheets", "Worksheets", "Printable exercises for classrooms and home learning."),
    ("music", "Music", "Albums, stems and sheet music from independent musicians."),
]
ADJECTIVES = [
    "Practical", "Complete", "Minimal", "Friendly", "Modern", "Essential", "Quiet", "Bold", "Nordic",
    "Coastal", "Simple", "Classic", "Bright", "Warm", "Vintage", "Clever", "Tiny", "Grand", "Fresh", "Honest",
]  # fmt: skip
SUBJECTS = [
    SEARCH_WORD, "sourdough", "budgeting", "portfolio", "synthwave", "mountain", "typography", "gardening",
    "negotiation", "python", "podcast", "wedding", "interior", "calligraphy", "woodworking", "astronomy",
    "knitting", "marketing", "meditation", "photography", "guitar", "cooking", "travel", "fitness", "poetry",
    "illustration", "branding", "spreadsheet", "language", "chemistry",
]  # fmt: skip
KINDS = ["Handbook", "Starter Kit", "Collection", "Workbook", "Field Guide", "Masterclass", "Pack", "Toolkit"]
SUMMARY = (
    "A {kind} on {subject}, made by an independent seller: clear, carefully edited and ready to download "
    "the moment you pay. Keep it for good, with free updates from the maker."
)
BODY = (
    "<p>{title} comes as a file you can download the moment you pay, and keep for good.</p>"
    "<h3>What you get</h3><ul><li>Instant download, yours to keep</li><li>Free updates from the maker</li>"
    "<li>Questions? Ask the seller from your account</li></ul>"
    "<h3>Who it is for</h3><p>Anyone curious about {subject} who wants to start without a blank page.</p>"
)
PRODUCT_FILE = "products/bench/bench-product.pdf"
CENT = Decimal("0.01")


def money(value):
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class Step:
    """What one growth step added, and how long each part took (seconds)."""

    products: int = 0
    orders: int = 0
    seconds: dict = field(default_factory=dict)

    @contextlib.contextmanager
    def timed(self, name):
        start = time.perf_counter()
        yield
        self.seconds[name] = round(self.seconds.get(name, 0) + time.perf_counter() - start, 2)


# PEOPLE


def _add_users(prefix, start, stop, **roles):
    User = get_user_model()
    # Nobody signs in with a password here: the bench makes sessions directly.
    password = make_password(None)
    User.objects.bulk_create(
        [
            User(
                email=f"{prefix}{number}@bench.example",
                first_name=prefix.capitalize(),
                last_name=f"No. {number}",
                password=password,
                **roles,
            )
            for number in range(start, stop)
        ],
        batch_size=BATCH,
    )


def ensure_people(customers):
    """``SELLERS`` sellers and at least ``customers`` customers; answers both id lists."""
    User = get_user_model()
    have = User.objects.filter(is_seller=True).count()
    if have < SELLERS:
        _add_users("seller", have, SELLERS, is_seller=True)
    have = User.objects.filter(is_customer=True, is_seller=False).count()
    if have < customers:
        _add_users("customer", have, customers, is_customer=True)
    sellers = list(User.objects.filter(is_seller=True).order_by("pk").values_list("pk", flat=True))
    buyers = list(User.objects.filter(is_customer=True, is_seller=False).order_by("pk").values_list("pk", flat=True))
    return sellers, buyers


# CATALOGUE


def ensure_catalogue():
    """The site tree, the categories, and a few cover images shared by every product."""
    ensure_site_tree()
    for slug, name, description in CATEGORIES:
        ProductCategory.objects.get_or_create(slug=slug, defaults={"name": name, "description": description})
    image_model = get_image_model()
    covers = list(image_model.objects.filter(title__startswith="Bench cover").order_by("pk"))
    root = Collection.get_first_root_node()
    for number in range(len(covers), COVERS):
        image = image_model(title=f"Bench cover {number}", collection=root, file=_cover_file(number))
        image._set_image_file_metadata()
        image.save()
        covers.append(image)
    # Made now: the first visitor of each page would otherwise make them mid-measurement.
    for image in covers:
        image.get_renditions(CARD_COVER_SPEC, PAGE_COVER_SPEC, SHARE_IMAGE_SPEC, LIBRARY_COVER_SPEC)
    storage = storages["private"]
    if not storage.exists(PRODUCT_FILE):
        # Every bench product points at this one small file; nothing downloads it.
        storage.save(PRODUCT_FILE, ContentFile(b"%PDF-1.4\n% Brightshelf bench file\n%%EOF\n"))
    return [image.pk for image in covers]


def _cover_file(number):
    rng = random.Random(SEED + number)  # noqa: S311 - seeded test data, not secrets
    colour = tuple(rng.randrange(40, 220) for _ in range(3))
    buffer = io.BytesIO()
    PillowImage.new("RGB", (1200, 900), colour).save(buffer, format="JPEG", quality=80)
    return ContentFile(buffer.getvalue(), name=f"bench-cover-{number}.jpg")


def add_products(count, sellers, covers, rng):
    """Add ``count`` product pages under the catalogue index; answers their ids."""
    index = CatalogueIndexPage.objects.get()
    categories = list(ProductCategory.objects.order_by("pk").values_list("pk", flat=True))
    content_type = ContentType.objects.get_for_model(ProductPage).pk
    ids = bulk.allocate_ids(Page, count)
    first_step = index.numchild + 1
    now = timezone.now()
    pages, products = [], []
    for offset, pk in enumerate(ids):
        number = first_step + offset
        subject = SUBJECTS[number % len(SUBJECTS)]
        kind = rng.choice(KINDS)
        title = f"{rng.choice(ADJECTIVES)} {subject.capitalize()} {kind}"
        slug = f"{slugify(title)}-{number:06d}"
        # 3 in 100 are drafts their seller has not published yet.
        live = rng.random() >= 0.03
        published = now - timedelta(minutes=rng.randrange(1, 365 * 24 * 60)) if live else None
        seller = sellers[number % len(sellers)]
        pages.append(
            {
                "id": pk,
                # Treebeard's materialised path: the parent's path plus this child's step.
                "path": Page._get_path(index.path, index.depth + 1, number),
                "depth": index.depth + 1,
                "numchild": 0,
                "translation_key": uuid.uuid4(),
                "locale_id": index.locale_id,
                "live": live,
                "has_unpublished_changes": not live,
                "first_published_at": published,
                "last_published_at": published,
                "title": title,
                "draft_title": title,
                "slug": slug,
                "content_type_id": content_type,
                "url_path": f"{index.url_path}{slug}/",
                "owner_id": seller,
                "seo_title": "",
                "search_description": "",
            }
        )
        price = money(rng.randrange(500, 9000) / 100)
        selling = money(price * Decimal(rng.choice(["0.6", "0.75", "0.8"]))) if rng.random() < 0.2 else None
        products.append(
            {
                "page_ptr_id": pk,
                "seller_id": seller,
                "category_id": categories[number % len(categories)],
                "summary": SUMMARY.format(kind=kind.lower(), subject=subject),
                "body": BODY.format(title=title, subject=subject),
                "cover_image_id": covers[number % len(covers)] if rng.random() < 0.9 else None,
                "price": price,
                "selling_price": selling,
                # ProductPage.save() keeps this copy of the effective price; so do we.
                "sort_price": selling if selling is not None else price,
                "tax_category": TaxCategory.E_BOOK if number % 12 == 0 else TaxCategory.DIGITAL_PRODUCTS,
                "file": PRODUCT_FILE,
                "file_name": "bench-product.pdf",
                "file_size": 40,
                "featured": live and rng.random() < 0.01,
            }
        )
    with transaction.atomic():
        bulk.write_rows(Page, pages)
        bulk.write_rows(ProductPage, products)
        Page.objects.filter(pk=index.pk).update(numchild=index.numchild + count)
        check_tree(index)
    return ids


class TreeError(Exception):
    """The bulk-written pages are not a tree treebeard and Wagtail would accept."""


def check_tree(index):
    """What treebeard's ``find_problems()`` checks, in three queries instead of two per page:
    every product is a child of the index (path and depth), and the index counts them."""
    index.refresh_from_db()
    children = Page.objects.child_of(index).count()
    if children != index.numchild:
        raise TreeError(f"the catalogue index has {children} children but numchild says {index.numchild}")
    strays = ProductPage.objects.not_child_of(index).count()
    if strays:
        raise TreeError(f"{strays} product pages are not children of the catalogue index")


# ORDERS

# Columns every order row names: blank text fields have no default in the models.
ORDER_BLANKS = {
    "paid_currency": "",
    "settlement_currency": "",
    "discount_code": "",
    "discount_id": "",
    "dodo_checkout_url": "",
    "referral_code": "",
    "review_note": "",
    "tax_inclusive": False,
}


def order_row(pk, customer, product, status, when, rng):
    """One order as the site records it: paid ones with their charge and earnings."""
    product_id, seller_id, price = product
    row = {
        **ORDER_BLANKS,
        "id": pk,
        "customer_id": customer,
        "product_id": product_id,
        "seller_id": seller_id,
        "amount": price,
        "currency": settings.MARKETPLACE_CURRENCY,
        "status": status,
        "created_at": when,
        "updated_at": when,
    }
    if status in (OrderStatus.PAID, OrderStatus.REFUNDED):
        paid_at = when + timedelta(minutes=rng.randrange(1, 10))
        fee = money(price * Decimal(str(settings.MARKETPLACE_FEE_PERCENT)) / 100)
        row.update(
            paid_total=price,
            paid_tax=Decimal("0"),
            paid_currency=settings.MARKETPLACE_CURRENCY,
            settlement_amount=price,
            settlement_tax=Decimal("0"),
            settlement_currency=settings.MARKETPLACE_CURRENCY,
            net_amount=price,
            platform_fee=fee,
            seller_earnings=price - fee,
            dodo_payment_id=f"pay_bench_{pk}",
            charged_at=paid_at,
            paid_at=paid_at,
        )
    if status == OrderStatus.REFUNDED:
        row.update(refunded_total=price, refunded_amount=price, refunded_at=row["paid_at"] + timedelta(days=1))
    return row


def _status(rng):
    roll = rng.random()
    if roll < 0.85:
        return OrderStatus.PAID
    if roll < 0.88:
        return OrderStatus.REFUNDED
    if roll < 0.95:
        return OrderStatus.PENDING
    return OrderStatus.FAILED


def live_products():
    """``(id, seller id, effective price)`` of every live product."""
    rows = ProductPage.objects.live().order_by("pk").values_list("pk", "seller_id", "price", "selling_price")
    return [(pk, seller, selling if selling is not None else price) for pk, seller, price, selling in rows]


def add_orders(count, customers, products, rng, *, bench_customer, first_step):
    """Add ``count`` orders spread over the last year, with their ledger rows.

    At the first step ``bench_customer`` gets ``BENCH_CUSTOMER_ORDERS`` paid orders of
    distinct products; nobody else's orders ever go to them.
    """
    now = timezone.now()
    others = [pk for pk in customers if pk != bench_customer]
    ids = iter(bulk.allocate_ids(Order, count))
    rows = []
    pending = set(Order.objects.filter(status=OrderStatus.PENDING).values_list("customer_id", "product_id"))
    if first_step:
        for product in rng.sample(products, BENCH_CUSTOMER_ORDERS):
            when = now - timedelta(minutes=rng.randrange(60, 90 * 24 * 60))
            rows.append(order_row(next(ids), bench_customer, product, OrderStatus.PAID, when, rng))
    while len(rows) < count:
        customer, product = rng.choice(others), rng.choice(products)
        status = _status(rng)
        if status == OrderStatus.PENDING:
            # One open order per customer and product (a database constraint).
            if (customer, product[0]) in pending:
                status = OrderStatus.FAILED
            pending.add((customer, product[0]))
        when = now - timedelta(minutes=rng.randrange(1, 365 * 24 * 60))
        rows.append(order_row(next(ids), customer, product, status, when, rng))
    with transaction.atomic():
        bulk.write_rows(Order, rows)
        _write_ledger(rows)
    return [row["id"] for row in rows]


def _write_ledger(orders):
    """A sale row for each paid or refunded order; a refund and its row for refunded ones."""
    entries, refunds = [], []
    for order in orders:
        if order.get("paid_at") is None:
            continue
        common = {"seller_id": order["seller_id"], "order_id": order["id"], "currency": order["currency"]}
        entries.append(
            {
                **common,
                "kind": LedgerKind.SALE,
                "reference": order["dodo_payment_id"],
                "gross": order["net_amount"],
                "fee": order["platform_fee"],
                "earnings": order["seller_earnings"],
                "created_at": order["paid_at"],
            }
        )
        if order["status"] == OrderStatus.REFUNDED:
            refund_id = f"ref_bench_{order['id']}"
            refunds.append(
                {
                    "order_id": order["id"],
                    "refund_id": refund_id,
                    "amount": order["paid_total"],
                    "currency": order["paid_currency"],
                    "net_amount": order["net_amount"],
                    "is_partial": False,
                    "reason": "Bought by mistake",
                    "created_at": order["refunded_at"],
                }
            )
            entries.append(
                {
                    **common,
                    "kind": LedgerKind.REFUND,
                    "reference": refund_id,
                    "gross": -order["net_amount"],
                    "fee": -order["platform_fee"],
                    "earnings": -order["seller_earnings"],
                    "created_at": order["refunded_at"],
                }
            )
    for pk, entry in zip(bulk.allocate_ids(LedgerEntry, len(entries)), entries, strict=True):
        entry["id"] = pk
    for pk, refund in zip(bulk.allocate_ids(OrderRefund, len(refunds)), refunds, strict=True):
        refund["id"] = pk
    bulk.write_rows(LedgerEntry, entries)
    bulk.write_rows(OrderRefund, refunds)


# WEBHOOK ORDERS


def add_pending_orders(count, *, seed=SEED):
    """``count`` new customers with one pending order each, of products Dodo knows.

    What checkout leaves behind before Dodo's ``payment.succeeded`` arrives: the
    webhook bench pays them. Each product gets its Dodo record, so the payment's
    ``product_cart`` is checked against it as for a real payment, and its seller's
    ``ProductSales`` row, which saving the pending order at checkout makes.
    """
    from dodo.models import DodoProduct, SyncStatus
    from seller_portal.models import ProductSales

    rng = random.Random(seed - count)  # noqa: S311 - seeded test data, not secrets
    User = get_user_model()
    start = User.objects.filter(email__startswith="buyer").count()
    _add_users("buyer", start, start + count, is_customer=True)
    buyers = list(User.objects.filter(email__startswith="buyer").order_by("-pk").values_list("pk", flat=True)[:count])
    products = rng.sample(live_products(), count)
    now = timezone.now()
    rows = [
        order_row(pk, buyer, product, OrderStatus.PENDING, now, rng)
        for pk, buyer, product in zip(bulk.allocate_ids(Order, count), buyers, products, strict=True)
    ]
    with transaction.atomic():
        bulk.write_rows(Order, rows)
        DodoProduct.objects.bulk_create(
            [
                DodoProduct(
                    page_id=product_id,
                    page_key=product_id,
                    product_id=f"pdt_bench_{product_id}",
                    environment=settings.DODO_PAYMENTS_ENVIRONMENT,
                    sync_status=SyncStatus.SYNCED,
                )
                for product_id, _seller, _price in products
            ],
            ignore_conflicts=True,
        )
        ProductSales.objects.bulk_create(
            [ProductSales(seller_id=row["seller_id"], product_id=row["product_id"]) for row in rows],
            ignore_conflicts=True,
        )
    return [(row["id"], row["product_id"], row["amount"]) for row in rows]


# THE WHOLE STEP


@contextlib.contextmanager
def loading():
    """Settings for a bulk load: this session only, never the server the site uses.

    The cyclic garbage collector is paused, as it would otherwise scan the hundreds of
    thousands of row dicts again and again (it made a 100k step several times slower);
    PostgreSQL gets room to build the search index's GIN entries in memory, and skips
    waiting for the WAL flush on commit (a crash would only lose the scratch data).
    """
    gc.disable()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SET work_mem = '256MB'; SET maintenance_work_mem = '512MB'; "
                "SET gin_pending_list_limit = '64MB'; SET synchronous_commit = off"
            )
    try:
        yield
    finally:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("RESET ALL")
        gc.enable()
        gc.collect()


def grow_to(products, orders, *, seed=SEED):
    """Add rows until there are ``products`` product pages and ``orders`` orders."""
    with loading():
        return _grow_to(products, orders, seed=seed)


def _grow_to(products, orders, *, seed):
    # Seeded: the same scale always builds the same rows.
    rng = random.Random(seed + products)  # noqa: S311 - test data, not secrets
    step = Step()
    with step.timed("people"):
        sellers, customers = ensure_people(max(orders // ORDERS_PER_CUSTOMER, BENCH_CUSTOMER_ORDERS + 1))
    with step.timed("catalogue"):
        covers = ensure_catalogue()
    have = ProductPage.objects.count()
    if products > have:
        with step.timed("products"):
            new_ids = add_products(products - have, sellers, covers, rng)
        with step.timed("search_index"):
            search_index.add(new_ids)
        step.products = len(new_ids)
    have = Order.objects.count()
    if orders > have:
        with step.timed("orders"):
            new = add_orders(
                orders - have, customers, live_products(), rng, bench_customer=customers[0], first_step=have == 0
            )
        step.orders = len(new)
    with step.timed("counters"):
        # The rows were written in bulk, past the receivers that keep the stored counts.
        call_command("recount_categories", stdout=io.StringIO())
        call_command("recount_sales", stdout=io.StringIO())
    with step.timed("analyze"):
        analyze()
    return step


def analyze():
    """Refresh the planner's statistics after a bulk load, as autovacuum soon would."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


@dataclass
class World:
    """Who the bench signs in as and what it looks at, fixed at the first step."""

    seller_id: int
    customer_id: int
    product_slug: str
    category_slug: str
    search_word: str = SEARCH_WORD


def world():
    """The users, product and category the measured pages are about."""
    User = get_user_model()
    seller = User.objects.filter(is_seller=True).order_by("pk").first()
    customer = User.objects.filter(is_customer=True, is_seller=False).order_by("pk").first()
    owned = Order.objects.filter(customer=customer).values_list("product_id", flat=True)
    # Another seller's product the customer has not bought: its page offers Buy.
    product = ProductPage.objects.live().exclude(pk__in=owned).exclude(seller=seller).order_by("pk").first()
    return World(
        seller_id=seller.pk,
        customer_id=customer.pk,
        product_slug=product.slug,
        category_slug=product.category.slug,
    )
