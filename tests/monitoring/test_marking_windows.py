"""Marking windows: the default last month of each quarter, a county's own windows for its places only, and the
rules for saving and deleting one (each refusal names its field and changes nothing; each change is audited)."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from engine import audit
from engine.errors import Conflict, Forbidden, InvalidData, NotFound
from engine.models import AuditEvent
from monitoring import marking_windows, places
from monitoring.models import MarkingWindow
from tests.conftest import CST

VILLAGE = "150223100201"
COUNTY = "150223000000"
OTHER_COUNTY, OTHER_VILLAGE = "150222000000", "150222100201"


@pytest.fixture
def other_county(session, tree):
    places.add_place(session, OTHER_COUNTY, "固阳县", "150000000000", "county")
    places.add_place(session, "150222100000", "金山镇", OTHER_COUNTY, "township")
    places.add_place(session, OTHER_VILLAGE, "红泥井村", "150222100000", "village")
    session.commit()


def _path(session, code: str) -> str:
    return places.get_place(session, code).path


def _add(session, actor, clock, place: str, opens_on: str, closes_on: str) -> MarkingWindow:
    return marking_windows.add_window(session, actor, {"place": place, "opens_on": opens_on, "closes_on": closes_on},
                                      clock.now())


@pytest.mark.parametrize(("day", "is_open"), [
    (date(2026, 12, 15), True), (date(2026, 11, 30), False), (date(2027, 3, 1), True),
    (date(2027, 3, 31), True), (date(2027, 4, 1), False), (date(2026, 6, 30), True), (date(2026, 9, 1), True),
])
def test_by_default_marking_is_open_in_the_last_month_of_each_quarter(session, tree, day, is_open):
    window = marking_windows.window_for(session, _path(session, VILLAGE), day)
    assert (window is not None) == is_open
    assert window is None or (window.default and window.contains(day))


def test_the_default_opens_next_in_the_quarters_last_month(session, tree):
    path = _path(session, VILLAGE)
    assert marking_windows.next_opening(session, path, date(2026, 11, 30)) == date(2026, 12, 1)
    assert marking_windows.next_opening(session, path, date(2026, 12, 15)) == date(2026, 12, 15)
    assert marking_windows.next_opening(session, path, date(2027, 1, 2)) == date(2027, 3, 1)


def test_a_county_window_overrides_the_default_for_its_villages_only(session, actors, other_county, clock):
    _add(session, actors["county"], clock, COUNTY, "2026-11-10", "2026-11-30")
    session.commit()
    ours, theirs = _path(session, VILLAGE), _path(session, OTHER_VILLAGE)
    assert marking_windows.window_for(session, ours, date(2026, 11, 30)).place_code == COUNTY
    assert marking_windows.window_for(session, ours, date(2026, 12, 15)) is None
    assert marking_windows.next_opening(session, ours, date(2026, 12, 1)) is None
    assert marking_windows.next_opening(session, ours, date(2026, 11, 1)) == date(2026, 11, 10)
    assert marking_windows.window_for(session, theirs, date(2026, 11, 30)) is None
    assert marking_windows.window_for(session, theirs, date(2026, 12, 15)).default


def test_the_nearest_place_with_windows_decides(session, actors, create_user, other_county, clock):
    region = create_user("qu", "region", "150000000000")
    _add(session, region, clock, "150000000000", "2026-10-01", "2026-10-31")
    _add(session, actors["county"], clock, COUNTY, "2026-11-10", "2026-11-30")
    session.commit()
    assert marking_windows.window_for(session, _path(session, VILLAGE), date(2026, 10, 15)) is None
    assert marking_windows.window_for(session, _path(session, OTHER_VILLAGE), date(2026, 10, 15)).place_code == \
        "150000000000"


@pytest.mark.parametrize(("opens_on", "closes_on", "field", "reason"), [
    ("2026-12-10", "2026-12-01", "closes_on", "结束日期不能早于开始日期"),
    ("2026-10-01", "2027-01-01", "closes_on", "窗口期最长 92 天"),
    ("2026-11-20", "2026-12-05", "opens_on", "与已有窗口期 2026-11-10 至 2026-11-30 重叠"),
    ("2026-11-01", "2026-11-10", "opens_on", "与已有窗口期 2026-11-10 至 2026-11-30 重叠"),
    ("2026-12-1", "2026-12-31", "opens_on", "开始日期应为日期，如 2026-12-01"),
    ("2026-12-01T00:00", "2026-12-31", "opens_on", "开始日期应为日期，如 2026-12-01"),
    ("2026-12-01", None, "closes_on", "结束日期必填"),
    ("0001-01-01", "2026-12-31", "opens_on", "开始日期应在2000年至2100年之间"),
    ("2026-12-01", "9999-12-31", "closes_on", "结束日期应在2000年至2100年之间"),
    ("2101-01-01", "2101-01-31", "opens_on", "开始日期应在2000年至2100年之间"),
    ("2026-02-01", "2026-03-01", "closes_on", "结束日期不能早于今天（2026-03-02）"),  # the clock's first day
])
def test_a_bad_window_is_refused_naming_its_field(session, actors, clock, opens_on, closes_on, field, reason):
    _add(session, actors["county"], clock, COUNTY, "2026-11-10", "2026-11-30")
    session.commit()
    with pytest.raises(InvalidData) as refused:
        _add(session, actors["county"], clock, COUNTY, opens_on, closes_on)
    assert refused.value.fields[field] == reason
    assert session.execute(select(func.count()).select_from(MarkingWindow)).scalar() == 1


def test_a_92_day_window_is_accepted(session, actors, clock):
    row = _add(session, actors["county"], clock, COUNTY, "2026-10-01", "2026-12-31")
    assert (row.closes_on - row.opens_on).days + 1 == 92


def test_windows_are_set_at_a_region_or_county_only(session, actors, clock):
    with pytest.raises(InvalidData) as refused:
        _add(session, actors["county"], clock, VILLAGE, "2026-12-01", "2026-12-31")
    assert refused.value.fields["place"] == "标注窗口期只能在自治区、盟市或旗县一级设置"


@pytest.mark.parametrize("role", ["village", "township"])
def test_a_village_or_township_may_not_set_windows(session, actors, clock, role):
    with pytest.raises(Forbidden):
        _add(session, actors[role], clock, COUNTY, "2026-12-01", "2026-12-31")


def test_another_countys_place_is_not_found(session, actors, other_county, clock):
    with pytest.raises(NotFound):
        _add(session, actors["county"], clock, OTHER_COUNTY, "2026-12-01", "2026-12-31")


def test_a_window_ending_today_is_accepted(session, actors, clock):
    row = _add(session, actors["county"], clock, COUNTY, "2026-02-01", "2026-03-02")
    assert row.closes_on == clock.now().date()


def test_unknown_fields_and_a_place_that_is_no_code_are_named(session, actors, clock):
    with pytest.raises(InvalidData) as refused:
        marking_windows.add_window(session, actors["county"], {
            "place": COUNTY, "opens_on": "2026-12-01", "closes_on": "2026-12-31", "created_by": "qu", "note": "x"},
            clock.now())
    assert refused.value.fields == {"created_by": "不能填写此项", "note": "不能填写此项"}
    for place, why in (({"a": 1}, "区划应为代码，如 150223000000"), ([COUNTY], "区划应为代码，如 150223000000"),
                       (150223000000, "区划应为代码，如 150223000000"), (None, "区划必填"), ("", "区划必填")):
        with pytest.raises(InvalidData) as refused:
            marking_windows.add_window(session, actors["county"], {
                "place": place, "opens_on": "2026-12-01", "closes_on": "2026-12-31"}, clock.now())
        assert refused.value.fields == {"place": why}
    with pytest.raises(InvalidData) as refused:
        marking_windows.add_window(session, actors["county"], {
            "place": COUNTY, "opens_on": "2026-12-01", "closes_on": "2026-12-31", "replace_default": "yes"},
            clock.now())
    assert refused.value.fields == {"replace_default": "应为 true 或 false"}
    assert session.execute(select(func.count()).select_from(MarkingWindow)).scalar() == 0


def test_without_cases_waiting_to_be_marked_a_window_replaces_today_s_default_at_once(session, actors, clock):
    """Nothing waits at 系统标注, so nothing to confirm (a waiting case: tests/web/test_risk_elimination.py)."""
    clock.set(datetime(2026, 12, 10, 9, tzinfo=CST))
    assert marking_windows.window_for(session, _path(session, VILLAGE), date(2026, 12, 10)).default
    _add(session, actors["county"], clock, COUNTY, "2027-03-01", "2027-03-31")
    assert marking_windows.window_for(session, _path(session, VILLAGE), date(2026, 12, 10)) is None


def _audited(session) -> list[tuple[str, str, datetime, dict]]:
    rows = session.execute(select(AuditEvent).where(AuditEvent.instance_id.is_(None),
                                                    AuditEvent.type.like("marking_window%"))
                           .order_by(AuditEvent.id)).scalars()
    return [(row.type, row.actor, row.at, row.detail) for row in rows]


def test_a_window_is_deleted_by_who_may_set_it_and_both_changes_are_audited(session, actors, create_user, clock):
    row = _add(session, actors["county"], clock, COUNTY, "2026-11-10", "2026-11-30")
    session.commit()
    detail = {"window": row.id, "place": COUNTY, "opens_on": "2026-11-10", "closes_on": "2026-11-30"}
    for role in ("village", "township"):
        with pytest.raises(Forbidden):
            marking_windows.delete_window(session, actors[role], row.id, clock.now())
    with pytest.raises(NotFound):
        marking_windows.delete_window(session, actors["county"], row.id + 1, clock.now())
    region = create_user("qu", "region", "150000000000")
    clock.set(datetime(2026, 11, 12, 9, tzinfo=CST))
    removed = marking_windows.delete_window(session, region, row.id, clock.now())  # a setter above the county
    session.commit()
    assert removed.id == row.id and session.execute(select(func.count()).select_from(MarkingWindow)).scalar() == 0
    assert marking_windows.window_for(session, _path(session, VILLAGE), date(2026, 12, 15)).default  # default again
    assert [(kind, actor, moment.astimezone(CST), found) for kind, actor, moment, found in _audited(session)] == [
        ("marking_window_added", "qi", datetime(2026, 3, 2, 9, tzinfo=CST), detail),
        ("marking_window_deleted", "qu", datetime(2026, 11, 12, 9, tzinfo=CST), detail)]
    assert audit.verify(session).broken_at is None  # on the global hash chain, as deployments are


def test_a_window_that_has_ended_is_kept(session, actors, clock):
    row = _add(session, actors["county"], clock, COUNTY, "2026-11-10", "2026-11-30")
    session.commit()
    clock.set(datetime(2026, 12, 1, 9, tzinfo=CST))
    with pytest.raises(Conflict, match="已结束"):
        marking_windows.delete_window(session, actors["county"], row.id, clock.now())
    assert session.execute(select(func.count()).select_from(MarkingWindow)).scalar() == 1


def test_another_countys_window_is_not_found_for_deleting(session, actors, create_user, other_county, clock):
    theirs = _add(session, create_user("qi2", "county", OTHER_COUNTY), clock, OTHER_COUNTY, "2026-11-10",
                  "2026-11-30")
    session.commit()
    with pytest.raises(NotFound):
        marking_windows.delete_window(session, actors["county"], theirs.id, clock.now())
