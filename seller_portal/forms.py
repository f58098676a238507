"""Seller portal forms: products, categories, short links and discount codes.

Each form accepts only the fields it shows: the seller, the Dodo state and everything
else a seller must not set are not fields here, so a forged POST value is ignored. The
product form validates through ``ProductPage.full_clean()`` (ModelForm does that), so its
messages are the ones editors see in Wagtail admin.
"""

import re
from datetime import datetime, time, timedelta
from html import unescape

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _
from wagtail.images.fields import WagtailImageField
from wagtail.images.utils import get_allowed_image_extensions

from catalogue import fees, moderation
from catalogue.models import DiscountCode, ProductCategory, ProductPage
from catalogue.models.discounts import CODE_MAX_LENGTH as DISCOUNT_CODE_MAX_LENGTH
from catalogue.models.discounts import normalize_code as normalize_discount_code
from catalogue.rich_text import drop_unpublished_page_links
from catalogue.sanitize import sanitize_rich_text
from catalogue.widgets import PrivateFileInput

from .codes import CODE_MAX_LENGTH, normalize_code, validate_code
from .models import SellerCatalogue, ShortLink

# Fields whose uploads a browser cannot put back into a re-shown form.
UPLOAD_FIELDS = ("file", "cover", "preview_file")
HTML_TAG = re.compile(r"<[a-zA-Z/][^>]*>")
PARAGRAPH_TAG = re.compile(r"</?p>|<br\s*/?>", re.IGNORECASE)


def plain_text_to_html(text):
    """Plain text as paragraphs: blank lines separate paragraphs, single newlines break lines."""
    paragraphs = [part.strip() for part in re.split(r"\n\s*\n", text.replace("\r\n", "\n")) if part.strip()]
    return "".join("<p>" + escape(part).replace("\n", "<br>") + "</p>" for part in paragraphs)


def html_to_plain_text(html):
    """The reverse of :func:`plain_text_to_html` for HTML made only of paragraphs and line
    breaks (what plain text became), so the seller edits the text they typed; ``None`` for
    richer HTML, which is shown as it is stored."""
    if any(not PARAGRAPH_TAG.fullmatch(tag) for tag in HTML_TAG.findall(html)):
        return None
    text = re.sub(r"</p>\s*<p>", "\n\n", html.strip(), flags=re.IGNORECASE)
    text = re.sub(r"<br\s*/?>", "\n", text, flags=re.IGNORECASE)
    text = unescape(HTML_TAG.sub("", text)).strip()
    # Text that would read as HTML when saved again stays HTML, so it is not changed.
    return None if HTML_TAG.search(text) else text


class ProductForm(forms.ModelForm):
    """Create or edit a product: what a seller may set on a ``ProductPage``, nothing more."""

    body = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_(
            "What is inside, who it is for, formats and requirements. Plain text is fine: leave a blank line "
            "between paragraphs. You may also use simple HTML (&lt;h2&gt;, &lt;h3&gt;, &lt;b&gt;, &lt;i&gt;, "
            "&lt;a&gt;, &lt;ul&gt;, &lt;ol&gt;); anything else is removed."
        ),
    )
    cover = WagtailImageField(
        label=_("Cover image"),
        required=False,
    )

    class Meta:
        model = ProductPage
        fields = [
            "title",
            "category",
            "summary",
            "body",
            "price",
            "selling_price",
            "pay_what_you_want",
            "suggested_price",
            "tax_category",
            "cover",
            "file",
            # Previews (catalogue.previews): a public free sample and a YouTube/Vimeo video.
            "preview_file",
            "video_url",
            # License keys Dodo issues with every purchase (dodo.licenses).
            "license_key_enabled",
            "license_key_activation_limit",
            "license_key_duration_days",
        ]
        labels = {
            "title": _("Product name"),
            "file": _("Product file"),
            "preview_file": _("Free sample"),
            "video_url": _("Video"),
            "pay_what_you_want": _("Let buyers pay what they want"),
            "license_key_enabled": _("Give each buyer a license key"),
            "license_key_activation_limit": _("Activations per key"),
            "license_key_duration_days": _("Key valid for (days)"),
        }
        help_texts = {
            "title": _("Up to 100 characters, shown everywhere the product appears."),
            "preview_file": _("Optional: a sample chapter or demo anyone may download from the product page. Public."),
            "video_url": _("Optional: a YouTube or Vimeo address, e.g. https://www.youtube.com/watch?v=…"),
            "price": _("E.g. 19.00. Enter 0 to give the product away free (customers add it to their library)."),
            "suggested_price": _("Pay what you want only: the amount the buy box starts at, at least the price."),
            "license_key_enabled": _(
                "Dodo Payments issues a key with every purchase; buyers see it in their library and receipt. "
                "A full refund or a lost dispute disables it."
            ),
            "license_key_activation_limit": _("How many devices one key may activate. Empty: no limit."),
            "license_key_duration_days": _("Empty: the key never expires."),
        }
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 3}),
            "price": forms.NumberInput(attrs={"step": "0.01", "min": "0", "inputmode": "decimal"}),
            "selling_price": forms.NumberInput(attrs={"step": "0.01", "min": "0", "inputmode": "decimal"}),
            "suggested_price": forms.NumberInput(attrs={"step": "0.01", "min": "0", "inputmode": "decimal"}),
            "file": PrivateFileInput,
            "license_key_activation_limit": forms.NumberInput(attrs={"min": "1", "step": "1", "inputmode": "numeric"}),
            "license_key_duration_days": forms.NumberInput(attrs={"min": "1", "step": "1", "inputmode": "numeric"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].empty_label = _("Choose a category")
        # Approved categories, and the seller's own proposals awaiting approval (labelled).
        self.fields["category"].queryset = moderation.categories_offered_to(self.instance.seller_id)
        self.fields["category"].label_from_instance = moderation.category_choice_label
        cover = self.fields["cover"]
        cover.help_text = _("Landscape, at least 1200 × 900 pixels; shown cropped to 4:3. %(formats)s") % {
            "formats": cover.help_text
        }
        # The limits the server enforces, for the upload script to check before sending.
        extensions = [ext.lower().lstrip(".") for ext in settings.PRODUCT_FILE_EXTENSIONS]
        self.fields["file"].widget.attrs.update(
            {
                "accept": ",".join(f".{ext}" for ext in extensions),
                "data-max-size": settings.PRODUCT_FILE_MAX_SIZE,
                "data-max-size-label": filesizeformat(settings.PRODUCT_FILE_MAX_SIZE),
                "data-extensions": ",".join(extensions),
            }
        )
        self.fields["file"].help_text = _("What buyers download: up to %(size)s. Stored privately.") % {
            "size": filesizeformat(settings.PRODUCT_FILE_MAX_SIZE)
        }
        # The quota itself is checked by ProductPage.clean_fields(); here the seller sees it.
        seller_id = self.instance.seller_id
        self.storage_usage = SellerCatalogue.objects.of_seller(seller_id).storage_usage if seller_id else None
        if self.storage_usage:
            self.fields["file"].help_text += " " + str(self.storage_usage)
        image_extensions = get_allowed_image_extensions()
        cover.widget.attrs.update(
            {
                "accept": ",".join(f".{ext}" for ext in image_extensions),
                "data-max-size": cover.max_upload_size or "",
                "data-max-size-label": cover.max_upload_size_text or "",
                "data-extensions": ",".join(image_extensions),
            }
        )
        self.reupload = []
        if not self.is_bound and self.instance.pk and (advice := self.price_advice()):
            self.fields["price"].help_text = f"{self.fields['price'].help_text} <strong>{escape(advice)}</strong>"
        if not self.is_bound and self.initial.get("body"):
            plain = html_to_plain_text(self.initial["body"])
            if plain is not None:
                self.initial["body"] = plain

    def price_advice(self):
        """What the seller should know about the selling price (``catalogue.fees``): the
        minimum fee's share, or that payment costs exceed the fee. Never blocks saving."""
        data = getattr(self, "cleaned_data", None)
        price = (data.get("selling_price") or data.get("price")) if data else self.instance.effective_price
        return fees.price_advice(price)

    def clean_body(self):
        """Keep only the HTML the product body allows; plain text becomes paragraphs.

        Links to pages that are not live are unwrapped (their text kept): a seller links
        to what the public can see, never to another seller's draft.
        """
        text = self.cleaned_data.get("body") or ""
        if text.strip() and not HTML_TAG.search(text):
            text = plain_text_to_html(text)
        return drop_unpublished_page_links(sanitize_rich_text(text))

    def full_clean(self):
        super().full_clean()
        if not self.is_bound or not self._errors:
            return
        # A browser cannot refill a file input: say so next to each upload that is lost.
        for name in UPLOAD_FIELDS:
            if not self.files.get(name):
                continue
            if name in self._errors:
                self.add_error(
                    name, forms.ValidationError(_("Choose the file again after fixing this."), code="reupload")
                )
            else:
                self.reupload.append(name)


class CategoryForm(forms.ModelForm):
    """A category the seller creates or edits; the slug is made from the name."""

    class Meta:
        model = ProductCategory
        fields = ["name", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def clean_name(self):
        name = " ".join((self.cleaned_data.get("name") or "").split())
        others = ProductCategory.objects.filter(name__iexact=name)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError(
                _("There is already a category called “%(name)s”: file your products under it instead."),
                code="duplicate_name",
                params={"name": name},
            )
        return name


class ProductChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.title if obj.live else _("%(title)s (draft)") % {"title": obj.title}


class ShortLinkForm(forms.Form):
    """A new short link: one of the seller's products and an optional chosen code."""

    product = ProductChoiceField(
        label=_("Product"),
        queryset=ProductPage.objects.none(),
        empty_label=_("Choose a product"),
        help_text=_("Visitors who follow the link land on this product's page."),
    )
    code = forms.CharField(
        label=_("Code"),
        required=False,
        max_length=CODE_MAX_LENGTH,
        help_text=_("Letters, digits and dashes, e.g. spring-sale. Leave empty for a random code."),
    )

    def __init__(self, *args, products, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the seller's own products can be chosen (the view passes them in).
        self.fields["product"].queryset = products

    def clean_code(self):
        code = (self.cleaned_data.get("code") or "").strip()
        if not code:
            return ""
        validate_code(code)
        if ShortLink.objects.with_code(normalize_code(code)).exists():
            raise forms.ValidationError(
                _("“%(code)s” is already taken. Try another, or leave the code empty for a random one."),
                code="code_taken",
                params={"code": code},
            )
        return code


class ProductMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return ProductChoiceField.label_from_instance(self, obj)


class DiscountCodeForm(forms.ModelForm):
    """A seller's discount code: the code, the percentage, an optional last day and usage
    limit, and optionally some of the seller's own products (the choices are theirs only,
    so another seller's product id is refused as an invalid choice)."""

    last_day = forms.DateField(
        label=_("Last day"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The code works until the end of this day. Leave empty for no end."),
    )

    class Meta:
        model = DiscountCode
        fields = ["code", "percent", "usage_limit", "products"]
        labels = {"percent": _("Percent off"), "usage_limit": _("Usage limit")}
        field_classes = {"products": ProductMultipleChoiceField}
        help_texts = {
            "code": _("3 to 16 letters, digits, “-” or “_”, e.g. SPRING-20. Buyers type it in the buy box."),
            "percent": _("From 1 to 100."),
            "usage_limit": _("How many purchases may use it in all. Leave empty for no limit."),
            "products": _(
                "Leave all unticked for every product you sell, including ones you add later. "
                "Pay-what-you-want and free products are not listed: codes don't apply to them."
            ),
        }
        widgets = {
            "code": forms.TextInput(
                attrs={"autocapitalize": "characters", "spellcheck": "false", "autocomplete": "off"}
            ),
            "percent": forms.NumberInput(attrs={"min": 1, "max": 100, "inputmode": "numeric"}),
            "usage_limit": forms.NumberInput(attrs={"min": 1, "inputmode": "numeric"}),
            "products": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, seller, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.seller = seller
        products = self.fields["products"]
        products.queryset = (
            ProductPage.objects.for_seller(seller)
            .filter(pay_what_you_want=False)
            .exclude(price=0, selling_price__isnull=True)
            .exclude(selling_price=0)
            .order_by("title")
        )
        self.fields["code"].max_length = DISCOUNT_CODE_MAX_LENGTH
        self.fields["percent"].min_value = 1
        self.fields["usage_limit"].min_value = 1
        if self.instance.expires_at:
            self.initial["last_day"] = self.instance.last_day()
        if self.instance.pk and self.instance.has_been_used():
            # Orders name the code they used: it keeps its text once used.
            self.fields["code"].disabled = True
            self.fields["code"].help_text = _("Used already, so the code itself can't change.")

    def clean_code(self):
        code = normalize_discount_code(self.cleaned_data.get("code"))
        taken = DiscountCode.objects.filter(code=code).exclude(pk=self.instance.pk)
        if code and taken.exists():
            raise forms.ValidationError(
                _("“%(code)s” is already taken: codes are unique across the marketplace. Try another."),
                code="code_taken",
                params={"code": code},
            )
        return code

    def clean_last_day(self):
        day = self.cleaned_data.get("last_day")
        unchanged = self.instance.expires_at and day == self.instance.last_day()
        if day and not unchanged and day < timezone.localdate():
            raise forms.ValidationError(_("The last day can't be in the past."), code="past")
        return day

    def save(self, commit=True):
        day = self.cleaned_data.get("last_day")
        # The end of the last day, in the marketplace's time zone.
        self.instance.expires_at = (
            timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min)) if day else None
        )
        return super().save(commit=commit)
