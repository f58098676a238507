"""The home page: the site root, composed by editors from blocks."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

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
    subpage_types = ["catalogue.CatalogueIndexPage", "home.LegalPage"]
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


class LegalPage(Page):
    """The terms, the privacy notice or the refund policy: one page of each kind, under
    the home page, written by editors (``bootstrap_site`` makes a starter text).

    Each kind has a fixed address (``/terms/``, ``/privacy/``, ``/refunds/``): the footer
    of every page, the buy box and sign-up link to it without looking it up, and links
    already sent in emails or printed on receipts keep working.

    Its version is the published revision it is showing (``version``), so what a person
    accepted at sign-up can be read back word for word from the page's history, and no
    editor has to remember to bump a number.
    """

    class Kind(models.TextChoices):
        TERMS = "terms", _("Terms of service")
        PRIVACY = "privacy", _("Privacy policy")
        REFUNDS = "refunds", _("Refund policy")

    # The slug of each kind, so its page lives at /<slug>/ (the home page is the site root).
    SLUGS = {Kind.TERMS: "terms", Kind.PRIVACY: "privacy", Kind.REFUNDS: "refunds"}

    kind = models.CharField(
        _("kind"),
        max_length=20,
        choices=Kind.choices,
        unique=True,
        help_text=_(
            "Which document this is. The footer, the buy box and sign-up link to it by kind; one page of each."
        ),
    )
    summary = models.CharField(
        _("summary"),
        max_length=300,
        blank=True,
        help_text=_("One or two plain sentences shown above the text: what this document is about."),
    )
    body = RichTextField(
        features=["h2", "h3", "bold", "italic", "link", "ol", "ul"],
        help_text=_(
            "The document. Publishing a change makes a new version: people who sign up or open a shop "
            "afterwards accept that one."
        ),
    )

    content_panels = Page.content_panels + [FieldPanel("kind"), FieldPanel("summary"), FieldPanel("body")]
    # No slug field: the kind decides it (see ``full_clean``).
    promote_panels = [
        MultiFieldPanel([FieldPanel("seo_title"), FieldPanel("search_description")], _("For search engines")),
    ]
    search_fields = Page.search_fields + [index.SearchField("body")]

    parent_page_types = ["home.HomePage"]
    subpage_types = []

    class Meta:
        verbose_name = _("legal page")

    def full_clean(self, *args, **kwargs):
        if self.kind in self.SLUGS:
            self.slug = self.SLUGS[self.kind]
        super().full_clean(*args, **kwargs)

    def clean(self):
        # Before Wagtail's checks: a second page of a kind would also clash on its slug,
        # and this says what to do about it.
        if self.kind and LegalPage.objects.exclude(pk=self.pk).filter(kind=self.kind).exists():
            raise ValidationError({"kind": _("There is already a page of this kind; edit that one instead.")})
        super().clean()

    def validate_unique(self, exclude=None):
        # ``clean`` has said it in an editor's words; the unique index still guards the table.
        super().validate_unique(exclude={*(exclude or ()), "kind"})

    @property
    def version(self):
        """The published text's version, e.g. ``2026-12-02.r17`` (the date it was published
        and the id of its revision); ``""`` while the page has never been published."""
        return legal_version(self.last_published_at, self.live_revision_id)


def legal_version(published_at, revision_id):
    """The version label of a legal page's published revision (see ``LegalPage.version``)."""
    if published_at is None or revision_id is None:
        return ""
    return f"{published_at:%Y-%m-%d}.r{revision_id}"
