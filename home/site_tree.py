"""Builds the minimal Wagtail tree the site needs: root -> HomePage -> CatalogueIndexPage,
and (``bootstrap_site``, ``seed_demo``) the legal pages beside the catalogue.

Used by ``bootstrap_site`` (a new deploy), ``seed_demo`` and the test fixtures
(live-server tests flush the database, data-migration rows included, so the tree has to
be buildable from code).
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from wagtail.models import Collection, Locale, Page, Site

from catalogue.models import CatalogueIndexPage
from catalogue.moderation import ensure_product_workflow

from .legal import ensure_legal_pages
from .models import HomePage

DEFAULT_HOME_BODY = [
    {
        "type": "hero",
        "value": {
            "heading": "Digital goods from independent makers",
            "text": "E-books, templates, sound packs and courses, "
            "sold by the people who made them. Pay securely, download instantly.",
            "button_text": "Browse the catalogue",
            "button_link": "/catalogue/",
        },
    },
    {
        "type": "featured_products",
        "value": {"heading": "Featured products", "products": [], "limit": 8},
    },
    {
        "type": "category_grid",
        "value": {"heading": "Browse by category", "categories": []},
    },
    {
        "type": "call_to_action",
        "value": {
            "heading": "Sell what you make",
            "text": "List a product in minutes. We handle checkout, tax and delivery.",
            "button_text": "Open a seller account",
            # A signed-in customer following it is sent to "open a shop" (accounts.views.RegisterView).
            "button_link": "/accounts/register/?role=seller",
        },
    },
]


@transaction.atomic
def ensure_site_tree():
    """Create (or find) the home page, the catalogue index and the default site.

    Idempotent: a second call changes nothing. Returns ``(home, catalogue_index)``.
    """
    Locale.objects.get_or_create(language_code="en")
    if Collection.get_first_root_node() is None:
        # Images and documents live in collections; Wagtail's migration makes this root.
        Collection.add_root(name="Root")
    root = Page.get_first_root_node()
    if root is None:
        root = Page.add_root(title="Root", slug="root")

    home = HomePage.objects.first()
    if home is None:
        # Wagtail's initial migration leaves a plain "Welcome" page where ours belongs.
        for page in root.get_children().exact_type(Page):
            if page.slug == "home":
                page.delete()
        root.refresh_from_db()
        home = root.add_child(instance=HomePage(title="Home", slug="home", body=DEFAULT_HOME_BODY))

    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(
            hostname="localhost", port=80, root_page=home, is_default_site=True, site_name="Brightshelf"
        )
    elif site.root_page_id != home.pk:
        site.root_page = home
        site.save(update_fields=["root_page"])

    index = CatalogueIndexPage.objects.first()
    if index is None:
        home.refresh_from_db()
        index = home.add_child(
            instance=CatalogueIndexPage(
                title="Catalogue",
                slug="catalogue",
                intro="<p>Everything on Brightshelf, from every seller.</p>",
            )
        )
    # Untrusted sellers' products are reviewed by the Editors group (catalogue.moderation).
    ensure_product_workflow(index)
    return home, index


def site_address(site_url):
    """``(hostname, port)`` of the public address ``site_url`` (``https://shop.example.com``).

    The port is the URL's own, else the scheme's (443 for https, 80 for http): Wagtail
    builds full URLs of pages (sitemaps, emails, admin previews) from the Site record.
    """
    parts = urlsplit(site_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ImproperlyConfigured(
            f"SITE_URL must be an http(s) address such as https://shop.example.com, not {site_url!r}."
        )
    return parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)


@transaction.atomic
def bootstrap_site(site_url=None, site_name=None):
    """What a new deploy needs before anyone can sell: the page tree, and the default
    Site answering on ``SITE_URL`` under the marketplace's name.

    Idempotent: run it on every deploy. An existing default Site is moved to ``SITE_URL``
    (the address the shop is reached at is the environment's to say); pages editors have
    changed are left as they are, and a legal page is made only for a kind that has none
    (``home.legal.ensure_legal_pages``). Creates no users. Returns ``(home, index, site)``.
    """
    hostname, port = site_address(site_url or settings.SITE_URL)
    home, index = ensure_site_tree()
    ensure_legal_pages(home)
    site = Site.objects.get(is_default_site=True)
    wanted = {"hostname": hostname, "port": port, "site_name": site_name or settings.MARKETPLACE_NAME}
    changed = [field for field, value in wanted.items() if getattr(site, field) != value]
    if changed:
        # Another (non-default) Site on the same address would make the save fail: say so.
        clash = Site.objects.filter(hostname=hostname, port=port).exclude(pk=site.pk).first()
        if clash is not None:
            raise ImproperlyConfigured(
                f"Another site ({clash.site_name or clash.pk}) already answers on {hostname}:{port}; "
                "remove it in Wagtail admin (Settings -> Sites) or change SITE_URL."
            )
        for field in changed:
            setattr(site, field, wanted[field])
        site.save(update_fields=changed)
    return home, index, site
