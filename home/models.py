"""The home page: the site root, composed by editors from blocks."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import StreamField
from wagtail.models import Page

from catalogue.models import CatalogueIndexPage

from .blocks import HomeStreamBlock


class HomePage(Page):
    """The landing page at ``/``; there is one, at the root of the site."""

    body = StreamField(
        HomeStreamBlock(),
        blank=True,
        use_json_field=True,
        help_text=_(
            "Compose the landing page from a hero, featured products, a category grid, text and calls to action."
        ),
    )

    content_panels = Page.content_panels + [FieldPanel("body")]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["catalogue.CatalogueIndexPage"]
    max_count = 1

    class Meta:
        verbose_name = _("home page")

    def route(self, request, path_components):
        # The catalogue index is the home page's only child type: fetch it as such in one
        # query, where Wagtail's own routing takes two (the base page, then its specific
        # row) on every catalogue, category and product request.
        if path_components:
            index_page = CatalogueIndexPage.objects.child_of(self).filter(slug=path_components[0]).first()
            if index_page is not None:
                # Treebeard's get_parent() uses this instead of a query.
                index_page._cached_parent_obj = self
                return index_page.route(request, path_components[1:])
        return super().route(request, path_components)
