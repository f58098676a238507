"""The marketplace's user: one account, signed in by email, with customer/seller roles."""

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class EmailUserManager(UserManager):
    """Creates users keyed by email; there is no separate username."""

    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        email = self.normalize_email(email).lower()
        user = self.model(email=email, **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        if extra_fields.get("is_staff") is not True or extra_fields.get("is_superuser") is not True:
            raise ValueError("A superuser must have is_staff=True and is_superuser=True.")
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, username):
        # Sign-in is case-insensitive on the address.
        return self.get(email__iexact=username)


class User(AbstractUser):
    """A person with an account.

    ``is_customer`` and ``is_seller`` are independent: a seller may also buy. Staff and
    editors are neither by default.
    """

    username = None
    email = models.EmailField(_("email address"), unique=True)
    is_customer = models.BooleanField(
        _("customer"), default=False, help_text=_("Can buy products and use the customer portal.")
    )
    is_seller = models.BooleanField(
        _("seller"), default=False, help_text=_("Can list products and use the seller portal.")
    )
    # Set by editors only (the users admin), never by the seller: what it allows is decided
    # by the features that read it (issue 17).
    is_trusted_seller = models.BooleanField(
        _("trusted seller"), default=False, help_text=_("A seller the marketplace has vetted. Only editors set this.")
    )

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = EmailUserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]

    def __str__(self):
        return self.get_full_name() or self.email

    def save(self, *args, **kwargs):
        if self.email:
            self.email = self.email.strip().lower()
        super().save(*args, **kwargs)

    @property
    def display_name(self):
        """What other people see: the full name, or the part of the email before @."""
        return self.get_full_name() or self.email.split("@", 1)[0]


class TermsAcceptance(models.Model):
    """A record that a person accepted a version of a legal document (kept, never edited).

    Written at sign-up (the terms) and when a customer opens a shop (the terms again, as
    a seller); ``version`` is the document's version when they accepted it, so a later
    change of the terms does not rewrite what was agreed.
    """

    class Document(models.TextChoices):
        TERMS = "terms", _("Terms of service")
        SELLER_TERMS = "seller_terms", _("Terms of service for sellers")

    user = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, related_name="terms_acceptances", verbose_name=_("user")
    )
    document = models.CharField(_("document"), max_length=20, choices=Document.choices)
    version = models.CharField(_("version"), max_length=40)
    accepted_at = models.DateTimeField(_("accepted"), auto_now_add=True)

    class Meta:
        verbose_name = _("terms acceptance")
        verbose_name_plural = _("terms acceptances")
        ordering = ["-accepted_at", "-pk"]

    def __str__(self):
        return f"{self.user_id} accepted {self.document} {self.version}"
