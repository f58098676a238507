"""Product analytics: page views and checkout starts counted in the shared cache, flushed
to :class:`~catalogue.models.ProductDailyStats` / :class:`~catalogue.models.ProductTraffic`
rows by the worker, and the figures sellers and editors read from those rows and the orders.

Counting (the hot path)
    Anonymous product pages come from the page cache or a CDN, so the server never sees
    most page loads. The page carries a small script (``static/js/product_page.js``) that
    posts one beacon per page load to :func:`catalogue.analytics_views.product_viewed`
    with the product id, ``document.referrer`` and the short-link code the short-link
    redirect put in the URL fragment (``#via=<code>``; fragments survive the redirect and
    never reach the server, so the cached page is the same for everyone). The endpoint runs
    no query: :func:`record_view` adds one to a counter in the ``default`` cache.
    :func:`record_checkout_start` does the same when Dodo opens a checkout session.

    A view is classified once, in :func:`classify`: a short-link code -> ``SHORT_LINK``
    (the code), no referrer -> ``DIRECT``, a referrer on this site -> ``MARKETPLACE``, any
    other -> ``REFERRER`` with the referring *host* only (no path, no query string: they
    can carry people's data), lower-cased, without ``www.``.

The buffer
    Counters live in hashes, one per minute ("bucket"): ``HINCRBY`` on Redis (the cache's
    own client, ``RedisCache``), one atomic command whatever the number of app hosts. Any
    other cache backend gets :class:`LocalBuffer`: one dict under a process lock, right for
    the local-memory cache of development and tests, where one process serves the pages;
    it would lose counts across processes sharing a Memcached or database cache, so
    production runs Redis (``CACHE_URL``).

Flushing, never lost, never twice
    :func:`flush_counters` (the ``flush_product_analytics`` task, every
    ``ANALYTICS_FLUSH_INTERVAL`` seconds on the worker) first *claims* every bucket that
    closed more than a minute ago (so a host whose clock runs a little late still writes
    to an open one): in one ``MULTI`` it renames the bucket to a batch key with a fresh id
    and lists that id in a set of claimed batches. A late write to a claimed minute makes
    a new bucket, claimed by a later run. Then each claimed batch is applied in one
    database transaction that first records a :class:`~catalogue.models.TaskEffect`
    (``task_result_id`` = ``analytics:<batch id>``, unique) and adds the counts with
    ``INSERT ... ON CONFLICT DO UPDATE SET views = views + excluded.views`` (SQLite and
    PostgreSQL alike); only after the commit is the batch deleted from the cache. A crash
    before the commit leaves the batch to the next run; a crash after it leaves a batch
    whose marker exists, so the next run deletes it without adding it again. Counts for
    products that no longer exist (or never did: the endpoint cannot look) are dropped.

The figures (:func:`report`)
    For a period of 7, 30 or 90 local days (``settings.TIME_ZONE``, today included, as the
    seller dashboard counts windows):

    - **views**, **checkout starts**: sums of the daily rows;
    - **paid orders**: orders paid in the period that were sales (paid, since refunded or
      charged back; free orders are downloads, not sales), counted by ``paid_at``;
    - **revenue**: by the revenue rule of ``seller_portal.stats`` (a paid order counts
      ``net_amount - refunded_amount``, a refunded or charged-back one 0, on the day it was
      paid), written here as the same expression because the catalogue may not import
      the seller portal; a test holds the two to each other;
    - **refunds**: of those orders, the ones refunded since, wholly or partly, and the
      net amount refunded (a refunded order its whole net amount, a paid one its
      ``refunded_amount``). So revenue + refunded = what the period's sales brought in
      before refunds, and a refund shows in the period of the sale it undid, as revenue
      does. Chargebacks (the bank, not the marketplace, took the money back) are paid
      orders with no revenue and are not refunds;
    - **conversion**: paid orders / views (``None``, shown "—", without views);
    - where views came from: per kind, the top referring sites and the top short links.

    Each figure is one ``GROUP BY`` query, whatever the number of products or days.
"""

from __future__ import annotations

import logging
import re
import threading
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import caches
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, Count, DecimalField, F, Q, Sum, Value, When
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from .models import OrderStatus, ProductDailyStats, ProductPage, ProductTraffic, TaskEffect, TrafficKind
from .models.analytics import SOURCE_MAX_LENGTH
from .revenue import NET_AMOUNT, REVENUE, SALE

logger = logging.getLogger(__name__)

CACHE_ALIAS = "default"
KEY_PREFIX = "analytics"
BUCKET_SECONDS = 60
# Buckets are claimed once they closed this many buckets ago: room for app hosts whose
# clocks run behind the worker's.
CLAIM_AFTER_BUCKETS = 1
# The TaskEffect name that marks a batch as added to the rows.
FLUSHED = "analytics counters flushed"
EFFECT_PREFIX = "analytics:"

PERIODS = (7, 30, 90)
DEFAULT_PERIOD = 30
TOP_SOURCES = 10
MONEY = DecimalField(max_digits=14, decimal_places=3)
ZERO = Decimal("0.00")

# What the endpoint accepts: a positive id that fits an integer column, a short-link code
# (seller_portal.codes: letters, digits and dashes), a host name.
MAX_PRODUCT_ID = 2**31 - 1
CODE_PATTERN = re.compile(r"^[A-Za-z0-9-]{3,40}$")
HOST_PATTERN = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$")


class InvalidBeacon(ValueError):
    """The beacon's fields cannot be a product view (the endpoint answers 400)."""


# CLASSIFYING A VIEW


def referrer_host(referrer):
    """The host of a referrer URL, lower-cased, without port or ``www.``; ``""`` when there
    is none or it is not an http(s) URL with a plausible host name."""
    if not referrer:
        return ""
    try:
        parts = urlsplit(referrer.strip())
        host = (parts.hostname or "").rstrip(".")
        if parts.scheme not in ("http", "https") or not host:
            return ""
        # UnicodeError (a ValueError) for labels IDNA cannot encode: empty or too long.
        host = host.encode("idna").decode("ascii") if not host.isascii() else host
    except ValueError:
        return ""
    host = host.removeprefix("www.")
    if len(host) > SOURCE_MAX_LENGTH or not HOST_PATTERN.match(host):
        return ""
    return host


def own_hosts(request_host=""):
    """The hosts that make a referrer "this marketplace": ``SITE_URL``'s and the request's."""
    hosts = {referrer_host(settings.SITE_URL)}
    if request_host:
        hosts.add(referrer_host(f"http://{request_host}"))
    return hosts - {""}


def classify(referrer="", via="", site_hosts=frozenset()):
    """``(kind, source)`` for one view (see the module docstring); raises
    :class:`InvalidBeacon` for a short-link code that cannot be one."""
    if via:
        if not CODE_PATTERN.match(via):
            raise InvalidBeacon("malformed short-link code")
        return TrafficKind.SHORT_LINK, via
    host = referrer_host(referrer)
    if not host:
        return TrafficKind.DIRECT, ""
    if host in site_hosts:
        return TrafficKind.MARKETPLACE, ""
    return TrafficKind.REFERRER, host


def parse_product_id(value):
    """The product id a beacon names; raises :class:`InvalidBeacon` unless it is one."""
    if not isinstance(value, str) or not value.isascii() or not value.isdigit() or len(value) > 10:
        raise InvalidBeacon("malformed product id")
    product_id = int(value)
    if not 0 < product_id <= MAX_PRODUCT_ID:
        raise InvalidBeacon("product id out of range")
    return product_id


# THE BUFFER


def _cache_errors():
    """The errors a cache backend raises when its server is unreachable."""
    errors = [OSError]
    try:
        from redis.exceptions import RedisError
    except ImportError:  # redis is only needed with a Redis cache
        pass
    else:
        errors.append(RedisError)
    return tuple(errors)


CACHE_ERRORS = _cache_errors()


def _view_field(product_id, day, kind, source):
    return f"v|{product_id}|{day.isoformat()}|{kind}|{source}"


def _checkout_field(product_id, day):
    return f"c|{product_id}|{day.isoformat()}"


def current_bucket(now=None):
    """The number of the minute ``now`` falls in (seconds since the epoch // 60)."""
    return int((now or timezone.now()).timestamp()) // BUCKET_SECONDS


class RedisBuffer:
    """Counters in Redis hashes, through the ``RedisCache`` backend's own connection pool."""

    def __init__(self, cache):
        self.cache = cache

    def _client(self):
        return self.cache._cache.get_client(write=True)

    def _key(self, name):
        return self.cache.make_key(f"{KEY_PREFIX}:{name}")

    def add(self, bucket, field_name, amount=1):
        pipe = self._client().pipeline(transaction=True)
        pipe.hincrby(self._key(f"bucket:{bucket}"), field_name, amount)
        pipe.sadd(self._key("buckets"), bucket)
        pipe.execute()

    def claim(self, before_bucket):
        """Move every bucket older than ``before_bucket`` to a batch of its own."""
        client = self._client()
        from redis.exceptions import ResponseError

        for raw in client.smembers(self._key("buckets")):
            bucket = int(raw)
            if bucket >= before_bucket:
                continue
            batch = f"{bucket}-{uuid.uuid4().hex[:16]}"
            pipe = client.pipeline(transaction=True)
            pipe.rename(self._key(f"bucket:{bucket}"), self._key(f"batch:{batch}"))
            pipe.sadd(self._key("batches"), batch)
            pipe.srem(self._key("buckets"), bucket)
            try:
                pipe.execute()
            except ResponseError:
                # No such bucket (another flush took it): the batch reads as empty and goes.
                pass

    def batches(self):
        return sorted(raw.decode() for raw in self._client().smembers(self._key("batches")))

    def read(self, batch):
        raw = self._client().hgetall(self._key(f"batch:{batch}"))
        return {name.decode(): int(count) for name, count in raw.items()}

    def drop(self, batch):
        pipe = self._client().pipeline(transaction=True)
        pipe.delete(self._key(f"batch:{batch}"))
        pipe.srem(self._key("batches"), batch)
        pipe.execute()


# One lock per process: LocalBuffer's read-modify-write of a dict in the cache.
_local_lock = threading.Lock()


class LocalBuffer:
    """Counters in one dict in any Django cache, changed under a process lock.

    Correct when one process serves the pages and flushes (the local-memory cache of
    ``make run`` and the tests). Everything counted so far is claimed at once: there are
    no other hosts' clocks to wait for.
    """

    def __init__(self, cache):
        self.cache = cache

    def add(self, bucket, field_name, amount=1):
        with _local_lock:
            counts = self.cache.get(f"{KEY_PREFIX}:open") or {}
            counts[field_name] = counts.get(field_name, 0) + amount
            self.cache.set(f"{KEY_PREFIX}:open", counts, timeout=None)

    def claim(self, before_bucket):
        with _local_lock:
            counts = self.cache.get(f"{KEY_PREFIX}:open")
            if not counts:
                return
            batch = uuid.uuid4().hex
            self.cache.set(f"{KEY_PREFIX}:batch:{batch}", counts, timeout=None)
            self.cache.set(f"{KEY_PREFIX}:batches", [*self._batches(), batch], timeout=None)
            self.cache.delete(f"{KEY_PREFIX}:open")

    def _batches(self):
        return list(self.cache.get(f"{KEY_PREFIX}:batches") or [])

    def batches(self):
        with _local_lock:
            return self._batches()

    def read(self, batch):
        return dict(self.cache.get(f"{KEY_PREFIX}:batch:{batch}") or {})

    def drop(self, batch):
        with _local_lock:
            self.cache.delete(f"{KEY_PREFIX}:batch:{batch}")
            self.cache.set(f"{KEY_PREFIX}:batches", [b for b in self._batches() if b != batch], timeout=None)


def get_buffer():
    """The buffer for the ``default`` cache: Redis hashes, or the process-local dict."""
    from django.core.cache.backends.redis import RedisCache

    cache = caches[CACHE_ALIAS]
    return RedisBuffer(cache) if isinstance(cache, RedisCache) else LocalBuffer(cache)


def record_view(product_id, kind=TrafficKind.DIRECT, source="", now=None):
    """Count one page view of the product in the cache (no query)."""
    now = now or timezone.now()
    field_name = _view_field(product_id, timezone.localdate(now), TrafficKind(kind).value, source)
    get_buffer().add(current_bucket(now), field_name)


def record_checkout_start(product_id, now=None):
    """Count one checkout session opened for the product, in the cache (no query).

    Called after Dodo answered with a checkout URL; a failing cache must not stop the
    purchase, so its errors are logged, not raised.
    """
    now = now or timezone.now()
    try:
        get_buffer().add(current_bucket(now), _checkout_field(product_id, timezone.localdate(now)))
    except CACHE_ERRORS as error:
        logger.warning("Product #%s: checkout start not counted, cache failed: %s", product_id, error)


def flush_if_local():
    """Flush now when the counters live in this process (``LocalBuffer``: development,
    where no worker shares the local-memory cache); a no-op with Redis, where the worker
    flushes. Pages that show the figures call it first."""
    if isinstance(get_buffer(), LocalBuffer):
        return flush_counters()
    return None


# FLUSHING


@dataclass
class FlushResult:
    batches: int = 0
    views: int = 0
    checkout_starts: int = 0
    already_applied: int = 0
    dropped: int = 0


def _parse(counts):
    """``(stats, traffic)`` increments from a batch's fields; malformed fields are skipped."""
    stats, traffic = {}, {}
    for name, count in counts.items():
        parts = name.split("|")
        try:
            product_id, day = int(parts[1]), date.fromisoformat(parts[2])
            if parts[0] == "v" and len(parts) == 5:
                kind, source = TrafficKind(parts[3]).value, parts[4]
                views, checkouts = stats.get((product_id, day), (0, 0))
                stats[(product_id, day)] = (views + count, checkouts)
                key = (product_id, day, kind, source)
                traffic[key] = traffic.get(key, 0) + count
            elif parts[0] == "c" and len(parts) == 3:
                views, checkouts = stats.get((product_id, day), (0, 0))
                stats[(product_id, day)] = (views, checkouts + count)
            else:
                raise ValueError(name)
        except (IndexError, ValueError):
            logger.warning("Analytics: counter %r is not one of ours, skipped", name)
    return stats, traffic


def _upsert(model, key_columns, value_columns, rows):
    """``INSERT ... ON CONFLICT (keys) DO UPDATE SET v = v + excluded.v`` for each row."""
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = [*key_columns, *value_columns]
    updates = ", ".join(f"{quote(c)} = {table}.{quote(c)} + excluded.{quote(c)}" for c in value_columns)
    sql = (
        f"INSERT INTO {table} ({', '.join(quote(c) for c in columns)}) "  # noqa: S608 (names from the model)
        f"VALUES ({', '.join(['%s'] * len(columns))}) "
        f"ON CONFLICT ({', '.join(quote(c) for c in key_columns)}) DO UPDATE SET {updates}"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _apply(batch, counts, result):
    """Add one batch to the rows, once (see the module docstring); False if applied before."""
    stats, traffic = _parse(counts)
    with transaction.atomic():
        try:
            with transaction.atomic():
                TaskEffect.objects.create(task_result_id=f"{EFFECT_PREFIX}{batch}", name=FLUSHED)
        except IntegrityError:
            return False
        product_ids = {product_id for product_id, _day in stats}
        existing = set(ProductPage.objects.filter(pk__in=product_ids).values_list("pk", flat=True))
        day_value = connection.ops.adapt_datefield_value
        _upsert(
            ProductDailyStats,
            ["product_id", "day"],
            ["views", "checkout_starts"],
            [
                (pid, day_value(day), views, checkouts)
                for (pid, day), (views, checkouts) in sorted(stats.items())
                if pid in existing
            ],
        )
        _upsert(
            ProductTraffic,
            ["product_id", "day", "kind", "source"],
            ["views"],
            [
                (pid, day_value(day), kind, source, views)
                for (pid, day, kind, source), views in sorted(traffic.items())
                if pid in existing
            ],
        )
    for (pid, _day), (views, checkouts) in stats.items():
        if pid in existing:
            result.views += views
            result.checkout_starts += checkouts
        else:
            result.dropped += views + checkouts
    return True


def flush_counters(now=None):
    """Add every closed bucket's counts to the daily rows, once; answers a :class:`FlushResult`."""
    buffer = get_buffer()
    buffer.claim(current_bucket(now) - CLAIM_AFTER_BUCKETS)
    result = FlushResult()
    for batch in buffer.batches():
        counts = buffer.read(batch)
        if counts and not _apply(batch, counts, result):
            logger.info("Analytics: batch %s was added before, deleting it", batch)
            result.already_applied += 1
        buffer.drop(batch)
        result.batches += 1
    if result.dropped:
        logger.info("Analytics: %d counts of unknown products dropped", result.dropped)
    return result


# THE FIGURES


def day_start(day):
    """The aware datetime of local midnight at the start of ``day``."""
    return timezone.make_aware(datetime.combine(day, time.min))


@dataclass(frozen=True)
class Period:
    """``days`` local days ending today (today included)."""

    days: int
    first_day: date
    last_day: date

    @property
    def start(self):
        return day_start(self.first_day)

    @property
    def end(self):
        return day_start(self.last_day + timedelta(days=1))

    @property
    def dates(self):
        return [self.first_day + timedelta(days=offset) for offset in range(self.days)]


def period(days=DEFAULT_PERIOD, today=None):
    """The period of ``days`` (one of :data:`PERIODS`) ending ``today``."""
    if days not in PERIODS:
        raise ValueError(f"period must be one of {PERIODS}, not {days!r}")
    today = today or timezone.localdate()
    return Period(days=days, first_day=today - timedelta(days=days - 1), last_day=today)


def period_from_query(value, today=None):
    """The period a ``?days=`` parameter asks for; the default for anything else."""
    try:
        days = int(value)
    except (TypeError, ValueError):
        days = DEFAULT_PERIOD
    return period(days if days in PERIODS else DEFAULT_PERIOD, today=today)


# Refunds of the period's sales (see the module docstring); SALE and REVENUE are the
# revenue rule (catalogue.revenue).
IS_REFUND = Q(status=OrderStatus.REFUNDED) | Q(status=OrderStatus.PAID, refunded_amount__gt=0)
REFUNDED = Case(
    When(status=OrderStatus.REFUNDED, then=NET_AMOUNT),
    When(status=OrderStatus.PAID, then=F("refunded_amount")),
    default=Value(ZERO),
)


def _money(expression):
    return Coalesce(Sum(expression, output_field=MONEY), Value(ZERO), output_field=MONEY)


ORDER_FIGURES = {
    "paid_orders": Count("pk"),
    "revenue": _money(REVENUE),
    "refunds": Count("pk", filter=IS_REFUND),
    "refunded": _money(REFUNDED),
}


@dataclass
class Figures:
    """One set of figures: a product's, a day's, or the period's totals."""

    views: int = 0
    checkout_starts: int = 0
    paid_orders: int = 0
    revenue: Decimal = ZERO
    refunds: int = 0
    refunded: Decimal = ZERO

    @property
    def conversion(self):
        """Paid orders per view, as a percentage (``None`` without views)."""
        if not self.views:
            return None
        return (Decimal(self.paid_orders) * 100 / self.views).quantize(Decimal("0.1"))

    @property
    def active(self):
        return bool(self.views or self.checkout_starts or self.paid_orders)

    def add(self, other):
        for name in ("views", "checkout_starts", "paid_orders", "revenue", "refunds", "refunded"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class ProductFigures(Figures):
    product_id: int = 0
    title: str = ""
    live: bool = False
    seller_id: int | None = None
    seller_name: str = ""
    seller_email: str = ""


@dataclass
class DayFigures(Figures):
    day: date | None = None
    height: float = 0.0  # the chart bar's height, 0-100 (% of the busiest day's views)
    index: int = 0

    # The chart's SVG drawing box: one 10-unit slot per day, 100 units high.
    @property
    def bar_x(self):
        return self.index * CHART_SLOT + (CHART_SLOT - CHART_BAR_WIDTH) / 2

    @property
    def bar_y(self):
        return 100 - self.height


CHART_SLOT = 10
CHART_BAR_WIDTH = 8
CHART_MIN_BAR = 1.5


@dataclass
class Report:
    """Everything the seller page and the editor report show for one period."""

    period: Period
    totals: Figures
    products: list  # ProductFigures, busiest first
    days: list  # DayFigures, oldest first
    kinds: list  # (TrafficKind, views), every kind
    referrers: list  # {"source", "views"}, the top referring sites
    short_links: list  # {"source", "views", "product_id", "title"}, the top short-link codes
    peak_views: int = 0
    chart_width: int = field(default=0)
    chart_bar_width: int = CHART_BAR_WIDTH

    @property
    def middle_day(self):
        return self.days[len(self.days) // 2]


def report(products, orders, period, *, include_idle=True, short_link_codes=None):
    """The figures of ``products`` (a ``ProductPage`` queryset) and ``orders`` (an
    ``Order`` queryset, e.g. one seller's) over ``period``.

    ``include_idle`` lists products without views or sales too (a seller's own list);
    without it only products with activity are listed (the whole marketplace).
    ``short_link_codes`` (a queryset of codes) limits the top short links to those codes.
    Eight queries, however many products, days or orders.
    """
    stats = ProductDailyStats.objects.filter(product__in=products, day__gte=period.first_day, day__lte=period.last_day)
    sales = orders.filter(SALE, product__in=products, paid_at__gte=period.start, paid_at__lt=period.end)
    traffic = ProductTraffic.objects.filter(product__in=products, day__gte=period.first_day, day__lte=period.last_day)

    by_product = {}
    for row in stats.order_by().values("product_id").annotate(v=Sum("views"), c=Sum("checkout_starts")):
        by_product[row["product_id"]] = Figures(views=row["v"], checkout_starts=row["c"])
    for row in sales.order_by().values("product_id").annotate(**ORDER_FIGURES):
        figures = by_product.setdefault(row.pop("product_id"), Figures())
        for name, value in row.items():
            setattr(figures, name, value)

    listed = products if include_idle else products.filter(pk__in=list(by_product))
    rows = []
    for product in listed.order_by().values(
        "pk", "title", "live", "seller_id", "seller__first_name", "seller__last_name", "seller__email"
    ):
        figures = by_product.get(product["pk"], Figures())
        name = f"{product['seller__first_name'] or ''} {product['seller__last_name'] or ''}".strip()
        email = product["seller__email"] or ""
        rows.append(
            ProductFigures(
                **vars(figures),
                product_id=product["pk"],
                title=product["title"],
                live=product["live"],
                seller_id=product["seller_id"],
                seller_name=name or email.split("@", 1)[0],
                seller_email=email,
            )
        )
    rows.sort(key=lambda row: (-row.views, -row.paid_orders, -row.revenue, row.title.lower(), row.product_id))

    totals = Figures()
    for figures in by_product.values():
        totals.add(figures)

    days = {day: DayFigures(day=day, index=index) for index, day in enumerate(period.dates)}
    for row in stats.order_by().values("day").annotate(v=Sum("views"), c=Sum("checkout_starts")):
        if row["day"] in days:
            days[row["day"]].views, days[row["day"]].checkout_starts = row["v"], row["c"]
    local_day = TruncDate("paid_at", tzinfo=timezone.get_current_timezone())
    for row in sales.order_by().annotate(local_day=local_day).values("local_day").annotate(**ORDER_FIGURES):
        day = days.get(row.pop("local_day"))
        if day is not None:
            for name, value in row.items():
                setattr(day, name, value)
    peak = max((day.views for day in days.values()), default=0)
    for day in days.values():
        if peak and day.views:
            day.height = round(max(day.views / peak * 100, CHART_MIN_BAR), 2)

    views_by_kind = dict(traffic.order_by().values_list("kind").annotate(Sum("views")))
    kinds = [(kind, views_by_kind.get(kind.value, 0)) for kind in TrafficKind]
    referrers = list(
        traffic.filter(kind=TrafficKind.REFERRER)
        .order_by()
        .values("source")
        .annotate(views=Sum("views"))
        .order_by("-views", "source")[:TOP_SOURCES]
    )
    links = traffic.filter(kind=TrafficKind.SHORT_LINK)
    if short_link_codes is not None:
        links = links.filter(source__in=short_link_codes)
    short_links = list(
        links.order_by()
        .values("source", "product_id", title=F("product__title"))
        .annotate(views=Sum("views"))
        .order_by("-views", "source")[:TOP_SOURCES]
    )
    return Report(
        period=period,
        totals=totals,
        products=rows,
        days=list(days.values()),
        kinds=kinds,
        referrers=referrers,
        short_links=short_links,
        peak_views=peak,
        chart_width=CHART_SLOT * period.days,
    )
