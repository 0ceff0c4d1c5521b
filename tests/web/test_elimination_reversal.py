"""风险消除回退 through the API: the county monitors an eliminated household again with a reason, the history keeps
both, and its new assistance starts (部门会商 in the county's inbox) in the same transaction; anyone else, any other
household and any bad reason is refused and changes nothing."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.errors import Conflict
from engine.models import ProcessInstance
from monitoring import places, status_history
from monitoring.id_number import check_digit
from monitoring.models import Household, MonitoringStatus
from tests.conftest import CST
from web.extensions import db

ROOT = Path(__file__).resolve().parents[2]
VILLAGE = "150223100201"
ELIMINATED_AT = datetime(2026, 9, 29, 10, 0, tzinfo=CST)


@pytest.fixture
def forms_dir():
    return ROOT / "forms"


def deploy_assistance(api) -> None:
    """The reversal starts the household's new assistance (部门会商), so the process is deployed."""
    designer = api("sheji")
    response = designer.deploy(ROOT / "processes" / "assistance.bpmn")
    assert response.status_code in (200, 201), response.json


def add_eliminated(api, session, first17: str = "15022319700101001", *, deploy: bool = True) -> int:
    """A household identified in March (illness, marginal) and eliminated by assistance on 29 Sep."""
    if deploy:
        deploy_assistance(api)
    response = api("cun").post("/households", json={
        "village": VILLAGE, "household_type": "ordinary",
        "members": [{"name": "巴特尔", "id_number": first17 + check_digit(first17), "relation": "head"}]})
    assert response.status_code == 201, response.json
    household = session.get(Household, response.json["id"])
    household.monitoring_type, household.risk_types = "marginal", ["illness", "disability"]
    household.monitored_since = date(2026, 3, 20)
    status_history.record_change(session, household, MonitoringStatus.MONITORED, ELIMINATED_AT, "qi",
                                 on=date(2026, 3, 20), instance_id=1)
    status_history.record_change(session, household, MonitoringStatus.ELIMINATED, ELIMINATED_AT, "qi",
                                 method="assisted", instance_id=2)
    session.commit()
    return household.id


@pytest.fixture
def household_id(api, session):
    return add_eliminated(api, session)


def revert(client, household_id: int, body) -> object:
    return client.post(f"/households/{household_id}/elimination-reversal", json=body)


def test_the_county_monitors_an_eliminated_household_again_and_the_history_keeps_both(api, household_id, clock):
    response = revert(api("qi"), household_id, {"reason": "  复核发现务工收入中断，收入不稳定  "})
    assert response.status_code == 200, response.json
    monitoring = response.json["monitoring"]
    assert monitoring == {"status": "monitored", "type": "marginal", "risk_types": ["illness", "disability"],
                          "since": "2026-03-20", "elimination_method": None, "eliminated_on": None}
    history = [(c["from"], c["to"], c["method"], c["reason"], c["on"], c["by"])
               for c in response.json["status_changes"]]
    assert history == [("not_monitored", "monitored", None, "", "2026-03-20", "qi"),
                       ("monitored", "eliminated", "assisted", "", "2026-09-29", "qi"),
                       ("eliminated", "monitored", None, "复核发现务工收入中断，收入不稳定",
                        clock.now().date().isoformat(), "qi")]
    assert api("zhen").get(f"/households/{household_id}").json["status_changes"] == response.json["status_changes"]


def test_the_reversal_starts_new_assistance_with_the_countys_consultation(api, household_id, session):
    """The measures before the reversal did not remove the risk: the county plans new ones (部门会商) at once."""
    qi = api("qi")
    assert revert(qi, household_id, {"reason": "复核发现务工收入中断，收入不稳定"}).status_code == 200
    [case] = [c for c in qi.get(f"/households/{household_id}").json["cases"] if c["process"] == "assistance"]
    assert case["status"] == "running"
    waiting = [(t["bpmn_id"], t["name"]) for t in qi.get("/tasks").json if t["instance_id"] == case["id"]]
    assert waiting == [("plan", "部门会商·制定帮扶计划")]
    started = session.get(ProcessInstance, case["id"])
    assert (started.business_key, started.place_code, started.created_by) == (
        f"household:{household_id}", VILLAGE, "qi")


def test_a_consultation_still_open_is_the_new_plan_and_none_is_added(api, household_id, session):
    """Eliminated (naturally) before the county planned: a second reversal finds 部门会商 waiting and keeps it."""
    qi = api("qi")
    assert revert(qi, household_id, {"reason": "收入不稳定"}).status_code == 200
    household = session.get(Household, household_id)
    status_history.record_change(session, household, MonitoringStatus.ELIMINATED, ELIMINATED_AT, "qi",
                                 method="natural", instance_id=3)
    session.commit()
    assert revert(qi, household_id, {"reason": "再次复核收入不稳定"}).status_code == 200
    assert [t["bpmn_id"] for t in qi.get("/tasks").json] == ["plan"]
    assert [c["process"] for c in qi.get(f"/households/{household_id}").json["cases"]] == ["assistance"]


def test_a_reversal_whose_assistance_cannot_start_changes_nothing(api, session):
    """One transaction: without the assistance process the household stays eliminated and no case is left."""
    household_id = add_eliminated(api, session, deploy=False)
    response = revert(api("qi"), household_id, {"reason": "收入不稳定"})
    assert response.status_code == 404 and response.json["error"]["code"] == "process_not_deployed"
    session.expire_all()
    assert session.get(Household, household_id).monitoring_status == "eliminated"
    assert len(status_history.history(session, household_id)) == 2
    assert session.execute(select(func.count()).select_from(ProcessInstance)).scalar() == 0


def test_a_household_that_is_not_eliminated_is_not_reverted(api, household_id, session):
    assert revert(api("qi"), household_id, {"reason": "收入不稳定"}).status_code == 200
    again = revert(api("qi"), household_id, {"reason": "再次回退"})
    assert again.status_code == 409 and again.json["error"]["message"] == "该农户不是风险消除户，不能回退"
    assert len(status_history.history(session, household_id)) == 3


@pytest.mark.parametrize(("body", "why"), [
    ({}, "回退理由必填"),
    ({"reason": ""}, "回退理由必填"),
    ({"reason": " \u200b "}, "回退理由不能只有空白或不可见字符"),
    ({"reason": "稳" * 501}, "回退理由不能超过500个字"),
    ({"reason": {"text": "收入不稳定"}}, "回退理由应为文本"),
    ({"reason": ["收入不稳定"]}, "回退理由应为文本"),
    ({"reason": 12}, "回退理由应为文本"),
    ({"reason": "收入\u202e不稳定"}, "回退理由不能包含文字方向控制字符"),
])
def test_a_bad_reason_is_named_and_changes_nothing(api, household_id, session, body, why):
    response = revert(api("qi"), household_id, body)
    assert response.status_code == 422, response.json
    assert response.json["error"]["fields"] == {"reason": why}
    session.expire_all()
    assert session.get(Household, household_id).monitoring_status == "eliminated"
    assert len(status_history.history(session, household_id)) == 2


def test_unknown_fields_and_non_finite_numbers_are_refused(api, household_id):
    qi = api("qi")
    extra = revert(qi, household_id, {"reason": "收入不稳定", "monitoring_type": "sudden"})
    assert (extra.status_code, extra.json["error"]["fields"]) == (422, {"monitoring_type": "不能填写此项"})
    nan = qi.client.post(f"/api/v1/households/{household_id}/elimination-reversal", data='{"reason": NaN}',
                         headers={**qi.headers, "Content-Type": "application/json"})
    assert nan.status_code == 400 and "reason" in nan.json["error"]["fields"]  # api.md: malformed JSON is a 400
    assert qi.get(f"/households/{household_id}").json["monitoring"]["status"] == "eliminated"


def test_only_the_county_that_sees_the_household_reverts_it(api, household_id, session, create_user):
    create_user("weijian", "department", "150223000000", department="health")
    places.add_place(session, "150221000000", "土默特右旗", "150000000000", "county")
    session.commit()
    create_user("qi_other", "county", "150221000000")
    for username in ("cun", "cun3", "zhen", "weijian", "guanli"):
        response = revert(api(username), household_id, {"reason": "收入不稳定"})
        assert (username, response.status_code) == (username, 403)
        assert response.json["error"]["message"] == "只有旗县可以回退风险消除"
    assert revert(api("qi_other"), household_id, {"reason": "收入不稳定"}).status_code == 404  # not its county's
    assert revert(api("qi"), household_id + 999, {"reason": "收入不稳定"}).status_code == 404
    assert revert(api(), household_id, {"reason": "收入不稳定"}).status_code == 401
    assert len(status_history.history(session, household_id)) == 2


def test_a_stale_copy_of_the_household_cannot_change_it_twice(api, household_id, session):
    """Two county users revert at once: the second read the household before the first committed."""
    other = Session(db.engine)  # a second connection, as another request has
    try:
        stale = other.get(Household, household_id)
        assert stale.monitoring_status == "eliminated"
        assert revert(api("qi"), household_id, {"reason": "收入不稳定"}).status_code == 200
        with pytest.raises(Conflict, match="刚被他人更改"):
            status_history.record_change(other, stale, MonitoringStatus.MONITORED, ELIMINATED_AT, "qi2",
                                         reason="同时回退")
    finally:
        other.rollback()
        other.close()
    assert len(status_history.history(session, household_id)) == 3
