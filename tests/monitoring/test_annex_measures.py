"""Annexes 4, 5 and 7 print the measures a household received (in progress or done), not "—"."""

from __future__ import annotations

from datetime import datetime, timedelta

from monitoring import measures
from tests.conftest import CST
from tests.monitoring.test_annexes import api, approved, monitored, notice_of, page_one_of, render  # noqa: F401
from tests.web.test_identification import forms_dir, world  # noqa: F401

AT = datetime(2026, 6, 1, 9, tzinfo=CST)


def plan(session, actors, household, category, subtype, content):
    data = {"category": category, "subtype": subtype, "content": content, "responsible": "王干部",
            "start_on": (household.monitored_since + timedelta(days=1)).isoformat()}
    return measures.plan_measure(session, actors["county"], household.id, data, AT).measure


def test_the_annexes_print_the_measures_received(session, actors, monitored):  # noqa: F811
    done = plan(session, actors, monitored, "social_assistance", "paired_assistance", "干部结对帮扶")
    ongoing = plan(session, actors, monitored, "relocation", "follow_up_support", "搬迁后续扶持")
    plan(session, actors, monitored, "infrastructure", "roads", "通村道路")  # planned only: not received
    measures.record_progress(session, actors["county"], done.id, {"status": "done", "done_on": "2026-05-01",
                                                                   "result": "每月走访"}, AT, AT.date())
    measures.record_progress(session, actors["county"], ongoing.id, {"status": "in_progress"}, AT, AT.date())
    session.commit()
    printed = ["社会帮扶·结对帮扶（已完成）", "搬迁·搬迁后续扶持（实施中）"]
    annex7 = page_one_of(render(session, "annex7", monitored.id, "annex7-measures"))
    assert "已享受帮扶措施" in annex7 and all(p in annex7 for p in printed) and "道路建设" not in annex7
    annex5 = page_one_of(render(session, "annex5", monitored.id, "annex5-measures"))
    assert "已落实帮扶措施：" + "、".join(printed) in annex5
    annex4 = page_one_of(render(session, "annex4", notice_of(session, "elimination_first").id, "annex4-measures"))
    assert printed[0] in annex4
