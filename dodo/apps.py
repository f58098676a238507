from django.apps import AppConfig


class DodoConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "dodo"
    verbose_name = "Dodo Payments"

    def ready(self):
        from catalogue.extensions import register_product_sync_provider
        from catalogue.receivers import connect_all

        from . import (
            checks,  # noqa: F401  (registers system checks)
            signal_handlers,
        )
        from .status import DodoProductSyncProvider

        # The catalogue's listings show each product's Dodo state through this.
        register_product_sync_provider(DodoProductSyncProvider())

        connect_all(signal_handlers.connections())
