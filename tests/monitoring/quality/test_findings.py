"""The findings' queries pages and the API read, on both databases: scoped by the actor (404 outside, nothing for a
line department), counted by rule and by child place, and a household's open then recently closed findings."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from engine.errors import InvalidData, NotFound
from engine.paging import Window
from monitoring import places
from monitoring.models import Household
from monitoring.quality import findings
from monitoring.quality.catalogue import CHECKS, Check, Severity, Trip
from monitoring.quality.records import live_households
from monitoring.quality.runner import run_checks
from tests.monitoring.quality.households import AT, only_checks, scope, too_soon
from tests.monitoring.quality.test_runner import OTHER_VILLAGE_PATH


@pytest.fixture(autouse=True)
def q101_and_a_warning(monkeypatch, session):
    """Q101, and Q998: a warning on every household whose group is "warn"."""
    only_checks(monkeypatch, "Q101")

    def warned(session_, scope_):
        rows = session_.execute(select(Household.id).where(live_households(scope_), Household.group_name == "warn"))
        return [Trip(household_id, {"group": "warn"}) for household_id in rows.scalars()]

    monkeypatch.setitem(CHECKS, "Q998", Check("Q998", Severity.WARNING, "试验提示", "小组 {group}", ("group_name",),
                                              "试验", warned))


@pytest.fixture
def found(session, tree, create_user):
    """Two findings in the first village (an error and a warning), one error in the other township's village."""
    first = too_soon(session, group_name="warn")
    other = too_soon(session, village_code="150223200201", place_path=OTHER_VILLAGE_PATH)
    run_checks(session, scope(), "county", AT)
    session.commit()
    return first, other


def test_counts_by_rule_and_by_place_are_of_open_findings_in_the_actor_s_scope(session, found, create_user):
    county = create_user("qi", "county", "150223000000")
    village = create_user("cun", "village", "150223100201")
    assert findings.counts_by_rule(session, county, None) == [("Q101", "error", 2), ("Q998", "warning", 1)]
    assert findings.counts_by_rule(session, village, None) == [("Q101", "error", 1), ("Q998", "warning", 1)]
    assert findings.counts_by_rule(session, county, "150223200000") == [("Q101", "error", 1)]
    assert findings.counts_by_place(session, county, None) == [
        ("150223100000", "百灵庙镇", 1, 1), ("150223200000", "查干哈达苏木", 1, 0)]
    assert findings.counts_by_place(session, county, "150223100000") == [
        ("150223100201", "艾力嘎查", 1, 1), ("150223100202", "新宝力格嘎查", 0, 0)]
    with pytest.raises(NotFound):
        findings.counts_by_place(session, village, "150223200201")


def test_a_place_outside_the_actor_s_scope_is_404_and_a_department_sees_none(session, found, create_user):
    places.add_place(session, "150224000000", "另一旗", "150000000000", "county")
    other_county = create_user("qi2", "county", "150224000000")
    department = create_user("weijian", "department", "150223000000", "health")
    for ask in (lambda actor, place: findings.findings_page(session, actor, place, None, "open", Window()),
                lambda actor, place: findings.counts_by_rule(session, actor, place),
                lambda actor, place: findings.counts_by_place(session, actor, place)):
        with pytest.raises(NotFound):
            ask(other_county, "150223000000")
        with pytest.raises(NotFound):
            ask(department, "150223000000")
    assert findings.findings_page(session, department, None, None, "all", Window()).rows == []
    assert findings.counts_by_rule(session, department, None) == []
    assert findings.counts_by_place(session, department, None) == []
    assert findings.findings_page(session, other_county, None, None, "all", Window()).total == 0


def test_the_list_pages_village_by_village_and_filters_by_rule_and_status(session, found, create_user):
    first, other = found
    county = create_user("qi", "county", "150223000000")
    page = findings.findings_page(session, county, None, None, "open", Window(limit=2))
    assert [(f.household_id, f.rule) for f in page.rows] == [(first.id, "Q101"), (first.id, "Q998")]
    rest = findings.findings_page(session, county, None, None, "open", Window(page.next_cursor, 2))
    assert [(f.household_id, f.rule) for f in rest.rows] == [(other.id, "Q101")] and rest.next_cursor is None
    assert findings.findings_page(session, county, None, "Q998", "open", Window()).total == 1
    assert findings.findings_page(session, county, None, None, "resolved", Window()).total == 0
    with pytest.raises(InvalidData) as refused:
        findings.findings_page(session, county, None, "Q000", "closed", Window())
    assert set(refused.value.fields) == {"rule", "status"}


def test_a_household_s_findings_are_its_open_ones_then_its_latest_closed(session, found):
    first, _ = found
    first.group_name = ""
    session.flush()
    run_checks(session, scope(), "county", AT + timedelta(days=1))  # the warning closes
    first.eliminated_on = date(2026, 6, 1)
    first.group_name = "warn"
    session.flush()
    run_checks(session, scope(), "county", AT + timedelta(days=2))  # the error closes, the warning opens again
    listed = findings.household_findings(session, first.id)
    assert [(f.rule, f.resolved_at) for f in listed] == [
        ("Q998", None), ("Q101", AT + timedelta(days=2)), ("Q998", AT + timedelta(days=1))]
