from django.apps import AppConfig
from django.db.models.signals import post_save
from wagtail.users.apps import WagtailUsersAppConfig


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"
    verbose_name = "Accounts"
    # This module also defines WagtailUsersConfig: say which config "accounts" means.
    default = True

    def ready(self):
        from . import signal_handlers

        post_save.connect(
            signal_handlers.send_activation_email_to_new_user,
            sender=self.get_model("User"),
            dispatch_uid="accounts.send_activation_email_to_new_user",
        )
        # Support ticket emails (new ticket, replies, staff assignment).
        from . import support_notifications

        support_notifications.connect()

        from catalogue.signals import order_charged_back, order_paid, order_refunded

        order_paid.connect(signal_handlers.send_purchase_emails, dispatch_uid="accounts.send_purchase_emails")
        order_refunded.connect(signal_handlers.send_refund_emails, dispatch_uid="accounts.send_refund_emails")
        order_charged_back.connect(signal_handlers.send_chargeback_email, dispatch_uid="accounts.send_chargeback_email")


class WagtailUsersConfig(WagtailUsersAppConfig):
    """Wagtail's user admin (Settings -> Users) with our role fields (accounts/viewsets.py).

    Listed in INSTALLED_APPS instead of "wagtail.users", as Wagtail documents.
    """

    user_viewset = "accounts.viewsets.UserViewSet"
