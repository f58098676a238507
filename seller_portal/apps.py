from django.apps import AppConfig


class SellerPortalConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "seller_portal"
    verbose_name = "Seller portal"

    def ready(self):
        from catalogue.receivers import connect_all

        from . import (
            checks,  # noqa: F401  (registers the system checks)
            signal_handlers,
        )

        connect_all(signal_handlers.connections())
