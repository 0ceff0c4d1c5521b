"""A notice's period as a reader counts it: the days stated, first to last inclusive, are the days it runs."""

from datetime import date

from monitoring.models import Notice
from monitoring.notices import MIN_NOTICE_DAYS, period


def test_the_stated_days_counted_on_fingers_make_the_minimum_and_the_posting_day_is_not_one():
    notice = Notice(starts_on=date(2026, 12, 1), ends_on=date(2026, 12, 6))  # posted for 5 days; down after the 6th
    counted = period(notice)
    assert (counted.posted_on, counted.first_day, counted.last_day) == (date(2026, 12, 1), date(2026, 12, 2),
                                                                       date(2026, 12, 6))
    stated = [counted.first_day.replace(day=d) for d in range(counted.first_day.day, counted.last_day.day + 1)]
    assert counted.days == len(stated) == MIN_NOTICE_DAYS
