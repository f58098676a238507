from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogueConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "catalogue"
    verbose_name = _("Catalogue")

    def ready(self):
        from django.conf import settings
        from django.db.models.signals import post_delete, post_save, pre_save

        from . import checks  # noqa: F401  (registers the system checks)
        from . import signal_handlers as handlers
        from .models import ProductCategory, ProductPage

        pre_save.connect(handlers.fill_category_slug, sender=ProductCategory, dispatch_uid="catalogue_category_slug")
        pre_save.connect(handlers.fill_product_slug, sender=ProductPage, dispatch_uid="catalogue_product_slug")
        pre_save.connect(
            handlers.remember_stored_product_file, sender=ProductPage, dispatch_uid="catalogue_remember_file"
        )
        post_save.connect(
            handlers.remove_replaced_product_file, sender=ProductPage, dispatch_uid="catalogue_replaced_file"
        )
        post_delete.connect(
            handlers.remove_deleted_product_file, sender=ProductPage, dispatch_uid="catalogue_deleted_file"
        )
        post_save.connect(
            handlers.reindex_products_of_category, sender=ProductCategory, dispatch_uid="catalogue_reindex_category"
        )
        post_save.connect(
            handlers.reindex_products_of_seller,
            sender=settings.AUTH_USER_MODEL,
            dispatch_uid="catalogue_reindex_seller",
        )
