"""/account/reviews/<product id>/: the buyer writes, or edits, their review of a product.

The rules are ``catalogue.reviews``: only a customer holding a paid order of the product
may open the form (anyone else gets 403 with the reason, and a product that is not live
404), and the review shown is always the signed-in customer's own
(``Review.objects.for_customer``), never another buyer's.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView

from catalogue import reviews
from catalogue.models import ProductPage, Review

from .mixins import IsCustomerMixin

RATING_CHOICES = [
    (5, _("5 stars: excellent")),
    (4, _("4 stars: good")),
    (3, _("3 stars: all right")),
    (2, _("2 stars: disappointing")),
    (1, _("1 star: poor")),
]


class ReviewForm(forms.ModelForm):
    """The rating and the words; the product and the buyer come from the URL and the session."""

    rating = forms.TypedChoiceField(
        label=_("Your rating"), choices=RATING_CHOICES, coerce=int, widget=forms.RadioSelect
    )

    class Meta:
        model = Review
        fields = ["rating", "title", "body"]
        labels = {"title": _("Headline"), "body": _("Your review")}
        help_texts = {
            "title": _("Optional: the gist in a few words."),
            "body": _("Optional: what you liked, what could be better, who it suits. Shown with your name."),
        }
        widgets = {"body": forms.Textarea(attrs={"rows": 6})}


class ReviewView(IsCustomerMixin, FormView):
    """The review form of one product the customer bought; saving goes through
    ``reviews.save_review`` (which re-checks the purchase) and back to the product page."""

    template_name = "accounts/portal/review_form.html"
    form_class = ReviewForm

    @cached_property
    def product(self):
        return get_object_or_404(ProductPage.objects.live().select_related("seller"), pk=self.kwargs["product_id"])

    @cached_property
    def review(self):
        return reviews.review_of(self.request.user, self.product)

    def dispatch(self, request, *args, **kwargs):
        # The role guard runs first (IsCustomerMixin.dispatch), then the purchase check.
        if request.user.is_authenticated and request.user.is_customer:
            try:
                reviews.check_may_review(request.user, self.product)
            except reviews.ReviewNotAllowed as exc:
                raise PermissionDenied(exc.message) from None
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        # Bound to a copy: a rejected form must not leave half-changed values on the review.
        kwargs["instance"] = (
            Review(rating=self.review.rating, title=self.review.title, body=self.review.body)
            if self.review
            else Review()
        )
        return kwargs

    def get_context_data(self, **kwargs):
        return super().get_context_data(product=self.product, review=self.review, **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            _review, created = reviews.save_review(
                self.request.user, self.product, rating=data["rating"], title=data["title"], body=data["body"]
            )
        except reviews.ReviewNotAllowed as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
            return self.form_invalid(form)
        if created:
            messages.success(self.request, _("Thank you! Your review is published."))
        else:
            messages.success(self.request, _("Your review is updated."))
        return redirect(f"{self.product.url}#reviews")
