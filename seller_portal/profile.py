"""The seller's storefront profile in the portal: ``/seller/profile/``.

Shop name, storefront address (slug), bio, avatar, website and up to three more links,
shown to shoppers at ``/sellers/<slug>/`` (``catalogue.storefronts``). The profile is
always the signed-in seller's own (``profile_for(request.user)``): there is no id in the
URL to tamper with. Nothing typed here reaches shoppers as markup: the bio is plain text
and every link must be an ``http``/``https`` address.
"""

from django import forms
from django.contrib import messages
from django.core.validators import URLValidator
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views import View
from wagtail.images.fields import WagtailImageField
from wagtail.images.utils import get_allowed_image_extensions

from accounts.mixins import IsSellerMixin
from catalogue.models import SellerProfile
from catalogue.storefronts import PROFILE_LINKS_MAX, profile_for, save_profile

WEB_URL_MESSAGE = _("Enter a web address starting with http:// or https://.")
validate_web_url = URLValidator(schemes=["http", "https"], message=WEB_URL_MESSAGE)


class WebURLField(forms.URLField):
    """An ``http``/``https`` address only (Django's URLField also takes ftp)."""

    default_validators = [validate_web_url]
    # The validator's code is "invalid", which the field's own message would replace.
    default_error_messages = {"invalid": WEB_URL_MESSAGE}

    def __init__(self, **kwargs):
        kwargs.setdefault("assume_scheme", "https")
        super().__init__(**kwargs)


class SellerProfileForm(forms.ModelForm):
    """The storefront profile; ``links`` is edited as three label/address pairs."""

    avatar_upload = WagtailImageField(label=_("Avatar"), required=False)
    website = WebURLField(label=_("Website"), required=False, max_length=300)

    class Meta:
        model = SellerProfile
        fields = ["shop_name", "slug", "bio", "website"]
        widgets = {"bio": forms.Textarea(attrs={"rows": 6})}
        help_texts = {
            # Shown unescaped by includes/field.html: no angle brackets here.
            "slug": _("Lower-case letters, digits and dashes, e.g. maya-makes for /sellers/maya-makes/."),
            "bio": _("Plain text, up to 2,000 characters: who you are and what you make. Line breaks are kept."),
        }
        error_messages = {"slug": {"unique": _("Another seller has this address already. Try another.")}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slug"].widget.attrs.update({"autocapitalize": "none", "spellcheck": "false"})
        extensions = get_allowed_image_extensions()
        self.fields["avatar_upload"].widget.attrs["accept"] = ",".join(f".{ext}" for ext in extensions)
        self.fields["avatar_upload"].help_text = _("Square, at least 320 × 320 pixels. %(formats)s") % {
            "formats": self.fields["avatar_upload"].help_text
        }
        stored = self.instance.links if isinstance(self.instance.links, list) else []
        for number in range(1, PROFILE_LINKS_MAX + 1):
            item = stored[number - 1] if len(stored) >= number and isinstance(stored[number - 1], dict) else {}
            self.fields[f"link_label_{number}"] = forms.CharField(
                label=_("Link %(number)s: label") % {"number": number},
                required=False,
                max_length=60,
                initial=item.get("label", ""),
                help_text=_("E.g. Newsletter, YouTube, Mastodon.") if number == 1 else "",
            )
            self.fields[f"link_url_{number}"] = WebURLField(
                label=_("Link %(number)s: address") % {"number": number},
                required=False,
                max_length=300,
                initial=item.get("url", ""),
            )

    def link_rows(self):
        """The label/address field pairs, for the template."""
        return [(self[f"link_label_{n}"], self[f"link_url_{n}"]) for n in range(1, PROFILE_LINKS_MAX + 1)]

    def clean_slug(self):
        return (self.cleaned_data.get("slug") or "").strip().lower()

    def clean_shop_name(self):
        return " ".join((self.cleaned_data.get("shop_name") or "").split())

    def clean(self):
        cleaned = super().clean()
        links = []
        for number in range(1, PROFILE_LINKS_MAX + 1):
            label = " ".join((cleaned.get(f"link_label_{number}") or "").split())
            url = cleaned.get(f"link_url_{number}") or ""
            if label and not url and f"link_url_{number}" not in self.errors:
                self.add_error(f"link_url_{number}", _("Add the address this label links to, or clear the label."))
            elif url:
                links.append({"label": label, "url": url})
        self.instance.links = links
        return cleaned


class ProfileView(IsSellerMixin, View):
    """Edit the signed-in seller's storefront profile."""

    template_name = "seller_portal/profile_form.html"

    def get(self, request):
        profile = profile_for(request.user)
        return render(request, self.template_name, {"form": SellerProfileForm(instance=profile), "profile": profile})

    def post(self, request):
        profile = profile_for(request.user)
        # The slug the storefront is at now, for the "view storefront" link if the form fails.
        current_slug = profile.slug
        form = SellerProfileForm(request.POST, request.FILES, instance=profile)
        if not form.is_valid():
            profile.slug = current_slug
            return render(request, self.template_name, {"form": form, "profile": profile})
        save_profile(form.save(commit=False), avatar=form.cleaned_data.get("avatar_upload"))
        messages.success(request, _("Your storefront is saved."))
        return redirect("seller_portal:profile")
