"""Every portal URL, for every kind of visitor: the role guards hold everywhere.

The URLs are not listed by hand: they are read from Django's URL resolver, so a new
page under /account/ or /seller/ is checked the day it is added, and fails here unless
it uses ``IsCustomerMixin`` / ``IsSellerMixin``.
"""

import re
import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

from tests.factories import CustomerFactory, SellerFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

PORTALS = {"portal": "customer", "seller_portal": "seller"}

# Values for path parameters: ids and slugs that belong to nobody (certainly not to the
# visitor), so an owner-scoped page must answer 404 to the right role.
FOREIGN_VALUES = {
    "int": "987654321",
    "slug": "not-yours",
    "str": "not-yours",
    "uuid": str(uuid.UUID(int=987654321)),
    "path": "not/yours",
}
PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>\w+)>")


def _route_to_path(route):
    def fill(match):
        converter = match.group("converter") or "str"
        assert converter in FOREIGN_VALUES, f"add a value for the <{converter}:...> converter to FOREIGN_VALUES"
        return FOREIGN_VALUES[converter]

    return PARAMETER.sub(fill, route), bool(PARAMETER.search(route))


def _walk(patterns, prefix, namespace):
    for entry in patterns:
        assert isinstance(entry.pattern, RoutePattern), (
            f"{namespace}: {entry.pattern} uses re_path; teach this test to fill it in"
        )
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, route, namespace)
        elif isinstance(entry, URLPattern):
            yield route, entry.name


def portal_urls():
    """``(namespace, path, has_parameters, url name)`` for every portal URL."""
    found = []
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and entry.namespace in PORTALS:
            for route, name in _walk(entry.url_patterns, "/" + str(entry.pattern), entry.namespace):
                path, has_parameters = _route_to_path(route)
                found.append((entry.namespace, path, has_parameters, name))
    return found


PORTAL_URLS = portal_urls()
VISITORS = {
    "anonymous": None,
    "customer": CustomerFactory,
    "seller only": lambda: SellerFactory(is_customer=False),
    "both": SellerFactory,
    "neither": UserFactory,
    "staff": StaffFactory,
}


def _roles(visitor):
    return {
        "anonymous": set(),
        "customer": {"customer"},
        "seller only": {"seller"},
        "both": {"customer", "seller"},
        "neither": set(),
        "staff": set(),
    }[visitor]


def test_the_walk_finds_the_portals():
    names = {(namespace, name) for namespace, _, _, name in PORTAL_URLS}
    assert {
        ("portal", "home"),
        ("portal", "profile"),
        ("portal", "email_change"),
        ("seller_portal", "dashboard"),
    } <= names
    paths = [path for _, path, _, _ in PORTAL_URLS]
    assert all(p.startswith("/account/") for ns, p, _, _ in PORTAL_URLS if ns == "portal")
    assert all(p.startswith("/seller/") for ns, p, _, _ in PORTAL_URLS if ns == "seller_portal")
    assert len(paths) == len(set(paths))


@pytest.mark.parametrize("visitor", list(VISITORS))
@pytest.mark.parametrize(
    ("namespace", "path", "has_parameters", "name"),
    PORTAL_URLS,
    ids=[f"{ns}:{name or path}" for ns, path, _, name in PORTAL_URLS],
)
def test_role_matrix(client, visitor, namespace, path, has_parameters, name):
    if VISITORS[visitor] is not None:
        client.force_login(VISITORS[visitor]())
    required_role = PORTALS[namespace]

    for method in ("get", "post"):
        response = getattr(client, method)(path)
        if visitor == "anonymous":
            assert response.status_code == 302, f"{method.upper()} {path}"
            assert response["Location"] == f"/accounts/login/?next={path}", f"{method.upper()} {path}"
        elif name == "open_shop" and "seller" in _roles(visitor):
            # "Open a shop" sends someone who already sells to their shop.
            assert response.status_code == 302 and response["Location"] == "/seller/", f"{method.upper()} {path}"
        elif required_role not in _roles(visitor):
            assert response.status_code == 403, f"{method.upper()} {path}"
            # The site's 403 page, not a bare text.
            assert "available to your account" in response.content.decode()
            assert "site-header" in response.content.decode()
        elif method == "get":
            # The right role: the page, or 404 for another owner's object (ids above
            # belong to nobody); 405 for a POST-only endpoint.
            expected = {404, 405} if has_parameters else {200, 405}
            assert response.status_code in expected, f"GET {path} -> {response.status_code}"


def test_taking_a_role_away_takes_effect_on_the_next_request(client):
    seller = SellerFactory()
    client.force_login(seller)
    assert client.get("/seller/").status_code == 200
    type(seller).objects.filter(pk=seller.pk).update(is_seller=False)
    assert client.get("/seller/").status_code == 403
    type(seller).objects.filter(pk=seller.pk).update(is_customer=False)
    assert client.get("/account/").status_code == 403


def test_deactivating_an_account_signs_it_out_on_the_next_request(client):
    customer = CustomerFactory()
    client.force_login(customer)
    type(customer).objects.filter(pk=customer.pk).update(is_active=False)
    response = client.get("/account/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
