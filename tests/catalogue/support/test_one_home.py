"""Support tickets have one home, ``catalogue/support/``; the portals only wire it in.

- no ``support_*`` module is left in another app (or in the catalogue outside the package);
- each portal's ticket views are its role guard over the one implementation in
  ``catalogue/support/views.py``, never the other portal's views;
- every portal page extends the portal layout instead of repeating its shell.
"""

from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.mixins import IsCustomerMixin, IsSellerMixin
from catalogue.models import MessageRole
from catalogue.support import views as tickets

ROOT = Path(__file__).resolve().parents[3]
APPS = ("accounts", "catalogue", "dodo", "home", "seller_portal", "site_config")
PORTALS = {"portal": (IsCustomerMixin, MessageRole.CUSTOMER), "seller_portal": (IsSellerMixin, MessageRole.SELLER)}


def test_no_support_module_is_scattered_outside_the_package():
    package = ROOT / "catalogue" / "support"
    scattered = sorted(
        str(path.relative_to(ROOT))
        for app in APPS
        for path in (ROOT / app).rglob("support*.py")
        if "migrations" not in path.parts and package not in path.parents
    )
    assert scattered == []


def _ticket_views():
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and entry.namespace in PORTALS:
            for pattern in entry.url_patterns:
                if isinstance(pattern, URLPattern) and (pattern.name or "").startswith("support"):
                    yield entry.namespace, pattern.name, pattern.callback.view_class


TICKET_VIEWS = sorted(_ticket_views(), key=lambda view: view[:2])


def test_both_portals_route_their_ticket_pages():
    names = {(namespace, name) for namespace, name, _ in TICKET_VIEWS}
    assert {("portal", "support_new"), ("seller_portal", "support_reopen")} <= names
    for name in ("support", "support_detail", "support_close", "support_attachment"):
        assert {("portal", name), ("seller_portal", name)} <= names


@pytest.mark.parametrize(("namespace", "name", "view_class"), TICKET_VIEWS)
def test_each_portal_guards_the_one_implementation_with_its_own_role(namespace, name, view_class):
    guard, role = PORTALS[namespace]
    assert issubclass(view_class, guard) and view_class.role == role
    shared = [base for base in view_class.__mro__ if base.__module__ == tickets.__name__]
    assert tickets.TicketViewMixin in shared
    # The class itself only adds the guard: nothing of the page is written again.
    assert set(vars(view_class)) <= {"__module__", "__qualname__", "__doc__", "__firstlineno__", "__static_attributes__"}
    # Built from Django, the role guards and the shared views only: never the other portal's.
    allowed = (view_class.__module__, "accounts.mixins", tickets.__name__, "django.", "builtins")
    assert all(base.__module__.startswith(allowed) for base in view_class.__mro__), view_class.__mro__


# Full-width notices answered by portal URLs, not pages of the portal.
NOT_PORTAL_PAGES = {"download_gone.html"}
PORTAL_PAGES = sorted(
    path
    for folder in ("accounts/portal", "seller_portal", "catalogue/support")
    for path in (ROOT / "templates" / folder).glob("*.html")
    if not path.name.startswith("_") and path.name not in {"base.html", *NOT_PORTAL_PAGES}
)


@pytest.mark.parametrize("path", PORTAL_PAGES, ids=lambda path: str(path.relative_to(ROOT / "templates")))
def test_portal_pages_extend_the_portal_layout(path):
    source = path.read_text()
    first_line = source.splitlines()[0]
    assert first_line in ('{% extends "accounts/portal/base.html" %}', '{% extends "seller_portal/base.html" %}')
    assert '<div class="portal">' not in source and "_nav.html" not in source
