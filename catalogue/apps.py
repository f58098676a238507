from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogueConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "catalogue"
    verbose_name = _("Catalogue")

    def ready(self):
        from . import (
            checks,  # noqa: F401  (registers the system checks)
            signal_handlers,
        )
        from .receivers import connect_all

        connect_all(signal_handlers.connections())
