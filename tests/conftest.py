"""Shared fixtures: the Wagtail tree, users by role, a temporary media root, Chromium."""

import os
from pathlib import Path

import pytest

from dodo.emulator.testing import run_in_subprocess
from tests.factories import CustomerFactory, SellerFactory, StaffFactory, UserFactory
from tests.storage_fixtures import moto_server, s3_storage  # noqa: F401  (shared fixtures)

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Every test writes uploads to its own temporary folders, never to the repo."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    if hasattr(settings, "PRIVATE_MEDIA_ROOT"):
        settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private")
    yield


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty (local-memory) cache: nothing one test cached, such
    as the recent receiver failures, shows up in another."""
    from django.core.cache import caches

    # Every alias: Wagtail keeps renditions in their own ("renditions").
    for cache in caches.all():
        cache.clear()
    yield


@pytest.fixture
def site_tree(db):
    """Root -> HomePage -> CatalogueIndexPage and the default Site; returns (home, index)."""
    from home.site_tree import ensure_site_tree

    return ensure_site_tree()


@pytest.fixture
def home_page(site_tree):
    return site_tree[0]


@pytest.fixture
def catalogue_index(site_tree):
    return site_tree[1]


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def customer(db):
    return CustomerFactory()


@pytest.fixture
def seller(db):
    # Trusted: publishes directly, as the portal tests expect. A new seller is not trusted,
    # and their products go to the editors' review (tests/*/test_*moderation.py).
    return SellerFactory(is_trusted_seller=True)


@pytest.fixture
def staff(db):
    return StaffFactory()


# DODO
# The emulator runs as its own process, reached over HTTP exactly as the app reaches Dodo.
# ``dodo_emulator`` (session): ``.base_url``, ``.api_key``, ``.live_api_key``,
# ``.webhook_secret`` and control helpers (``state()``, ``requests()``, ``reset()``,
# ``fail()``, ``hang()``, ``down()``, ``up()``, ``pay()``, ``decline()``, ``refund()``,
# ``age_payment()``, ``open_dispute()``, ``resolve_dispute()``, ``set_rate_limit()``,
# ``set_webhook_url()``, ``set_webhook_schedule()``, ``redeliver()``,
# ``send_example_event()``, ``wait_for_webhooks()``); see dodo/emulator/testing.py. Its
# rate limit is off and its webhook retries are short unless a test turns them on.
@pytest.fixture(scope="session")
def dodo_emulator():
    """One emulator process for the whole session, on a free loopback port."""
    emulator = run_in_subprocess()
    yield emulator
    emulator.stop()


@pytest.fixture
def dodo_retry_sleeps(monkeypatch):
    """The waits the client asked for between retries (none really happen)."""
    sleeps = []
    monkeypatch.setattr("dodo.client.sleep", sleeps.append)
    return sleeps


@pytest.fixture
def dodo_settings(settings, dodo_emulator, dodo_retry_sleeps):
    """A clean emulator and settings that reach it: connect 0.5 s, read 1 s, 2 retries."""
    dodo_emulator.reset()
    settings.DODO_PAYMENTS_BASE_URL = dodo_emulator.base_url
    settings.DODO_PAYMENTS_API_KEY = dodo_emulator.api_key
    settings.DODO_PAYMENTS_WEBHOOK_KEY = dodo_emulator.webhook_secret
    settings.DODO_PAYMENTS_ENVIRONMENT = "test_mode"
    settings.DODO_CONNECT_TIMEOUT = 0.5
    settings.DODO_READ_TIMEOUT = 1.0
    settings.DODO_MAX_RETRIES = 2
    return settings



# BROWSER
# Playwright's sync API runs an event loop in this thread; Django's ORM refuses to run
# "inside" it unless told that is fine (it is: the loop is not serving our requests).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    """Skip browser tests, with the reason, when Chromium or Playwright is missing."""
    reason = None
    if not Path(CHROMIUM).exists():
        reason = f"Chromium not found at {CHROMIUM}: install Debian's package with `apt-get install chromium`"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            reason = "Playwright for Python is not installed: `pip install -r requirements-test.txt`"
    if reason and os.environ.get("REQUIRE_BROWSER"):
        raise pytest.UsageError(f"Browser tests are required here (REQUIRE_BROWSER is set): {reason}")
    if reason:
        skip = pytest.mark.skip(reason=reason)
        for item in items:
            if "browser" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(scope="session")
def _playwright():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def chromium(_playwright):
    browser = _playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def browser_site(live_server, transactional_db):
    """A live server with the Wagtail tree rebuilt (live-server tests flush the database)."""
    from wagtail.models import Site

    from home.site_tree import ensure_site_tree

    home, index = ensure_site_tree()
    # Serve the tree on whatever host and port the live server got.
    Site.objects.filter(is_default_site=True).update(hostname="localhost", port=80)
    return live_server


def _new_page(chromium, width, height):
    context = chromium.new_context(viewport={"width": width, "height": height}, device_scale_factor=1)
    page = context.new_page()
    page.set_default_timeout(10_000)
    return context, page


@pytest.fixture
def page(chromium, request):
    """A desktop-sized (1280 px) page; saves a screenshot if the test fails."""
    context, pg = _new_page(chromium, 1280, 900)
    yield pg
    if getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        pg.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


@pytest.fixture
def mobile_page(chromium):
    """A phone-sized (390 px) page."""
    context, pg = _new_page(chromium, 390, 844)
    yield pg
    context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)
