"""Template context shared by every page."""

from django.conf import settings


def marketplace(request):
    """The marketplace's name and absolute base URL, for the layout and meta tags."""
    return {
        "MARKETPLACE_NAME": settings.MARKETPLACE_NAME,
        "SITE_URL": settings.SITE_URL,
    }
