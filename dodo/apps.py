from django.apps import AppConfig


class DodoConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "dodo"
    verbose_name = "Dodo Payments"

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_migrate, post_save, pre_delete
        from wagtail.signals import page_published, page_unpublished

        from catalogue.models import ProductPage

        from . import (
            checks,  # noqa: F401  (registers system checks)
            signal_handlers,
        )

        post_save.connect(
            signal_handlers.queue_dodo_customer_sync,
            sender=get_user_model(),
            dispatch_uid="dodo_queue_customer_sync",
        )
        post_save.connect(
            signal_handlers.queue_dodo_product_sync, sender=ProductPage, dispatch_uid="dodo_queue_product_sync"
        )
        page_published.connect(
            signal_handlers.queue_dodo_product_live_change, sender=ProductPage, dispatch_uid="dodo_product_published"
        )
        page_unpublished.connect(
            signal_handlers.queue_dodo_product_live_change, sender=ProductPage, dispatch_uid="dodo_product_unpublished"
        )
        pre_delete.connect(
            signal_handlers.queue_dodo_product_archive, sender=ProductPage, dispatch_uid="dodo_product_archive"
        )
        post_migrate.connect(
            signal_handlers.schedule_reconciliation, sender=self, dispatch_uid="dodo_schedule_reconciliation"
        )
