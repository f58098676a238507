"""Forms for support tickets, used by the pages of both portals (``views.py``).

They validate input only (lengths, the attachment's type, size and content); the rules
about who may ask or reply live in ``services.py``.
"""

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from ..models import ProductPage
from ..validators import validate_no_nul
from .models import MESSAGE_MAX_LENGTH, SUBJECT_MAX_LENGTH, TicketStatus, validate_support_attachment

#: The inbox filter's extra status: open tickets waiting for the seller's reply.
UNANSWERED = "unanswered"


def attachment_help_text():
    """The attachment's help text (allowed types, size limit), from the current settings."""
    types = ", ".join(f".{ext.lstrip('.')}" for ext in settings.SUPPORT_ATTACHMENT_EXTENSIONS)
    return _("Optional: a screenshot or a document (%(types)s), up to %(max)s.") % {
        "types": types,
        "max": filesizeformat(settings.SUPPORT_ATTACHMENT_MAX_SIZE),
    }


class MessageFields(forms.Form):
    """The message body and its optional attachment."""

    body = forms.CharField(
        label=_("Message"),
        max_length=MESSAGE_MAX_LENGTH,
        strip=True,
        validators=[validate_no_nul],
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    attachment = forms.FileField(
        label=_("Attachment"), required=False, validators=[validate_support_attachment]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attachment"].help_text = attachment_help_text()
        # Accept-list for the file picker; the server checks again whatever it says.
        accept = ",".join(f".{ext.lstrip('.')}" for ext in settings.SUPPORT_ATTACHMENT_EXTENSIONS)
        self.fields["attachment"].widget.attrs["accept"] = accept


class ReplyForm(MessageFields):
    """A reply on a ticket's thread."""

    body = forms.CharField(
        label=_("Your reply"),
        max_length=MESSAGE_MAX_LENGTH,
        strip=True,
        validators=[validate_no_nul],
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class EscalateForm(forms.Form):
    """Ask the marketplace to step in: a short reason, saved as a message of the thread."""

    reason = forms.CharField(
        label=_("What should the marketplace look at?"),
        max_length=1000,
        strip=True,
        validators=[validate_no_nul],
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Once per ticket. Marketplace staff read the whole conversation and write here."),
    )


class TicketForm(MessageFields):
    """A customer's new question: which product, a subject and the first message.

    ``products`` is the queryset the customer may choose from (already checked by the
    view); when ``fixed`` is true, the product comes from the product page and is sent
    back as a hidden field instead of a choice.
    """

    product = forms.ModelChoiceField(
        label=_("Product"),
        queryset=None,
        empty_label=_("Choose a product you bought"),
    )
    subject = forms.CharField(
        label=_("Subject"),
        max_length=SUBJECT_MAX_LENGTH,
        validators=[validate_no_nul],
        help_text=_("A few words, e.g. “Does it work with Keynote?”"),
    )

    field_order = ["product", "subject", "body", "attachment"]

    def __init__(self, *args, products, fixed=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = products
        self.fields["body"].label = _("Your question")
        if fixed:
            self.fields["product"].widget = forms.HiddenInput()


class TicketFilterForm(forms.Form):
    """The seller's inbox filter, ``?status=`` and ``?product=``; unknown values are ignored."""

    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All tickets")), (UNANSWERED, _("Needs a reply")), *TicketStatus.choices],
    )
    product = forms.ModelChoiceField(
        label=_("Product"), required=False, queryset=ProductPage.objects.none(), empty_label=_("All products")
    )

    def __init__(self, *args, seller, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the seller's products that have tickets: a short list, and a foreign id
        # is simply not a valid choice.
        self.fields["product"].queryset = (
            ProductPage.objects.filter(seller=seller, support_tickets__isnull=False).distinct().order_by("title")
        )

    def filter(self, tickets):
        """``tickets`` narrowed to the valid filters (all of them when none is valid)."""
        filters = getattr(self, "cleaned_data", {})
        status = filters.get("status")
        if status == UNANSWERED:
            tickets = tickets.unanswered()
        elif status:
            tickets = tickets.filter(status=status)
        if filters.get("product"):
            tickets = tickets.filter(product=filters["product"])
        return tickets
