"""The county's data-comparison step as the official sees it: what was found, and what data was missing or stale."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.conftest import CST
from tests.web.test_identification import (
    forms_dir,  # noqa: F401  (fixture: the real forms)
    new_household,
    through_first_notice,
    world,  # noqa: F401  (fixture: the identification process deployed)
)

pytestmark = pytest.mark.usefixtures("world")


def test_stale_department_data_is_shown_at_the_comparison_and_confirmed_with_a_reason(api, pages, clock):
    clock.set(datetime(2026, 7, 1, 9, 0, tzinfo=CST))  # the world's uploads of 1 March are now four months old
    instance = through_first_notice(api, clock, new_household(api))
    api("zhen").complete(instance["id"], "township_review", {"approved": True})
    qi = api("qi")
    task = qi.task(instance["id"], "comparison_review")
    data = qi.get(f"/instances/{instance['id']}").json["data"]
    assert data["exclusion_hits"] == [] and {g["problem"] for g in data["data_gaps"]} == {"stale"}
    page = pages("qi").get(f"/tasks/{task['id']}")
    assert "以下部门数据缺失或已过期" in page.text and "机动车登记" in page.text
    unconfirmed = qi.complete(instance["id"], "comparison_review", {"decision": "confirm"}, status=422)
    assert "gaps_reason" in unconfirmed["error"]["fields"]
    special = qi.complete(instance["id"], "comparison_review",
                          {"decision": "special_case", "meeting_date": "2026-07-01", "meeting_reasons": "无",
                           "gaps_reason": "已核实"}, status=422)
    assert "decision" in special["error"]["fields"]  # nothing was found to admit as a special case
    qi.complete(instance["id"], "comparison_review", {"decision": "confirm", "gaps_reason": "已电话向各部门核实"})
    assert qi.task(instance["id"], "county_review")
