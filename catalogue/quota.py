"""Each seller's storage quota (``SELLER_STORAGE_QUOTA`` bytes, ``0`` = unlimited).

A seller's usage is the size of their products' current files and of every file of their
current and kept versions (``catalogue.releases``), a file shared by several products (a
copied page) or versions counted once. Files kept only for earlier revisions do not count:
the seller cannot remove those. ``ProductPage.clean_fields()`` checks a new upload against
the quota, so the seller portal and Wagtail admin refuse it alike, before anything is stored.

The rule is :func:`storage_used_by_seller`. The upload check applies it to the rows each
time (it must be exact, and leave out the file being replaced); the seller portal shows
the usage from the seller's summary row (``seller_portal.models.SellerCatalogue``), which
is rewritten by the same rule whenever one of their products is saved or deleted.
"""

import math
from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

SIZE_UNITS = ("KB", "MB", "GB", "TB")


def format_bytes(size, *, round_up=False):
    """A size for people, in 1024 steps with at most one decimal: ``"120 MB"``, ``"5.1 GB"``.

    ``round_up``: for a total over a limit, so 5 GB and a few bytes reads "5.1 GB", not a
    "5 GB" that seems to fit in a 5 GB quota.
    """
    if size < 1024:
        return _("%(count)d bytes") % {"count": size}
    value = size
    for unit in SIZE_UNITS:
        value /= 1024
        if value < 1024 or unit == SIZE_UNITS[-1]:
            break
    if round_up:
        value = math.ceil(value * 10 - 1e-9) / 10
    number = f"{value:.1f}".removesuffix(".0")
    return f"{number} {unit}"


def storage_used_by_seller(products):
    """``{seller id: bytes}``: what the current files of ``products`` (a ``ProductPage``
    queryset, historical models included) and the files of their current and kept
    releases take, each seller's stored files counted once.

    Two queries, one row per distinct (seller, file). Sellers without files are left out.
    """
    # No ordering: the page model's default (the tree path) would join the page table.
    rows = products.exclude(file="").order_by().values_list("seller_id", "file", "file_size").distinct()
    sizes = {(seller_id, name): size or 0 for seller_id, name, size in rows.iterator(chunk_size=5000)}
    # Every file of the current and kept releases (catalogue.releases), one more query; the
    # main file is among them under the same name, so it counts once. Migrations older
    # than releases pass historical models without them.
    try:
        file_model = products.model._meta.apps.get_model("catalogue", "ProductFile")
    except LookupError:
        file_model = None
    if file_model is not None:
        release_rows = (
            file_model.objects.filter(release__product__in=products.order_by().values("pk"))
            .order_by()
            .values_list("release__product__seller_id", "file", "size")
            .distinct()
        )
        for seller_id, name, size in release_rows.iterator(chunk_size=5000):
            sizes.setdefault((seller_id, name), size or 0)
    return _sum_by_seller(sizes)


def _sum_by_seller(sizes):
    used = Counter()
    for (seller_id, _name), size in sizes.items():
        used[seller_id] += size
    return dict(used)


def storage_used(seller_id, *, exclude_product_id=None):
    """Bytes the seller's products' current files take, each stored file counted once.

    ``exclude_product_id``: leave out that product's main file (it is being replaced),
    unless another product or a kept earlier version still holds it. Its other files
    (extra files, kept versions) still count.
    """
    from .models import ProductFile, ProductPage

    products = ProductPage.objects.filter(seller_id=seller_id)
    if exclude_product_id is None:
        return storage_used_by_seller(products).get(seller_id, 0)
    used = storage_used_by_seller(products.exclude(pk=exclude_product_id)).get(seller_id, 0)
    replaced = ProductPage.objects.filter(pk=exclude_product_id).values_list("file", flat=True).first() or ""
    named_elsewhere = set(products.exclude(pk=exclude_product_id).exclude(file="").values_list("file", flat=True))
    own = (
        ProductFile.objects.filter(release__product_id=exclude_product_id)
        .exclude(release__superseded_at__isnull=True, file=replaced)
        .order_by()
        .values_list("file", "size")
        .distinct()
    )
    others_files = set(
        ProductFile.objects.filter(release__product__seller_id=seller_id)
        .exclude(release__product_id=exclude_product_id)
        .values_list("file", flat=True)
    )
    for name, size in own:
        if name not in named_elsewhere and name not in others_files:
            used += size or 0
            named_elsewhere.add(name)
    return used


@dataclass(frozen=True)
class StorageUsage:
    """How much of their quota a seller uses, for showing to them."""

    used: int
    quota: int

    @classmethod
    def of(cls, used):
        """``used`` bytes against the current ``SELLER_STORAGE_QUOTA``."""
        return cls(used=used, quota=settings.SELLER_STORAGE_QUOTA)

    @property
    def unlimited(self):
        return not self.quota

    def __str__(self):
        if self.unlimited:
            return str(_("Storage: %(used)s used.") % {"used": format_bytes(self.used)})
        return str(
            _("Storage: %(used)s of %(quota)s used.")
            % {"used": format_bytes(self.used), "quota": format_bytes(self.quota)}
        )


def check_storage_quota(seller_id, size, *, replacing_product_id=None):
    """Raise ``ValidationError`` if a new file of ``size`` bytes would take the seller over
    ``SELLER_STORAGE_QUOTA``. The file of ``replacing_product_id`` (the product being
    edited) does not count: the new one replaces it.

    Computed from the product rows, not read from the seller's summary row: only an
    upload pays for it, it must leave out the replaced file unless another product still
    names it (which the summary cannot tell), and a refusal must be exact."""
    quota = settings.SELLER_STORAGE_QUOTA
    if not quota or seller_id is None:
        return
    used = storage_used(seller_id, exclude_product_id=replacing_product_id)
    if used + size <= quota:
        return
    raise ValidationError(
        _(
            "This file (%(size)s) would take your storage to %(total)s of your %(quota)s "
            "(%(used)s used by your other product files). Delete or replace an older product file, "
            "or contact us."
        ),
        code="storage_quota",
        params={
            "size": format_bytes(size),
            "total": format_bytes(used + size, round_up=True),
            "quota": format_bytes(quota),
            "used": format_bytes(used),
        },
    )
