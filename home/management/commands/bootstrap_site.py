"""``python manage.py bootstrap_site``: make a freshly migrated database a shop.

Run after ``migrate`` on every deploy (it is idempotent): the home page and the
catalogue, the legal pages (terms, privacy, refunds; never overwritten once made), the default Site on ``SITE_URL``, and the default categories when the shop has
none. It creates no users: make the first editor with ``createsuperuser``.
"""

from django.core.management.base import BaseCommand

from catalogue.defaults import create_default_categories
from home.site_tree import bootstrap_site


class Command(BaseCommand):
    help = "Create the page tree, point the default Site at SITE_URL and add default categories if there are none (safe to run again)."

    def handle(self, *args, **options):
        home, index, site = bootstrap_site()
        categories = create_default_categories()
        scheme = "https" if site.port == 443 else "http"
        port = "" if site.port in (80, 443) else f":{site.port}"
        self.stdout.write(self.style.SUCCESS(f"Site ready: {site.site_name} at {scheme}://{site.hostname}{port}/"))
        self.stdout.write(f"Home page: {home.url_path} · catalogue: {index.url_path}")
        self.stdout.write("Legal pages: terms, privacy and refund policy (edit them in Wagtail admin, under Home).")
        if categories:
            self.stdout.write(f"Created {categories} default categories (edit them in Wagtail admin -> Snippets).")
        else:
            self.stdout.write("Categories: kept as they are.")
