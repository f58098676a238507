"""Glue for django-axes, the brute-force lockout (configured in the settings' AUTH section)."""

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum


def get_lockout_username(request, credentials=None):
    """The account an attempt is counted against: the email, trimmed and lower-cased.

    Sign-in ignores case and surrounding spaces, so the lockout must too, or an attacker
    would get a fresh quota for every spelling of the same address. Axes calls this with
    the ``authenticate()`` credentials when it has them, else with the login request.
    """
    if credentials:
        username = credentials.get("username")
    else:
        username = getattr(request, "POST", {}).get("username")
    username = (username or "").strip().lower()
    return username or None


def get_client_ip(request):
    """The client's address, as the proxies in front of the app (``LOGIN_PROXY_COUNT``) saw it.

    Each proxy appends the address it received the request from to X-Forwarded-For
    (nginx's ``$proxy_add_x_forwarded_for``), so the entry that many places from the right
    is the client as seen by the outermost trusted proxy. Entries further left were
    written by the client and could be anything. Without proxies it is ``REMOTE_ADDR``.
    """
    proxies = settings.LOGIN_PROXY_COUNT
    if proxies:
        forwarded = [ip.strip() for ip in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if ip.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR")


class AccountAddressLockoutHandler(AxesDatabaseHandler):
    """Axes' database handler with two limits: per account and address, and per address.

    ``AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]`` counts failures for one
    account *from one address* against ``AXES_FAILURE_LIMIT``, so a stranger elsewhere
    cannot lock the owner out. One address guessing many accounts is stopped by a second,
    higher limit, ``AXES_IP_FAILURE_LIMIT``, on all its failures whatever the account.
    Axes takes one limit only, so this handler reports an address over its own limit as
    having reached ``AXES_FAILURE_LIMIT``: ``get_failures`` is the one method that both
    the lockout check and the "lock now" decision after a failure ask.

    The address count is read here, not through ``AXES_LOCKOUT_PARAMETERS``, so a
    successful sign-in (``AXES_RESET_ON_SUCCESS``) clears only that account's failures
    from that address: an attacker cannot reset the address count by signing in to an
    account of their own.
    """

    def get_failures(self, request, credentials=None):
        failures = super().get_failures(request, credentials)
        if self.get_address_failures(request) >= settings.AXES_IP_FAILURE_LIMIT:
            return max(failures, get_failure_limit(request, credentials))
        return failures

    def get_address_failures(self, request):
        """Failures from the request's address within the cool-off, against any account."""
        attempts = AccessAttempt.objects.filter(ip_address=request.axes_ip_address)
        if settings.AXES_COOLOFF_TIME is not None:
            attempts = attempts.filter(attempt_time__gte=get_cool_off_threshold(request))
        return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
