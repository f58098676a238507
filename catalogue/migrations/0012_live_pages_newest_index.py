"""An index for listings sorted newest first: live pages by first publication.

The catalogue's default order is ``first_published_at`` descending over live pages. The
index Wagtail has on that column also holds drafts, which sort first (their date is
empty), so every listing walked past all of them before its first product. This partial
index holds live pages only (PostgreSQL and SQLite both build partial indexes).
"""

from django.db import migrations

INDEX = "catalogue_live_pages_newest"


class Migration(migrations.Migration):
    dependencies = [
        ("catalogue", "0011_order_seller_recent_sales"),
        ("wagtailcore", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON wagtailcore_page (first_published_at DESC, id DESC) WHERE live",
            f"DROP INDEX IF EXISTS {INDEX}",
        ),
    ]
