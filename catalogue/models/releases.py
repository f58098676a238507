"""Versions of a product and their files (``catalogue.releases`` holds the services).

A product has one *current* release (``superseded_at`` empty) and the releases it had
before. A release holds one or more files. ``ProductPage.file`` stays the product's main
file: it is mirrored as the current release's first file, so checkout, Dodo sync and
everything written before releases keep working. When a seller publishes a new version
the previous release is superseded; if the seller keeps it, its files stay downloadable
to the buyers who paid before it was superseded, otherwise its files are removed.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from ..storage import get_private_storage, private_upload_path
from ..validators import validate_no_nul

NOTE_MAX_LENGTH = 2000


def release_file_upload_to(instance, filename):
    """A server-generated name (``products/<uuid>/<uuid>.<ext>``), as for the main file:
    the same folder, so ``cleanup_files`` walks them together."""
    return private_upload_path("products", filename)


class ProductReleaseQuerySet(models.QuerySet):
    def current(self):
        return self.filter(superseded_at__isnull=True)


class ProductRelease(models.Model):
    """One version of a product: its number, the seller's "what changed" note, its files.

    ``notified_at`` is set once every buyer has been emailed about it (release 1 needs no
    email). ``kept``: once superseded, whether its files stay downloadable to its buyers.
    """

    product = models.ForeignKey(
        "catalogue.ProductPage", verbose_name=_("product"), on_delete=models.CASCADE, related_name="releases"
    )
    number = models.PositiveIntegerField(_("version"))
    note = models.TextField(_("what changed"), blank=True, max_length=NOTE_MAX_LENGTH, validators=[validate_no_nul])
    created_at = models.DateTimeField(_("published"), auto_now_add=True)
    superseded_at = models.DateTimeField(_("superseded"), null=True, blank=True)
    kept = models.BooleanField(
        _("kept for its buyers"),
        default=True,
        help_text=_("Once superseded: its buyers may still download its files."),
    )
    notified_at = models.DateTimeField(_("buyers notified"), null=True, blank=True)

    objects = ProductReleaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("product version")
        verbose_name_plural = _("product versions")
        ordering = ["product", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["product", "number"], name="catalogue_release_number_unique"),
            # At most one current release per product.
            models.UniqueConstraint(
                fields=["product"],
                condition=models.Q(superseded_at__isnull=True),
                name="catalogue_release_one_current",
            ),
        ]

    def __str__(self):
        return f"{self.product_id} v{self.number}"

    @property
    def is_current(self):
        return self.superseded_at is None


class ProductFile(models.Model):
    """One downloadable file of a release: stored privately under a server-generated
    name; ``name`` (the seller's file name) is what buyers see and download it as."""

    release = models.ForeignKey(
        ProductRelease, verbose_name=_("version"), on_delete=models.CASCADE, related_name="files"
    )
    file = models.FileField(_("file"), upload_to=release_file_upload_to, storage=get_private_storage, max_length=255)
    name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    content_type = models.CharField(_("type"), max_length=100, blank=True)
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("product file")
        verbose_name_plural = _("product files")
        ordering = ["release", "sort_order", "pk"]
        indexes = [models.Index(fields=["file"], name="catalogue_productfile_file")]

    def __str__(self):
        return self.name

    @property
    def type_label(self):
        """The file's type for people, e.g. ``"PDF"``."""
        from ..validators import file_extension

        return file_extension(self.name).upper() or _("File")


class ReleaseNotice(models.Model):
    """One buyer emailed about one release: written in the transaction that sends the
    email, so the batch task (``catalogue.tasks.notify_release_buyers``) never emails an
    address twice for a release, however often it runs."""

    release = models.ForeignKey(ProductRelease, on_delete=models.CASCADE, related_name="notices")
    email = models.EmailField(max_length=254)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("version email")
        verbose_name_plural = _("version emails")
        constraints = [models.UniqueConstraint(fields=["release", "email"], name="catalogue_release_notice_once")]

    def __str__(self):
        return f"{self.email}: release #{self.release_id}"
