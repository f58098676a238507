"""The one date format for people (``catalogue.dates`` and its template filters)."""

import datetime
from zoneinfo import ZoneInfo

from django.template import Context, Template
from django.test import override_settings
from django.utils import timezone

from catalogue.dates import format_ago, format_day, format_day_time, iso

UTC = datetime.UTC


def utc(*args):
    return datetime.datetime(*args, tzinfo=UTC)


def test_day_has_no_leading_zero_and_a_short_month():
    assert format_day(datetime.date(2026, 12, 1)) == "1 Dec 2026"
    assert format_day(datetime.date(2026, 9, 30)) == "30 Sep 2026"
    assert format_day(utc(2026, 12, 1, 14, 33)) == "1 Dec 2026"


def test_day_time_uses_a_24_hour_clock():
    assert format_day_time(utc(2026, 12, 1, 14, 33, 59)) == "1 Dec 2026, 14:33"
    assert format_day_time(utc(2026, 12, 1, 9, 5)) == "1 Dec 2026, 09:05"
    assert format_day_time(utc(2026, 12, 1, 0, 0)) == "1 Dec 2026, 00:00"


def test_day_time_can_name_the_zone_for_emails():
    assert format_day_time(utc(2026, 12, 1, 14, 33), with_zone=True) == "1 Dec 2026, 14:33 UTC"
    with override_settings(TIME_ZONE="Europe/London"):
        assert format_day_time(utc(2026, 7, 1, 14, 33), with_zone=True) == "1 Jul 2026, 15:33 BST"
        assert render('{{ when|day_time:"zone" }}', when=utc(2026, 12, 1, 14, 33)) == "1 Dec 2026, 14:33 GMT"


def test_day_time_of_a_plain_date_is_the_day():
    assert format_day_time(datetime.date(2026, 12, 1)) == "1 Dec 2026"


def test_empty_values_give_an_empty_string():
    for fn in (format_day, format_day_time, format_ago, iso):
        assert fn(None) == ""
        assert fn("") == ""


def test_aware_datetimes_show_in_the_site_time_zone_across_midnight():
    late = utc(2026, 12, 1, 23, 30)
    assert format_day(late) == "1 Dec 2026"  # test settings: UTC
    with override_settings(TIME_ZONE="Europe/Berlin"):
        assert format_day(late) == "2 Dec 2026"
        assert format_day_time(late) == "2 Dec 2026, 00:30"
    with override_settings(TIME_ZONE="America/New_York"):
        assert format_day(utc(2026, 12, 2, 3, 0)) == "1 Dec 2026"


def test_an_activated_time_zone_wins_over_the_setting():
    with timezone.override(ZoneInfo("Asia/Kolkata")):
        assert format_day_time(utc(2026, 12, 1, 14, 33)) == "1 Dec 2026, 20:03"


def test_daylight_saving_changes_the_offset_not_the_format():
    with override_settings(TIME_ZONE="Europe/London"):
        # Clocks go forward at 01:00 UTC on 29 Mar 2026: 00:30 UTC is GMT, 01:30 UTC is BST.
        assert format_day_time(utc(2026, 3, 29, 0, 30)) == "29 Mar 2026, 00:30"
        assert format_day_time(utc(2026, 3, 29, 1, 30)) == "29 Mar 2026, 02:30"
        # Relative times count real elapsed time, not wall-clock difference.
        assert format_ago(utc(2026, 3, 29, 0, 30), now=utc(2026, 3, 29, 1, 30)) == "1 hour ago"


def test_naive_datetimes_are_read_in_the_site_time_zone():
    naive = datetime.datetime(2026, 12, 1, 14, 33)
    with override_settings(TIME_ZONE="Europe/Berlin"):
        assert format_day_time(naive) == "1 Dec 2026, 14:33"  # not shifted
        assert format_ago(naive, now=utc(2026, 12, 1, 13, 43)) == "10 minutes ago"  # 14:33 CET = 13:33 UTC
        assert iso(naive) == "2026-12-01T14:33:00+01:00"


def test_ago_boundaries_and_plural_forms():
    now = utc(2026, 12, 1, 14, 33)
    cases = [
        (datetime.timedelta(0), "just now"),
        (datetime.timedelta(seconds=59), "just now"),
        (datetime.timedelta(seconds=60), "1 minute ago"),
        (datetime.timedelta(seconds=119), "1 minute ago"),
        (datetime.timedelta(minutes=2), "2 minutes ago"),
        (datetime.timedelta(minutes=59, seconds=59), "59 minutes ago"),
        (datetime.timedelta(hours=1), "1 hour ago"),
        (datetime.timedelta(hours=2), "2 hours ago"),
        (datetime.timedelta(hours=23, minutes=59), "23 hours ago"),
    ]
    for delta, expected in cases:
        assert format_ago(now - delta, now=now) == expected, delta


def test_ago_says_yesterday_for_the_previous_local_day_then_shows_the_day():
    now = utc(2026, 12, 2, 23, 0)
    assert format_ago(utc(2026, 12, 1, 22, 0), now=now) == "yesterday"  # 25 hours ago
    assert format_ago(utc(2026, 12, 1, 0, 30), now=now) == "yesterday"
    assert format_ago(utc(2026, 11, 30, 23, 0), now=now) == "30 Nov 2026"
    # Yesterday is a local calendar day: at 00:30 Berlin on 3 Dec, 22:00 UTC on 1 Dec is
    # 23:00 on 1 Dec in Berlin, two days back.
    with override_settings(TIME_ZONE="Europe/Berlin"):
        assert format_ago(utc(2026, 12, 1, 22, 0), now=now) == "1 Dec 2026"


def test_ago_of_the_future_is_skew_then_an_absolute_time():
    now = utc(2026, 12, 1, 14, 33)
    assert format_ago(now + datetime.timedelta(seconds=30), now=now) == "just now"
    assert format_ago(now + datetime.timedelta(hours=2), now=now) == "1 Dec 2026, 16:33"


def test_ago_of_a_plain_date_is_the_day():
    assert format_ago(datetime.date(2026, 12, 1), now=utc(2026, 12, 5, 0, 0)) == "1 Dec 2026"


def test_ago_defaults_to_the_current_time():
    assert format_ago(timezone.now()) == "just now"


def render(source, **context):
    return Template("{% load dates %}" + source).render(Context(context))


def test_template_filters():
    when = utc(2026, 12, 1, 14, 33)
    assert render("{{ when|day }}", when=when) == "1 Dec 2026"
    assert render("{{ when|day_time }}", when=when) == "1 Dec 2026, 14:33"
    assert render("{{ missing|day }}|{{ missing|day_time }}|{{ missing|ago }}") == "||"


def test_ago_filter_is_a_time_element_with_the_exact_time_on_hover():
    when = timezone.now() - datetime.timedelta(minutes=5)
    html = render("{{ when|ago }}", when=when)
    assert html == (f'<time datetime="{iso(when)}" title="{format_day_time(when)}">5 minutes ago</time>')


def test_filters_convert_to_the_site_time_zone_once():
    with override_settings(TIME_ZONE="Europe/Berlin"):
        assert render("{{ when|day_time }}", when=utc(2026, 12, 1, 23, 30)) == "2 Dec 2026, 00:30"
