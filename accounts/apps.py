from django.apps import AppConfig
from wagtail.users.apps import WagtailUsersAppConfig


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"
    verbose_name = "Accounts"
    # This module also defines WagtailUsersConfig: say which config "accounts" means.
    default = True

    def ready(self):
        from catalogue.receivers import connect_all

        from . import (
            checks,  # noqa: F401  (registers the system checks)
            signal_handlers,
        )

        connect_all(signal_handlers.connections())


class WagtailUsersConfig(WagtailUsersAppConfig):
    """Wagtail's user admin (Settings -> Users) with our role fields (accounts/viewsets.py).

    Listed in INSTALLED_APPS instead of "wagtail.users", as Wagtail documents.
    """

    user_viewset = "accounts.viewsets.UserViewSet"
