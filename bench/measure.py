"""What the bench measures: pages against the bare view, SQL per page, webhook
ingestion, and a product save while Dodo hangs."""

import dataclasses
import json
import os
import random
import re
import statistics
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import requests
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult
from standardwebhooks.webhooks import Webhook

from catalogue.models import LedgerEntry, LedgerKind, Order, OrderStatus, ProductPage
from catalogue.money import to_minor
from dodo.models import WebhookEvent, WebhookEventStatus

from .load import LoadSettings, run_wrk

# Production sits behind a TLS proxy that says so; the bench speaks plain HTTP to
# gunicorn and says it the same way, so requests are "secure" as in production.
PROXY_HEADERS = {"X-Forwarded-Proto": "https"}
EMAIL_BACKEND = "accounts.backends.EmailBackend"


@dataclass(frozen=True)
class PageSpec:
    key: str
    label: str
    path: str
    who: str = ""  # "", "customer" or "seller": whose session the request carries


def pages(world):
    return [
        PageSpec("home", "home page", "/"),
        PageSpec("catalogue", "/catalogue/", "/catalogue/"),
        # Signed in, a visitor gets a page of their own: what the page cache cannot answer.
        PageSpec("catalogue_signed_in", "/catalogue/, signed in", "/catalogue/", "customer"),
        PageSpec("category", "category page", f"/catalogue/category/{world.category_slug}/"),
        PageSpec("search", f"search “{world.search_word}”", f"/catalogue/?q={world.search_word}"),
        PageSpec("product", "product page, anonymous", f"/catalogue/{world.product_slug}/"),
        PageSpec("product_signed_in", "product page, signed in", f"/catalogue/{world.product_slug}/", "customer"),
        PageSpec("seller_dashboard", "seller dashboard", "/seller/", "seller"),
        PageSpec("seller_products", "seller product list", "/seller/products/", "seller"),
        PageSpec("library", "customer library", "/account/products/", "customer"),
    ]


# The bare view in process: about the size of a listing page.
BARE_SPEC = PageSpec("bare", "bare view", "/__bench__/bare/?bytes=20000")


def signed_in_session(user):
    """A session for ``user`` as ``login()`` leaves it, made without a password or a request
    (django-axes' backend only authenticates with a request)."""
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = EMAIL_BACKEND
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def sessions(world):
    User = get_user_model()
    return {
        "": "",
        "customer": signed_in_session(User.objects.get(pk=world.customer_id)),
        "seller": signed_in_session(User.objects.get(pk=world.seller_id)),
    }


def _headers(session_key):
    headers = dict(PROXY_HEADERS)
    if session_key:
        headers["Cookie"] = f"{settings.SESSION_COOKIE_NAME}={session_key}"
    return headers


def _wrk_headers(session_key):
    return [f"{name}: {value}" for name, value in _headers(session_key).items()]


class PageError(Exception):
    """A page did not answer 200 before the load started."""


def warm(base_url, path, session_key, times=3):
    """A few requests before measuring (caches, connections); answers the body's size."""
    size = 0
    for _ in range(times):
        response = requests.get(base_url + path, headers=_headers(session_key), allow_redirects=False, timeout=30)
        if response.status_code != 200:
            raise PageError(f"{path} answered {response.status_code}: {response.text[:300]!r}")
        size = len(response.content)
    return size


def warm_workers(base_url, specs, session_keys):
    """Short unmeasured loads of the bare view and each page, reaching every worker."""
    warm_up = LoadSettings(duration=1, threads=2, connections=4)
    run_wrk(f"{base_url}/__bench__/bare/", warm_up, _wrk_headers(""), warm_up=True)
    for spec in specs:
        run_wrk(base_url + spec.path, warm_up, _wrk_headers(session_keys[spec.who]), warm_up=True)
        drain(base_url)


def drain(base_url, timeout=300):
    """Wait until the workers have answered what wrk left queued when it stopped.

    wrk stops on time, not when the server is done: requests still in the listen queue
    are served afterwards (for seconds, on a slow page), and would eat into the next
    run. Connections are accepted in order, so once a request sent now is answered,
    the queue ahead of it is gone; a second one covers the other worker's last request.
    """
    for _ in range(2):
        requests.get(f"{base_url}/__bench__/bare/?bytes=100", headers=PROXY_HEADERS, timeout=timeout)


def measure_pages(base_url, specs, session_keys, load):
    """Each page between two runs of the bare view at the page's size (half as long each).

    The machine's speed drifts (other processes, PostgreSQL's background work); the
    page is compared with the mean of the bare runs on either side of it, which
    cancels a steady drift and keeps the ratio fair on a noisy machine.
    """
    half = dataclasses.replace(load, duration=max(load.duration // 2, 1))
    results = {}
    for spec in specs:
        key = session_keys[spec.who]
        size = warm(base_url, spec.path, key)
        bare_url = f"{base_url}/__bench__/bare/?bytes={size}"
        before = run_wrk(bare_url, half, _wrk_headers(""))
        drain(base_url)
        page = run_wrk(base_url + spec.path, load, _wrk_headers(key))
        drain(base_url)
        after = run_wrk(bare_url, half, _wrk_headers(""))
        drain(base_url)
        bare_rps = (before.rps + after.rps) / 2
        results[spec.key] = {
            "label": spec.label,
            "path": spec.path,
            "signed_in_as": spec.who,
            "bytes": size,
            "page": page.as_dict(),
            "bare_before": before.as_dict(),
            "bare_after": after.as_dict(),
            "bare_rps": round(bare_rps, 1),
            "vs_bare": round(page.rps / bare_rps, 3),
        }
        print(
            f"    {spec.label:<26} {page.rps:7.1f} req/s  p50 {page.p50_ms:6.1f} ms  p99 {page.p99_ms:6.1f} ms  "
            f"bare {before.rps:6.1f}/{after.rps:6.1f} req/s  ×{page.rps / bare_rps:.3f}",
            flush=True,
        )
    return results


def _cpu_seconds(pid):
    """User + system CPU time a process has used so far, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _database_pid():
    """This process's PostgreSQL backend, whose CPU time the page's queries use."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def profile_in_process(specs, session_keys, *, rounds=3, round_cpu=0.4, max_requests=30):
    """SQL statements and CPU time per page, measured in this process on the same database.

    Requests go through Django's test client (the whole middleware stack, no server).
    The first request of each page fills per-process caches (Wagtail's site root paths,
    content types) that a running server already holds, so it is not counted. CPU time
    is this process's plus its PostgreSQL backend's (read from /proc), summed over
    enough requests to make ``round_cpu`` seconds, in ``rounds`` rounds; the least
    disturbed round counts, since other programs (and, on a VM, the host) can only
    make a round slower, never faster.
    """
    results = {}
    for spec in specs:
        client = Client(HTTP_HOST="127.0.0.1")
        if session_keys[spec.who]:
            client.cookies[settings.SESSION_COOKIE_NAME] = session_keys[spec.who]
        client.get(spec.path, secure=True)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(spec.path, secure=True)
        if response.status_code != 200:
            raise PageError(f"{spec.path} answered {response.status_code} in process")
        # Read now: every request start empties the connection's query log.
        queries = len(captured.captured_queries)
        db_pid = _database_pid()
        best = None
        for _ in range(rounds):
            python_start = time.process_time()
            db_start = _cpu_seconds(db_pid) if db_pid else 0.0
            made = 0
            while made < max_requests and time.process_time() - python_start < round_cpu:
                client.get(spec.path, secure=True)
                made += 1
            python = (time.process_time() - python_start) / made
            database = ((_cpu_seconds(db_pid) - db_start) if db_pid else 0.0) / made
            if best is None or python + database < best[0] + best[1]:
                best = (python, database, made)
        python, database, made = best
        results[spec.key] = {
            "queries": queries,
            "requests_in_best_round": made,
            "python_cpu_ms": round(1000 * python, 1),
            "database_cpu_ms": round(1000 * database, 1),
            "cpu_ms": round(1000 * (python + database), 1),
        }
    return results


# WEBHOOKS


def _payment(order_id, product_id, amount, currency):
    """A succeeded Dodo ``Payment`` for one of our orders, shaped as the emulator's."""
    minor = to_minor(Decimal(amount), currency)
    stamp = datetime.now(UTC).isoformat()
    return {
        "payment_id": f"pay_wh_{order_id}",
        "business_id": "bus_bench",
        "created_at": stamp,
        "updated_at": stamp,
        "status": "succeeded",
        "total_amount": minor,
        "currency": currency,
        "tax": 0,
        "settlement_amount": minor,
        "settlement_currency": currency,
        "settlement_tax": 0,
        "discount_id": None,
        "discounts": [],
        "customer": {"customer_id": f"cus_bench_{order_id}", "email": "buyer@bench.example", "name": "Bench Buyer"},
        "product_cart": [{"product_id": f"pdt_bench_{product_id}", "quantity": 1}],
        "checkout_session_id": None,
        "metadata": {"order_id": str(order_id)},
        "payment_method": "card",
        "refunds": [],
        "disputes": [],
    }


def signed_deliveries(orders, secret, duplicate_share, rng):
    """One signed ``payment.succeeded`` per order, plus exact copies (same webhook-id,
    body and signature) of some of them, shuffled: what Dodo's at-least-once delivery sends."""
    signer = Webhook(secret)
    originals = []
    for order_id, product_id, amount in orders:
        payload = {
            "business_id": "bus_bench",
            "type": "payment.succeeded",
            "timestamp": datetime.now(UTC).isoformat(),
            "data": _payment(order_id, product_id, amount, settings.MARKETPLACE_CURRENCY),
        }
        body = json.dumps(payload)
        webhook_id = f"msg_bench_{uuid.uuid4().hex}"
        when = datetime.now(UTC)
        headers = {
            "Content-Type": "application/json",
            "webhook-id": webhook_id,
            "webhook-timestamp": str(int(when.timestamp())),
            "webhook-signature": signer.sign(webhook_id, when, body),
            **PROXY_HEADERS,
        }
        originals.append((order_id, body.encode(), headers))
    # Duplicates are this share of all deliveries: n copies among n / share in all.
    copies = round(len(originals) * duplicate_share / (1 - duplicate_share))
    deliveries = originals + rng.sample(originals, copies)
    rng.shuffle(deliveries)
    return deliveries


RETRY_STATUSES = {409, 500, 502, 503, 504}


def ingest_webhooks(base_url, orders, secret, *, duplicate_share=0.1, concurrency=8, max_attempts=8):
    """POST the deliveries concurrently, retrying 409/5xx as Dodo does; then count."""
    rng = random.Random(len(orders))  # noqa: S311 - which deliveries repeat, not secrets
    deliveries = signed_deliveries(orders, secret, duplicate_share, rng)
    local = threading.local()
    latencies, statuses, retries = [], Counter(), Counter()
    lock = threading.Lock()

    def deliver(delivery):
        _order_id, body, headers = delivery
        http = getattr(local, "http", None) or requests.Session()
        local.http = http
        for attempt in range(max_attempts):
            start = time.perf_counter()
            response = http.post(f"{base_url}/dodo/webhook/", data=body, headers=headers, timeout=30)
            elapsed = time.perf_counter() - start
            with lock:
                latencies.append(elapsed)
                statuses[response.status_code] += 1
            if response.status_code not in RETRY_STATUSES:
                return response.status_code, response.text
            with lock:
                retries[response.status_code] += 1
            # Dodo retries after a while; compressed here (its first retry is at 5 s).
            time.sleep(0.05 * (attempt + 1))
        return response.status_code, response.text

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        answers = list(pool.map(deliver, deliveries))
    seconds = time.perf_counter() - started
    final = Counter(status for status, _text in answers)
    counted = _count_webhook_effects(orders, deliveries)
    latencies.sort()
    return {
        "deliveries": len(deliveries),
        "distinct_events": len(orders),
        "duplicates": len(deliveries) - len(orders),
        "concurrency": concurrency,
        "seconds": round(seconds, 2),
        "deliveries_per_s": round(len(deliveries) / seconds, 1),
        "events_per_s": round(len(orders) / seconds, 1),
        "p50_ms": round(1000 * statistics.median(latencies), 1),
        "p99_ms": round(1000 * latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))], 1),
        "requests": len(latencies),
        "answers": {str(code): count for code, count in sorted(statuses.items())},
        "retried": {str(code): count for code, count in sorted(retries.items())},
        "final_answers": {str(code): count for code, count in sorted(final.items())},
        **counted,
    }


def _count_webhook_effects(orders, deliveries):
    """None lost, none doubled: orders paid, events stored, ledger sales and receipts."""
    order_ids = [order_id for order_id, _product, _amount in orders]
    webhook_ids = {headers["webhook-id"] for _order, _body, headers in deliveries}
    paid = Order.objects.filter(pk__in=order_ids, status=OrderStatus.PAID).count()
    events = WebhookEvent.objects.filter(webhook_id__in=webhook_ids)
    sales = Counter(
        dict(
            LedgerEntry.objects.filter(order_id__in=order_ids, kind=LedgerKind.SALE)
            .values_list("order_id")
            .annotate(rows=Count("pk"))
        )
    )
    wanted = set(order_ids)
    receipts = Counter(
        row["args"][0]
        for row in DBTaskResult.objects.filter(task_path__endswith=".send_receipt").values_list(
            "args_kwargs", flat=True
        )
        if row.get("args") and row["args"][0] in wanted
    )
    counts = {
        "orders_paid": paid,
        "events_stored": events.count(),
        "events_processed": events.filter(status=WebhookEventStatus.PROCESSED).count(),
        "orders_with_one_sale": sum(1 for order_id in order_ids if sales[order_id] == 1),
        "orders_sold_twice": sum(1 for order_id in order_ids if sales[order_id] > 1),
        "receipts_queued": sum(receipts.values()),
        "orders_with_two_receipts": sum(1 for count in receipts.values() if count > 1),
    }
    counts["lost"] = len(order_ids) - counts["orders_with_one_sale"] - counts["orders_sold_twice"]
    counts["doubled"] = counts["orders_sold_twice"] + counts["orders_with_two_receipts"]
    # Receipts are found by their task's name (accounts' send_receipt today); if it is
    # renamed the bench says so rather than calling every receipt lost.
    counts["receipts_checked"] = counts["receipts_queued"] > 0
    counts["ok"] = (
        paid == len(order_ids)
        and counts["events_stored"] == len(webhook_ids) == len(order_ids)
        and counts["events_processed"] == len(order_ids)
        and counts["lost"] == 0
        and counts["doubled"] == 0
        and (counts["receipts_queued"] == len(order_ids) or not counts["receipts_checked"])
    )
    return counts


# PRODUCT SAVE WHILE DODO HANGS

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _save_product(base_url, product, session_key, price):
    """Save the seller portal's edit form with a new price, as the seller's browser does;
    answers the seconds the POST took."""
    path = f"/seller/products/{product.pk}/edit/"
    http = requests.Session()
    headers = _headers(session_key)
    form = http.get(base_url + path, headers=headers, allow_redirects=False, timeout=30)
    if form.status_code != 200:
        raise PageError(f"{path} answered {form.status_code}")
    token = CSRF_INPUT.search(form.text).group(1)
    # The cookie is Secure (production settings): the client would only send it over
    # HTTPS, so it is passed on by hand.
    csrf_cookie = form.cookies.get(settings.CSRF_COOKIE_NAME) or http.cookies.get(settings.CSRF_COOKIE_NAME)
    host = base_url.removeprefix("http://")
    headers = {
        **headers,
        "Cookie": f"{headers['Cookie']}; {settings.CSRF_COOKIE_NAME}={csrf_cookie}",
        # Django checks the Referer of secure POSTs against the host.
        "Referer": f"https://{host}{path}",
    }
    data = {
        "csrfmiddlewaretoken": token,
        "title": product.title,
        "category": product.category_id,
        "summary": product.summary,
        "body": product.body,
        "price": str(price),
        "selling_price": "",
        "tax_category": product.tax_category,
        "action": "publish",
    }
    start = time.perf_counter()
    response = http.post(base_url + path, data=data, headers=headers, allow_redirects=False, timeout=60)
    seconds = time.perf_counter() - start
    if response.status_code != 302:
        raise PageError(f"saving {path} answered {response.status_code}: {response.text[:500]!r}")
    return seconds


def _sync_tasks_queued():
    return DBTaskResult.objects.filter(task_path__endswith=".sync_product").count()


def product_save_while_dodo_hangs(base_url, emulator, world, session_keys, saves=5):
    """Time seller-portal saves with Dodo answering normally, then hanging 30 s a call.

    The save queues its Dodo sync on the database task queue after the commit, so it
    should take as long either way; the emulator's hang counter (untouched) and the
    queued sync tasks show that no Dodo call ran inside the request.
    """
    product = ProductPage.objects.live().filter(seller_id=world.seller_id).order_by("pk").first()
    key = session_keys["seller"]
    price = product.price
    normal = []
    for _ in range(saves):
        price += Decimal("0.01")
        normal.append(_save_product(base_url, product, key, price))
    emulator.hang(30, 100)
    requests_before = len(emulator.requests())
    queued_before = _sync_tasks_queued()
    hung = []
    for _ in range(saves):
        price += Decimal("0.01")
        hung.append(_save_product(base_url, product, key, price))
    state = emulator.state()
    calls_to_dodo = len(emulator.requests()) - requests_before
    queued = _sync_tasks_queued() - queued_before
    emulator.hang(0, 0)
    return {
        "saves": saves,
        "hang_seconds": 30,
        "normal_p50_ms": round(1000 * statistics.median(normal), 1),
        "normal_max_ms": round(1000 * max(normal), 1),
        "hung_p50_ms": round(1000 * statistics.median(hung), 1),
        "hung_max_ms": round(1000 * max(hung), 1),
        "dodo_calls_during_saves": calls_to_dodo,
        "hang_calls_left": state["switches"]["hang"]["count"],
        "sync_tasks_queued": queued,
        "ok": calls_to_dodo == 0 and queued >= saves and max(hung) < 5,
    }
