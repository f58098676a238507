"""The home page: the site root, composed by editors from blocks."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import StreamField
from wagtail.models import Page

from .blocks import HomeStreamBlock


class HomePage(Page):
    """The landing page at ``/``; there is one, at the root of the site."""

    body = StreamField(
        HomeStreamBlock(),
        blank=True,
        use_json_field=True,
        help_text=_("Compose the landing page from a hero, text and calls to action."),
    )

    content_panels = Page.content_panels + [FieldPanel("body")]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["catalogue.CatalogueIndexPage"]
    max_count = 1

    class Meta:
        verbose_name = _("home page")
