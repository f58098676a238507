"""Seller portal views under /seller/, and the public short-link redirect ``/s/<code>/``.

Every portal view is guarded twice: ``IsSellerMixin`` (role) and, for one object,
``SellerObjectMixin``, which looks it up among the seller's own rows only, so another
seller's id is a 404. Views parse input, call one function of ``services`` or ``stats``
and pick the response; the Dodo sync happens in the signals, never here.

Support tickets: the pages are written once for both portals in
``catalogue/support/views.py``; the seller's side is the thin subclasses below.
"""

import logging

from django.contrib import messages
from django.db.models import Count, Prefetch
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.functional import cached_property
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django.views.generic import CreateView, ListView, TemplateView, UpdateView

from accounts.mixins import IsSellerMixin
from catalogue import discounts, moderation
from catalogue.models import (
    CatalogueIndexPage,
    CategoryInUseError,
    DiscountCode,
    LedgerEntry,
    MessageRole,
    Order,
    ProductCategory,
    ProductHasOrdersError,
    ProductPage,
)
from catalogue.refunds import order_page_context
from catalogue.services import CountedPaginator
from catalogue.support import views as tickets
from catalogue.support.services import seller_ticket_counts

from . import orders, services, stats
from .codes import normalize_code
from .forms import CategoryForm, DiscountCodeForm, ProductForm, ShortLinkForm
from .mixins import SellerObjectMixin
from .models import SellerCatalogue, ShortLink

logger = logging.getLogger(__name__)

PAGE_SIZE = 25


def _wants_fragment(request):
    """The upload script posts with XMLHttpRequest and swaps in the returned form."""
    return request.headers.get("X-Requested-With") == "XMLHttpRequest"


# DASHBOARD


class DashboardView(IsSellerMixin, TemplateView):
    """The seller's home: revenue, orders, products, support, best sellers, recent sales."""

    template_name = "seller_portal/dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context.update(
            revenue=stats.revenue_summary(user),
            products=stats.product_counts(user),
            chart=stats.revenue_chart(user),
            best_sellers=stats.best_sellers(user),
            recent_sales=stats.recent_sales(user),
            support_counts=seller_ticket_counts(user),
            # Net of fees, refunds and disputes: sums of the seller's ledger rows.
            earnings=LedgerEntry.objects.for_seller(user).summary(),
        )
        return context


# PRODUCTS


class ProductListView(IsSellerMixin, ListView):
    """The seller's products with status, price, sales, revenue and Dodo sync state."""

    template_name = "seller_portal/product_list.html"
    context_object_name = "products"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        # Each product's open review comes with the page: one query, however many rows.
        return moderation.with_review_states(services.seller_products(self.request.user))

    @cached_property
    def seller_catalogue(self):
        return SellerCatalogue.objects.of_seller(self.request.user.pk)

    def get_paginator(self, queryset, per_page, **kwargs):
        # The total from the seller's summary row, not a COUNT(*) over their products.
        return CountedPaginator(queryset, per_page, count=self.seller_catalogue.products, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # Paginated first: only the page's products have their orders summed.
        products = moderation.add_reviews(services.add_sales_figures(context["object_list"]))
        context["products"] = context["object_list"] = products
        context["storage_usage"] = self.seller_catalogue.storage_usage
        context["needs_review"] = moderation.needs_review(self.request.user)
        return context


class ProductFormView(IsSellerMixin, View):
    """Shared by create and edit: the form, its errors, and the upload script's protocol.

    Without JavaScript the form posts normally (redirect on success, the page with its
    errors otherwise). The upload script posts the same form with ``XMLHttpRequest`` to
    show a progress bar; it gets ``{"redirect": url}`` on success, or the form's HTML with
    status 400 to swap in, so nothing typed is lost.
    """

    template_name = "seller_portal/product_form.html"
    fragment_template_name = "seller_portal/includes/product_form.html"

    def load_product(self):
        """The product being edited, or ``None`` when creating one."""
        return None

    def get_instance(self):
        raise NotImplementedError

    def save(self, form, publish, submit):
        raise NotImplementedError

    def get_context(self, form):
        return {
            "form": form,
            "product": self.product,
            "is_new": self.product is None,
            # An untrusted seller's "Publish" is "Submit for review" (catalogue.moderation).
            "needs_review": moderation.needs_review(self.request.user),
            "review": moderation.review_of(self.product) if self.product is not None else None,
        }

    def get(self, request, *args, **kwargs):
        self.product = self.load_product()
        form = ProductForm(instance=self.get_instance())
        return render(request, self.template_name, self.get_context(form))

    def post(self, request, *args, **kwargs):
        self.product = self.load_product()
        form = ProductForm(request.POST, request.FILES, instance=self.get_instance())
        # "Publish" from a seller the editors have not trusted yet is a request for review,
        # whatever the button said: a crafted POST cannot publish directly.
        wants_live = request.POST.get("action") in ("publish", "submit")
        submit = wants_live and moderation.needs_review(request.user)
        publish = wants_live and not submit
        was_in_review = self.product is not None and moderation.review_of(self.product).in_review
        if form.is_valid():
            try:
                page = self.save(form, publish, submit)
            except moderation.ModerationError as error:
                messages.error(request, str(error))
                return render(request, self.template_name, self.get_context(form))
            if advice := form.price_advice():
                messages.warning(request, advice)
            if publish:
                messages.success(request, _("“%(title)s” is live in the catalogue.") % {"title": page.title})
            elif submit:
                messages.success(request, submitted_message(page))
            elif was_in_review:
                messages.success(
                    request,
                    _("“%(title)s” is saved as a draft and withdrawn from review. Submit it again when it is ready.")
                    % {"title": page.draft_title or page.title},
                )
            elif page.live:
                messages.success(
                    request,
                    _("Your changes to “%(title)s” are saved as a draft; the live page is unchanged until you publish.")
                    % {"title": page.title},
                )
            else:
                messages.success(request, _("“%(title)s” is saved as a draft.") % {"title": page.title})
            url = reverse("seller_portal:products")
            if _wants_fragment(request):
                return JsonResponse({"redirect": url})
            return redirect(url)
        context = self.get_context(form)
        if _wants_fragment(request):
            return render(request, self.fragment_template_name, context, status=400)
        return render(request, self.template_name, context)


class ProductCreateView(ProductFormView):
    def get_instance(self):
        # The seller is set here and again by the service: never from the POST.
        return ProductPage(seller=self.request.user)

    def save(self, form, publish, submit):
        page = form.save(commit=False)
        cover = form.cleaned_data.get("cover")
        return services.create_product(page, self.request.user, publish=publish, submit=submit, cover=cover)


class ProductEditView(SellerObjectMixin, ProductFormView):
    model = ProductPage

    def load_product(self):
        return self.get_object()

    def get_instance(self):
        # Edit the latest revision, drafts included, as Wagtail admin does.
        return self.product.get_latest_revision_as_object()

    def save(self, form, publish, submit):
        page = form.save(commit=False)
        cover = form.cleaned_data.get("cover")
        return services.update_product(page, self.request.user, publish=publish, submit=submit, cover=cover)


class ProductActionView(SellerObjectMixin, View):
    """A POST-only action on one of the seller's products."""

    model = ProductPage
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        product = self.get_object()
        self.act(product)
        return redirect("seller_portal:products")


class ProductPublishView(ProductActionView):
    """Publish, or, for a seller the editors have not trusted yet, submit for review."""

    def act(self, product):
        if not moderation.needs_review(self.request.user):
            services.publish_product(product, self.request.user)
            messages.success(self.request, _("“%(title)s” is live in the catalogue.") % {"title": product.title})
            return
        if moderation.review_of(product).in_review:
            messages.info(self.request, _("“%(title)s” is already in review.") % {"title": product.title})
            return
        try:
            services.submit_product(product, self.request.user)
        except moderation.ModerationError as error:
            messages.error(self.request, str(error))
            return
        messages.success(self.request, submitted_message(product))


def submitted_message(product):
    """What a seller reads after submitting a product for review."""
    title = product.draft_title or product.title
    if product.live:
        return _(
            "Your changes to “%(title)s” are submitted for review. The live page stays as it is until an editor "
            "approves them; we'll email you either way."
        ) % {"title": title}
    return _(
        "“%(title)s” is submitted for review. Editors check new products before they go live; "
        "we'll email you when they decide."
    ) % {"title": title}


class ProductUnpublishView(ProductActionView):
    def act(self, product):
        if not product.live:
            messages.info(self.request, _("“%(title)s” was not live.") % {"title": product.title})
            return
        services.unpublish_product(product, self.request.user)
        messages.success(
            self.request,
            _("“%(title)s” is no longer for sale. Buyers keep their downloads; publish it again at any time.")
            % {"title": product.title},
        )


class ProductDeleteView(SellerObjectMixin, View):
    """Confirm, then delete; a product with orders is refused and unpublishing suggested."""

    model = ProductPage
    template_name = "seller_portal/product_delete.html"

    def get(self, request, *args, **kwargs):
        product = self.get_object()
        return render(request, self.template_name, {"product": product, "order_count": product.order_count()})

    def post(self, request, *args, **kwargs):
        product = self.get_object()
        title = product.title
        try:
            services.delete_product(product, request.user)
        except ProductHasOrdersError as error:
            messages.error(request, str(error))
            return redirect("seller_portal:product_delete", pk=product.pk)
        messages.success(request, _("“%(title)s” is deleted.") % {"title": title})
        return redirect("seller_portal:products")


# CATEGORIES


class CategoryListView(IsSellerMixin, ListView):
    """The categories this seller created, with how many products each holds."""

    template_name = "seller_portal/category_list.html"
    context_object_name = "categories"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        return ProductCategory.objects.for_seller(self.request.user).annotate(product_count=Count("products")).order_by("name")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        index = CatalogueIndexPage.objects.first()
        for category in context["categories"]:
            # Only an approved category has a page shoppers can open.
            category.url = index.category_url(category) if index and category.is_approved else ""
            category.may_change = moderation.seller_may_change(category)
        return context


class CategoryFormMixin:
    form_class = CategoryForm
    template_name = "seller_portal/category_form.html"
    success_url = reverse_lazy("seller_portal:categories")

    def form_valid(self, form):
        self.object = services.save_category(form.save(commit=False), self.request.user)
        messages.success(
            self.request,
            _(
                "Category “%(name)s” is proposed. An editor approves it before shoppers see it; until then only "
                "your products can use it, and we'll email you when they decide."
            )
            % {"name": self.object.name},
        )
        return HttpResponseRedirect(self.get_success_url())


class ProposalOnlyMixin:
    """A seller changes or deletes only their own proposals: an approved category is the
    marketplace's (other sellers' products, the home page), so editors look after it."""

    def dispatch(self, request, *args, **kwargs):
        # After the role check (the seller mixins come first), before any change.
        category = self.get_object()
        if not moderation.seller_may_change(category):
            messages.info(
                request,
                _("“%(name)s” is approved, so editors look after it now. Write to us to rename it.")
                % {"name": category.name},
            )
            return redirect("seller_portal:categories")
        return super().dispatch(request, *args, **kwargs)


class CategoryCreateView(IsSellerMixin, CategoryFormMixin, CreateView):
    model = ProductCategory


class CategoryEditView(SellerObjectMixin, ProposalOnlyMixin, CategoryFormMixin, UpdateView):
    model = ProductCategory


class CategoryDeleteView(SellerObjectMixin, ProposalOnlyMixin, View):
    model = ProductCategory
    template_name = "seller_portal/category_delete.html"

    def get(self, request, *args, **kwargs):
        category = self.get_object()
        return render(request, self.template_name, {"category": category, "product_count": category.products.count()})

    def post(self, request, *args, **kwargs):
        category = self.get_object()
        name = category.name
        try:
            services.delete_category(category, request.user)
        except CategoryInUseError as error:
            messages.error(request, str(error))
            return redirect("seller_portal:categories")
        messages.success(request, _("Category “%(name)s” is deleted.") % {"name": name})
        return redirect("seller_portal:categories")


# SHORT LINKS


class ShortLinkListView(IsSellerMixin, ListView):
    """The seller's short links: clicks, last click and the sales that followed."""

    template_name = "seller_portal/short_link_list.html"
    context_object_name = "links"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        return services.seller_short_links(self.request.user)


class ShortLinkCreateView(IsSellerMixin, View):
    template_name = "seller_portal/short_link_form.html"

    def get_form(self, data=None):
        products = ProductPage.objects.for_seller(self.request.user).order_by("title")
        initial = {}
        product_id = self.request.GET.get("product", "")
        if product_id.isdigit():
            initial["product"] = products.filter(pk=product_id).first()
        return ShortLinkForm(data, products=products, initial=initial)

    def get(self, request, *args, **kwargs):
        return render(request, self.template_name, {"form": self.get_form()})

    def post(self, request, *args, **kwargs):
        form = self.get_form(request.POST)
        if form.is_valid():
            try:
                link = services.create_short_link(request.user, form.cleaned_data["product"], form.cleaned_data["code"])
            except services.ShortLinkCodeTaken:
                form.add_error("code", _("That code was taken a moment ago. Try another."))
            else:
                messages.success(request, _("Your short link %(url)s is ready.") % {"url": link.public_url})
                return redirect("seller_portal:short_links")
        return render(request, self.template_name, {"form": form})


class ShortLinkActiveView(SellerObjectMixin, View):
    """POST ``active=1`` to enable a link, ``active=0`` to disable it."""

    model = ShortLink
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        link = self.get_object()
        active = request.POST.get("active") == "1"
        services.set_short_link_active(link, active)
        if active:
            messages.success(request, _("%(url)s is enabled.") % {"url": link.public_url})
        else:
            messages.success(request, _("%(url)s is disabled: it answers “not found” now.") % {"url": link.public_url})
        return redirect("seller_portal:short_links")


class ShortLinkDeleteView(SellerObjectMixin, View):
    model = ShortLink
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        link = self.get_object()
        url = link.public_url
        services.delete_short_link(link)
        messages.success(request, _("%(url)s is deleted.") % {"url": url})
        return redirect("seller_portal:short_links")


# ORDERS (/seller/orders/): the refund itself is dodo.seller_views (it asks Dodo)


class OrderListView(IsSellerMixin, ListView):
    """The seller's sales, newest first, filterable by status."""

    template_name = "seller_portal/order_list.html"
    context_object_name = "orders"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        return orders.seller_orders(self.request.user, self.request.GET.get("status", ""))

    def get_context_data(self, **kwargs):
        status = self.request.GET.get("status", "")
        status = status if status in orders.STATUS_FILTERS else ""
        return super().get_context_data(
            status=status,
            status_choices=[(key, label) for key, (label, _q) in orders.STATUS_FILTERS.items()],
            querystring_base=f"status={status}&" if status else "",
            **kwargs,
        )


class OrderDetailView(SellerObjectMixin, TemplateView):
    """One sale as charged (total, tax, net, fee, earnings, refunds), its ledger rows, the
    buyer's email, and the refund form while Dodo can still refund it."""

    model = Order
    template_name = "seller_portal/order_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("product", "customer")

    def get_context_data(self, **kwargs):
        return super().get_context_data(**order_page_context(self.get_object()), **kwargs)

    def http_method_not_allowed(self, request, *args, **kwargs):
        # Another seller's order is a 404 whatever the method: a 405 would confirm it exists.
        self.get_object()
        return super().http_method_not_allowed(request, *args, **kwargs)


# DISCOUNT CODES


class DiscountListView(IsSellerMixin, ListView):
    """The seller's discount codes with their uses and revenue (one query for the page)."""

    template_name = "seller_portal/discount_list.html"
    context_object_name = "codes"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        return (
            DiscountCode.objects.for_seller(self.request.user)
            .with_usage()
            .prefetch_related(Prefetch("products", queryset=ProductPage.objects.only("pk", "title").order_by("title")))
        )


class DiscountFormView(IsSellerMixin, View):
    """Create (no ``pk``) or edit one of the seller's codes."""

    template_name = "seller_portal/discount_form.html"

    def get_instance(self):
        return DiscountCode(seller=self.request.user, created_by=self.request.user)

    def get_form(self, data=None):
        return DiscountCodeForm(data, instance=self.get_instance(), seller=self.request.user)

    def get(self, request, *args, **kwargs):
        form = self.get_form()
        return render(request, self.template_name, {"form": form, "discount": form.instance})

    def post(self, request, *args, **kwargs):
        form = self.get_form(request.POST)
        if form.is_valid():
            discount = form.save(commit=False)
            try:
                discounts.save_code(discount, form.cleaned_data["products"])
            except discounts.DiscountCodeTaken:
                form.add_error("code", _("That code was taken a moment ago. Try another."))
            else:
                messages.success(request, _("Discount code %(code)s is saved.") % {"code": discount.code})
                return redirect("seller_portal:discounts")
        return render(request, self.template_name, {"form": form, "discount": form.instance})


class DiscountEditView(SellerObjectMixin, DiscountFormView):
    model = DiscountCode

    def get_queryset(self):
        return super().get_queryset().with_usage()

    def get_instance(self):
        return self.get_object()


class DiscountActiveView(SellerObjectMixin, View):
    """POST ``active=1`` to activate a code, ``active=0`` to deactivate it."""

    model = DiscountCode
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        discount = discounts.set_active(self.get_object(), request.POST.get("active") == "1")
        if discount.active:
            messages.success(request, _("%(code)s is active again.") % {"code": discount.code})
        else:
            messages.success(request, _("%(code)s is deactivated: buyers can't use it.") % {"code": discount.code})
        return redirect("seller_portal:discounts")


class DiscountDeleteView(SellerObjectMixin, View):
    model = DiscountCode
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        discount = self.get_object()
        try:
            discounts.delete_code(discount)
        except discounts.DiscountInUse:
            messages.error(
                request,
                _("%(code)s was used, so its orders keep it: deactivate it instead.") % {"code": discount.code},
            )
        else:
            messages.success(request, _("%(code)s is deleted.") % {"code": discount.code})
        return redirect("seller_portal:discounts")


# SUPPORT TICKETS (/seller/support/)


class SellerTicketsMixin(IsSellerMixin):
    """The seller's side of a ticket page: the role guard, and the role, which scopes
    every lookup to tickets about the products they sell."""

    role = MessageRole.SELLER


class TicketInboxView(SellerTicketsMixin, tickets.TicketInboxView):
    pass


class TicketDetailView(SellerTicketsMixin, tickets.TicketThreadView):
    pass


class TicketCloseView(SellerTicketsMixin, tickets.TicketCloseView):
    pass


class TicketReopenView(SellerTicketsMixin, tickets.TicketReopenView):
    pass


class TicketEscalateView(SellerTicketsMixin, tickets.TicketEscalateView):
    pass


class TicketAttachmentView(SellerTicketsMixin, tickets.TicketAttachmentView):
    pass


# PUBLIC


@never_cache
@require_safe
def follow_short_link(request, code):
    """``/s/<code>/``: count the click and send the visitor to the product page (302).

    The target is the product page's own path on this site, never a URL from the
    request, so a short link cannot be made to point anywhere else. An unknown or
    disabled code, or a product that is not live, is a 404.
    """
    # HEAD (link previews checking where a link goes) is answered but not counted.
    product = services.follow_short_link(code, request.session, count=request.method == "GET")
    if product is None:
        raise Http404("No active short link with this code")
    url = product.get_url(request=request)
    if not url or not url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}):
        logger.warning("Short link %s: product #%s has no URL on this site", code, product.pk)
        raise Http404("The product is not reachable on this site")
    # The fragment tells the page's view counter (static/js/product_page.js) which link
    # was followed; browsers keep it through the redirect and never send it to a server,
    # so the product page stays one cached page for everyone.
    return HttpResponseRedirect(f"{url}#via={normalize_code(code)}")
