"""Editors moderate buyers' reviews in Wagtail admin (Catalogue → Reviews, registered in
``wagtail_hooks.py``): list and search every review, filter the hidden ones, and hide a
review (with the reason) or show it again.

Reviews are written by buyers in the customer portal, never here, and are hidden rather
than deleted, so the permission policy offers view and change only. Saving goes through
``catalogue.reviews.set_hidden``, which recounts the product's rating and expires the
cached pages that show it, exactly as the portal's changes do.
"""

from django.contrib.auth import get_user_model
from django.forms import CheckboxSelectMultiple
from django.utils.functional import cached_property
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django_filters import ChoiceFilter, MultipleChoiceFilter
from wagtail.admin.filters import MultipleUserFilter, WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.tables import BooleanColumn, Column, DateColumn, TitleColumn
from wagtail.log_actions import log
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.snippets.views.snippets import EditView as SnippetEditView
from wagtail.snippets.views.snippets import IndexView as SnippetIndexView
from wagtail.snippets.views.snippets import SnippetViewSet

from . import reviews
from .models import Review

RATING_CHOICES = [(str(stars), "★" * stars) for stars in range(5, 0, -1)]


class ReviewPermissionPolicy(ModelPermissionPolicy):
    """View and change (hide or show) only: a review is the buyer's, written in the portal."""

    NOT_IN_ADMIN = frozenset({"add", "delete"})

    def user_has_permission(self, user, action):
        return action not in self.NOT_IN_ADMIN and super().user_has_permission(user, action)

    def users_with_any_permission(self, actions):
        actions = [action for action in actions if action not in self.NOT_IN_ADMIN]
        if not actions:
            return get_user_model().objects.none()
        return super().users_with_any_permission(actions)


def _sellers(request):
    return get_user_model().objects.filter(is_seller=True).order_by("first_name", "last_name", "email")


class ReviewFilterSet(WagtailFilterSet):
    hidden = ChoiceFilter(
        label=_("Visibility"), choices=[("0", _("Shown")), ("1", _("Hidden"))], method="filter_hidden"
    )
    rating = MultipleChoiceFilter(label=_("Rating"), choices=RATING_CHOICES, widget=CheckboxSelectMultiple)
    seller = MultipleUserFilter(
        label=_("Seller"), field_name="product__seller", queryset=_sellers, widget=CheckboxSelectMultiple
    )

    class Meta:
        model = Review
        fields = []

    def filter_hidden(self, queryset, name, value):
        return queryset.filter(hidden=value == "1")


def _headline(review):
    return review.title or Truncator(review.body).chars(60) or _("(rating only)")


class ReviewIndexView(SnippetIndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("product", "customer")

    @cached_property
    def columns(self):
        # The headline opens the moderation form (a review has no name of its own).
        headline = self._get_title_column_class(TitleColumn)(
            "title", label=_("Review"), accessor=_headline, get_url=self.get_edit_url
        )
        return [headline, *super().columns]


class ReviewAdminForm(WagtailAdminModelForm):
    """Only ``hidden`` and ``hidden_reason`` are editable; a hidden review needs a reason."""

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("hidden") and not (cleaned.get("hidden_reason") or "").strip():
            self.add_error("hidden_reason", _("Say why the review is hidden (the seller sees it)."))
        return cleaned


class ReviewEditView(SnippetEditView):
    def get_page_subtitle(self):
        review = self.object
        return f"{'★' * review.rating} {review.product.title} ({review.customer.email})"

    def save_instance(self):
        # Through the service, not form.save(): the rating is recounted and pages expire.
        data = self.form.cleaned_data
        review = reviews.set_hidden(self.form.instance, data["hidden"], data.get("hidden_reason", ""))
        log(instance=review, action="wagtail.edit", user=self.request.user)
        return review


def _stars(review):
    return "★" * review.rating


class ReviewViewSet(SnippetViewSet):
    model = Review
    icon = "pick"
    menu_label = _("Reviews")
    # Listed in the Catalogue menu (CatalogueMenuGroup.submenu_hook in wagtail_hooks.py).
    menu_hook = "register_catalogue_menu_item"
    menu_order = 250
    menu_item_is_registered = True
    index_view_class = ReviewIndexView
    edit_view_class = ReviewEditView
    copy_view_enabled = False
    inspect_view_enabled = False
    list_display = [
        Column("rating", label=_("Rating"), accessor=_stars, sort_key="rating"),
        Column("product", label=_("Product"), accessor=lambda review: review.product.title),
        Column("customer", label=_("Buyer"), accessor=lambda review: review.customer.email),
        BooleanColumn("hidden", label=_("Hidden")),
        DateColumn("created_at", label=_("Written"), sort_key="created_at"),
    ]
    list_per_page = 50
    search_fields = ["title", "body", "customer__email", "product__title"]
    filterset_class = ReviewFilterSet
    ordering = ["-created_at"]
    edit_handler = ObjectList(
        [
            MultiFieldPanel(
                [
                    FieldRowPanel([FieldPanel("product", read_only=True), FieldPanel("customer", read_only=True)]),
                    FieldPanel("rating", read_only=True),
                    FieldPanel("title", read_only=True),
                    FieldPanel("body", read_only=True),
                    FieldPanel("seller_reply", read_only=True),
                ],
                heading=_("Review"),
            ),
            MultiFieldPanel(
                [FieldPanel("hidden"), FieldPanel("hidden_reason")],
                heading=_("Moderation"),
                help_text=_("A hidden review is not shown to shoppers and does not count in the product's rating."),
            ),
        ],
        base_form_class=ReviewAdminForm,
    )
