"""Tasks placed at another place than their case's (``engine.placement``), through the API and the pages: the user of
the task's place sees, claims, drafts and completes it, while the case itself stays unreadable to that user (404).
Completing answers such a user the limited view of ``web.api.views.placed_task_case``.

The county's case of ``placed_tasks.bpmn`` on the tree of ``tests.engine.test_task_places`` (a league above the
county): each village fills in at its village, each township checks at itself, the league acknowledges.
"""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from engine import versions
from monitoring import places
from monitoring.models import Attachment
from tests.conftest import PASSWORD, fixture_files
from tests.engine.test_task_places import (
    COUNTY,
    LEAGUE,
    TOWNSHIP,
    VILLAGE,
    VILLAGE_2,
    build_line,
    county_case_data,
)
from tests.web.conftest import ApiClient
from tests.web.pages.conftest import PageClient


@pytest.fixture
def line(engine, session):
    actors = build_line(session)
    versions.deploy(engine, session, fixture_files("placed_tasks.bpmn"), actors["designer"])
    session.commit()
    return actors


@pytest.fixture
def client(app, line):
    """``client("cun")``: an API client logged in as cun."""
    shared = app.test_client()
    return lambda username: ApiClient(shared, username)


@pytest.fixture
def case_id(client) -> int:
    response = client("qi").post("/instances", json={"process": "placed_tasks", "place": COUNTY,
                                                     "data": county_case_data()})
    assert response.status_code == 201, response.json
    return response.json["id"]


def test_a_village_sees_claims_and_completes_its_task_but_never_reads_the_countys_case(client, case_id):
    village, neighbour = client("cun"), client("cun2")
    mine = village.task(case_id, "fill")
    assert mine["place"] == VILLAGE and [t["place"] for t in village.get("/tasks").json] == [VILLAGE]
    assert village.get(f"/instances/{case_id}").status_code == 404
    assert neighbour.get(f"/tasks/{mine['id']}").status_code == 404
    assert neighbour.post(f"/tasks/{mine['id']}/claim").status_code == 404
    assert neighbour.post(f"/tasks/{mine['id']}/complete", json={"data": {}}).status_code == 404

    opened = village.get(f"/tasks/{mine['id']}")
    assert opened.status_code == 200 and (opened.json["name"], opened.json["evidence"]) == ("村级填报", {})
    assert village.post(f"/tasks/{mine['id']}/claim").json["claimed_by"] == "cun"
    assert village.post(f"/tasks/{mine['id']}/unclaim").json["claimed_by"] is None
    answered = village.post(f"/tasks/{mine['id']}/complete", json={"data": {"filled": True}})

    assert answered.status_code == 200
    assert answered.json == {"id": case_id, "process": "placed_tasks", "status": "running", "limited": True,
                             "tasks": []}
    assert village.get("/tasks").json == [] and village.get(f"/instances/{case_id}").status_code == 404
    county_view = client("qi").get(f"/instances/{case_id}").json  # the county reads its case whole
    assert "limited" not in county_view and {t["place"] for t in county_view["tasks"]} == {VILLAGE_2, "150223200201"}


def test_townships_and_the_league_find_their_placed_tasks_in_their_inboxes(client, case_id):
    for username in ("cun", "cun2", "cun3"):
        client(username).complete(case_id, "fill", {"filled": True})
    township = client("zhen")
    check = township.task(case_id, "check")
    assert check["place"] == TOWNSHIP and township.get(f"/instances/{case_id}").status_code == 404
    township.complete(case_id, "check", {"checked": True})
    client("sumu").complete(case_id, "check", {"checked": True})

    league = client("meng")
    acknowledge = league.task(case_id, "acknowledge")
    assert acknowledge["place"] == LEAGUE
    answered = league.complete(case_id, "acknowledge", {"acknowledged": True})
    assert answered["status"] == "completed" and "limited" not in answered  # the league reads the case below it


def test_a_user_above_in_the_same_lane_finds_no_placed_task_and_may_not_take_or_give_it(app, client, session,
                                                                                       case_id):
    """The league's acknowledgement is the league's: the region above (lane region) neither sees it in its inbox nor
    claims, drafts or completes it, alone or in a batch (404, as a task it does not have), and so cannot lock the
    league out; it still reads the case. A village-lane clerk at the township has none of the villages' tasks."""
    places.add_user(session, "zhencun", "village", TOWNSHIP, PASSWORD)
    session.commit()
    clerk = client("zhencun")
    fills = [client(username).task(case_id, "fill")["id"] for username in ("cun", "cun2")]
    assert clerk.get("/tasks").json == []
    assert clerk.post("/tasks/complete", json={"task_ids": fills, "data": {"filled": True}}).status_code == 404
    for username in ("cun", "cun2", "cun3"):
        client(username).complete(case_id, "fill", {"filled": True})
    for username in ("zhen", "sumu"):
        client(username).complete(case_id, "check", {"checked": True})
    task_id = client("meng").task(case_id, "acknowledge")["id"]
    region = client("qu")

    assert [t for t in region.get("/tasks").json if t["instance_id"] == case_id] == []
    assert region.get(f"/tasks/{task_id}").status_code == 404
    assert region.post(f"/tasks/{task_id}/claim").status_code == 404
    page = PageClient(app, "qu")
    assert page.get(f"/tasks/{task_id}").status_code == 404
    assert page.post(f"/tasks/{task_id}", {"action": "draft"}).status_code == 404
    assert region.post(f"/tasks/{task_id}/complete", json={"data": {"acknowledged": True}}).status_code == 404
    assert region.post("/tasks/complete", json={"task_ids": [task_id], "data": {"acknowledged": True}}
                       ).status_code == 404
    assert region.get(f"/instances/{case_id}").status_code == 200

    assert client("meng").post(f"/tasks/{task_id}/claim").json["claimed_by"] == "meng"
    assert client("meng").complete(case_id, "acknowledge", {"acknowledged": True})["status"] == "completed"


def test_a_village_decides_its_own_placed_tasks_of_two_units_as_one_batch(client):
    twice = [{"village": VILLAGE, "township": TOWNSHIP}, {"village": VILLAGE, "township": TOWNSHIP}]
    case_id = client("qi").post("/instances", json={"process": "placed_tasks", "place": COUNTY,
                                                    "data": county_case_data(units=twice)}).json["id"]
    village = client("cun")
    ids = [t["id"] for t in village.get("/tasks").json]
    assert len(ids) == 2

    answered = village.post("/tasks/complete", json={"task_ids": ids, "data": {"filled": True}})

    assert answered.status_code == 200, answered.json
    assert answered.json == {"instances": [{"id": case_id, "process": "placed_tasks", "status": "running",
                                            "limited": True, "tasks": []}]}


def test_the_village_inbox_page_lists_its_placed_task_and_its_page_drafts_and_completes_it(app, client, case_id):
    task_id = client("cun").task(case_id, "fill")["id"]
    other_id = client("cun2").task(case_id, "fill")["id"]
    village = PageClient(app, "cun")

    inbox = village.get("/tasks/")
    assert inbox.status_code == 200
    assert f"/tasks/{task_id}" in inbox.text and other_id not in inbox.text and "村级填报" in inbox.text
    page = village.get(f"/tasks/{task_id}")
    assert page.status_code == 200 and "村级填报" in page.text
    assert f"/cases/{case_id}" not in page.text  # the case is named, not opened
    assert PageClient(app, "cun2").get(f"/tasks/{task_id}").status_code == 404
    assert village.get(f"/cases/{case_id}").status_code == 404

    assert village.post(f"/tasks/{task_id}", {"action": "draft"}).status_code == 302
    assert village.post(f"/tasks/{task_id}", {"action": "submit"}).status_code == 302
    assert client("cun").get("/tasks").json == []


def test_a_file_uploaded_on_a_placed_task_is_kept_at_the_tasks_place_for_its_user(app, client, case_id, session):
    task_id = client("cun").task(case_id, "fill")["id"]
    village = PageClient(app, "cun")
    village.get(f"/tasks/{task_id}")
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 16

    saved = village.post(f"/tasks/{task_id}", {"action": "draft", "photo": (io.BytesIO(png), "现场.png")},
                         content_type="multipart/form-data")

    assert saved.status_code == 302
    stored = session.execute(select(Attachment)).scalar_one()
    assert stored.place_path.endswith(f"/{COUNTY}/{TOWNSHIP}/{VILLAGE}/")  # not the county case's place
    served = village.get(f"/tasks/attachments/{stored.id}")
    assert served.status_code == 200 and served.data == png
    served.close()
    assert PageClient(app, "cun2").get(f"/tasks/attachments/{stored.id}").status_code == 404


def test_completing_answers_the_limited_case_with_the_users_other_open_tasks_in_it(client):
    twice = [{"village": VILLAGE, "township": TOWNSHIP}, {"village": VILLAGE, "township": TOWNSHIP},
             {"village": VILLAGE_2, "township": TOWNSHIP}]
    case_id = client("qi").post("/instances", json={"process": "placed_tasks", "place": COUNTY,
                                                    "data": county_case_data(units=twice)}).json["id"]
    village = client("cun")
    first, second = [t["id"] for t in village.get("/tasks").json]

    answered = village.post(f"/tasks/{first}/complete", json={"data": {"filled": True}}).json

    assert (answered["id"], answered["limited"]) == (case_id, True)
    assert set(answered) == {"id", "process", "status", "limited", "tasks"}
    assert [(t["id"], t["place"]) for t in answered["tasks"]] == [(second, VILLAGE)]  # not the neighbour's
