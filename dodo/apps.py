from django.apps import AppConfig


class DodoConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "dodo"
    verbose_name = "Dodo Payments"

    def ready(self):
        from . import checks  # noqa: F401  (registers system checks)
