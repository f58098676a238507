"""Sign-up, activation, sign-in and out, and the password views (all under /accounts/)."""

from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import FormView, TemplateView

from . import guest, services
from .exceptions import AccountError
from .forms import EmailAuthenticationForm, PasswordResetRequestForm, ResendActivationForm, SignUpForm

# Our own backend, named when we log a user in without a password (after activation):
# django-axes sits first in AUTHENTICATION_BACKENDS and cannot restore a session user.
LOGIN_BACKEND = "accounts.backends.EmailBackend"

SIGNUP_SESSION_KEY = "accounts_signup"


def home_url_for(user):
    """Where a signed-in person starts: the seller portal, the customer portal, or home."""
    if getattr(user, "is_seller", False):
        return reverse("seller_portal:dashboard")
    if getattr(user, "is_customer", False):
        return reverse("portal:home")
    return "/"


class RegisterView(FormView):
    """Sign-up: creates an inactive account; the activation email follows the commit.

    An address that already has an account gets the same answer, and nothing is created.
    """

    form_class = SignUpForm
    template_name = "accounts/register.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            if (
                request.GET.get("role") == services.ROLE_SELLER
                and request.user.is_customer
                and not request.user.is_seller
            ):
                # "Sell on Brightshelf" (headers, editors' home page blocks) for a customer: open a shop.
                return redirect("portal:open_shop")
            messages.info(request, _("You're already signed in as %(email)s.") % {"email": request.user.email})
            return redirect(home_url_for(request.user))
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        # "Sell on Brightshelf" links here with ?role=seller.
        role = self.request.GET.get("role")
        if role in (services.ROLE_CUSTOMER, services.ROLE_SELLER):
            return {"role": role}
        return {}

    def form_valid(self, form):
        data = form.cleaned_data
        # The same answer whether or not the address already has an account (its owner is
        # emailed instead), so sign-up cannot be used to find out who has one.
        signup = services.sign_up(
            email=data["email"],
            password=data["password1"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            role=data["role"],
            accepted_terms=data["accept_terms"],
        )
        self.request.session[SIGNUP_SESSION_KEY] = {
            "email": signup.email,
            "email_status": signup.email_status,
        }
        return redirect("accounts:register_done")


class RegisterDoneView(TemplateView):
    """ "Check your inbox", saying plainly if the email could not be sent."""

    template_name = "accounts/register_done.html"

    def get_context_data(self, **kwargs):
        signup = self.request.session.get(SIGNUP_SESSION_KEY) or {}
        return super().get_context_data(
            signup_email=signup.get("email"),
            email_failed=signup.get("email_status") == services.EMAIL_FAILED,
            email_sent=signup.get("email_status") == services.EMAIL_SENT,
            **kwargs,
        )


class ActivateView(View):
    """The link from the activation email: activates once, then signs the person in."""

    def get(self, request, uidb64, token):
        user = services.activate_user(uidb64, token)
        if user is None:
            return render(request, "accounts/activation_invalid.html", status=400)
        login(request, user, backend=LOGIN_BACKEND)
        request.session.pop(SIGNUP_SESSION_KEY, None)
        if user.is_seller:
            messages.success(request, _("Your account is active. Welcome to your seller portal!"))
        else:
            messages.success(request, _("Your account is active. Welcome!"))
        return redirect(home_url_for(user))


class ResendActivationView(FormView):
    """Ask for a new activation link. The answer is the same whether or not the address
    has an account waiting, so the page cannot be used to discover accounts."""

    form_class = ResendActivationForm
    template_name = "accounts/resend_activation.html"
    success_url = reverse_lazy("accounts:resend_activation")

    def get_initial(self):
        signup = self.request.session.get(SIGNUP_SESSION_KEY) or {}
        return {"email": self.request.GET.get("email") or signup.get("email", "")}

    def form_valid(self, form):
        services.resend_activation(form.cleaned_data["email"])
        messages.success(
            self.request,
            _(
                "If an account at %(email)s is waiting for activation, we've sent it a new link. "
                "It can take a few minutes to arrive; check your spam folder too."
            )
            % {"email": form.cleaned_data["email"]},
        )
        return super().form_valid(form)


class LoginView(auth_views.LoginView):
    """Sign-in by email. ``next`` is followed only when it is a path on this site
    (Django's ``url_has_allowed_host_and_scheme``); otherwise people land on their portal."""

    form_class = EmailAuthenticationForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        return home_url_for(self.request.user)


class LogoutView(auth_views.LogoutView):
    """Sign-out by POST only (Django's LogoutView answers GET with 405)."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, _("You've been logged out."))
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    """Any signed-in person, whatever their role, can change their password."""

    template_name = "accounts/password_change.html"

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("Your password has been changed."))
        return response

    def get_success_url(self):
        if self.request.user.is_customer:
            return reverse("portal:profile")
        return home_url_for(self.request.user)


class PasswordResetView(auth_views.PasswordResetView):
    """Same answer for known and unknown addresses; the email is sent by a task."""

    form_class = PasswordResetRequestForm
    template_name = "accounts/password_reset_form.html"
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's view: the token moves into the session, then a new password is chosen."""

    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


class SignInLinkView(View):
    """The link emailed after a purchase made with only an email (``accounts.guest``).

    GET only shows a "Open my library" button: mail scanners that open every link would
    otherwise spend a single-use link before its owner sees it. The POST signs in
    (activating an account made at checkout) and lands on the library.
    """

    def get(self, request, uidb64, token):
        user = guest.user_for_link(uidb64, token)
        if user is None:
            return render(request, "accounts/sign_in_link_invalid.html", status=400)
        return render(request, "accounts/sign_in_link.html", {"link_user": user})

    def post(self, request, uidb64, token):
        user = guest.user_for_link(uidb64, token)
        if user is None:
            return render(request, "accounts/sign_in_link_invalid.html", status=400)
        guest.sign_in_with_link(request, user)
        messages.success(request, _("You're signed in. Your purchases are here, ready to download."))
        return redirect("portal:products" if user.is_customer else home_url_for(user))


class SignInLinkRequestView(FormView):
    """Ask for a new sign-in link. The answer is the same whether or not the address has
    an account, so the page cannot be used to discover accounts."""

    form_class = ResendActivationForm
    template_name = "accounts/sign_in_link_request.html"
    success_url = reverse_lazy("accounts:sign_in_link_request")

    def form_valid(self, form):
        guest.request_sign_in_link(form.cleaned_data["email"])
        messages.success(
            self.request,
            _(
                "If %(email)s has purchases with us, we've sent it a sign-in link. "
                "It can take a few minutes to arrive; check your spam folder too."
            )
            % {"email": form.cleaned_data["email"]},
        )
        return super().form_valid(form)


class SetPasswordView(LoginRequiredMixin, FormView):
    """Choose a first password, for an account made by a purchase with only an email
    (signed in by link, it has none). One that has a password changes it instead."""

    form_class = SetPasswordForm
    template_name = "accounts/password_set.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.user.has_usable_password():
            return redirect("accounts:password_change")
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        form.save()
        # Changing the password ends other sessions; this one stays signed in.
        update_session_auth_hash(self.request, form.user)
        messages.success(self.request, _("Your password is set. Next time, sign in with your email and password."))
        return redirect("portal:products" if form.user.is_customer else home_url_for(form.user))


class EmailChangeConfirmView(LoginRequiredMixin, View):
    """The link sent to a new address; the change happens only here.

    Signing in is required, so following the link needs both the new inbox and the
    account's password.
    """

    def get(self, request, token):
        try:
            new_email = services.confirm_email_change(request.user, token)
        except AccountError as exc:
            return render(request, "accounts/email_change_invalid.html", {"error": exc.message}, status=400)
        messages.success(request, _("Your email address is now %(email)s.") % {"email": new_email})
        if request.user.is_customer:
            return redirect("portal:profile")
        return redirect(home_url_for(request.user))
