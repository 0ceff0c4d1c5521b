"""Bad answers to the identification forms through the API: refused at their field, nothing stored, the task open."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from monitoring.models import Measurement
from tests.web.test_identification import (  # noqa: F401  (fixtures: the real forms, identification deployed)
    VISIT,
    form_data,
    forms_dir,
    new_household,
    start,
    world,
)


@pytest.fixture
def visit(api, world):  # noqa: F811
    """(client, instance id, visit task id, the prefilled visit answers)."""
    cun = api("cun")
    instance = start(cun, new_household(api), "cadre_screening")
    return cun, instance["id"], cun.task(instance["id"], "visit")["id"], form_data(cun, instance["id"], "visit",
                                                                                    **VISIT)


def nothing_recorded(api, session, instance_id: int) -> bool:
    session.rollback()
    measurements = session.execute(select(func.count()).select_from(Measurement)).scalar()
    instance = api("cun").get(f"/instances/{instance_id}").json
    return measurements == 0 and instance["status"] == "running" and [t["bpmn_id"] for t in instance["tasks"]] == [
        "visit"]


@pytest.mark.parametrize("literal", ["Infinity", "-Infinity", "NaN", "1e999"])
def test_an_income_of_infinity_or_nan_is_400_naming_the_field(api, session, visit, literal):
    cun, instance_id, task_id, answers = visit
    text = json.dumps({"data": {**answers, "wage_income": "__here__"}}).replace('"__here__"', literal)
    response = cun.client.post(f"/api/v1/tasks/{task_id}/complete", data=text,
                               headers={**cun.headers, "Content-Type": "application/json"})
    assert response.status_code == 400
    assert set(response.json["error"]["fields"]) == {"data.wage_income"}
    assert nothing_recorded(api, session, instance_id)


@pytest.mark.parametrize("amount", [1e15, 10**30, 10000000000])
def test_an_income_beyond_the_column_is_422_naming_the_field(api, session, visit, amount):
    cun, instance_id, task_id, answers = visit
    response = cun.post(f"/tasks/{task_id}/complete", json={"data": {**answers, "wage_income": amount}})
    assert response.status_code == 422
    assert response.json["error"]["fields"] == {"wage_income": "不能大于9999999999.99"}
    assert nothing_recorded(api, session, instance_id)


@pytest.mark.parametrize(("answer", "reason"), [("\u200b", "不能为空"), ("村干部\x1b张三", "不能包含控制字符"),
                                                ("\u202e三张", "不能包含文字方向控制字符")])
def test_the_visitors_must_be_readable_text(api, session, visit, answer, reason):
    cun, instance_id, task_id, answers = visit
    response = cun.post(f"/tasks/{task_id}/complete", json={"data": {**answers, "visitors": answer}})
    assert response.status_code == 422
    assert response.json["error"]["fields"] == {"visitors": reason}
    assert nothing_recorded(api, session, instance_id)


def test_the_largest_amount_the_column_holds_is_recorded(api, session, visit):
    cun, _, task_id, answers = visit
    response = cun.post(f"/tasks/{task_id}/complete", json={"data": {**answers, "property_income": 9999999999.99}})
    assert response.status_code == 200, response.json
    session.rollback()
    assert session.execute(select(Measurement.property_income)).scalar_one() == Decimal("9999999999.99")
