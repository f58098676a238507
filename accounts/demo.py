"""Demo accounts for ``seed_demo``: an editor, two sellers and two customers."""

from .models import User

DEMO_PASSWORD = "brightshelf-demo"  # noqa: S105  (printed by seed_demo; demo accounts only)

DEMO_USERS = [
    # (role label, email, first name, last name, flags)
    ("editor", "editor@example.com", "Eddie", "Editor", {"is_staff": True, "is_superuser": True}),
    # Maya is trusted: she publishes directly. Lars is not yet: his new products and changes
    # go to the editors' review (catalogue.moderation), as a new seller's do.
    ("seller", "maya@example.com", "Maya", "Okafor", {"is_seller": True, "is_customer": True, "is_trusted_seller": True}),
    ("seller", "lars@example.com", "Lars", "Berg", {"is_seller": True, "is_customer": True}),
    ("customer", "chloe@example.com", "Chloe", "Martin", {"is_customer": True}),
    ("customer", "sam@example.com", "Sam", "Patel", {"is_customer": True}),
]


def seed_users():
    """Create the demo users once; existing ones are left exactly as they are.

    Returns ``[(role, user, created)]`` in a stable order.
    """
    result = []
    for role, email, first, last, flags in DEMO_USERS:
        user = User.objects.filter(email__iexact=email).first()
        created = user is None
        if created:
            user = User(email=email, first_name=first, last_name=last, is_active=True, **flags)
            user.set_password(DEMO_PASSWORD)
            user.save()
        result.append((role, user, created))
    return result
