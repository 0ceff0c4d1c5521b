"""``/api/v1/quality`` on both databases: a run in the caller's scope, the findings as JSON and XLSX, who may run,
and a village whose findings close once its data are fixed."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from monitoring import places
from monitoring.quality import runner
from tests.monitoring.quality.households import COUNTY_PATH, household, only_checks, too_soon
from web.quality import listing


@pytest.fixture(autouse=True)
def q101_only(monkeypatch):
    only_checks(monkeypatch, "Q101")


def test_a_county_runs_the_checks_and_each_level_reads_the_findings_of_its_scope(api, session, clock):
    mine = too_soon(session)
    theirs = too_soon(session, village_code="150223200201",
                      place_path="/150000000000/150223000000/150223200000/150223200201/")
    household(session)
    session.commit()

    run = api("qi").post("/quality/run", json={})
    assert run.status_code == 200, run.json
    assert {key: run.json[key] for key in ("place", "checked", "tripped", "new", "closed", "open", "failed")} == {
        "place": "150223000000", "checked": 3, "tripped": 2, "new": 2, "closed": 0, "open": 2, "failed": []}

    county = api("qi").get("/quality/findings")
    assert county.status_code == 200 and county.headers["X-Total-Count"] == "2"
    assert {f["household_id"] for f in county.json} == {mine.id, theirs.id}
    first = next(f for f in county.json if f["household_id"] == mine.id)
    assert first["rule"] == "Q101" and first["severity"] == "error" and first["village"] == "150223100201"
    assert "2026-03-28" in first["message"] and datetime.fromisoformat(first["found_at"]) == clock.now()
    assert first["fields"] == ["eliminated_on", "elimination_method"] and first["resolved_at"] is None

    assert [f["household_id"] for f in api("cun").get("/quality/findings").json] == [mine.id]
    assert api("cun2").get("/quality/findings").json == []
    assert api("cun").get("/quality/findings?place=150223200201").status_code == 404
    by_township = api("qi").get("/quality/findings?place=150223200000&rule=Q101")
    assert [f["household_id"] for f in by_township.json] == [theirs.id]
    paged = api("qi").get("/quality/findings?limit=1")
    assert len(paged.json) == 1 and 'rel="next"' in paged.headers["Link"]
    unknown = api("qi").get("/quality/findings?rule=Q000")
    assert unknown.status_code == 422 and "rule" in unknown.json["error"]["fields"]


def test_the_findings_export_as_a_workbook(api, session):
    found = too_soon(session)
    session.commit()
    api("qi").post("/quality/run", json={})

    answer = api("qi").get("/quality/findings?format=xlsx")

    assert answer.status_code == 200
    assert answer.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    rows = list(load_workbook(BytesIO(answer.data)).active.iter_rows(values_only=True))
    assert rows[0] == tuple(column.title for column in listing.columns())  # the page's workbook: one helper
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert (row["户主"], row["嘎查村"], row["规则"], row["问题"], row["类别"], row["需修正"]) == (
        found.head.name, "艾力嘎查", "Q101", "识别当月或次月即帮扶消除", "错误", "风险消除日期、消除方式")
    assert "2026年3月28日" in row["说明"]  # for people: the JSON keeps the codes and ISO dates


def test_only_place_scoped_levels_run_and_only_in_their_scope(api, session, create_user, tree):
    places.add_place(session, "150224000000", "另一旗", "150000000000", "county")
    session.commit()
    create_user("weijian", "department", "150223000000", "health")
    create_user("qi2", "county", "150224000000")
    too_soon(session)
    session.commit()

    for username in ("weijian", "guanli", "sheji"):
        refused = api(username).post("/quality/run", json={})
        assert refused.status_code == 403, (username, refused.json)
    assert api("qi2").post("/quality/run", json={"place": "150223100201"}).status_code == 404
    assert api("qi2").get("/quality/findings?place=150223000000").status_code == 404
    assert api("cun").post("/quality/run", json={"place": "150223100202"}).status_code == 404
    assert api("cun").post("/quality/run", json={"place": 7}).status_code == 422

    assert api("cun").post("/quality/run").status_code == 200  # no body: the caller's own place
    assert api("weijian").get("/quality/findings").json == []  # a line department sees none
    assert api("qi2").get("/quality/findings").json == []
    assert len(api("qi").get("/quality/findings").json) == 1


def test_a_village_fixes_its_findings_and_they_close(api, session, clock):
    broken = [too_soon(session), too_soon(session)]
    session.commit()
    village = api("cun")
    assert village.post("/quality/run").json["new"] == 2

    clock.advance(timedelta(days=3))
    for each in broken:  # the cadre corrects the elimination's date (here straight in the record)
        each.eliminated_on = date(2026, 6, 1)
    session.commit()
    again = village.post("/quality/run").json
    assert (again["closed"], again["open"]) == (2, 0)

    assert village.get("/quality/findings").json == []
    closed = village.get("/quality/findings?status=resolved").json
    assert {f["household_id"] for f in closed} == {b.id for b in broken}
    assert all(datetime.fromisoformat(f["resolved_at"]) == clock.now() for f in closed)
    assert len(village.get("/quality/findings?status=all").json) == 2


def test_a_run_while_another_holds_the_county_answers_409_at_once(api, session, monkeypatch):
    """PostgreSQL: the county's run lock held (the nightly run passing it) — the caller is told in Chinese, as every
    refusal (api.md), after LOCK_WAIT rather than waiting; SQLite has one writer and no such lock."""
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("PostgreSQL's advisory locks")
    monkeypatch.setattr(runner, "LOCK_WAIT", "100ms")
    too_soon(session)
    session.commit()
    with Session(session.get_bind()) as nightly:
        nightly.execute(select(func.pg_advisory_xact_lock(runner.RUN_LOCK, runner.lock_key(COUNTY_PATH))))
        busy = api("cun").post("/quality/run", json={})
        nightly.rollback()
    assert busy.status_code == 409
    assert busy.json["error"] == {"code": "conflict", "message": "达茂旗正在进行数据质量检查，请稍后再试"}
    assert api("cun").post("/quality/run", json={}).json["new"] == 1
