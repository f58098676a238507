"""Local records of Dodo objects: which Dodo id belongs to which of ours, and how the
sync with Dodo stands.

Sync state lives here rather than on ``User``/``ProductPage`` so that the domain knows
nothing of Dodo, a sync never writes to (or creates revisions of) the objects people
edit, and the record of a deleted product survives long enough to archive it on Dodo.
"""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# A worker holds a record this long while it talks to Dodo; a crashed worker's lease
# simply runs out.
LEASE = timedelta(seconds=90)
# Retry backoff: 30 s, 1 min, 2 min, ... capped at 1 h.
RETRY_BASE_SECONDS = 30
RETRY_MAX_SECONDS = 3600
# A failure this recent means Dodo is down right now: a new change waits for the retry
# (which sends the latest values) instead of making people wait on another timeout.
FRESH_FAILURE = timedelta(seconds=30)


class SyncStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SYNCED = "synced", _("Synced")
    FAILED = "failed", _("Failed")


def retry_delay(attempts):
    """Seconds to wait before the next try after ``attempts`` failures."""
    return min(RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0), RETRY_MAX_SECONDS)


class SyncRecordQuerySet(models.QuerySet):
    def needing_sync(self):
        return self.exclude(sync_status=SyncStatus.SYNCED)

    def failed(self):
        return self.filter(sync_status=SyncStatus.FAILED)

    def due(self, now=None):
        """Records whose retry time has come (or that never failed)."""
        now = now or timezone.now()
        return self.needing_sync().filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))


class SyncRecord(models.Model):
    """How one of our objects stands with Dodo: pending, synced or failed, and why."""

    sync_status = models.CharField(
        _("sync status"), max_length=10, choices=SyncStatus.choices, default=SyncStatus.PENDING, db_index=True
    )
    sync_attempts = models.PositiveIntegerField(_("failed attempts"), default=0)
    sync_error = models.TextField(_("last error"), blank=True)
    synced_at = models.DateTimeField(_("last synced"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True, db_index=True)
    lease_until = models.DateTimeField(null=True, blank=True, editable=False)
    # What Dodo was last sent, so that saves that change nothing Dodo-facing send nothing.
    sent_fingerprint = models.CharField(max_length=64, blank=True, editable=False)
    # A create was sent at least once: before creating again, look for the first one.
    create_attempted = models.BooleanField(default=False, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SyncRecordQuerySet.as_manager()

    class Meta:
        abstract = True

    # Leases: a conditional UPDATE, so two workers never talk to Dodo for one record at once.
    def acquire_lease(self):
        now = timezone.now()
        claimed = (
            type(self)
            .objects.filter(pk=self.pk)
            .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
            .update(lease_until=now + LEASE)
        )
        return claimed == 1

    def release_lease(self):
        type(self).objects.filter(pk=self.pk).update(lease_until=None)

    def failed_just_now(self):
        """True right after a failed attempt, while its retry is still ahead."""
        now = timezone.now()
        return (
            self.sync_status == SyncStatus.FAILED
            and self.next_attempt_at is not None
            and self.next_attempt_at > now
            and self.updated_at is not None
            and now - self.updated_at < FRESH_FAILURE
        )

    def mark_pending(self):
        type(self).objects.filter(pk=self.pk).exclude(sync_status=SyncStatus.FAILED).update(
            sync_status=SyncStatus.PENDING
        )

    def record_success(self, **fields):
        fields.update(
            sync_status=SyncStatus.SYNCED, sync_attempts=0, sync_error="", synced_at=timezone.now(), next_attempt_at=None
        )
        type(self).objects.filter(pk=self.pk).update(**fields)
        for name, value in fields.items():
            setattr(self, name, value)

    def record_failure(self, error, **fields):
        attempts = self.sync_attempts + 1
        fields.update(
            sync_status=SyncStatus.FAILED,
            sync_attempts=attempts,
            sync_error=str(error)[:2000],
            next_attempt_at=timezone.now() + timedelta(seconds=retry_delay(attempts)),
        )
        type(self).objects.filter(pk=self.pk).update(**fields)
        for name, value in fields.items():
            setattr(self, name, value)

    def save_fields(self, **fields):
        """Persist a few fields at once without touching the rest of the row."""
        type(self).objects.filter(pk=self.pk).update(**fields)
        for name, value in fields.items():
            setattr(self, name, value)


class DodoCustomer(SyncRecord):
    """The Dodo customer of one user."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="dodo_customer", verbose_name=_("user")
    )
    customer_id = models.CharField(_("Dodo customer id"), max_length=64, unique=True, null=True, blank=True)

    class Meta:
        verbose_name = _("Dodo customer")
        verbose_name_plural = _("Dodo customers")

    def __str__(self):
        return f"{self.user} -> {self.customer_id or 'not yet on Dodo'}"


class DodoProduct(SyncRecord):
    """The Dodo product of one product page.

    ``page`` is set to NULL when the page is deleted, so the record (and with it the Dodo
    product id) survives until the product is archived on Dodo. ``page_key`` keeps our
    page id for good: it is the ``metadata.page_id`` that finds a product on Dodo again.
    """

    page = models.OneToOneField(
        "catalogue.ProductPage",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="dodo_product",
        verbose_name=_("product page"),
    )
    page_key = models.PositiveBigIntegerField(_("page id"), unique=True)
    title = models.CharField(_("title"), max_length=255, blank=True, help_text=_("The title last sent to Dodo."))
    product_id = models.CharField(_("Dodo product id"), max_length=64, unique=True, null=True, blank=True)
    archived = models.BooleanField(_("archived on Dodo"), default=False)

    class Meta:
        verbose_name = _("Dodo product")
        verbose_name_plural = _("Dodo products")

    def __str__(self):
        return f"{self.title or f'Page #{self.page_key}'} -> {self.product_id or 'not yet on Dodo'}"


class WebhookEventStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    PROCESSED = "processed", _("Processed")
    IGNORED = "ignored", _("Ignored (no handler)")
    FAILED = "failed", _("Failed")


class WebhookEvent(models.Model):
    """One webhook message from Dodo, stored once (by ``webhook-id``) after its signature
    was verified and before it is processed.

    Dodo delivers at least once and out of order; the unique ``webhook_id`` makes a
    repeated delivery a no-op, and a failure is recorded here (and answered with a 5xx
    so Dodo retries) instead of being lost. ``manage.py dodo_replay_webhooks`` replays
    failed events.
    """

    webhook_id = models.CharField(_("webhook id"), max_length=128, unique=True)
    event_type = models.CharField(_("type"), max_length=64, db_index=True)
    headers = models.JSONField(_("headers"), default=dict)
    body = models.TextField(_("raw body"))
    status = models.CharField(
        _("status"), max_length=10, choices=WebhookEventStatus.choices, default=WebhookEventStatus.RECEIVED, db_index=True
    )
    attempts = models.PositiveIntegerField(_("processing attempts"), default=0)
    error = models.TextField(_("last error"), blank=True)
    # Held by the delivery that is processing the event right now.
    lease_until = models.DateTimeField(null=True, blank=True, editable=False)
    received_at = models.DateTimeField(_("received"), auto_now_add=True)
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)

    class Meta:
        verbose_name = _("Dodo webhook event")
        verbose_name_plural = _("Dodo webhook events")
        ordering = ["-received_at"]

    def __str__(self):
        return f"{self.event_type} {self.webhook_id} ({self.status})"
