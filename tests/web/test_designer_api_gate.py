"""The designer's gate as production sees a model: a draft's tests run before anything is written (no lock held while
they run), the places its tasks name are looked up as a case's step looks them up, a draft is the whole model (no
form carried over), and a conflict names the person who saved — on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from engine import audit
from engine.models import AuditEvent, ProcessDraft, ProcessVersion
from tests.conftest import START
from tests.web.test_designer_api import KEY, MODEL, VILLAGE, delete_draft, put_draft, renamed
from web.extensions import db

OTHER_TOWNSHIP = "150223200000"  # the village VILLAGE lies under the other township
# the visit task is stored at the place its case's data names, as a county's case places a village's task
PLACED = renamed(MODEL, '<spiffworkflow:property name="batch" value="true" />',
                 '<spiffworkflow:property name="batch" value="true" />'
                 '<spiffworkflow:property name="place" value="visit_place" />')


def placed_tests(code: str, at: str | None = None) -> str:
    """One scenario whose visit task is placed at ``code``, its case at ``at`` (``start.place``) when given."""
    start = {"data": {"visit_place": code}, "at": START.isoformat(), **({"place": at} if at else {})}
    return json.dumps({"scenarios": [{
        "name": "入户核查不符合条件", "start": start,
        "steps": [{"task": "visit", "data": {"eligible": False, "income": 1000}}],
        "expect": {"end": "end_ineligible"},
    }]}, ensure_ascii=False)


@pytest.fixture
def designer(api):
    return api("sheji")


@pytest.fixture
def looked_up(engine, monkeypatch) -> list[dict]:
    """What the database held each time a scenario looked a place up, i.e. while the draft's tests ran: the audit
    events, the draft's revision and the versions, as the request's own session sees them."""
    real, seen = engine.place_paths, []

    def observing(session, codes):
        seen.append({
            "audit": session.execute(select(func.count()).select_from(AuditEvent)).scalar(),
            "draft": session.execute(select(ProcessDraft.revision).where(ProcessDraft.key == KEY)).scalar(),
            "versions": session.execute(select(func.count()).select_from(ProcessVersion)).scalar(),
        })
        return real(session, codes)

    monkeypatch.setattr(engine, "place_paths", observing)
    return seen


def audit_events(session) -> int:
    session.rollback()  # read what the requests committed
    return session.execute(select(func.count()).select_from(AuditEvent)).scalar()


def test_a_save_and_a_publish_run_every_check_and_test_before_they_write(designer, looked_up, session):
    """Writing takes the global audit chain's head (on SQLite the database): while a model's tests run, nothing is
    written yet, so no other designer, deploy or case waits on them."""
    before = audit_events(session)

    saved = put_draft(designer, 0, {**PLACED, "approval.tests.json": placed_tests(VILLAGE)})

    assert saved.status_code == 200 and saved.json["problems"] == []
    assert looked_up == [{"audit": before, "draft": None, "versions": 0}]  # the tests ran before the draft was made
    assert audit_events(session) == before + 1

    published = designer.post(f"/process-models/{KEY}/publish", json={"revision": 1})

    assert published.status_code == 201, published.json
    assert looked_up[1:] == [{"audit": before + 1, "draft": 1, "versions": 0}]  # draft still there, no version yet
    assert audit_events(session) == before + 3  # the version deployed and the draft published


def test_another_writer_of_the_global_audit_chain_goes_on_while_a_drafts_tests_run(designer, engine, monkeypatch,
                                                                                  session):
    """Another designer's save, a deploy or a marking window appends to the same chain; it must not wait for a model's
    tests (before: it waited for their end — here, its own connection inside them, until its lock timeout)."""
    real, appended = engine.place_paths, []
    put_draft(designer, 0, MODEL)  # the chain's head exists
    before = audit_events(session)

    def another_writer(lookup_session, codes):
        with Session(db.engine) as other, other.begin():
            if other.bind.dialect.name == "postgresql":
                other.execute(text("SET LOCAL lock_timeout = '3s'"))
            audit.append_global(other, [audit.Event("elsewhere", START, "sheji2")])
            appended.append(True)
        return real(lookup_session, codes)

    monkeypatch.setattr(engine, "place_paths", another_writer)
    saved = put_draft(designer, 1, {**PLACED, "approval.tests.json": placed_tests(VILLAGE)})

    assert saved.status_code == 200 and saved.json["problems"] == [] and appended == [True]
    assert audit_events(session) == before + 2
    assert audit.verify(session).broken_at is None  # both appended to one unbroken chain


def test_publishing_a_revision_saved_over_while_its_tests_ran_is_a_conflict(designer, engine, monkeypatch):
    put_draft(designer, 0, {**PLACED, "approval.tests.json": placed_tests(VILLAGE)})
    real = engine.place_paths
    other = {**PLACED, "approval.tests.json": placed_tests(VILLAGE), "note.json": "{}"}

    def saved_meanwhile(session, codes):  # another window saves revision 2 (its own connection) while 1's tests run
        with db.engine.begin() as connection:
            connection.execute(update(ProcessDraft).where(ProcessDraft.key == KEY)
                               .values(revision=2, files=other, updated_by="sheji"))
        return real(session, codes)

    monkeypatch.setattr(engine, "place_paths", saved_meanwhile)
    refused = designer.post(f"/process-models/{KEY}/publish", json={"revision": 1})

    assert refused.status_code == 409 and refused.json["error"]["current_revision"] == 2
    assert designer.get(f"/process-models/{KEY}/versions").json == []
    assert designer.get(f"/process-models/{KEY}/draft").json["files"] == other


@pytest.mark.parametrize(("code", "at", "told"), [
    ("999999999999", None, "启动时: 任务“入户核查”的地点“999999999999”不存在"),
    (VILLAGE, OTHER_TOWNSHIP, f"任务“入户核查”的地点“{VILLAGE}”不在本案件所在地区（{OTHER_TOWNSHIP}）的上级或下级之内"),
    (VILLAGE, "123", "启动时: start.place的地点“123”不存在"),
])
def test_a_place_that_production_would_refuse_fails_the_scenario_at_its_task(designer, code, at, told):
    saved = put_draft(designer, 0, {**PLACED, "approval.tests.json": placed_tests(code, at)})

    (problem,) = saved.json["problems"]
    assert problem["file"] == "approval.tests.json" and told in problem["message"]
    assert problem["element"] == (None if at == "123" else "visit")
    assert put_draft(designer, 1, {**PLACED, "approval.tests.json": placed_tests(VILLAGE, "150223100000")}
                     ).json["problems"] == []  # the village below the case's township


def test_a_draft_without_a_form_its_task_names_says_so_and_is_not_published_with_the_old_one(designer, api):
    assert designer.post(f"/process-models/{KEY}/publish", json={"revision": 0}).status_code == 404
    first = put_draft(designer, 0, MODEL)
    assert designer.post(f"/process-models/{KEY}/publish", json={"revision": first.json["revision"]}).status_code == 201
    without = {name: text for name, text in MODEL.items() if name != "review.json"}

    saved = put_draft(designer, 0, without)

    assert [p["message"] for p in saved.json["problems"]] == ["表单“review.json”未随模型上传"] * 2
    refused = designer.post(f"/process-models/{KEY}/publish", json={"revision": 1})
    assert refused.status_code == 422
    assert [v["version"] for v in designer.get(f"/process-models/{KEY}/versions").json] == [1]


def test_a_conflict_names_the_saver_by_name_and_the_user_themself_as_in_another_window(designer, api, create_user):
    create_user("sheji2", "designer", "150000000000")
    put_draft(designer, 0, MODEL)
    assert put_draft(api("sheji2"), 1, renamed(MODEL, 'name="乡镇审核"', 'name="苏木乡镇审核"')).status_code == 200

    theirs = put_draft(designer, 1, MODEL).json["error"]["message"]
    assert theirs == "草稿已被 流程设计员（自治区） 于 2026-03-02 09:00 保存（修订 2），请刷新后再操作"

    assert put_draft(designer, 2, MODEL).status_code == 200  # this window
    mine = delete_draft(designer, 2).json["error"]["message"]  # the other window, still at revision 2
    assert mine == ("草稿已被 流程设计员（自治区）（可能是您在另一个窗口中） 于 2026-03-02 09:00 保存（修订 3），"
                    "请刷新后再操作")
