"""A seller's public storefront: ``/sellers/<slug>/`` with their name, avatar, bio and links.

Sellers edit it in the seller portal; the storefront lists their live products. The bio
is plain text (line breaks kept, nothing else), and links are checked web addresses, so
nothing a seller types reaches shoppers as HTML.
"""

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..ownership import SELLER, OwnedQuerySet
from ..validators import validate_no_nul

BIO_MAX_LENGTH = 2000


class SellerProfileQuerySet(OwnedQuerySet):
    OWNER_FIELDS = {SELLER: "user"}


class SellerProfile(models.Model):
    """What shoppers see of a seller. One per seller, made when the storefront is first
    needed (``catalogue.storefronts``); its slug comes from the shop name and stays put."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="seller_profile",
        verbose_name=_("seller"),
    )
    slug = models.SlugField(
        _("storefront address"),
        max_length=60,
        unique=True,
        help_text=_("Your storefront lives at /sellers/<address>/."),
    )
    shop_name = models.CharField(
        _("shop name"),
        max_length=80,
        blank=True,
        validators=[validate_no_nul],
        help_text=_("Shown on your storefront and products. Leave empty to use your name."),
    )
    bio = models.TextField(
        _("about"),
        blank=True,
        max_length=BIO_MAX_LENGTH,
        validators=[MaxLengthValidator(BIO_MAX_LENGTH), validate_no_nul],
        help_text=_("Plain text: who you are and what you make."),
    )
    avatar = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("avatar"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    website = models.URLField(_("website"), blank=True, max_length=300)
    # Up to a few more profile links, each {"label": ..., "url": ...} (checked on save by the form).
    links = models.JSONField(_("links"), default=list, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = SellerProfileQuerySet.as_manager()

    class Meta:
        verbose_name = _("seller profile")
        verbose_name_plural = _("seller profiles")

    def __str__(self):
        return self.name

    @property
    def name(self):
        """The shop's public name: the shop name, else the seller's display name."""
        return self.shop_name or self.user.display_name
