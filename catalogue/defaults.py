"""The categories a new shop starts with, so sellers have somewhere to list on day one.

``manage.py bootstrap_site`` creates them only when the shop has no category at all;
editors rename, add or delete them in Wagtail admin afterwards. The demo shop uses the
same list.
"""

from django.db import transaction

from .models import ProductCategory

# (slug, name, description)
DEFAULT_CATEGORIES = [
    ("e-books", "E-books", "Guides and novels to read on any device, as PDF or EPUB."),
    ("templates", "Templates", "Ready-made layouts for slides, documents, websites and social posts."),
    ("sound-packs", "Sound packs", "Samples, loops and effects for music and video makers."),
    ("photography", "Photography", "Stock photos and presets from working photographers."),
    ("courses", "Courses", "Self-paced lessons with workbooks and exercises."),
    ("planners", "Planners & spreadsheets", "Budgets, trackers and planners that keep life in order."),
]


@transaction.atomic
def create_default_categories():
    """Create the default categories if the shop has none; return how many were created.

    A shop whose editors deleted or renamed categories is left as it is: the defaults are
    a starting point, never restored behind an editor's back.
    """
    if ProductCategory.objects.exists():
        return 0
    for slug, name, description in DEFAULT_CATEGORIES:
        ProductCategory.objects.create(slug=slug, name=name, description=description)
    return len(DEFAULT_CATEGORIES)
