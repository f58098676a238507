"""``python manage.py seed_demo``: a small, realistic marketplace to click through.

Idempotent: every step finds what an earlier run made and leaves it alone, so a second
run changes nothing.
"""

from django.core.management.base import BaseCommand

from accounts.demo import DEMO_PASSWORD, seed_users
from catalogue.demo import seed_catalogue
from home.site_tree import ensure_site_tree


class Command(BaseCommand):
    help = "Create demo users, the page tree and demo content (safe to run again)."

    def handle(self, *args, **options):
        ensure_site_tree()
        users = seed_users()
        sellers = [user for _, user, _ in users if user.is_seller]
        catalogue = seed_catalogue(sellers)

        created = sum(1 for _, _, was_created in users if was_created)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready ({created} new users, {catalogue['categories']} new categories, "
                f"{catalogue['products']} new products)."
            )
        )
        self.stdout.write("")
        self.stdout.write("Log in at http://127.0.0.1:8000/accounts/login/ (editors: /admin/)")
        self.stdout.write(f"Password for every demo account: {DEMO_PASSWORD}")
        for role, user, _ in users:
            self.stdout.write(f"  {role:<9} {user.email}")
