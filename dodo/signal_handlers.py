"""Receivers that keep Dodo in step with the marketplace.

They run for every path (Wagtail admin, portals, shell, data migrations), return early on
fixture loading (``raw``), decide whether Dodo needs to hear about the change, and
enqueue a task after the commit. They never call Dodo themselves.
"""

from . import sync, tasks
from .models import DodoCustomer


def queue_dodo_customer_sync(sender, instance, created, raw=False, **kwargs):
    """A new user gets a Dodo customer; a changed email or name is sent to it."""
    if raw:
        return
    if created:
        DodoCustomer.objects.get_or_create(user=instance)
        tasks.enqueue_on_commit(tasks.sync_customer, instance.pk)
        return
    update_fields = kwargs.get("update_fields")
    if update_fields is not None and not {"email", "first_name", "last_name"} & set(update_fields):
        return  # e.g. last_login, password: nothing Dodo holds
    if sync.customer_needs_sync(instance):
        tasks.enqueue_on_commit(tasks.sync_customer, instance.pk)
