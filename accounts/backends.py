"""Authentication by email address."""

from django.contrib.auth.backends import ModelBackend


class EmailBackend(ModelBackend):
    """ModelBackend that looks the user up by email, case-insensitively.

    ``username`` is the email: Django's ``AuthenticationForm`` names its field that way.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        from django.contrib.auth import get_user_model

        User = get_user_model()
        email = username or kwargs.get(User.USERNAME_FIELD)
        if not email or password is None:
            return None
        try:
            user = User._default_manager.get(email__iexact=email.strip())
        except User.DoesNotExist:
            # Spend the same time as a real check, so timing does not reveal accounts.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
