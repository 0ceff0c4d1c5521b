"""Adversarial review of issue 10: per-household batches, votes, keyset cursors, exports, department scope,
the bulletin, download names and user names, each attacked the way a careless or hostile client would."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from sqlalchemy import create_engine, select

from engine import batch as batch_rules
from engine.paging import encode_cursor
from monitoring.id_number import mask_personal_numbers_in
from monitoring.models import User
from tests.conftest import PASSWORD
from tests.web.pages.conftest import PageClient
from tests.web.pages.test_department_scope import POLICE, scene, upload  # noqa: F401  (fixture and its helper)
from tests.web.test_batch_decisions import (
    HEADS,
    MEETING,
    VILLAGE,
    VILLAGE2,
    VILLAGE_OTHER,
    at_appraisal,
    at_township_review,
    batch,
)
from tests.web.test_identification import forms_dir, world  # noqa: F401  (fixtures)
from web.cli import main as fangpin
from web.downloads import content_disposition
from web.exports import Column, workbook

pytestmark = pytest.mark.usefixtures("world")
VOTES = {"votes_for": 15, "votes_against": 5, "approved": True}


@pytest.fixture
def pages(app, actors):
    return lambda username=None: PageClient(app, username)


def open_tasks(user, instance_ids, bpmn_id="appraisal") -> list[str]:
    return [user.task(i, bpmn_id)["id"] for i in instance_ids]


# --- per_task ----------------------------------------------------------------------------------------------------

def test_a_batch_naming_another_villages_task_is_not_found_and_decides_nothing(api):
    cun = api("cun")
    mine = at_appraisal(api)
    theirs = at_appraisal(api, VILLAGE_OTHER)
    their_task = api("cun3").task(theirs, "appraisal")["id"]
    body = {"task_ids": [cun.task(mine, "appraisal")["id"], their_task], "data": {**MEETING, **VOTES}}
    assert cun.post("/tasks/complete", json=body).status_code == 404
    assert cun.task(mine, "appraisal") and api("cun3").task(theirs, "appraisal")


def test_a_batch_mixing_steps_is_refused_on_task_ids(api, clock):
    cun = api("cun")
    reviewed = at_township_review(api, clock, [VILLAGE])[0]
    at_visit = at_appraisal(api)
    zhen = api("zhen")
    body = {"task_ids": [zhen.task(reviewed, "township_review")["id"], cun.task(at_visit, "appraisal")["id"]],
            "data": {"approved": True}}
    response = zhen.post("/tasks/complete", json=body)
    assert response.status_code == 404  # the appraisal is not the township's task at all
    body["task_ids"][1] = zhen.task(reviewed, "township_review")["id"]
    assert zhen.post("/tasks/complete", json=body).status_code == 422  # the same task twice


def test_ten_thousand_task_ids_with_as_many_per_task_answers_are_refused_by_name(api):
    cun = api("cun")
    ids = [f"00000000-0000-0000-0000-{n:012d}" for n in range(10_000)]
    body = {"task_ids": ids, "data": {}, "per_task": {i: {"votes_for": 1} for i in reversed(ids)}}
    response = cun.post("/tasks/complete", json=body)
    assert response.status_code == 404, response.json  # the first unknown task, before any other work


@pytest.mark.parametrize("raw", [b'NaN', b'Infinity', b'-Infinity', b'1e309'])
def test_non_finite_votes_in_per_task_are_a_400_naming_the_field(api, raw):
    cun = api("cun")
    cases = [at_appraisal(api, head=head) for head in HEADS[:2]]
    first, second = open_tasks(cun, cases)
    body = (b'{"task_ids":["%s","%s"],"data":{"meeting_date":"2026-03-02","meeting_form":"representative_meeting",'
            b'"attendees":20},"per_task":{"%s":{"votes_for":%s,"votes_against":1,"approved":true},'
            b'"%s":{"votes_for":15,"votes_against":1,"approved":true}}}'
            % (first.encode(), second.encode(), first.encode(), raw, second.encode()))
    response = cun.client.post("/api/v1/tasks/complete", data=body, headers=cun.headers,
                               content_type="application/json")
    assert response.status_code == 400
    assert f"per_task.{first}.votes_for" in response.json["error"]["fields"]
    assert all(cun.task(i, "appraisal") for i in cases)


def test_strings_for_votes_and_deep_nesting_are_refused_per_household(api):
    cun = api("cun")
    cases = [at_appraisal(api, head=head) for head in HEADS[:2]]
    response, task_ids = batch(cun, "appraisal", cases, MEETING,
                               {0: {"votes_for": "15", "votes_against": 5, "approved": True},
                                1: {"votes_for": 15, "votes_against": 5, "approved": True}})
    assert response.status_code == 422
    assert set(response.json["error"]["fields"]) == {f"per_task.{task_ids[0]}.votes_for"}
    nested: dict = {"x": 1}
    for _ in range(200):
        nested = {"x": nested}
    deep = cun.post("/tasks/complete", json={"task_ids": task_ids, "data": MEETING,
                                              "per_task": {task_ids[0]: {"reason": nested}}})
    assert deep.status_code == 400
    assert all(cun.task(i, "appraisal") for i in cases)


def test_a_stale_task_in_a_batch_is_a_conflict_and_the_rest_stays_open(api):
    cun = api("cun")
    cases = [at_appraisal(api, head=head) for head in HEADS[:2]]
    task_ids = open_tasks(cun, cases)
    assert cun.post(f"/tasks/{task_ids[0]}/complete", json={"data": {**MEETING, **VOTES}}).status_code == 200
    response = cun.post("/tasks/complete", json={"task_ids": task_ids, "data": MEETING,
                                                 "per_task": {t: VOTES for t in task_ids}})
    assert response.status_code == 409
    assert cun.task(cases[1], "appraisal")


# --- votes at the boundaries --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("attendees", "votes", "approved", "status"), [
    (21, {"votes_for": 11, "votes_against": 10}, True, 200),  # 22 > 21: an odd meeting passes on 11
    (21, {"votes_for": 10, "votes_against": 11}, True, 422),
    (20, {"votes_for": 10, "votes_against": 10, "votes_abstain": 0}, False, 200),  # exactly half fails
    (20, {"votes_for": 11, "votes_against": 0}, True, 200),  # abstain omitted: the rest simply did not vote
    (0, {"votes_for": 0, "votes_against": 0}, True, 422),  # nobody present passes nothing
    (20, {"votes_for": True, "votes_against": 0}, True, 422),  # a boolean is no count
    (20, {"votes_for": 15, "votes_against": 5, "votes_abstain": -1}, True, 422),
    (-1, {"votes_for": 0, "votes_against": 0}, False, 422),
    (10**12, {"votes_for": 10**12, "votes_against": 0}, True, 422),  # no meeting is that large
    (20, {"votes_for": 15.0, "votes_against": 5}, True, 422),  # 15.0 is no count either
    (20, {"votes_for": 3.0, "votes_against": 17}, True, 422),  # and slipped past the majority rule
])
def test_votes_at_the_boundaries(api, attendees, votes, approved, status):
    cun = api("cun")
    instance_id = at_appraisal(api)
    data = {**MEETING, "attendees": attendees, **votes, "approved": approved}
    if not approved:
        data["reason"] = "未过半数"
    response = cun.post(f"/tasks/{cun.task(instance_id, 'appraisal')['id']}/complete", json={"data": data})
    assert response.status_code == status, response.json


# --- cursors ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("values", [[10**30], [-(10**30)], ["x"], [1, 2], []])
def test_a_forged_household_cursor_is_refused_on_after(api, values):
    response = api("qi").get(f"/households?after={encode_cursor(values)}")
    assert response.status_code == 422, response.json
    assert "after" in response.json["error"]["fields"]


@pytest.mark.parametrize("values", [["\x00", "a"], ["/15/", "\x00"], ["\ud800", "a"]])
def test_a_cursor_with_a_string_no_database_holds_is_refused_on_after(pages, values):
    try:
        cursor = encode_cursor(values)
    except UnicodeEncodeError:  # a lone surrogate cannot be encoded: forge its bytes by hand
        cursor = base64.urlsafe_b64encode(b'[["s","\\ud800"],["s","a"]]').decode().rstrip("=")
    response = pages("guanli").get(f"/admin/users/?after={cursor}")
    assert response.status_code == 422


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"])
def test_a_cursor_of_a_time_with_no_utc_time_is_refused_on_after(api, moment):
    cursor = base64.urlsafe_b64encode(json.dumps([["t", moment], ["s", "x"]]).encode()).decode().rstrip("=")
    response = api("qi").get(f"/tasks?after={cursor}")
    assert response.status_code == 422, response.json
    assert "after" in response.json["error"]["fields"]


def test_a_cursor_from_another_scope_reveals_nothing_outside_the_readers_scope(api):
    at_appraisal(api)
    theirs = at_appraisal(api, VILLAGE_OTHER)
    listed = api("cun").get(f"/households?after={encode_cursor([0])}&limit=200").json
    assert theirs not in [h["id"] for h in listed]
    assert all(h["village"] == VILLAGE for h in listed)


@pytest.mark.parametrize("limit", ["0", "-1", "1000000000", "1e3", "%20"])
def test_a_limit_out_of_range_is_refused_on_limit(api, limit):
    response = api("cun").get(f"/tasks?limit={limit}")  # off its declaration (1…200): malformed, as a body's field
    assert response.status_code == 400 and "limit" in response.json["error"]["fields"]


# --- exports ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://x\",\"点此\")", "=1+1", "+1+1", "-1+1", "@SUM(A1)"])
def test_text_that_looks_like_a_formula_stays_text_in_the_xlsx(text):
    data = workbook("农牧户", [Column("户主姓名", lambda row: row)], [[text]])
    cell = load_workbook(io.BytesIO(data))["农牧户"]["A2"]
    assert cell.data_type == "s" and cell.value == text


def test_a_village_cadre_exporting_with_another_villages_filter_gets_no_rows(api, pages):
    at_appraisal(api)
    at_appraisal(api, VILLAGE_OTHER)
    response = pages("cun").get(f"/households/?format=xlsx&village={VILLAGE_OTHER}")
    assert response.status_code == 200  # the filter narrows the cadre's own village to nothing
    assert list(load_workbook(io.BytesIO(response.data)).active.iter_rows(min_row=2, values_only=True)) == []
    assert pages("cun").get(f"/households/?format=xlsx&village={VILLAGE}").status_code == 200


# --- the bulletin -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("quarter", ["2026Q5", "0000Q1", "9999Q4", "2026Q0", "２０２６Q1"])
def test_a_bulletin_of_a_quarter_that_cannot_be_is_refused(api, quarter):
    response = api("qi").get(f"/reports/bulletin?quarter={quarter}")
    assert response.status_code == 422 and "quarter" in response.json["error"]["fields"]


def test_a_bulletin_of_a_place_outside_scope_is_not_found(api, pages):
    assert api("zhen").get("/reports/bulletin?quarter=2026Q1&place=150223200000").status_code == 404
    assert pages("zhen").get("/dashboard/bulletin?quarter=2026Q1&place=150223200000").status_code == 404
    assert api("qi").get("/reports/bulletin?quarter=2026Q1&place=159999000000").status_code == 404


# --- download names -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ['a"b.pdf', "a\r\nSet-Cookie: x=1.pdf", "附件" * 400 + ".pdf", "a;b=c.pdf"])
def test_a_download_name_cannot_break_out_of_its_header(name):
    value = content_disposition(name, 'x"\r\ny')
    assert "\r" not in value and "\n" not in value
    assert value.count('"') == 2 and ";" not in value.split("filename*=", 1)[1]


# --- user names ---------------------------------------------------------------------------------------------------

def test_a_name_with_markup_is_shown_as_text(pages, session):
    admin = pages("guanli")
    response = admin.post("/admin/users/new", {"name": "<i>王</i>", "username": "bao",
                                               "role": "village", "place": VILLAGE, "password": PASSWORD})
    assert response.status_code in (302, 422)
    listing = admin.get("/admin/users/").text
    assert "<i>王</i>" not in listing and "<i>王</i>" not in response.text


@pytest.mark.parametrize("name", ["王" * 10_000, "   ", "\u3000\u3000"])
def test_a_name_too_long_or_blank_is_refused_on_the_field(pages, name):
    response = pages("guanli").post("/admin/users/new", {"name": name, "username": "bao", "role": "village",
                                                         "place": VILLAGE, "password": PASSWORD})
    assert response.status_code == 422 and "aria-invalid" in response.text.split('id="f-name"')[1].split(">")[0]


class CountedId(str):
    """A task id that counts how often it is compared: the work of checking a batch, without a clock."""

    comparisons = 0

    def __eq__(self, other: object) -> bool:
        CountedId.comparisons += 1
        return str.__eq__(self, other)

    __hash__ = str.__hash__


def test_checking_per_task_answers_grows_with_the_batch_not_its_square():
    ids = [CountedId(f"00000000-0000-0000-0000-{n:012d}") for n in range(2_000)]
    CountedId.comparisons = 0
    assert batch_rules.own_answers({i: {"votes_for": 1} for i in reversed(ids)}, ids)
    assert CountedId.comparisons < 2 * len(ids)  # a list lookup per answer compared about 2,000,000 times


# --- a line department --------------------------------------------------------------------------------------------

@pytest.mark.usefixtures("scene")
def test_a_department_reads_no_bulletin_on_the_page_as_in_the_api(api, pages):
    assert api(POLICE).get("/reports/bulletin").status_code == 404
    assert pages(POLICE).get("/dashboard/bulletin").status_code == 404  # was the county's counts
    assert "/dashboard/bulletin" not in pages(POLICE).get("/dashboard/").text  # and no link leads there
    assert "/dashboard/bulletin" in pages("qi").get("/dashboard/").text


def test_a_department_exports_no_case_task_or_notice_and_batches_nothing(api, pages, request):
    hits, browser = request.getfixturevalue("scene"), pages(POLICE)
    for url in ("/cases/?format=xlsx", "/tasks/?format=xlsx", "/notices/?format=xlsx"):
        response = browser.get(url)
        assert response.status_code == 200, url
        assert list(load_workbook(io.BytesIO(response.data)).active.iter_rows(min_row=2, values_only=True)) == [], url
    cases = (hits["cases"]["car"], hits["cases"]["plain"])
    task_ids = [api("cun").get(f"/instances/{case}").json["tasks"][0]["id"] for case in cases]
    assert browser.get("/tasks/batch?" + "&".join(f"task={t}" for t in task_ids)).status_code == 404
    assert api(POLICE).post("/tasks/complete", {"task_ids": task_ids, "data": {}}).status_code == 404
    plain = hits["plain"]["id"]
    assert browser.get(f"/measures/household/{plain}/sheet").status_code == 404
    assert api(POLICE).post("/documents", {"kind": "annex7", "subject_id": plain}).status_code == 404


# --- numbers in free text -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("typed", "shown"), [
    ("电话138-1234-5678", "电话138****5678"), ("电话138 1234 5678", "电话138****5678"),
    ("电话１３８１２３４５６７８", "电话１３８****５６７８"), ("座机0471-6612345", "座机0471-****2345"),
    ("收入15206元，日期20260302，参会21人", "收入15206元，日期20260302，参会21人"),
])
def test_a_phone_number_typed_with_gaps_or_full_width_digits_is_masked_in_an_objection(typed, shown):
    assert mask_personal_numbers_in(typed) == shown


@pytest.mark.parametrize(("name", "refused"), [("王" * 10_000, True), ("   ", True), ("<b>王</b>", False)])
def test_the_cli_refuses_a_name_too_long_or_blank_and_keeps_markup_as_text(tmp_path, monkeypatch, name, refused):
    env = {"FANGPIN_INSTANCE_DIR": str(tmp_path), "FANGPIN_DATABASE_URL": f"sqlite:///{tmp_path / 'f.db'}",
           "FANGPIN_PROCESSES_DIR": str(tmp_path)}
    for variable in ("FANGPIN_CLOCK", "FANGPIN_DOCUMENTS_DIR", "FANGPIN_SECRET_KEY"):
        monkeypatch.delenv(variable, raising=False)
    runner = CliRunner()
    assert runner.invoke(fangpin, ["db", "upgrade"], env=env).exit_code == 0
    assert runner.invoke(fangpin, ["places", "add", "150000000000", "自治区"], env=env).exit_code == 0
    added = runner.invoke(fangpin, ["users", "add", "wang", "--role", "region", "--place", "150000000000",
                                    "--password", PASSWORD, "--name", name], env=env)
    assert (added.exit_code != 0) is refused, added.output
    assert ("姓名" in added.output) is refused and "Traceback" not in added.output
    with create_engine(env["FANGPIN_DATABASE_URL"]).connect() as connection:
        assert connection.execute(select(User.name)).scalars().all() == ([] if refused else [name])


def test_the_inbox_batch_hint_holds_for_a_township_review_too(api, pages, clock):
    at_township_review(api, clock, [VILLAGE, VILLAGE2])
    page = pages("zhen").get("/tasks/?step=township_review").text
    hint = page.split('class="card row spread no-print batch-bar">')[1].split("</span>")[0]
    assert "批量办理选中的农户" in page and "评议" not in hint  # it said 每个嘎查村一次评议 at the township's review


@pytest.mark.parametrize("url", ["/cases/?quarter=2026Q1&count=started&place=150223200000",
                                 "/cases/?quarter=2026Q1&count=started&place=150223200000&format=xlsx",
                                 "/households/?quarter=2026Q1&count=identified&place=150223200000",
                                 "/cases/?quarter=2026Q1&count=started&place=159999000000"])
def test_a_bulletin_link_naming_a_place_outside_scope_is_not_found(pages, url):
    response = pages("zhen").get(url)  # the bulletin answers 404 there; its lists named the place over no rows
    assert response.status_code == 404 and "查干哈达苏木" not in response.text


# --- a batch across process versions ------------------------------------------------------------------------------

def deploy_township_review_one_by_one(api) -> None:
    """A second version of identification whose township review is decided one case at a time."""
    model = (Path(__file__).resolve().parents[2] / "processes" / "identification.bpmn").read_text(encoding="utf-8")
    batched = '<spiffworkflow:property name="batch" value="parent"/>\n          <spiffworkflow:property ' \
              'name="formJsonSchemaFilename" value="review.json"/>'
    assert model.count(batched) == 1
    designer = api("sheji")
    one_by_one = model.replace(batched, batched.split("\n")[1].strip()).encode()
    tables = Path(__file__).resolve().parents[2] / "processes" / "monitoring_type.dmn"
    response = designer.deploy(one_by_one, beside=(tables,))
    assert response.status_code == 201, response.json


def test_a_batch_over_two_versions_that_disagree_on_batching_is_refused(api, clock):
    old = at_township_review(api, clock, [VILLAGE])
    deploy_township_review_one_by_one(api)
    new = at_township_review(api, clock, [VILLAGE])
    zhen = api("zhen")
    assert zhen.get(f"/instances/{old[0]}").json["version"] != zhen.get(f"/instances/{new[0]}").json["version"]
    response, _ = batch(zhen, "township_review", [*old, *new], {"approved": True})
    assert response.status_code == 422 and set(response.json["error"]["fields"]) == {"task_ids"}
    assert zhen.task(old[0], "township_review") and zhen.task(new[0], "township_review")


def test_the_batch_page_counts_one_household_named_twice_once(api, pages):
    cun = api("cun")
    task_id = cun.task(at_appraisal(api), "appraisal")["id"]
    response = pages("cun").get(f"/tasks/batch?task={task_id}&task={task_id}")
    assert response.status_code == 422 and "至少选择两户" in response.text  # it opened a "batch" of one
