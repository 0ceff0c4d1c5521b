"""重大事项逐级上报 through the API alone, with time travel on the engine's clock: a county's report reaches its league,
then the region, each acknowledging within its deadline or passed over on its own at it; follow-ups until closed; the
affected households and their green channel into identification at step 2."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta

import pytest

from engine import timers
from monitoring import places, thresholds
from monitoring.event_models import EventHousehold
from tests.conftest import CST
from tests.web.pages.conftest import PageClient
from tests.web.test_identification import ROOT, forms_dir, new_household, person, world  # noqa: F401  (fixtures)
from web.boundary import engine, unit_of_work

LEAGUE, COUNTY, TOWNSHIP, VILLAGE = "150200000000", "150222000000", "150222100000", "150222100201"
REGION = "150000000000"
OTHER_COUNTY = "150223000000"  # the shared tree's county, directly under the region
OTHER_TOWNSHIP, OTHER_VILLAGE = "150222101000", "150222101201"  # another township of 固阳县, and its village
REPORTED_AT = datetime(2026, 7, 15, 10, 0, tzinfo=CST)
FLOOD = {"kind": "natural_disaster", "occurred_at": "2026-07-15T06:30:00+08:00", "place": TOWNSHIP,
         "summary": "持续强降雨引发山洪，冲毁农田和棚圈", "affected_households": 120, "affected_people": 410,
         "losses": 3250000.5, "measures_taken": "转移安置群众86人，发放救灾物资", "needs": "申请救灾资金和种子"}


@pytest.fixture
def league_branch(session, create_user, actors, api):
    """A league with a county under it (township, village), the users of each level, and the process deployed."""
    branch = [(LEAGUE, "包头市", REGION, "league"), (COUNTY, "固阳县", LEAGUE, "county"),
              (TOWNSHIP, "金山镇", COUNTY, "township"), (VILLAGE, "红泥井村", TOWNSHIP, "village")]
    for code, name, parent, level in branch:
        places.add_place(session, code, name, parent, level)
    session.commit()
    create_user("guyang", "county", COUNTY)
    create_user("baotou", "region", LEAGUE)
    create_user("zizhiqu", "region", REGION)
    create_user("jinshan", "township", TOWNSHIP)
    create_user("hongni", "village", VILLAGE)
    designer = api("sheji")
    response = designer.deploy(ROOT / "processes" / "major_event.bpmn")
    assert response.status_code == 201, response.json


pytestmark = pytest.mark.usefixtures("world", "league_branch")


@pytest.fixture(name="reported")
def reported_event(api, clock):
    """The flood reported by 固阳县 at 10:00 on 15 July."""
    clock.set(REPORTED_AT)
    response = api("guyang").post("/events", json=FLOOD)
    assert response.status_code == 201, response.json
    return response.json


def run_timers(clock, at):
    clock.set(at)
    return timers.run_due_timers(engine(), unit_of_work)


def tasks_of(user, event):
    return [t for t in user.get("/tasks").json if t["instance_id"] == event["instance_id"]]


def levels(user, event):
    return {row["level"]: row for row in user.get(f"/events/{event['id']}").json["levels"]}


def test_a_report_reaches_the_league_first_with_its_deadline(api, reported):
    assert reported["status"] == "open" and reported["ack_minutes"] == 120
    assert reported["waiting_level"] == "league" and reported["late"] is False
    assert reported["standing"] == "待盟市确认"
    (league,) = reported["levels"]
    assert league["place"] == LEAGUE and league["state"] == "waiting"
    assert datetime.fromisoformat(league["due_at"]) == REPORTED_AT + timedelta(hours=2)
    (task,) = tasks_of(api("baotou"), reported)
    assert task["bpmn_id"] == "ack_league" and task["subject"] == "自然灾害·金山镇"
    assert tasks_of(api("guyang"), reported) == []  # the county reported: nothing of it waits at the county


def test_an_acknowledgement_is_due_at_its_levels_deadline_and_marked_late_past_it(api, app, clock, reported):
    """R1 #7: the task carries the level's deadline, so the inbox shows it and, once it has passed (before the sweep
    escalates), marks the row late."""
    league = api("baotou")
    (task,) = tasks_of(league, reported)
    assert datetime.fromisoformat(task["due_at"]) == REPORTED_AT + timedelta(hours=2) and task["overdue"] is False
    clock.set(REPORTED_AT + timedelta(hours=2, seconds=30))
    (task,) = tasks_of(league, reported)
    assert task["overdue"] is True
    inbox = PageClient(app, "baotou").get("/tasks/").text
    row = inbox[inbox.index(f'data-task="{task["id"]}"'):]
    row = row[:row.index("</tr>")]
    assert 'class="overdue"' in inbox and "逾期" in row and "2026年7月15日" in row


def test_the_leagues_acknowledgement_is_the_leagues_alone_the_region_reads_it_waiting(api, reported):
    """R1 #1: the task is placed at the league, so by the engine's rule for placed tasks the region above (same lane)
    has it neither in its inbox nor to claim (which locked the league out) or give (404); it reads the event's levels,
    and the league then acknowledges (the region gets the report after it)."""
    region, league = api("zizhiqu"), api("baotou")
    (task,) = tasks_of(league, reported)
    assert tasks_of(region, reported) == []
    assert region.post(f"/tasks/{task['id']}/claim").status_code == 404
    response = region.post(f"/tasks/{task['id']}/complete", json={"data": {"instructions": "代为确认"}})
    assert response.status_code == 404
    assert levels(region, reported)["league"]["state"] == "waiting"
    assert league.post(f"/tasks/{task['id']}/claim").json["claimed_by"] == "baotou"
    league.complete(reported["instance_id"], "ack_league", {"instructions": "立即组织救灾"})
    assert levels(region, reported)["league"]["state"] == "acknowledged"


def test_acknowledged_on_time_then_the_region_then_follow_ups_until_closed(api, clock, reported):
    league, region, county = api("baotou"), api("zizhiqu"), api("guyang")
    clock.set(REPORTED_AT + timedelta(minutes=40))
    league.complete(reported["instance_id"], "ack_league", {"instructions": "立即组织救灾，做好返贫风险排查"})
    seen = levels(county, reported)
    assert seen["league"]["state"] == "acknowledged" and seen["league"]["acknowledged_by"] == "baotou"
    assert seen["league"]["instructions"] == "立即组织救灾，做好返贫风险排查"
    assert datetime.fromisoformat(seen["region"]["due_at"]) == REPORTED_AT + timedelta(minutes=160)
    (task,) = tasks_of(region, reported)
    assert task["bpmn_id"] == "ack_region"
    assert datetime.fromisoformat(task["due_at"]) == REPORTED_AT + timedelta(minutes=160)  # its own deadline
    assert tasks_of(league, reported) == []  # the region's acknowledgement is not the league's to give
    clock.set(REPORTED_AT + timedelta(hours=2))
    region.complete(reported["instance_id"], "ack_region", {})
    assert levels(region, reported)["region"]["state"] == "acknowledged"
    assert county.get(f"/events/{reported['id']}").json["standing"] == "已报至自治区，续报中"

    response = county.post(f"/events/{reported['id']}/updates",
                           json={"text": "新增受灾户30户", "affected_households": 150, "losses": 4000000})
    assert response.status_code == 201, response.json
    event = county.get(f"/events/{reported['id']}").json
    assert (event["affected_households"], event["affected_people"], event["losses"]) == (150, 410, 4000000.0)
    response = county.post(f"/events/{reported['id']}/updates", json={"text": "灾后恢复完成", "closed": True})
    assert response.status_code == 201, response.json
    event = county.get(f"/events/{reported['id']}").json
    assert event["status"] == "closed" and [u["closed"] for u in event["updates"]] == [False, True]
    assert county.get(f"/instances/{reported['instance_id']}").json["status"] == "completed"
    again = county.post(f"/events/{reported['id']}/updates", json={"text": "再续报"})
    assert again.status_code == 409


def test_not_acknowledged_it_goes_up_on_its_own_when_the_deadline_has_passed(api, clock, reported):
    """Spiff fires a timer once its moment has passed: at the deadline the league is still in time (a second before
    or at it, nothing happens); the first sweep after it escalates."""
    league, region = api("baotou"), api("zizhiqu")
    deadline = REPORTED_AT + timedelta(hours=2)
    assert run_timers(clock, deadline - timedelta(seconds=1)) == 0
    assert run_timers(clock, deadline) == 0
    assert levels(region, reported)["league"]["state"] == "waiting"
    assert run_timers(clock, deadline + timedelta(seconds=1)) == 1
    seen = levels(region, reported)
    assert seen["league"]["state"] == "escalated"
    assert datetime.fromisoformat(seen["league"]["escalated_at"]) == deadline + timedelta(seconds=1)
    assert seen["region"]["state"] == "waiting"
    assert [t["bpmn_id"] for t in tasks_of(region, reported)] == ["ack_region"]
    assert tasks_of(league, reported) == []  # passed over: no task left, the event still in its list
    assert [e["id"] for e in league.get("/events").json] == [reported["id"]]
    # the region too lets it lapse: recorded, and the case waits for the county's follow-ups
    assert run_timers(clock, deadline + timedelta(hours=2, seconds=2)) == 1
    event = region.get(f"/events/{reported['id']}").json
    assert [row["state"] for row in event["levels"]] == ["escalated", "escalated"]
    assert event["standing"] == "已报至自治区，续报中"


def test_an_acknowledgement_after_the_deadline_comes_too_late_even_before_the_sweep(api, clock, reported):
    """Opening the case fires its due timer first: past the deadline the level has been passed over."""
    clock.set(REPORTED_AT + timedelta(hours=2, seconds=30))
    league = api("baotou")
    (task,) = tasks_of(league, reported)
    response = league.post(f"/tasks/{task['id']}/complete", json={"data": {"instructions": "收到"}})
    assert response.status_code == 409
    assert levels(league, reported)["league"]["state"] == "waiting"  # nothing of the refused step is kept
    assert run_timers(clock, REPORTED_AT + timedelta(hours=2, minutes=1)) == 1
    assert levels(league, reported)["league"]["state"] == "escalated"


def test_a_closed_event_ends_its_case_once_the_region_has_it(api, clock, reported):
    county = api("guyang")
    response = county.post(f"/events/{reported['id']}/updates", json={"text": "误报，已核实无返贫风险", "closed": True})
    assert response.status_code == 201, response.json
    assert county.get(f"/instances/{reported['instance_id']}").json["status"] == "running"  # the league still has it
    api("baotou").complete(reported["instance_id"], "ack_league", {})
    api("zizhiqu").complete(reported["instance_id"], "ack_region", {})
    assert county.get(f"/instances/{reported['instance_id']}").json["status"] == "completed"


def test_a_major_event_case_starts_only_from_a_report(api):
    response = api("guyang").post("/instances", json={"process": "major_event", "place": COUNTY, "data": {}})
    assert response.status_code == 422 and "process" in response.json["error"]["fields"]
    assert api("guyang").get("/instances").json == []


def test_a_county_under_the_region_reports_straight_to_it(api, clock):
    clock.set(REPORTED_AT)
    response = api("qi").post("/events", json={**FLOOD, "place": "150223100000"})
    assert response.status_code == 201, response.json
    assert [row["level"] for row in response.json["levels"]] == ["region"]
    assert [t["bpmn_id"] for t in tasks_of(api("zizhiqu"), response.json)] == ["ack_region"]


@pytest.mark.parametrize(("hours", "minutes"), [(1.5, 90), (0.01, 1), (24, 1440)])
def test_the_deadline_is_the_regions_standard_copied_when_reported(api, clock, session, hours, minutes):
    thresholds.set_threshold(session, thresholds.EVENT_ACK_HOURS, REGION, 2026, hours, "test", REPORTED_AT)
    session.commit()
    clock.set(REPORTED_AT)
    event = api("guyang").post("/events", json=FLOOD).json
    assert event["ack_minutes"] == minutes  # a deadline is at least a minute
    assert datetime.fromisoformat(event["levels"][0]["due_at"]) == REPORTED_AT + timedelta(minutes=minutes)
    thresholds.set_threshold(session, thresholds.EVENT_ACK_HOURS, REGION, 2026, 3, "test", REPORTED_AT)
    session.commit()
    clock.set(REPORTED_AT + timedelta(seconds=30))
    api("baotou").complete(event["instance_id"], "ack_league", {})
    region_due = levels(api("guyang"), event)["region"]["due_at"]  # the copy, not the standard as it stands now
    assert datetime.fromisoformat(region_due) == REPORTED_AT + timedelta(seconds=30, minutes=minutes)


def test_who_sees_an_event(api, reported):
    """The county, its league and the region; a township at or above the event's place; nobody elsewhere."""
    for username in ("guyang", "baotou", "zizhiqu", "jinshan"):
        assert [e["id"] for e in api(username).get("/events").json] == [reported["id"]], username
        assert api(username).get(f"/events/{reported['id']}").status_code == 200
    for username in ("qi", "hongni", "zhen", "cun"):  # another county, a village below, another county's people
        assert api(username).get("/events").json == [], username
        assert api(username).get(f"/events/{reported['id']}").status_code == 404
        assert api(username).post(f"/events/{reported['id']}/updates", json={"text": "x"}).status_code == 404
        assert api(username).post(f"/events/{reported['id']}/households",
                                  json={"household_ids": [1]}).status_code == 404


def test_only_a_county_reports_or_follows_up(api, clock, reported):
    clock.set(REPORTED_AT)
    for username in ("hongni", "jinshan", "baotou"):
        response = api(username).post("/events", json={**FLOOD, "place": VILLAGE})
        assert response.status_code == 403, username
    assert api("baotou").post(f"/events/{reported['id']}/updates", json={"text": "x"}).status_code == 403


@pytest.mark.parametrize(("field", "value"), [
    ("losses", "NaN"), ("losses", "Infinity"), ("losses", 1e300), ("losses", -1), ("losses", "很多"),
    ("affected_people", -3),
    ("affected_households", 2.5), ("affected_households", True), ("affected_people", 10**12),
    ("occurred_at", "2026-07-15T10:00:01+08:00"), ("occurred_at", "2026-07-16"), ("occurred_at", "昨天"),
    ("kind", "alien_invasion"), ("place", OTHER_COUNTY), ("place", "150223100201"), ("place", "999999999999"),
    ("summary", ""), ("summary", "x" * 2001), ("measures_taken", None),
    ("losses", "1000"), ("affected_households", "120"), ("affected_people", "410"), ("losses", None),
])
def test_bad_reports_are_refused_by_field_and_change_nothing(api, clock, field, value):
    clock.set(REPORTED_AT)
    county = api("guyang")
    body = {**FLOOD, field: value}
    response = county.post("/events", json=body)
    assert response.status_code == 422, response.json
    assert field in response.json["error"]["fields"]
    assert county.get("/events").json == []


def test_figures_are_json_numbers_and_people_no_fewer_than_households(api, clock, reported):
    """R1 #15, chosen: a figure sent as text ("1000") is a 422 naming the field, at the report and the follow-up
    (the pages turn their fields into numbers first); fewer people than households is a 422 naming both."""
    county = api("guyang")
    clock.set(REPORTED_AT)
    response = county.post("/events", json={**FLOOD, "affected_households": 10, "affected_people": 2})
    assert response.status_code == 422, response.json
    assert set(response.json["error"]["fields"]) == {"affected_households", "affected_people"}
    assert "不能少于受影响户数" in response.json["error"]["fields"]["affected_people"]
    for body in ({"text": "x", "losses": "1000"}, {"text": "x", "affected_people": "400"},
                 {"text": "x", "closed": 1}):
        response = county.post(f"/events/{reported['id']}/updates", json=body)
        assert response.status_code == 422 and set(response.json["error"]["fields"]) == set(body) - {"text"}, body
    response = county.post(f"/events/{reported['id']}/updates", json={"text": "x", "affected_households": 411})
    assert response.status_code == 422  # 411 households against the 410 people the event stands at
    assert set(response.json["error"]["fields"]) == {"affected_households", "affected_people"}
    response = county.post(f"/events/{reported['id']}/updates",
                           json={"text": "x", "affected_households": 411, "affected_people": 500, "losses": None})
    assert response.status_code == 201, response.json
    event = county.get(f"/events/{reported['id']}").json
    assert (event["affected_households"], event["affected_people"], event["losses"]) == (411, 500, 3250000.5)
    assert len(event["updates"]) == 1


def test_a_nan_in_the_json_itself_is_refused_naming_the_field(api, clock):
    clock.set(REPORTED_AT)
    county = api("guyang")
    response = county.client.post("/api/v1/events", headers={**county.headers, "Content-Type": "application/json"},
                                  data=json.dumps({**FLOOD, "losses": float("nan")}, allow_nan=True))
    assert response.status_code == 400 and "losses" in response.json["error"]["fields"]
    assert county.get("/events").json == []


def test_other_needs_its_note(api, clock):
    clock.set(REPORTED_AT)
    response = api("guyang").post("/events", json={**FLOOD, "kind": "other"})
    assert response.status_code == 422 and "kind_note" in response.json["error"]["fields"]
    response = api("guyang").post("/events", json={**FLOOD, "kind": "other", "kind_note": "草原火灾"})
    assert response.status_code == 201 and response.json["kind_note"] == "草原火灾"


def test_a_bad_follow_up_is_refused_by_field(api, reported):
    county = api("guyang")
    for body, field in [({"text": ""}, "text"), ({"text": "x", "losses": -5}, "losses"),
                        ({"text": "x", "closed": "yes"}, "closed"), ({"text": "x", "status": "closed"}, "status")]:
        response = county.post(f"/events/{reported['id']}/updates", json=body)
        assert response.status_code == 422 and field in response.json["error"]["fields"], body
    assert county.get(f"/events/{reported['id']}").json["updates"] == []


def _household_of(api, village_user, village, head="乌力吉"):
    n = next(_serial)
    body = {"village": village, "household_type": "ordinary", "group": "1组",
            "members": [person(head, f"15022219800101{n:03d}"), person("萨仁", f"15022219820101{n:03d}", "spouse")]}
    response = api(village_user).post("/households", json=body)
    assert response.status_code == 201, response.json
    return response.json


_serial = iter(range(500, 999))


def test_affected_households_are_fast_tracked_into_identification_at_the_visit(api, reported):
    county = api("guyang")
    first, second = _household_of(api, "hongni", VILLAGE), _household_of(api, "hongni", VILLAGE)
    response = county.post(f"/events/{reported['id']}/households", json={"household_ids": [first["id"], second["id"]]})
    assert response.status_code == 201, response.json
    assert [h["identification_instance_id"] for h in response.json["households"]] == [None, None]
    again = county.post(f"/events/{reported['id']}/households", json={"household_ids": [first["id"]]})
    assert len(again.json["households"]) == 2  # listed once

    response = county.post(f"/events/{reported['id']}/households/{first['id']}/fast-track")
    assert response.status_code == 201, response.json
    case_id = response.json["identification_instance_id"]
    case = county.get(f"/instances/{case_id}").json
    assert case["process"] == "identification"
    assert case["data"]["channel"] == "cadre_screening" and case["data"]["event_id"] == reported["id"]
    (visit,) = tasks_of(api("hongni"), {"instance_id": case_id})
    assert visit["bpmn_id"] == "visit" and visit["subject"] == "重大事项绿色通道"  # the inbox says why it is there
    # one green channel per household, and identification's own rule: one open case
    assert county.post(f"/events/{reported['id']}/households/{first['id']}/fast-track").status_code == 409
    other = api("hongni").post("/instances", json={"process": "identification", "household_id": second["id"],
                                                   "data": {"channel": "self_declared"}})
    assert other.status_code == 201
    assert county.post(f"/events/{reported['id']}/households/{second['id']}/fast-track").status_code == 409
    assert county.get(f"/events/{reported['id']}").json["households"][1]["identification_instance_id"] is None


def test_a_household_of_another_county_or_unknown_is_not_listed(api, reported):
    county = api("guyang")
    elsewhere = new_household(api)  # 艾力嘎查, in the other county
    for ids in ([elsewhere["id"]], [987654], ["1"], [], "1", [2**40]):
        response = county.post(f"/events/{reported['id']}/households", json={"household_ids": ids})
        assert response.status_code == 422 and "household_ids" in response.json["error"]["fields"], ids
    assert county.get(f"/events/{reported['id']}").json["households"] == []
    assert county.post(f"/events/{reported['id']}/households/{elsewhere['id']}/fast-track").status_code == 404


def test_event_id_at_an_identification_start_must_name_an_event_listing_the_household(api, reported):
    household = _household_of(api, "hongni", VILLAGE)
    response = api("hongni").post("/instances", json={
        "process": "identification", "household_id": household["id"],
        "data": {"channel": "cadre_screening", "event_id": reported["id"]}})
    assert response.status_code == 422 and "event_id" in response.json["error"]["fields"]


@pytest.fixture
def other_township(session, create_user, api, league_branch):
    """银号镇, another township of 固阳县 (the event is at 金山镇), with a village and a household of it."""
    places.add_place(session, OTHER_TOWNSHIP, "银号镇", COUNTY, "township")
    places.add_place(session, OTHER_VILLAGE, "坝梁村", OTHER_TOWNSHIP, "village")
    session.commit()
    create_user("baliang", "village", OTHER_VILLAGE)
    return _household_of(api, "baliang", OTHER_VILLAGE, head="额尔敦")


def test_only_households_of_the_events_place_and_below_are_listed(api, reported, other_township):
    """R1 #3: the county sees every household of the county, but the event is at 金山镇: a household of 银号镇 is
    no household it affects (422 naming it), and nothing is listed."""
    county = api("guyang")
    own = _household_of(api, "hongni", VILLAGE)
    response = county.post(f"/events/{reported['id']}/households",
                           json={"household_ids": [own["id"], other_township["id"]]})
    assert response.status_code == 422, response.json
    assert response.json["error"]["fields"]["household_ids"] == f"不是事发地的农户: {other_township['id']}"
    assert county.get(f"/events/{reported['id']}").json["households"] == []
    assert county.post(f"/events/{reported['id']}/households", json={"household_ids": [own["id"]]}).status_code == 201


def test_a_reader_sees_only_the_listed_households_it_may_see(api, app, session, reported, other_township):
    """A household listed before the place rule (or of a place the reader is not over) is not shown to a township
    that may not open it, in the API or on the event page; the county still sees it."""
    own = _household_of(api, "hongni", VILLAGE, head="巴图")
    api("guyang").post(f"/events/{reported['id']}/households", json={"household_ids": [own["id"]]})
    session.add(EventHousehold(event_id=reported["id"], household_id=other_township["id"], added_by="guyang",
                               added_at=REPORTED_AT))
    session.commit()
    township = api("jinshan")
    assert township.get(f"/households/{other_township['id']}").status_code == 404
    seen = [row["household_id"] for row in township.get(f"/events/{reported['id']}").json["households"]]
    assert seen == [own["id"]]
    page = PageClient(app, "jinshan").get(f"/events/{reported['id']}").text
    assert "巴图" in page and "额尔敦" not in page
    assert [row["household_id"] for row in api("guyang").get(f"/events/{reported['id']}").json["households"]] == [
        own["id"], other_township["id"]]


def test_the_event_list_pages_open_ones_first_newest_first(api, app, clock):
    """Three reports an hour apart, the oldest closed: open ones newest first, then the closed one — over pages of two
    (API: ``Link`` and ``X-Total-Count``; page: 下一页)."""
    county = api("guyang")
    ids = []
    for hour in range(3):
        clock.set(REPORTED_AT + timedelta(hours=hour))
        response = county.post("/events", json=FLOOD)
        assert response.status_code == 201, response.json
        ids.append(response.json["id"])
    assert county.post(f"/events/{ids[0]}/updates", json={"text": "误报", "closed": True}).status_code == 201
    first = county.get("/events?limit=2")
    assert [e["id"] for e in first.json] == [ids[2], ids[1]] and first.headers["X-Total-Count"] == "3"
    following = county.get(first.headers["Link"].split(";")[0].strip("<>").removeprefix("/api/v1"))
    assert [e["id"] for e in following.json] == [ids[0]] and "Link" not in following.headers
    assert county.get("/events?limit=0").status_code == 400
    text = PageClient(app, "guyang").get("/events/?limit=2").text
    assert "共 3 件" in text and re.search(r'rel="next" href="[^"]*after=', text)
    assert [int(n) for n in re.findall(r'href="/events/(\d+)"', text)] == [ids[2], ids[1]]
