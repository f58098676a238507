"""Editors approve or reject the categories sellers propose, in Wagtail admin
(Catalogue → Categories: a status column and filter, and a "Review" page per proposal,
registered in ``wagtail_hooks.py``).

The page shows the proposal and takes an optional comment (required to reject: the
seller is told why); the decision is made by ``catalogue.moderation`` (which emails the
seller after the commit). Guarded like the snippet's own edit view: whoever may change
categories (the Editors group, superusers).
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views import View
from wagtail.log_actions import log
from wagtail.permissions import policy_registry

from . import moderation
from .models import CategoryStatus, ProductCategory

APPROVE = "approve"
REJECT = "reject"


def can_review_categories(user):
    """Whether ``user`` may approve or reject proposed categories: who may change them."""
    return bool(user.is_active and policy_registry.get_by_type(ProductCategory).user_has_permission(user, "change"))


def category_review_url(category_pk):
    return reverse("catalogue_category_review", args=(category_pk,))


class CategoryReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[(APPROVE, _("Approve")), (REJECT, _("Reject"))])
    comment = forms.CharField(
        label=_("Comment for the seller"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Emailed to the seller who proposed it. Required when you reject it: say why."),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == REJECT and not (cleaned.get("comment") or "").strip():
            self.add_error("comment", _("Say why it is rejected: the seller reads this."))
        return cleaned


class CategoryReviewView(View):
    """GET: the proposal with the decision form; POST: approve or reject it."""

    template_name = "catalogue/admin/category_review.html"

    def dispatch(self, request, *args, **kwargs):
        if not can_review_categories(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_category(self, pk):
        categories = ProductCategory.objects.select_related("owner", "reviewed_by").annotate(
            product_count=Count("products")
        )
        return get_object_or_404(categories, pk=pk)

    def render(self, request, category, form):
        index_url = reverse(ProductCategory.snippet_viewset.get_url_name("list"))
        context = {
            "category": category,
            "form": form,
            "pending": category.status == CategoryStatus.PENDING,
            "index_url": index_url,
            "edit_url": reverse(ProductCategory.snippet_viewset.get_url_name("edit"), args=(category.pk,)),
        }
        return TemplateResponse(request, self.template_name, context)

    def get(self, request, pk):
        return self.render(request, self.get_category(pk), CategoryReviewForm())

    def post(self, request, pk):
        category = self.get_category(pk)
        form = CategoryReviewForm(request.POST)
        if not form.is_valid():
            return self.render(request, category, form)
        decision, comment = form.cleaned_data["decision"], form.cleaned_data["comment"]
        try:
            if decision == APPROVE:
                category = moderation.approve_category(category, request.user, comment)
            else:
                category = moderation.reject_category(category, request.user, comment)
        except moderation.CategoryNotPending as refused:
            messages.error(request, str(refused))
            return redirect(category_review_url(category.pk))
        log(instance=category, action="wagtail.edit", user=request.user)
        if decision == APPROVE:
            message = _("“%(name)s” is approved; the seller is emailed.")
        else:
            message = _("“%(name)s” is rejected; the seller is emailed your comment.")
        messages.success(request, message % {"name": category.name})
        return redirect(reverse(ProductCategory.snippet_viewset.get_url_name("list")) + "?status=pending")
