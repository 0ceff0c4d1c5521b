"""重大事项 in the browser: the county reports through the form (per-field Chinese errors, nothing saved on a refusal),
the list shows where each report waits and whether that level is late, the event page draws the timeline with the
automatic escalation, lists the affected households and fast-tracks one; a follow-up closes it. The same rules as the
API (tests/web/test_major_events.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.web.pages.conftest import PageClient
from tests.web.test_major_events import (  # noqa: F401  (fixtures)
    FLOOD,
    REPORTED_AT,
    TOWNSHIP,
    VILLAGE,
    _household_of,
    forms_dir,
    league_branch,
    other_township,
    reported_event,
    run_timers,
    tasks_of,
    world,
)

pytestmark = pytest.mark.usefixtures("world", "league_branch")

FORM = {**FLOOD, "occurred_at": "2026-07-15T06:30", "losses": "3250000.50", "affected_households": "120",
        "affected_people": "410", "kind_note": ""}


def test_the_county_reports_through_the_form_and_sees_it_go_up(app, api, clock):
    clock.set(REPORTED_AT)
    county = PageClient(app, "guyang")
    assert 'href="/events/"' in county.get("/tasks/").text  # the nav's 重大事项
    page = county.get("/events/new")
    assert page.status_code == 200 and "上报重大事项" in page.text
    refused = county.post("/events/new", {**FORM, "losses": "-1", "occurred_at": "2026-07-16T06:30", "summary": ""})
    assert refused.status_code == 422
    for message in ("经济损失（元）不能小于0", "发生时间不能晚于现在", "事项概况必填"):
        assert message in refused.text, message
    refused = county.post("/events/new", {**FORM, "losses": "很多", "affected_households": "12.5",
                                          "affected_people": ""})
    for message in ("经济损失（元）应为金额（数字）", "受影响户数应为0至10000000之间的整数", "受影响人数必填"):
        assert message in refused.text, message
    refused = county.post("/events/new", {**FORM, "occurred_at": "昨天上午"})  # no picker in an old browser
    assert refused.status_code == 422 and "请填写发生的日期和时间（北京时间，精确到分钟）" in refused.text
    assert "2026-07-15T" not in refused.text  # R2 #18: no ISO text for people (the page scanner checks it too)
    assert api("guyang").get("/events").json == []
    done = county.post("/events/new", FORM)
    assert done.status_code == 302, done.text
    page = county.get(done.headers["Location"])
    assert "待盟市确认" in page.text and "旗县上报" in page.text and "送达盟市" in page.text
    listing = county.get("/events/").text
    assert "自然灾害" in listing and "待盟市确认" in listing


def test_a_late_level_is_marked_and_its_escalation_shown(app, api, clock, reported):
    league = PageClient(app, "baotou")
    clock.set(REPORTED_AT + timedelta(hours=2, minutes=1))
    assert "待盟市确认（已逾期）" in league.get("/events/").text
    run_timers(clock, REPORTED_AT + timedelta(hours=2, minutes=1))
    page = league.get(f"/events/{reported['id']}").text
    assert "盟市逾期未确认，已自动上报" in page and "待自治区确认" in page
    assert "盟市逾期未确认，已自动上报" in league.get("/events/").text


@pytest.mark.usefixtures("other_township")
def test_affected_households_are_picked_by_a_search_within_the_events_place(app, api, reported):
    """R2 #15: the county finds households by name or ID tail among those of the event's place (金山镇), ticks
    them and lists them; a household of another township is never offered. Then one is fast-tracked."""
    county = PageClient(app, "guyang")
    household = _household_of(api, "hongni", VILLAGE)
    (head,) = [m for m in api("guyang").get(f"/households/{household['id']}").json["members"]
               if m["relation"] == "head"]
    tick = f'name="household_ids" value="{household["id"]}"'
    url = f"/events/{reported['id']}"
    assert tick in county.get(url, query_string={"q": "乌力吉"}).text
    assert tick in county.get(url, query_string={"q": head["id_number"][-4:]}).text
    elsewhere = county.get(url, query_string={"q": "额尔敦"}).text  # of 银号镇, which the county sees
    assert "金山镇没有与“额尔敦”相符的农户" in elsewhere and 'name="household_ids"' not in elsewhere
    refused = county.post(f"{url}/households", [("q", "乌力吉")])
    assert refused.status_code == 422 and "请选择受影响的农户" in refused.text and tick in refused.text
    refused = county.post(f"{url}/households", [("household_ids", "abc")])
    assert refused.status_code == 422 and "应为农户编号" in refused.text
    assert county.post(f"{url}/households", [("household_ids", str(household["id"])), ("q", "乌力吉")]
                       ).status_code == 302
    page = county.get(url, query_string={"q": "乌力吉"}).text
    assert "走绿色通道" in page and "乌力吉" in page and "已登记" in page and tick not in page
    done = county.post(f"{url}/households/{household['id']}/fast-track")
    assert done.status_code == 302
    page = county.get(url).text
    assert "识别案件第" in page and "走绿色通道（" not in page
    case_id = api("guyang").get(url).json["households"][0]["identification_instance_id"]
    assert "重大事项绿色通道" in county.get(f"/cases/{case_id}").text


def test_a_follow_up_closes_the_event(app, api, reported):
    county = PageClient(app, "guyang")
    assert county.post(f"/events/{reported['id']}/update", {"text": ""}).status_code == 422
    done = county.post(f"/events/{reported['id']}/update", {"text": "灾后恢复完成", "closed": "true",
                                                            "affected_households": "130"})
    assert done.status_code == 302
    page = county.get(f"/events/{reported['id']}").text
    assert "已结案" in page and "灾后恢复完成" in page and "130户" in page
    assert "续报 / 结案" not in page


def test_townships_see_their_own_events_and_villages_none_here(app, reported):
    assert "自然灾害" in PageClient(app, "jinshan").get("/events/").text
    village = PageClient(app, "hongni")
    assert "没有重大事项" in village.get("/events/").text
    assert village.get(f"/events/{reported['id']}").status_code == 404
    assert village.get("/events/new").status_code == 403


def test_the_region_sets_the_deadline_standard_and_a_county_may_not(app, api, clock):
    region = PageClient(app, "zizhiqu")
    assert "重大事项确认时限" in region.get("/admin/thresholds/event_ack_hours").text
    assert region.post("/admin/thresholds/event_ack_hours", {"year": "2026", "amount": "4"}).status_code == 302
    assert PageClient(app, "guyang").get("/admin/thresholds/event_ack_hours").status_code == 403
    clock.set(REPORTED_AT)
    assert api("guyang").post("/events", json=FLOOD).json["ack_minutes"] == 240


def test_the_league_acknowledges_on_its_task_page(app, api, reported):
    league = PageClient(app, "baotou")
    inbox = league.get("/tasks/").text
    assert "盟市确认" in inbox and "自然灾害·金山镇" in inbox
    (task,) = [t for t in api("baotou").get("/tasks").json if t["instance_id"] == reported["instance_id"]]
    page = league.get(f"/tasks/{task['id']}")
    assert page.status_code == 200 and "批示意见" in page.text
    assert league.post(f"/tasks/{task['id']}", {"instructions": "请做好受灾群众安置"}).status_code == 302
    page = PageClient(app, "guyang").get(f"/events/{reported['id']}").text
    assert "盟市确认" in page and "请做好受灾群众安置" in page and "待自治区确认" in page


def test_an_acknowledgements_task_page_shows_the_event_its_story_and_deadline(app, api, clock, reported):
    """R1 #7 / R2 #2: the level decides on the event's facts, not on a bare form; its deadline is the task's."""
    (task,) = tasks_of(api("baotou"), reported)
    page = PageClient(app, "baotou").get(f"/tasks/{task['id']}").text
    for fact in ("自然灾害 · 金山镇", "2026年7月15日 06:30", "持续强降雨引发山洪", "120户，410人", "3,250,000.50 元",
                 "转移安置群众86人", "申请救灾资金和种子", "旗县上报", "送达盟市", "时限至 2026年7月15日 12:00",
                 f'href="/events/{reported["id"]}"'):
        assert fact in page, fact
    assert "元元" not in page and "<dt>办理期限</dt><dd>—" not in page
    clock.set(REPORTED_AT + timedelta(minutes=30))
    api("baotou").complete(reported["instance_id"], "ack_league", {"instructions": "立即组织救灾"})
    (task,) = tasks_of(api("zizhiqu"), reported)
    page = PageClient(app, "zizhiqu").get(f"/tasks/{task['id']}").text
    assert "盟市确认" in page and "立即组织救灾" in page and "时限至 2026年7月15日 12:30" in page


def test_money_reads_once_as_yuan_on_the_event_and_follow_up_pages(app, reported):
    """R1 #14 / R2 #17: the money filter says 元 already."""
    county = PageClient(app, "guyang")
    for url in (f"/events/{reported['id']}", f"/events/{reported['id']}/update"):
        page = county.get(url).text
        assert "3,250,000.50 元" in page and "元元" not in page and "元 元" not in page, url


def test_the_events_case_page_reads_in_words(app, api, clock, reported):
    """The major event's own case (/cases/{id}) for the county and the region, once the league has acknowledged:
    no codes, English or ISO times (the page scanner), the levels' places and deadlines in words."""
    clock.set(REPORTED_AT + timedelta(minutes=30))
    api("baotou").complete(reported["instance_id"], "ack_league", {"instructions": "立即组织救灾"})
    for username in ("guyang", "zizhiqu"):
        page = PageClient(app, username).get(f"/cases/{reported['instance_id']}")
        assert page.status_code == 200, username
        assert "自然灾害·金山镇" in page.text and "<dt>送达</dt><dd>包头市" in page.text, username
        assert "<dt>地区</dt><dd>固阳县" in page.text and "<dt>农牧户</dt>" not in page.text, username
        assert "2026年7月15日 12:00" in page.text and "2026年7月15日 12:30" in page.text, username
