from django.apps import AppConfig


class SellerPortalConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "seller_portal"
    verbose_name = "Seller portal"
