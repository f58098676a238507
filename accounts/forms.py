"""Account forms: they validate; the services in ``services.py`` do the work."""

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, BaseUserCreationForm, PasswordResetForm
from django.utils.translation import gettext_lazy as _

from . import services
from .terms import terms_link_help

User = get_user_model()

# One message for every failed sign-in (wrong password, unknown address, account not yet
# activated), so the login form never tells a stranger whether an address has an account.
INVALID_LOGIN_MESSAGE = _(
    "That email and password don't match an account you can sign in to. Check both and try again. "
    "New here? Activate your account from the email we sent first."
)


class EmailAuthenticationForm(AuthenticationForm):
    """Django's ``AuthenticationForm``, signing in by email.

    ``authenticate()`` gets the request, which django-axes needs to count failures.
    """

    username = forms.EmailField(
        label=_("Email"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": INVALID_LOGIN_MESSAGE,
        # Inactive accounts never authenticate (the backend refuses them); same words anyway.
        "inactive": INVALID_LOGIN_MESSAGE,
    }


class SignUpForm(BaseUserCreationForm):
    """Name, email, password twice, and the role. Only these fields are read from the POST."""

    ROLE_CHOICES = [
        (services.ROLE_CUSTOMER, _("I want to buy digital products")),
        (services.ROLE_SELLER, _("I want to sell my work (you can buy too)")),
    ]

    role = forms.ChoiceField(
        label=_("Account type"),
        choices=ROLE_CHOICES,
        initial=services.ROLE_CUSTOMER,
        widget=forms.RadioSelect,
    )
    accept_terms = forms.BooleanField(
        label=_("I accept the terms of service"),
        error_messages={"required": _("Please accept the terms of service to create your account.")},
    )

    class Meta:
        model = User
        fields = ("first_name", "last_name", "email")
        labels = {"email": _("Email")}
        widgets = {
            "first_name": forms.TextInput(attrs={"autocomplete": "given-name"}),
            "last_name": forms.TextInput(attrs={"autocomplete": "family-name"}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["first_name"].required = True
        self.fields["first_name"].widget.attrs["autofocus"] = True
        self.fields["email"].widget.attrs.pop("autofocus", None)
        self.fields["password1"].label = _("Password")
        # Django's list of every validator is long; one line reads better above errors.
        self.fields["password1"].help_text = _(
            "At least 8 characters. Avoid common passwords and ones that look like your name or email."
        )
        self.fields["password2"].label = _("Confirm password")
        self.fields["password2"].help_text = ""
        self.fields["accept_terms"].help_text = terms_link_help()

    def validate_password_for_user(self, user, password_field_name="password1"):  # noqa: S107 (a field name)
        # Django reports a weak password on the confirmation field; it belongs next to
        # the password itself.
        super().validate_password_for_user(user, password_field_name=password_field_name)

    def clean_email(self):
        return services.normalize_email(self.cleaned_data["email"])

    def _get_validation_exclusions(self):
        # Whether the address already has an account is never a form error: that would tell
        # a stranger which addresses have accounts. ``services.sign_up()`` answers the same
        # either way, so the model's unique field and constraint are not checked here (the
        # form field still checks the address's format and length).
        exclusions = super()._get_validation_exclusions()
        exclusions.add("email")
        return exclusions

    def save(self, commit=True):
        """Refused: ``services.sign_up()`` creates the account (inactive, with its role)."""
        raise NotImplementedError("Use accounts.services.sign_up() with form.cleaned_data.")


class OpenShopForm(forms.Form):
    """A customer opening a shop: the seller terms to accept, and the shop's name."""

    shop_name = forms.CharField(
        label=_("Shop name"),
        max_length=80,
        required=False,
        help_text=_("Shown on your storefront and products. Leave it empty to sell under your own name."),
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    accept_seller_terms = forms.BooleanField(
        label=_("I accept the terms of service for sellers"),
        error_messages={"required": _("Please accept the terms for sellers to open your shop.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["accept_seller_terms"].help_text = terms_link_help()


class ResendActivationForm(forms.Form):
    email = forms.EmailField(
        label=_("Email"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )


class PasswordResetRequestForm(PasswordResetForm):
    """Django's reset form; the email is sent by a task, with links built from SITE_URL."""

    def save(self, **kwargs):
        """Queue the reset emails. The view's email options are unused: the task owns the email."""
        services.send_password_reset(self.cleaned_data["email"])


class ProfileForm(forms.ModelForm):
    """The name. A ModelForm only saves the fields it lists, so a forged ``is_staff``,
    ``is_seller`` or ``email`` in the POST is ignored."""

    class Meta:
        model = User
        fields = ["first_name", "last_name"]
        widgets = {
            "first_name": forms.TextInput(attrs={"autocomplete": "given-name"}),
            "last_name": forms.TextInput(attrs={"autocomplete": "family-name"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["first_name"].required = True


class EmailChangeForm(forms.Form):
    """A new address, confirmed with the current password (so an unattended session
    cannot redirect the account's email, and with it password resets)."""

    new_email = forms.EmailField(
        label=_("New email address"),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password = forms.CharField(
        label=_("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_new_email(self):
        email = services.normalize_email(self.cleaned_data["new_email"])
        if email == self.user.email:
            raise forms.ValidationError(_("This is already your email address."), code="same_email")
        if services.email_in_use(email, exclude_user=self.user):
            # The person is signed in, so saying the address is in use reveals little;
            # the login and reset forms never say it.
            raise forms.ValidationError(_("Another account already uses this email address."), code="email_taken")
        return email

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("Your current password is not correct."), code="password_incorrect")
        return password
