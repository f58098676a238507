"""Dates for people: the one place that decides how a date or a time reads on the site.

Every page, email and admin column shows dates through these three functions (or their
template filters in ``catalogue.templatetags.dates``), so a buyer sees the same format
everywhere:

* ``format_day``       -> ``"1 Dec 2026"``
* ``format_day_time``  -> ``"1 Dec 2026, 14:33"`` (24-hour clock)
* ``format_ago``       -> ``"just now"``, ``"5 minutes ago"``, ``"3 hours ago"``,
  ``"yesterday"``, then ``"1 Dec 2026"``

Aware datetimes are shown in the current time zone (``settings.TIME_ZONE`` unless a view
activated another), so an order paid at 23:30 UTC on 1 December reads "2 Dec 2026" in
Berlin. Naive datetimes are taken to be in that time zone already (Django's convention
for naive values). ``None`` and empty values give ``""`` so templates need no guards.

Machine formats stay ISO and do not come through here: ``datetime=`` attributes, CSV
exports, HTTP headers and file names.
"""

import datetime

from django.utils import dateformat, timezone
from django.utils.translation import gettext, ngettext

DAY_FORMAT = "j M Y"  # 1 Dec 2026: no leading zero, three-letter month
TIME_FORMAT = "H:i"  # 14:33: 24-hour clock, so no am/pm ambiguity for buyers abroad


def _local(value):
    """``value`` as a datetime or date in the current time zone, ready to format."""
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


def _aware(value):
    """An aware datetime for arithmetic; a naive one is read in the current time zone."""
    if timezone.is_naive(value):
        return timezone.make_aware(value)
    return value


def format_day(value):
    """``date(2026, 12, 1)`` or a datetime -> ``"1 Dec 2026"``; ``None`` -> ``""``."""
    if not value:
        return ""
    return dateformat.format(_local(value), DAY_FORMAT)


def format_day_time(value, with_zone=False):
    """A datetime -> ``"1 Dec 2026, 14:33"`` in local time; a plain date -> ``"1 Dec 2026"``
    (it has no time to show); ``None`` -> ``""``.

    ``with_zone`` adds the zone's abbreviation (``"1 Dec 2026, 14:33 UTC"``) for emails,
    which are read in the reader's time zone rather than the site's.
    """
    if not value:
        return ""
    if not isinstance(value, datetime.datetime):
        return format_day(value)
    local = _local(value) if timezone.is_aware(value) else timezone.make_aware(value)
    text = f"{dateformat.format(local, DAY_FORMAT)}, {dateformat.format(local, TIME_FORMAT)}"
    if with_zone:
        text = f"{text} {dateformat.format(local, 'T')}"
    return text


def format_ago(value, now=None):
    """How long ago ``value`` was, for activity lists and "last updated" lines.

    Under a minute: "just now" (also for times up to a minute ahead, which is clock skew
    between machines); under an hour: "N minutes ago"; under 24 hours: "N hours ago";
    more than 24 hours ago but on the previous local calendar day: "yesterday"; older:
    the day ("1 Dec 2026"). A time further in the future is not "ago": it shows as
    ``format_day_time``. A plain date shows as ``format_day``. ``None`` -> ``""``.
    """
    if not value:
        return ""
    if not isinstance(value, datetime.datetime):
        return format_day(value)
    now = _aware(now) if now is not None else timezone.now()
    value = _aware(value)
    seconds = (now - value).total_seconds()
    if seconds < -60:
        return format_day_time(value)
    if seconds < 60:
        return gettext("just now")
    if seconds < 3600:
        minutes = int(seconds // 60)
        return ngettext("%(count)d minute ago", "%(count)d minutes ago", minutes) % {"count": minutes}
    if seconds < 86400:
        hours = int(seconds // 3600)
        return ngettext("%(count)d hour ago", "%(count)d hours ago", hours) % {"count": hours}
    if timezone.localtime(value).date() == timezone.localtime(now).date() - datetime.timedelta(days=1):
        return gettext("yesterday")
    return format_day(value)


def iso(value):
    """The machine form for ``<time datetime="...">``: ISO 8601 with offset for an aware
    datetime, ``YYYY-MM-DD`` for a date; ``None`` -> ``""``."""
    if not value:
        return ""
    if isinstance(value, datetime.datetime):
        return _aware(value).isoformat(timespec="seconds")
    return value.isoformat()
