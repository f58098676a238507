"""Product traffic, per product and local day: page views, checkout starts and where the
views came from.

Views are not written on the hot path: the product page adds them to counters in the
shared cache and the worker flushes those into these rows (``catalogue.analytics``), so a
row only ever grows by increments. Sales, revenue and refunds are not copied here: they
are computed from the order rows, so every figure a seller sees can be recomputed.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

SOURCE_MAX_LENGTH = 200


class TrafficKind(models.TextChoices):
    """How a visitor reached a product page."""

    DIRECT = "direct", _("Direct or unknown")
    MARKETPLACE = "marketplace", _("Brightshelf pages")
    SHORT_LINK = "short_link", _("Short link")
    REFERRER = "referrer", _("Other website")


class ProductDailyStats(models.Model):
    """One product's page views and checkout starts on one day (``settings.TIME_ZONE``)."""

    product = models.ForeignKey(
        "catalogue.ProductPage", on_delete=models.CASCADE, related_name="daily_stats", verbose_name=_("product")
    )
    day = models.DateField(_("day"))
    views = models.PositiveIntegerField(_("page views"), default=0)
    checkout_starts = models.PositiveIntegerField(_("checkout starts"), default=0)

    class Meta:
        verbose_name = _("product daily statistics")
        verbose_name_plural = _("product daily statistics")
        constraints = [models.UniqueConstraint(fields=["product", "day"], name="catalogue_stats_one_row_per_day")]
        indexes = [models.Index(fields=["day"], name="catalogue_stats_day_idx")]

    def __str__(self):
        return f"{self.product_id} {self.day}: {self.views} views, {self.checkout_starts} checkouts"


class ProductTraffic(models.Model):
    """One product's page views on one day from one source (a site, a short link, ...)."""

    product = models.ForeignKey(
        "catalogue.ProductPage", on_delete=models.CASCADE, related_name="traffic", verbose_name=_("product")
    )
    day = models.DateField(_("day"))
    kind = models.CharField(_("kind"), max_length=12, choices=TrafficKind.choices)
    # The referring host for REFERRER, the short link's code for SHORT_LINK, else empty.
    source = models.CharField(_("source"), max_length=SOURCE_MAX_LENGTH, blank=True)
    views = models.PositiveIntegerField(_("page views"), default=0)

    class Meta:
        verbose_name = _("product traffic")
        verbose_name_plural = _("product traffic")
        constraints = [
            models.UniqueConstraint(
                fields=["product", "day", "kind", "source"], name="catalogue_traffic_one_row_per_source"
            )
        ]
        indexes = [models.Index(fields=["day", "kind"], name="catalogue_traffic_day_idx")]

    def __str__(self):
        return f"{self.product_id} {self.day} {self.kind}:{self.source} {self.views}"
