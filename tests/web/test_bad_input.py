"""Bad input through the API is a 400 (malformed) or 422 (breaks a rule) naming the field, and stores nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from monitoring.models import Household, Threshold
from tests.web.test_api_households import household_body, person

HUGE = 10**30


def raw_post(client, url: str, text: str):
    return client.client.post(f"/api/v1{url}", data=text, headers={**client.headers,
                                                                      "Content-Type": "application/json"})


def count(session, model) -> int:
    session.rollback()
    return session.execute(select(func.count()).select_from(model)).scalar()


def test_a_body_nested_100000_levels_deep_is_400(api, session):
    cun = api("cun")
    response = raw_post(cun, "/households", "[" * 100_000 + "]" * 100_000)
    assert response.status_code == 400 and response.json["error"]["code"] == "bad_request"
    assert "嵌套" in response.json["error"]["message"]
    nested_in_data = '{"village": "150223100201", "members": ' + "[" * 65 + "]" * 65 + "}"
    refused = raw_post(cun, "/households", nested_in_data)
    assert refused.status_code == 400 and "members" + ".0" * 63 in refused.json["error"]["fields"]
    assert count(session, Household) == 0


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_non_finite_numbers_are_400_naming_the_field(api, session, literal):
    response = raw_post(api("guanli"), "/thresholds", '{"kind": "income_line", "place": "150000000000", '
                                                    f'"year": 2026, "amount": {literal}}}')
    assert response.status_code == 400
    assert set(response.json["error"]["fields"]) == {"amount"}
    assert count(session, Threshold) == 0


def test_a_body_that_is_not_utf8_or_not_json_is_400(api):
    cun = api("cun")
    assert cun.client.post("/api/v1/households", data=b'{"group": "\xff"}', headers={
        **cun.headers, "Content-Type": "application/json"}).status_code == 400
    assert raw_post(cun, "/households", '{"members": [1, 2,]}').status_code == 400
    assert raw_post(cun, "/households", '{"n": ' + "9" * 5000 + "}").status_code == 400


@pytest.mark.parametrize("url", [f"/households/{HUGE}", f"/instances/{HUGE}", f"/documents/{HUGE}",
                                 f"/instances/{HUGE}/documents"])
def test_an_id_no_row_can_have_is_404(api, url):
    assert api("cun").get(url).status_code == 404


def test_huge_ids_in_bodies_and_query_parameters_are_named(api, deployed):
    cun = api("cun")
    started = cun.post("/instances", json={"process": "identification", "household_id": HUGE, "data": {}})
    assert started.status_code == 422 and set(started.json["error"]["fields"]) == {"household_id"}
    printed = cun.post("/documents", json={"kind": "annex7", "subject_id": HUGE})
    assert printed.status_code == 422 and set(printed.json["error"]["fields"]) == {"subject_id"}
    for version in (str(HUGE), "abc"):
        response = cun.get(f"/process-models/approval?version={version}")
        assert response.status_code == 400 and set(response.json["error"]["fields"]) == {"version"}
    assert cun.get("/process-models/approval?version=1").status_code == 200


def test_a_cancel_with_a_malformed_body_is_400(api, deployed):
    cun = api("cun")
    instance = cun.post("/instances", json={"process": "approval", "place": "150223100201", "data": {}}).json
    url = f"/instances/{instance['id']}/cancel"
    assert raw_post(cun, url, "[" * 100_000).status_code == 400
    assert cun.post(url, json={"reason": ["x"]}).status_code == 400
    assert cun.get(f"/instances/{instance['id']}").json["status"] == "running"
