"""The diff of two sets of a model's files, on the shipped identification model against a changed copy: elements
matched by id and compared by what a case runs, the diagram left out, forms and scenarios by content."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.model_diff import diff

ROOT = Path(__file__).resolve().parents[2]
ADDED_TASK = """<bpmn:userTask id="double_check" name="乡镇复核">
      <bpmn:extensionElements>
        <spiffworkflow:properties>
          <spiffworkflow:property name="formJsonSchemaFilename" value="identification_double_check.json"/>
        </spiffworkflow:properties>
      </bpmn:extensionElements>
    </bpmn:userTask>
  </bpmn:process>"""


def shipped() -> dict[str, str]:
    files = {"identification.bpmn": (ROOT / "processes" / "identification.bpmn").read_text(encoding="utf-8")}
    for form in sorted((ROOT / "forms").glob("identification_*.json")):
        files[form.name] = form.read_text(encoding="utf-8")
    return files


def replaced(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


@pytest.fixture
def changed() -> dict[str, str]:
    files = shipped()
    bpmn = files["identification.bpmn"]
    bpmn = replaced(bpmn, "  </bpmn:process>", ADDED_TASK)
    bpmn = replaced(bpmn, '<bpmn:sequenceFlow id="f_visit_rejected" name="不符合" sourceRef="gw_visit" '
                          'targetRef="notify_rejection"/>', "")
    bpmn = replaced(bpmn, '>visit["approved"]</bpmn:conditionExpression>',
                    '>visit["approved"] and not visit["dropout"]</bpmn:conditionExpression>')
    bpmn = replaced(bpmn, '<bpmn:lane id="lane_township" name="township">',
                    '<bpmn:lane id="lane_township" name="county">')
    bpmn = replaced(bpmn, '<dc:Bounds x="886" y="260" width="100" height="80"/>',  # the diagram only: no change
                    '<dc:Bounds x="900" y="300" width="100" height="80"/>')
    files["identification.bpmn"] = bpmn
    visit = json.loads(files["identification_visit.json"])
    visit["properties"]["visitors"]["title"] = "走访人"
    files["identification_visit.json"] = json.dumps(visit, ensure_ascii=False)
    files["identification_double_check.json"] = json.dumps({"type": "object"})
    return files


def test_the_changed_copy_reads_element_by_element(changed):
    result = diff(shipped(), changed)

    assert result["added"] == [{"id": "double_check", "type": "userTask", "name": "乡镇复核",
                                "file": "identification.bpmn"}]
    assert result["removed"] == [{"id": "f_visit_rejected", "type": "sequenceFlow", "name": "不符合",
                                  "file": "identification.bpmn"}]
    changes = {c["id"]: c["changes"] for c in result["changed"]}
    assert changes == {
        "lane_township": [{"what": "名称", "before": "township", "after": "county"}],
        "f_visit_eligible": [{"what": "条件", "before": 'visit["approved"]',
                              "after": 'visit["approved"] and not visit["dropout"]'}],
    }
    assert result["forms"] == {"added": ["identification_double_check.json"], "removed": [],
                               "changed": ["identification_visit.json"]}
    assert result["scenarios_changed"] is False


def test_the_same_files_differ_in_nothing_even_with_forms_reindented():
    files = shipped()
    reindented = {name: json.dumps(json.loads(text), indent=4) if name.endswith(".json") else text
                  for name, text in files.items()}
    assert diff(files, reindented) == {"added": [], "removed": [], "changed": [],
                                       "forms": {"added": [], "removed": [], "changed": []},
                                       "scenarios_changed": False}


def test_a_task_moved_to_another_lane_a_changed_form_property_and_script():
    files = shipped()
    bpmn = files["identification.bpmn"]
    bpmn = replaced(bpmn, "<bpmn:flowNodeRef>visit</bpmn:flowNodeRef>\n", "")
    bpmn = replaced(bpmn, '<bpmn:lane id="lane_township" name="township">',
                    '<bpmn:lane id="lane_township" name="township">\n<bpmn:flowNodeRef>visit</bpmn:flowNodeRef>')
    bpmn = replaced(bpmn, 'value="identification_visit.json"', 'value="identification_visit_v2.json"')
    bpmn = replaced(bpmn, 'value="add_working_days(verify_from, 5)"', 'value="add_working_days(verify_from, 7)"')
    bpmn = replaced(bpmn, "record_application(application)\n", "record_application(application, True)\n")

    result = diff(files, {**files, "identification.bpmn": bpmn})

    changes = {c["id"]: c["changes"] for c in result["changed"]}
    assert changes == {
        "visit": [{"what": "表单", "before": "identification_visit.json", "after": "identification_visit_v2.json"},
                  {"what": "属性 dueDate", "before": "add_working_days(verify_from, 5)",
                   "after": "add_working_days(verify_from, 7)"},
                  {"what": "泳道", "before": "village", "after": "township"}],
        "save_application": [{"what": "脚本", "before": "record_application(application)",
                              "after": "record_application(application, True)"}],
    }


def test_a_draft_file_that_does_not_parse_adds_no_elements_and_scenarios_are_compared():
    files = shipped()
    broken = {**files, "identification.bpmn": files["identification.bpmn"][:500],
              "identification.tests.json": '{"scenarios": []}'}

    result = diff(files, broken)

    assert result["added"] == [] and result["changed"] == []
    assert {e["id"] for e in result["removed"]} >= {"visit", "f_visit_rejected", "lane_village"}
    assert result["scenarios_changed"] is True
    assert result["forms"]["changed"] == []


def test_a_changed_rule_of_a_decision_table_changes_its_decision():
    dmn = ('<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="d" name="风险"><decision id="risk" '
           'name="风险等级"><decisionTable id="table"><input id="i"><inputExpression id="e"><text>income</text>'
           '</inputExpression></input><output id="o" name="level"/><rule id="r"><inputEntry id="ie"><text>&lt; 6000'
           '</text></inputEntry><outputEntry id="oe"><text>"high"</text></outputEntry></rule></decisionTable>'
           '</decision></definitions>')

    result = diff({"risk.dmn": dmn}, {"risk.dmn": dmn.replace("&lt; 6000", "&lt; 7000")})

    (changed,) = result["changed"]
    assert (changed["id"], changed["type"], changed["name"]) == ("risk", "decision", "风险等级")
    ((what, before, after),) = [(c["what"], c["before"], c["after"]) for c in changed["changes"]]
    assert what == "决策表" and "< 6000" in before and "< 7000" in after


def test_a_flows_ends_are_told_by_name_and_an_unnamed_flow_by_its_ends():
    """R2: `终点：登记走访结果 → 入户复核`, not ids; an unnamed flow reads as `起点 → 终点`, not its generated id."""
    files = shipped()
    flow = '<bpmn:sequenceFlow id="f_apply_save" sourceRef="apply" targetRef="{}"/>'
    after = {**files, "identification.bpmn": replaced(files["identification.bpmn"], flow.format("save_application"),
                                                      flow.format("visit"))}

    (flow,) = diff(files, after)["changed"]

    assert flow["id"] == "f_apply_save" and flow["name"] == "农牧户申请 → 走访排查"
    assert flow["changes"] == [{"what": "终点", "before": "登记申请", "after": "走访排查"}]
