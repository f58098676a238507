"""``python manage.py seed_demo``: a small, realistic marketplace to click through.

Idempotent: every step finds what an earlier run made and leaves it alone, so a second
run changes nothing.
"""

from django.core.management.base import BaseCommand

from accounts.demo import DEMO_PASSWORD, seed_users
from catalogue.analytics_demo import seed_traffic
from catalogue.demo import seed_catalogue, seed_pricing_demos
from catalogue.discount_demo import seed_discount_codes
from catalogue.order_demo import seed_orders
from catalogue.payout_demo import seed_payouts
from catalogue.review_demo import seed_reviews
from catalogue.storefront_demo import seed_previews, seed_storefronts
from catalogue.support.demo import seed_tickets
from home.legal import ensure_legal_pages
from home.site_tree import ensure_site_tree
from seller_portal.demo import seed_category_proposal, seed_short_links
from seller_portal.models import ShortLink


class Command(BaseCommand):
    help = "Create demo users, the page tree and demo content (safe to run again)."

    def handle(self, *args, **options):
        home, _index = ensure_site_tree()
        ensure_legal_pages(home)
        users = seed_users()
        sellers = [user for _, user, _ in users if user.is_seller]
        catalogue = seed_catalogue(sellers)
        short_links = seed_short_links(sellers)
        orders = seed_orders([user for _, user, _ in users if user.is_customer and not user.is_seller])
        catalogue["products"] += seed_pricing_demos(sellers)  # pay what you want, free: after the paid demo orders
        tickets = seed_tickets(
            [u for _, u, _ in users if u.is_customer and not u.is_seller], [u for _, u, _ in users if u.is_staff]
        )

        created = sum(1 for _, _, was_created in users if was_created)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready ({created} new users, {catalogue['categories']} new categories, "
                f"{catalogue['products']} new products)."
            )
        )
        self.stdout.write(f"Orders: {orders} new (paid, refunded and pending, over the last 30 days).")
        self.stdout.write(f"Support tickets: {tickets} new (open, answered, closed, one assigned to the editor).")
        reviews = seed_reviews([u for _, u, _ in users if u.is_customer and not u.is_seller])
        self.stdout.write(f"Reviews: {reviews} new (verified buyers' ratings, some with the seller's reply).")
        self.stdout.write(f"Short links: {short_links} new, with clicks, for the demo sellers.")
        self.stdout.write(f"Category proposals awaiting an editor: {seed_category_proposal(sellers)} new.")
        self.stdout.write(
            f"Storefronts: {seed_storefronts(sellers)} profiles filled; previews (gallery, video, sample) "
            f"added to {seed_previews()} products."
        )
        self.stdout.write(f"Discount codes: {seed_discount_codes(sellers)} new (marketplace-wide and sellers').")
        self.stdout.write(
            f"Payouts: {seed_payouts(sellers, [u for _, u, _ in users if u.is_customer and not u.is_seller])} new, with older sales past the hold period and payout details."
        )
        codes = {}
        for product_id, code in ShortLink.objects.values_list("product_id", "code"):
            codes.setdefault(product_id, []).append(code.lower())
        self.stdout.write(f"Product traffic: 90 days of views for {seed_traffic(codes)} products.")
        self.stdout.write("")
        self.stdout.write("Log in at http://127.0.0.1:8000/accounts/login/ (editors: /admin/)")
        self.stdout.write(f"Password for every demo account: {DEMO_PASSWORD}")
        for role, user, _ in users:
            self.stdout.write(f"  {role:<9} {user.email}")
