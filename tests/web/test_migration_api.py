"""The migration API (api.md "Process design": migrate): list a version's running instances, dry-run and migrate them.

Fixtures ``migration_v1.bpmn`` and its second versions (see tests/engine/test_migration.py); and the shipped
identification model with a step added after 走访排查.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import select

from engine.deploy import SourceFile, with_forms
from engine.models import AuditEvent
from monitoring import places
from tests.conftest import FIXTURES, PASSWORD
from tests.web.pages.conftest import PageClient
from tests.web.test_identification import (  # noqa: F401 (forms_dir, world: the fixtures)
    APPRAISAL,
    VISIT,
    form_data,
    forms_dir,
    new_household,
    start,
    sweep,
    world,
)

ROOT = Path(__file__).resolve().parents[2]
# the decision table identification.bpmn calls, deployed with it
TABLE = SourceFile("monitoring_type.dmn", (ROOT / "processes" / "monitoring_type.dmn").read_bytes())
KEY = "migration"
TOWNSHIP = "150223100000"
BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"


def deploy(designer, *files: SourceFile) -> dict:
    response = designer.client.post("/api/v1/process-models", headers=designer.headers,
                                    data={"file": [(io.BytesIO(f.content), f.name) for f in files]},
                                    content_type="multipart/form-data")
    assert response.status_code == 201, response.json
    return response.json


def fixture(name: str) -> SourceFile:
    return SourceFile(name, (FIXTURES / "processes" / name).read_bytes())


@pytest.fixture
def designer(api):
    found = api("sheji")
    deploy(found, fixture("migration_v1.bpmn"))
    return found


def at_review(api, **data) -> int:
    cun = api("cun")
    response = cun.post("/instances", json={"process": KEY, "place": "150223100201",
                                            "data": {"applicant": "巴特尔", **data}})
    assert response.status_code == 201, response.json
    instance_id = response.json["id"]
    cun.complete(instance_id, "check", {"checked": True})
    return instance_id


def migrate(user, instance_ids, dry_run, status=200, **body):
    response = user.post(f"/process-models/{KEY}/migrate", json={
        "from_version": 1, "to_version": 2, "instance_ids": instance_ids, "dry_run": dry_run, **body})
    assert response.status_code == status, response.json
    return response.json


def audit_rows(session, type_: str) -> list[AuditEvent]:
    session.expire_all()
    return list(session.execute(select(AuditEvent).where(AuditEvent.type == type_)).scalars())


def test_a_designer_lists_dry_runs_and_migrates_the_running_cases_of_a_version(api, designer, session):
    first, second = at_review(api), at_review(api)
    deploy(designer, fixture("migration_v2_added.bpmn"))

    listed = designer.get(f"/process-models/{KEY}/instances?version=1&limit=1")
    assert listed.status_code == 200 and listed.headers["X-Total-Count"] == "2"
    assert [(i["id"], i["place"], i["tasks"]) for i in listed.json] == \
        [(first, "150223100201", [{"bpmn_id": "review", "name": "乡镇审核"}])]
    following = designer.client.get(listed.headers["Link"].split(";")[0].strip("<>"), headers=designer.headers)
    assert [i["id"] for i in following.json] == [second]

    dry = migrate(designer, "all", True)
    assert dry == {"instances": [{"id": i, "migratable": True, "reasons": [], "migrated": False, "tasks": ["乡镇审核"],
                                  "notes": []} for i in (first, second)]}
    assert audit_rows(session, "model_migration") == [] and audit_rows(session, "instance_migrated") == []

    done = migrate(designer, [second], False)
    assert done["instances"] == [{"id": second, "migratable": True, "reasons": [], "migrated": True,
                                  "tasks": ["乡镇审核"], "notes": []}]
    [event] = audit_rows(session, "model_migration")
    assert (event.actor, event.instance_id, event.detail) == ("sheji", None, {
        "key": KEY, "from_version": 1, "to_version": 2, "requested": 1, "migrated": 1, "refused": 0,
        "instances": [second]})
    assert designer.get(f"/instances/{second}").json["version"] == 2
    assert [i["id"] for i in designer.get(f"/process-models/{KEY}/instances?version=1").json] == [first]

    api("zhen").complete(second, "review", {"approved": True})
    api("qi").complete(second, "approve", {"approved": True})
    assert designer.get(f"/instances/{second}").json["status"] == "completed"
    api("zhen").complete(first, "review", {"approved": True})  # the case left on version 1 ends there
    assert designer.get(f"/instances/{first}").json["status"] == "completed"


def test_the_case_history_tells_the_migration_with_the_steps_before_and_after(api, app, designer):
    instance_id = at_review(api)
    deploy(designer, fixture("migration_v2_inserted.bpmn"))
    migrate(designer, [instance_id], False)

    page = PageClient(app, "zhen").get(f"/cases/{instance_id}").get_data(as_text=True)

    history = page.split('id="timeline-title"')[1].split("</section>")[0]
    assert "流程迁移：第 1 版 → 第 2 版" in history and "系统记录" not in history
    assert "迁移前待办：乡镇审核；迁移后待办：乡镇审核" in history


@pytest.mark.usefixtures("world")
def test_the_list_names_each_cases_household_links_its_page_and_says_what_a_waiting_case_awaits(api, designer):
    cun = api("cun")
    household = new_household(api)
    noticed = start(cun, household, "cadre_screening")["id"]
    for bpmn_id, answers in (("visit", VISIT), ("authorize", {"approved": True}), ("appraisal", APPRAISAL)):
        cun.complete(noticed, bpmn_id, form_data(cun, noticed, bpmn_id, **answers))
    other = at_review(api)  # a case of no household

    [listed] = designer.get("/process-models/identification/instances?version=1").json
    [plain] = designer.get(f"/process-models/{KEY}/instances?version=1").json

    assert (listed["id"], listed["household"], listed["url"], listed["tasks"]) == \
        (noticed, {"id": household["id"], "head": "巴特尔"}, f"/cases/{noticed}", [])
    assert listed["waiting_text"].startswith("公示中") and "至" in listed["waiting_text"]
    assert sorted(w["type"] for w in listed["waiting"]) == ["message", "timer"]  # an objection, or the period's end
    assert (plain["id"], plain["household"], plain["url"], plain["waiting"], plain["waiting_text"]) == \
        (other, None, f"/cases/{other}", [], "")
    assert plain["place_name"] == listed["place_name"] != plain["place"]


def test_a_refused_instance_says_why_and_the_others_move(api, designer):
    refused, moved = at_review(api), at_review(api, review_place=TOWNSHIP)
    deploy(designer, fixture("migration_v2_placed.bpmn"))

    result = migrate(designer, [refused, moved], False)["instances"]

    assert [r["migrated"] for r in result] == [False, True]
    assert "地点表达式 review_place 无法求值" in result[0]["reasons"][0]
    assert [t["bpmn_id"] for t in designer.get(f"/instances/{refused}").json["tasks"]] == ["review"]
    assert designer.get(f"/instances/{refused}").json["version"] == 1


def test_a_version_without_a_step_the_case_did_is_refused(api, designer):
    instance_id = at_review(api)
    deploy(designer, fixture("migration_v2_removed.bpmn"))

    [result] = migrate(designer, [instance_id], False)["instances"]

    assert not result["migratable"] and "已办理的任务“入户核查”在新版本中已删除" in result["reasons"]
    assert designer.get(f"/instances/{instance_id}").json["version"] == 1


def test_a_changed_lane_moves_the_task_to_the_other_roles_inbox(api, designer):
    instance_id = at_review(api)
    deploy(designer, fixture("migration_v2_lane.bpmn"))

    migrate(designer, [instance_id], False)

    assert [t for t in api("zhen").get("/tasks").json if t["instance_id"] == instance_id] == []
    api("qi").complete(instance_id, "review", {"approved": True})


def test_only_a_designer_migrates_and_only_the_cases_at_its_place(api, designer, session):
    instance_id = at_review(api)
    deploy(designer, fixture("migration_v2_added.bpmn"))
    places.add_place(session, "150224000000", "另一旗", "150000000000", "county")
    places.add_user(session, "sheji2", "designer", "150224000000", PASSWORD)
    session.commit()
    elsewhere = api("sheji2")

    assert elsewhere.get(f"/process-models/{KEY}/instances?version=1").json == []
    assert migrate(elsewhere, [instance_id], False)["instances"][0]["reasons"] == ["未找到此流程实例"]
    assert migrate(elsewhere, "all", False)["instances"] == []
    assert migrate(api("cun"), [instance_id], False, status=404)["error"]["code"] == "not_found"
    assert migrate(api("guanli"), [instance_id], False, status=403)["error"]["code"] == "forbidden"
    assert api("guanli").get(f"/process-models/{KEY}/instances?version=1").json[0]["id"] == instance_id
    assert designer.get(f"/instances/{instance_id}").json["version"] == 1


@pytest.mark.parametrize(("body", "status", "name"), [
    ({"instance_ids": ["1"]}, 400, "instance_ids"),
    ({"instance_ids": [True]}, 400, "instance_ids"),
    ({"instance_ids": "some"}, 400, "instance_ids"),
    ({"instance_ids": []}, 422, "instance_ids"),
    ({"instance_ids": list(range(1, 502))}, 422, "instance_ids"),
    ({"instance_ids": [10 ** 30]}, 422, "instance_ids"),
    ({"dry_run": "yes"}, 400, "dry_run"),
    ({"to_version": 1}, 422, "to_version"),
    ({"from_version": "1"}, 400, "from_version"),
])
def test_bad_input_is_refused_by_field_and_changes_nothing(api, designer, session, body, status, name):
    instance_id = at_review(api)
    deploy(designer, fixture("migration_v2_added.bpmn"))

    response = designer.post(f"/process-models/{KEY}/migrate", json={
        "from_version": 1, "to_version": 2, "instance_ids": [instance_id], "dry_run": False, **body})

    assert response.status_code == status and name in response.json["error"]["fields"], response.json
    assert designer.get(f"/instances/{instance_id}").json["version"] == 1
    assert audit_rows(session, "model_migration") == []


def test_an_unknown_version_is_not_found(api, designer):
    assert migrate(designer, "all", True, status=404, to_version=7)["error"]["code"] == "not_found"
    assert designer.get(f"/process-models/{KEY}/instances").status_code == 400


def with_step_after_visit(xml: bytes) -> bytes:
    """identification.bpmn with 入户核查复核 (township) between 走访排查 and the step that records the visit."""
    root = etree.fromstring(xml)
    ns = {"bpmn": BPMN}
    process = root.find("bpmn:process", ns)
    flow = process.find("bpmn:sequenceFlow[@id='f_visit_save']", ns)
    flow.set("targetRef", "visit_check")
    save_visit = process.find("bpmn:scriptTask[@id='save_visit']", ns)
    save_visit.find("bpmn:incoming", ns).text = "f_check_save"
    task = etree.SubElement(process, f"{{{BPMN}}}userTask", id="visit_check", name="入户核查复核")
    etree.SubElement(task, f"{{{BPMN}}}incoming").text = "f_visit_save"
    etree.SubElement(task, f"{{{BPMN}}}outgoing").text = "f_check_save"
    etree.SubElement(process, f"{{{BPMN}}}sequenceFlow", id="f_check_save", sourceRef="visit_check",
                     targetRef="save_visit")
    lane = process.find("bpmn:laneSet/bpmn:lane[@name='township']", ns)
    etree.SubElement(lane, f"{{{BPMN}}}flowNodeRef").text = "visit_check"
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def test_a_running_identification_case_at_the_visit_ends_in_the_inbox_of_a_step_added_after_it(api, session):
    designer = api("sheji")
    model = (ROOT / "processes" / "identification.bpmn").read_bytes()
    deploy(designer, *with_forms([SourceFile("identification.bpmn", model), TABLE], ROOT / "forms"))
    cun = api("cun")
    instance = start(cun, new_household(api), "cadre_screening")
    deploy(designer, *with_forms([SourceFile("identification.bpmn", with_step_after_visit(model)), TABLE],
                                 ROOT / "forms"))

    response = designer.post("/process-models/identification/migrate", json={
        "from_version": 1, "to_version": 2, "instance_ids": [instance["id"]], "dry_run": False})

    assert response.status_code == 200 and response.json["instances"][0]["migrated"], response.json
    visit = cun.task(instance["id"], "visit")
    prefill = cun.get(f"/tasks/{visit['id']}").json["prefill"]
    cun.complete(instance["id"], "visit", {**prefill, "visitors": "村两委 张三、李四", "wage_income": 6000,
                                           "business_income": 3000, "property_income": 0, "transfer_income": 1200,
                                           "business_expenses": 2000, "medical_expense": 30000,
                                           "risk_types": ["illness"], "approved": True})
    assert [t["bpmn_id"] for t in api("zhen").get("/tasks").json if t["instance_id"] == instance["id"]] == \
        ["visit_check"]


@pytest.mark.usefixtures("world")
def test_an_identification_case_past_the_visit_moves_is_told_it_skips_the_new_step_and_completes(api, clock):
    designer, cun, qi = api("sheji"), api("cun"), api("qi")
    model = (ROOT / "processes" / "identification.bpmn").read_bytes()
    instance_id = start(cun, new_household(api), "cadre_screening")["id"]
    cun.complete(instance_id, "visit", form_data(cun, instance_id, "visit", **VISIT))  # now at 农牧户授权
    deploy(designer, *with_forms([SourceFile("identification.bpmn", with_step_after_visit(model)), TABLE],
                                 ROOT / "forms"))
    body = {"from_version": 1, "to_version": 2, "instance_ids": [instance_id]}

    dry = designer.post("/process-models/identification/migrate", json={**body, "dry_run": True}).json["instances"]
    assert [(r["migratable"], r["reasons"], r["notes"]) for r in dry] == \
        [(True, [], ["此案件已过新增的任务“入户核查复核”，迁移后不会再办理它"])]
    [moved] = designer.post("/process-models/identification/migrate", json={**body, "dry_run": False}).json["instances"]

    assert moved["migrated"] and designer.get(f"/instances/{instance_id}").json["version"] == 2
    cun.complete(instance_id, "authorize", form_data(cun, instance_id, "authorize", approved=True))
    cun.complete(instance_id, "appraisal", form_data(cun, instance_id, "appraisal", **APPRAISAL))
    assert sweep(clock) == 1
    api("zhen").complete(instance_id, "township_review", {"approved": True, "opinion": "逐户审核属实"})
    qi.complete(instance_id, "county_review", {"approved": True, "review_method": "joint",
                                               "reply_reference": "达旗乡振字〔2026〕12号"})
    assert sweep(clock) == 1
    done = qi.complete(instance_id, "entry", form_data(qi, instance_id, "entry", risk_types=["illness"]))
    assert done["status"] == "completed"
