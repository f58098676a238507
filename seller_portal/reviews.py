"""/seller/reviews/: the reviews of the seller's products, and the seller's public replies.

Every review comes through ``Review.objects.for_seller`` (the reviews of the signed-in
seller's own products), so another seller's review id is a 404. Replies are saved by
``catalogue.reviews.reply``, which expires the cached product page that shows them.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import ListView

from accounts.mixins import IsSellerMixin
from catalogue import reviews
from catalogue.models import Review
from catalogue.models.reviews import REPLY_MAX_LENGTH

from .mixins import SellerObjectMixin

PAGE_SIZE = 20

# The list's filters: ?show=<key> -> (label, lookup).
REVIEW_FILTERS = {
    "unanswered": (_("Awaiting your reply"), {"seller_reply": ""}),
    "hidden": (_("Hidden by editors"), {"hidden": True}),
}


class ReplyForm(forms.Form):
    reply = forms.CharField(
        label=_("Your public reply"),
        required=False,
        max_length=REPLY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown under the review on the product page. Leave empty to remove your reply."),
    )


class ReviewListView(IsSellerMixin, ListView):
    """The seller's reviews, newest first, each with a reply form."""

    template_name = "seller_portal/review_list.html"
    context_object_name = "reviews"
    paginate_by = PAGE_SIZE

    @property
    def show(self):
        show = self.request.GET.get("show", "")
        return show if show in REVIEW_FILTERS else ""

    def get_queryset(self):
        queryset = Review.objects.for_seller(self.request.user).select_related("product", "customer")
        if self.show:
            queryset = queryset.filter(**REVIEW_FILTERS[self.show][1])
        return queryset.order_by("-created_at", "-pk")

    def get_context_data(self, **kwargs):
        # Each review's reply form is the ReplyForm's field, written out in the template
        # (name ``review-<pk>-reply``), posting to ReviewReplyView.
        return super().get_context_data(
            show=self.show,
            filters=[(key, label) for key, (label, _lookup) in REVIEW_FILTERS.items()],
            querystring_base=f"show={self.show}&" if self.show else "",
            reply_max_length=REPLY_MAX_LENGTH,
            **kwargs,
        )


class ReviewReplyView(SellerObjectMixin, View):
    """POST a reply to one review of the seller's products; a rejected reply is shown
    again on a page of its own, with the error next to the field and the text kept."""

    model = Review
    template_name = "seller_portal/review_reply.html"

    def get_queryset(self):
        return super().get_queryset().select_related("product", "customer")

    def get(self, request, pk):
        review = self.get_object()
        form = ReplyForm(initial={"reply": review.seller_reply}, prefix=f"review-{review.pk}")
        return TemplateResponse(request, self.template_name, {"review": review, "form": form})

    def post(self, request, pk):
        review = self.get_object()
        form = ReplyForm(request.POST, prefix=f"review-{review.pk}")
        if form.is_valid():
            try:
                reviews.reply(request.user, review, form.cleaned_data["reply"])
            except ValidationError as exc:
                form.add_error("reply", exc.message_dict.get("seller_reply", exc.messages))
            else:
                if form.cleaned_data["reply"].strip():
                    messages.success(request, _("Your reply is published under the review."))
                else:
                    messages.success(request, _("Your reply is removed."))
                return redirect(f"{reverse('seller_portal:reviews')}#review-{review.pk}")
        return TemplateResponse(request, self.template_name, {"review": review, "form": form})
