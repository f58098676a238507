"""Local records of Dodo objects: which Dodo id belongs to which of ours, and how the
sync with Dodo stands.

Sync state lives here rather than on ``User``/``ProductPage`` so that the domain knows
nothing of Dodo, a sync never writes to (or creates revisions of) the objects people
edit, and the record of a deleted product survives long enough to archive it on Dodo.
"""

import random
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
    # Dodo refused what we sent (400/422): sending it again gives the same answer, so
    # nothing is retried until the object changes.
    REJECTED = "rejected", _("Rejected by Dodo")


def current_environment():
    """The Dodo environment (``test_mode`` or ``live_mode``) this deployment talks to."""
    return settings.DODO_PAYMENTS_ENVIRONMENT


def retry_delay(attempts):
    """Seconds to wait before the next try after ``attempts`` failures: 30 s doubling to
    1 h, less up to 20 % jitter so that records that failed together do not retry in
    lockstep."""
    delay = min(RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0), RETRY_MAX_SECONDS)
    return delay * (1 - 0.2 * random.random())  # noqa: S311 - jitter, not cryptography


class SyncRecordQuerySet(models.QuerySet):
    def in_other_environment(self):
        """Records whose Dodo id belongs to another environment than the current one."""
        return self.exclude(environment=current_environment())

    def needing_sync(self):
        """Not synced, or synced in another environment (its ids are useless here).

        Rejected records wait for a change of the object (the receivers queue those).
        """
        return self.filter(
            ~Q(sync_status__in=[SyncStatus.SYNCED, SyncStatus.REJECTED]) | ~Q(environment=current_environment())
        )

    def failed(self):
        return self.filter(sync_status=SyncStatus.FAILED)

    def rejected(self):
        return self.filter(sync_status=SyncStatus.REJECTED)

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
    # The Dodo environment the id and state above belong to. Dodo's test_mode and
    # live_mode hold separate objects: after a switch the record syncs again, and the
    # ids it had elsewhere wait in ``ids_by_environment`` for a switch back.
    environment = models.CharField(_("Dodo environment"), max_length=10, blank=True, db_index=True)
    ids_by_environment = models.JSONField(default=dict, blank=True, editable=False)
    # What was sent when Dodo rejected it: the same values are not sent again.
    rejected_fingerprint = models.CharField(max_length=64, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    #: The name of the Dodo id field on the concrete model.
    id_field = ""

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
            sync_status=SyncStatus.SYNCED,
            sync_attempts=0,
            sync_error="",
            synced_at=timezone.now(),
            next_attempt_at=None,
        )
        type(self).objects.filter(pk=self.pk).update(**fields)
        for name, value in fields.items():
            setattr(self, name, value)

    def record_failure(self, error, *, not_before=None, **fields):
        """A failed attempt: retried with backoff, never before ``not_before`` (seconds)."""
        attempts = self.sync_attempts + 1
        delay = max(retry_delay(attempts), not_before or 0)
        fields.update(
            sync_status=SyncStatus.FAILED,
            sync_attempts=attempts,
            sync_error=str(error)[:2000],
            next_attempt_at=timezone.now() + timedelta(seconds=delay),
        )
        self.save_fields(**fields)

    def record_rejection(self, error, wanted_fingerprint):
        """Dodo refused these values: keep its message, retry only once they change."""
        self.save_fields(
            sync_status=SyncStatus.REJECTED,
            sync_attempts=self.sync_attempts + 1,
            sync_error=str(error)[:2000],
            next_attempt_at=None,
            rejected_fingerprint=wanted_fingerprint,
        )

    def use_environment(self, environment):
        """Point the record at ``environment``'s Dodo object, keeping the other one's id.

        Answers True when it switched: the id becomes the one this record had in that
        environment before (or none, so a create follows), and the fingerprint is
        cleared, so the current values are sent there instead of trusting the other
        environment's copy.
        """
        if self.environment == environment:
            return False
        ids = dict(self.ids_by_environment or {})
        current_id = getattr(self, self.id_field)
        if self.environment and current_id:
            ids[self.environment] = current_id
        new_id = ids.pop(environment, None)
        fields = {
            self.id_field: None,
            "environment": environment,
            "ids_by_environment": ids,
            "sent_fingerprint": "",
            "rejected_fingerprint": "",
            "create_attempted": False,
            "sync_status": SyncStatus.PENDING,
            "sync_attempts": 0,
            "next_attempt_at": None,
        }
        # Ids are unique: free the old one before another record could ever want it.
        self.save_fields(**fields)
        if new_id:
            self.save_fields(**{self.id_field: new_id})
        return True

    def known_ids(self):
        """Every Dodo id this record has held, in any environment."""
        ids = set((self.ids_by_environment or {}).values())
        current_id = getattr(self, self.id_field)
        if current_id:
            ids.add(current_id)
        return ids

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

    id_field = "customer_id"

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

    id_field = "product_id"

    class Meta:
        verbose_name = _("Dodo product")
        verbose_name_plural = _("Dodo products")

    def __str__(self):
        return f"{self.title or f'Page #{self.page_key}'} -> {self.product_id or 'not yet on Dodo'}"


class DodoDiscount(SyncRecord):
    """The Dodo discount of one discount code.

    ``code`` is set to NULL when the code is deleted, so the record (and with it the Dodo
    discount id) survives until the discount is deleted on Dodo; ``code_key`` keeps our
    code's id for good. A deactivated code, or one whose products are not on Dodo yet,
    has no Dodo discount (``discount_id`` empty): Dodo would otherwise accept it.
    """

    code = models.OneToOneField(
        "catalogue.DiscountCode",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="dodo_discount",
        verbose_name=_("discount code"),
    )
    code_key = models.PositiveBigIntegerField(_("discount code id"), unique=True)
    code_text = models.CharField(_("code"), max_length=32, blank=True, help_text=_("The code last sent to Dodo."))
    discount_id = models.CharField(_("Dodo discount id"), max_length=64, unique=True, null=True, blank=True)
    # Dodo counts a discount's uses from its creation; a code deactivated (deleted on
    # Dodo) and activated again is a new Dodo discount, so its usage limit there is what
    # was left of ours when it was created.
    uses_at_create = models.PositiveIntegerField(default=0, editable=False)

    id_field = "discount_id"

    class Meta:
        verbose_name = _("Dodo discount")
        verbose_name_plural = _("Dodo discounts")

    def __str__(self):
        return f"{self.code_text or f'Code #{self.code_key}'} -> {self.discount_id or 'not on Dodo'}"


class WebhookEventStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    PROCESSED = "processed", _("Processed")
    IGNORED = "ignored", _("Ignored (no handler)")
    FAILED = "failed", _("Failed")
    # Signed by Dodo but not usable (malformed data, another business): kept with the
    # reason, answered 400.
    REJECTED = "rejected", _("Rejected")
    # A payment (or its refund or dispute) that no order of ours knows: kept for the
    # editors, acknowledged to Dodo.
    UNMATCHED = "unmatched", _("Unmatched")


# Outcomes that are final: a repeated delivery is acknowledged without processing.
SETTLED_EVENT_STATUSES = (WebhookEventStatus.PROCESSED, WebhookEventStatus.IGNORED, WebhookEventStatus.UNMATCHED)


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
        _("status"),
        max_length=10,
        choices=WebhookEventStatus.choices,
        default=WebhookEventStatus.RECEIVED,
        db_index=True,
    )
    attempts = models.PositiveIntegerField(_("processing attempts"), default=0)
    error = models.TextField(_("last error"), blank=True)
    # Held by the delivery that is processing the event right now.
    lease_until = models.DateTimeField(null=True, blank=True, editable=False)
    # The Dodo object the event is about, for lookups (payment id, and refund or dispute id).
    payment_id = models.CharField(_("Dodo payment"), max_length=64, blank=True, db_index=True)
    object_id = models.CharField(_("Dodo object"), max_length=64, blank=True)
    # "webhook" for deliveries; "reconciliation" for what reconciliation found that the
    # webhooks missed (stored as events so both take the same path).
    source = models.CharField(_("source"), max_length=16, default="webhook")
    received_at = models.DateTimeField(_("received"), auto_now_add=True)
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)

    class Meta:
        verbose_name = _("Dodo webhook event")
        verbose_name_plural = _("Dodo webhook events")
        ordering = ["-received_at"]

    def __str__(self):
        return f"{self.event_type} {self.webhook_id} ({self.status})"


class ApiHealth(models.Model):
    """Whether our API key works, per Dodo environment: set by a 401/403, cleared by the
    next call that succeeds. The Dodo sync report shows it to editors, and while it is
    set, retries wait an hour instead of hammering Dodo with a key it refuses."""

    environment = models.CharField(max_length=10, unique=True)
    auth_failed_at = models.DateTimeField(null=True, blank=True)
    auth_error = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Dodo API health")
        verbose_name_plural = _("Dodo API health")

    def __str__(self):
        return f"{self.environment}: {'key refused' if self.auth_failed_at else 'ok'}"

    # Retries wait this long while Dodo refuses our key: only a person can fix it.
    AUTH_RETRY_SECONDS = 3600

    @classmethod
    def current(cls):
        """This environment's row, or None when no key was ever refused."""
        return cls.objects.filter(environment=current_environment()).first()

    @classmethod
    def auth_failing(cls):
        return cls.objects.filter(environment=current_environment(), auth_failed_at__isnull=False).exists()

    @classmethod
    def record_auth_failure(cls, error):
        row, _ = cls.objects.get_or_create(environment=current_environment())
        cls.objects.filter(pk=row.pk, auth_failed_at__isnull=True).update(auth_failed_at=timezone.now())
        cls.objects.filter(pk=row.pk).update(auth_error=str(error)[:2000])

    @classmethod
    def record_success(cls):
        """A call succeeded: the key works (one cheap UPDATE that usually matches nothing)."""
        cls.objects.filter(environment=current_environment(), auth_failed_at__isnull=False).update(
            auth_failed_at=None, auth_error=""
        )


class ReconcileCheckpoint(models.Model):
    """How far reconciliation has read Dodo's payments and refunds, per environment.

    Each run reads what Dodo created since a little before ``checked_until`` (payments
    still processing at the last run are read again), applies what our webhooks missed,
    then moves ``checked_until`` to the time the run started. When runs are due is the
    task workers' schedule (``TASK_SCHEDULE["dodo-reconcile"]``), not this row's.
    """

    environment = models.CharField(max_length=10, unique=True)
    checked_until = models.DateTimeField(null=True, blank=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_result = models.TextField(blank=True)
    lease_until = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("Dodo reconciliation checkpoint")
        verbose_name_plural = _("Dodo reconciliation checkpoints")

    def __str__(self):
        return f"{self.environment}: checked until {self.checked_until or 'never'}"
