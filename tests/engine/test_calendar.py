"""Working days: the official Chinese calendar, the Monday–Friday fallback and the admin's overrides."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import chinese_calendar
import pytest

from engine import scripting
from engine.calendar import MAX_WORKING_DAYS, WorkingCalendar
from engine.clock import FrozenClock, using_clock
from engine.scripting import CHINA_TZ, calendar_source, working_deadline

SPRING_FESTIVAL = chinese_calendar.Holiday.spring_festival.value


def d(text: str) -> date:
    return date.fromisoformat(text)


def test_chinese_calendar_knows_the_2026_spring_festival_we_count_on():
    # 15–23 February 2026 are days off; Saturdays 14 and 28 February are make-up workdays
    for offset in range(9):
        day = date(2026, 2, 15) + timedelta(days=offset)
        assert chinese_calendar.get_holiday_detail(day) == (True, SPRING_FESTIVAL), day
        assert not chinese_calendar.is_workday(day)
    for day in (d("2026-02-14"), d("2026-02-28")):
        assert day.weekday() == 5
        assert chinese_calendar.get_holiday_detail(day) == (False, SPRING_FESTIVAL)
        assert chinese_calendar.is_workday(day)
    assert chinese_calendar.is_workday(d("2026-02-13")) and chinese_calendar.is_workday(d("2026-02-24"))


def test_chinese_calendar_does_not_know_2027():
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(d("2027-01-04"))


@pytest.mark.parametrize(("day", "working"), [
    ("2026-02-13", True),  # Friday before the festival
    ("2026-02-14", True),  # Saturday, make-up workday
    ("2026-02-15", False),  # Sunday, festival
    ("2026-02-16", False),  # Monday, festival
    ("2026-02-20", False),  # Friday, festival
    ("2026-02-23", False),  # Monday, last day of the festival
    ("2026-02-24", True),  # Tuesday, back to work
    ("2026-02-28", True),  # Saturday, make-up workday
    ("2026-03-01", False),  # ordinary Sunday
    ("2026-01-01", False),  # New Year's Day, a Thursday
    ("2026-01-04", True),  # Sunday, make-up workday for New Year
])
def test_the_official_2026_calendar_decides_working_days(day, working):
    assert WorkingCalendar().is_working_day(d(day)) is working


@pytest.mark.parametrize(("start", "n", "expected"), [
    ("2026-02-12", 1, "2026-02-13"),
    ("2026-02-13", 1, "2026-02-14"),  # the make-up Saturday counts
    ("2026-02-14", 1, "2026-02-24"),  # nine days of festival are skipped
    ("2026-02-12", 3, "2026-02-24"),  # 13th, 14th, 24th
    ("2026-02-16", 1, "2026-02-24"),  # counting from inside the festival
    ("2026-02-24", 4, "2026-02-28"),  # 25th, 26th, 27th, and the make-up Saturday
    ("2026-02-13", 10, "2026-03-05"),  # 14, 24–28 Feb, 2–5 Mar
    ("2026-02-27", 1, "2026-02-28"),
    ("2026-02-28", 1, "2026-03-02"),  # the ordinary Sunday 1 March is skipped
])
def test_working_days_are_counted_across_the_2026_spring_festival(start, n, expected):
    assert WorkingCalendar().add_working_days(d(start), n) == d(expected)


def test_the_start_day_itself_is_not_counted_and_zero_days_is_the_start():
    calendar = WorkingCalendar()
    assert calendar.add_working_days(d("2026-02-16"), 0) == d("2026-02-16")  # even on a holiday
    assert calendar.add_working_days(d("2026-03-02"), 1) == d("2026-03-03")


def test_a_start_may_be_a_datetime_or_an_iso_string():
    calendar = WorkingCalendar()
    assert calendar.add_working_days("2026-02-13", 1) == d("2026-02-14")
    assert calendar.add_working_days("2026-02-13T09:30:00+08:00", 1) == d("2026-02-14")
    assert calendar.add_working_days(datetime(2026, 2, 13, 9, 30), 1) == d("2026-02-14")


def test_a_timezone_aware_start_is_read_as_a_date_in_china_standard_time():
    # 23:00 UTC on Thursday 12 February is already Friday 13 February 07:00 in China
    start = datetime(2026, 2, 12, 23, 0, tzinfo=UTC)
    assert WorkingCalendar().add_working_days(start, 1) == d("2026-02-14")
    assert WorkingCalendar().add_working_days(start.isoformat(), 1) == d("2026-02-14")


def test_a_deadline_from_late_december_2026_runs_into_2027_on_weekdays():
    calendar = WorkingCalendar()
    # Mon 28 Dec: 29, 30, 31 Dec, then 2027 (unknown to chinese-calendar): Fri 1 Jan, Mon 4 Jan
    assert calendar.add_working_days(d("2026-12-28"), 5) == d("2027-01-04")
    assert calendar.add_working_days(d("2026-12-31"), 6) == d("2027-01-08")
    assert calendar.add_working_days(d("2027-01-08"), 1) == d("2027-01-11")


def test_years_unknown_to_chinese_calendar_fall_back_to_monday_to_friday():
    calendar = WorkingCalendar()
    week = [d("2027-01-04") + timedelta(days=i) for i in range(7)]  # Monday to Sunday
    assert [calendar.is_working_day(day) for day in week] == [True] * 5 + [False] * 2
    assert calendar.is_working_day(d("2003-12-31")) is True  # before the library's range too
    assert calendar.is_working_day(d("2003-12-27")) is False


def test_a_holiday_entered_by_an_admin_wins_over_the_official_calendar():
    calendar = WorkingCalendar({d("2026-03-03"): False, d("2026-02-28"): False})
    assert calendar.is_working_day(d("2026-03-03")) is False  # an official Tuesday workday
    assert calendar.is_working_day(d("2026-02-28")) is False  # an official make-up Saturday
    assert calendar.add_working_days(d("2026-02-27"), 2) == d("2026-03-04")


def test_a_make_up_workday_entered_by_an_admin_wins_over_the_official_calendar():
    calendar = WorkingCalendar({d("2026-02-16"): True, d("2026-03-07"): True})
    assert calendar.is_working_day(d("2026-02-16")) is True  # an official festival day
    assert calendar.is_working_day(d("2026-03-07")) is True  # an ordinary Saturday
    assert calendar.add_working_days(d("2026-02-14"), 1) == d("2026-02-16")
    assert calendar.add_working_days(d("2026-03-06"), 1) == d("2026-03-07")


def test_overrides_win_over_the_weekday_fallback_for_2027():
    # what an admin enters once the State Council publishes 2027: New Year's Day off, a make-up Saturday
    calendar = WorkingCalendar({d("2027-01-01"): False, d("2027-01-09"): True})
    assert calendar.add_working_days(d("2026-12-28"), 5) == d("2027-01-05")
    assert calendar.add_working_days(d("2027-01-08"), 1) == d("2027-01-09")
    assert calendar.is_working_day(d("2027-01-01")) is False
    assert calendar.is_working_day(d("2027-01-09")) is True


def test_the_calendar_keeps_its_own_copy_of_the_overrides():
    overrides = {d("2026-03-03"): False}
    calendar = WorkingCalendar(overrides)
    overrides[d("2026-03-03")] = True
    overrides[d("2026-03-04")] = False
    assert calendar.is_working_day(d("2026-03-03")) is False
    assert calendar.is_working_day(d("2026-03-04")) is True


@pytest.mark.parametrize("n", [-1, -10, 1.0, 1.5, "3", None, True, False, MAX_WORKING_DAYS + 1])
def test_a_number_of_working_days_must_be_a_whole_number_in_range(n):
    with pytest.raises(ValueError, match="working days"):
        WorkingCalendar().add_working_days(d("2026-03-02"), n)


def test_the_largest_allowed_number_of_working_days_is_accepted():
    end = WorkingCalendar().add_working_days(d("2026-03-02"), MAX_WORKING_DAYS)
    assert end > d("2040-01-01")


@pytest.mark.parametrize("start", [20260302, None, "not a date", "2026-02-30"])
def test_a_start_that_is_not_a_date_is_refused(start):
    with pytest.raises((TypeError, ValueError)):
        WorkingCalendar().add_working_days(start, 1)


# ---------------------------------------------------------------------------------------------
# The functions process expressions call


def test_working_deadline_is_midnight_china_time_after_the_nth_working_day():
    with calendar_source(WorkingCalendar):
        assert working_deadline("2026-02-13", 1) == "2026-02-15T00:00:00+08:00"
        assert working_deadline(d("2026-02-13"), 2) == "2026-02-25T00:00:00+08:00"
        assert working_deadline(d("2026-12-28"), 5) == "2027-01-05T00:00:00+08:00"
        deadline = datetime.fromisoformat(working_deadline(d("2026-02-12"), 3))
    assert deadline.utcoffset() == timedelta(hours=8)
    assert deadline.astimezone(UTC) == datetime(2026, 2, 24, 16, 0, tzinfo=UTC)


def test_working_deadline_refuses_bad_arguments():
    with calendar_source(WorkingCalendar):
        with pytest.raises(ValueError):
            working_deadline(d("2026-03-02"), -1)
        with pytest.raises(ValueError):
            working_deadline(d("2026-03-02"), 2.5)


def test_without_a_calendar_source_the_official_calendar_without_overrides_is_used():
    assert scripting.add_working_days(d("2026-02-13"), 2) == d("2026-02-24")
    assert scripting.working_deadline(d("2026-02-13"), 2) == "2026-02-25T00:00:00+08:00"


def test_today_is_the_date_in_china_standard_time_by_the_engine_clock():
    with using_clock(FrozenClock(datetime(2026, 2, 13, 16, 30, tzinfo=UTC))):
        assert scripting.today() == d("2026-02-14")  # 00:30 in Beijing
        assert scripting.now() == datetime(2026, 2, 13, 16, 30, tzinfo=UTC)
    with using_clock(FrozenClock(datetime(2026, 2, 13, 15, 59, tzinfo=UTC))):
        assert scripting.today() == d("2026-02-13")


def test_the_calendar_source_is_loaded_lazily_and_at_most_once():
    loads: list[int] = []

    def load() -> WorkingCalendar:
        loads.append(1)
        return WorkingCalendar({d("2026-03-02"): False})

    with using_clock(FrozenClock(datetime(2026, 2, 27, 9, 0, tzinfo=CHINA_TZ))), calendar_source(load):
        assert loads == []  # entering the block reads nothing
        assert scripting.today() == d("2026-02-27")
        assert scripting.now().year == 2026
        assert loads == []  # neither does a step that computes no deadline
        assert scripting.add_working_days(d("2026-02-28"), 1) == d("2026-03-03")  # the override is seen
        assert scripting.working_deadline(d("2026-02-28"), 1) == "2026-03-04T00:00:00+08:00"
        assert scripting.current_calendar().is_working_day(d("2026-03-02")) is False
        assert loads == [1]
    assert scripting.add_working_days(d("2026-02-28"), 1) == d("2026-03-02")  # the block is over
    assert loads == [1]


def test_a_calendar_source_that_is_never_needed_is_never_loaded():
    def load() -> WorkingCalendar:
        raise AssertionError("the calendar was loaded although no deadline was computed")

    with calendar_source(load):
        assert scripting.today() is not None


def test_nested_calendar_sources_each_load_once_and_the_outer_one_comes_back():
    outer_loads: list[int] = []
    inner_loads: list[int] = []

    def outer() -> WorkingCalendar:
        outer_loads.append(1)
        return WorkingCalendar({d("2026-03-02"): False})

    def inner() -> WorkingCalendar:
        inner_loads.append(1)
        return WorkingCalendar({d("2026-03-03"): False})

    with calendar_source(outer):
        assert scripting.add_working_days(d("2026-02-28"), 1) == d("2026-03-03")
        with calendar_source(inner):
            assert scripting.add_working_days(d("2026-02-28"), 1) == d("2026-03-02")
            assert scripting.add_working_days(d("2026-02-28"), 2) == d("2026-03-04")
        assert scripting.add_working_days(d("2026-02-28"), 2) == d("2026-03-04")
    assert outer_loads == [1]
    assert inner_loads == [1]


def test_a_calendar_source_is_not_seen_by_another_thread():
    results: dict[str, date] = {}

    def other_thread() -> None:
        results["other"] = scripting.add_working_days(d("2026-02-28"), 1)

    with calendar_source(lambda: WorkingCalendar({d("2026-03-02"): False})):
        thread = threading.Thread(target=other_thread)
        thread.start()
        thread.join()
        results["this"] = scripting.add_working_days(d("2026-02-28"), 1)
    assert results == {"other": d("2026-03-02"), "this": d("2026-03-03")}


def test_day_starts_is_midnight_china_time_when_the_day_begins():
    assert scripting.day_starts("2026-12-01") == "2026-12-01T00:00:00+08:00"
    assert scripting.day_starts(d("2027-01-01")) == "2027-01-01T00:00:00+08:00"
    began = datetime.fromisoformat(scripting.day_starts(datetime(2026, 11, 30, 17, 0, tzinfo=UTC)))
    assert began.astimezone(UTC) == datetime(2026, 11, 30, 16, 0, tzinfo=UTC)  # 1 Dec 01:00 CST is 1 Dec there
