"""The designer's editor core (web/designer_src/editor) in Chromium: the real bpmn-js Modeler, properties panel,
bpmnlint and dmn-js, bundled by esbuild from node_modules exactly as `make assets` bundles them."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from lxml import etree
from playwright.sync_api import Page, expect

from engine.deploy import SourceFile, compile_model, with_forms
from engine.errors import DeployError
from tests.conftest import model_file_paths

ROOT = Path(__file__).resolve().parents[2]
EDITOR = ROOT / "web" / "designer_src" / "editor" / "index.js"
ESBUILD = ROOT / "node_modules" / ".bin" / "esbuild"
PROCESSES = ROOT / "processes"
FORMS_DIR = ROOT / "forms"
NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
      "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core"}
ROLES = [{"key": "village", "name": "嘎查村"}, {"key": "township", "name": "苏木乡镇"},
         {"key": "county", "name": "旗县"}]
# attributes BPMN gives a default: bpmn-js writes them only when they differ from it
DEFAULTS = {"isSequential": "false", "cancelActivity": "true", "isInterrupting": "true", "parallelMultiple": "false",
            "isForCompensation": "false", "triggeredByEvent": "false", "instantiate": "false"}
FORMS = ["identification_visit.json", "identification_apply.json", "review.json"]
PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><link rel="stylesheet" href="editor.css">
<style>#canvas {{ width: 900px; height: 700px; float: left; }} #properties {{ width: 360px; float: left; }}
#dmn {{ width: 900px; height: 400px; clear: both; }}</style></head>
<body><div id="canvas"></div><div id="properties"></div><div id="dmn"></div>
<script src="editor.js"></script>
<script>
  window.editor = FangpinEditor.createEditor({{canvas: "#canvas", properties: "#properties",
    roles: {roles}, forms: {forms}, functions: ["add_working_days", "today"]}});
  window.events = [];
  editor.on("form.create", (task) => events.push(task));
</script></body></html>"""
DMN = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="dmn_levels" name="等级" namespace="fangpin">
  <decision id="income_level" name="收入等级">
    <decisionTable id="income_level_table">
      <input id="in_income" label="人均纯收入"><inputExpression id="in_income_expr" typeRef="number">
        <text>income</text></inputExpression></input>
      <output id="out_level" label="等级" name="level" typeRef="string"/>
      <rule id="rule_low"><inputEntry id="rule_low_in"><text>&lt; 8000</text></inputEntry>
        <outputEntry id="rule_low_out"><text>"low"</text></outputEntry></rule>
    </decisionTable>
  </decision>
</definitions>"""
UNNAMED_TASK = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
  id="defs" targetNamespace="fangpin">
  <bpmn:process id="small" name="小流程" isExecutable="true">
    <bpmn:startEvent id="start" name="开始"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="nameless"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>
    <bpmn:endEvent id="end" name="结束"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="nameless"/>
    <bpmn:sequenceFlow id="f2" sourceRef="nameless" targetRef="end"/>
  </bpmn:process>
  <bpmndi:BPMNDiagram id="diagram"><bpmndi:BPMNPlane id="plane" bpmnElement="small">
    <bpmndi:BPMNShape id="start_di" bpmnElement="start"><dc:Bounds x="100" y="100" width="36" height="36"/>
    </bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="nameless_di" bpmnElement="nameless"><dc:Bounds x="200" y="78" width="100" height="80"/>
    </bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="end_di" bpmnElement="end"><dc:Bounds x="360" y="100" width="36" height="36"/>
    </bpmndi:BPMNShape>
  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</bpmn:definitions>"""


FORK_WITHOUT_DEFAULT = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" id="defs" targetNamespace="fangpin">
  <bpmn:process id="fork" name="分支" isExecutable="true">
    <bpmn:startEvent id="start" name="开始"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:exclusiveGateway id="gw" name="通过?"><bpmn:incoming>f1</bpmn:incoming>
      <bpmn:outgoing>yes</bpmn:outgoing><bpmn:outgoing>no</bpmn:outgoing></bpmn:exclusiveGateway>
    <bpmn:endEvent id="end_yes" name="通过"><bpmn:incoming>yes</bpmn:incoming></bpmn:endEvent>
    <bpmn:endEvent id="end_no" name="未通过"><bpmn:incoming>no</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="gw"/>
    <bpmn:sequenceFlow id="yes" name="是" sourceRef="gw" targetRef="end_yes">
      <bpmn:conditionExpression>approved</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="no" name="否" sourceRef="gw" targetRef="end_no">
      <bpmn:conditionExpression>not approved</bpmn:conditionExpression></bpmn:sequenceFlow>
  </bpmn:process>
  <bpmndi:BPMNDiagram id="diagram"><bpmndi:BPMNPlane id="plane" bpmnElement="fork"/></bpmndi:BPMNDiagram>
</bpmn:definitions>"""


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    """The editor core bundled the way the Makefile bundles the designer, with a test page beside it."""
    folder = tmp_path_factory.mktemp("designer")
    subprocess.run([str(ESBUILD), str(EDITOR), "--bundle", "--minify", "--format=iife", "--target=es2019",
                    "--global-name=FangpinEditor", "--log-level=warning", "--asset-names=fonts/[name]-[hash]",
                    *(f"--loader:.{ext}=file" for ext in ("woff", "woff2", "ttf", "eot", "svg")),
                    f"--outfile={folder / 'editor.js'}"], check=True, cwd=ROOT)
    (folder / "index.html").write_text(PAGE.format(roles=json.dumps(ROLES), forms=json.dumps(FORMS)),
                                       encoding="utf-8")
    return folder


@pytest.fixture
def page(browser, bundle) -> Page:
    page = browser.new_page(viewport={"width": 1300, "height": 1200})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.goto((bundle / "index.html").as_uri())
    yield page
    page.close()
    assert errors == []


def open_model(page: Page, xml: str) -> list:
    return page.evaluate("xml => editor.importXML(xml).then(ws => ws.map(w => w.message))", xml)


def deploy_problems(name: str, content: bytes, roles: list[str]) -> list[str]:
    """What deploying the model (with its tables, forms and tests, as the CLI gathers them) would refuse."""
    tables = [SourceFile(path.name, path.read_bytes()) for path in model_file_paths(PROCESSES / name)[1:]]
    try:
        compile_model(with_forms([SourceFile(name, content), *tables], FORMS_DIR, PROCESSES), roles)
    except DeployError as error:
        return [problem.message for problem in error.problems]
    return []


def saved(page: Page) -> etree._Element:
    return etree.fromstring(page.evaluate("editor.saveXML()").encode())


def semantic(tree: etree._Element) -> list[tuple]:
    """Every element outside the diagram (bpmndi) as (tag, attributes but BPMN defaults, text), in document order."""
    items = []
    for node in tree.iter():
        if not isinstance(node.tag, str) or "DI" in node.tag or node.getparent() is None:
            continue
        if any("/DI" in ancestor.tag for ancestor in node.iterancestors()):
            continue
        attributes = {name: value for name, value in node.attrib.items() if DEFAULTS.get(name) != value}
        items.append((node.tag, attributes, (node.text or "").strip()))
    return items


@pytest.mark.parametrize("model", sorted(PROCESSES.glob("*.bpmn")), ids=lambda path: path.stem)
def test_a_shipped_model_saves_unchanged_and_lints_clean(page, model):
    """Every element of the process (spiffworkflow properties, scripts, message variables, the multi-instance
    collections Spiff names by variable) survives import and save as it was; only the diagram may be rewritten.
    The saved file deploys as the shipped one does, and bpmnlint finds nothing in it."""
    original = etree.parse(str(model)).getroot()
    assert open_model(page, model.read_text(encoding="utf-8")) == []
    after = saved(page)
    assert semantic(after) == semantic(original)
    assert page.evaluate("editor.lint()") == []
    roles = original.xpath("//bpmn:lane/@name", namespaces=NS)
    assert deploy_problems(model.name, etree.tostring(after), roles) == deploy_problems(model.name, model.read_bytes(),
                                                                                        roles) == []


def test_a_property_edited_in_the_panel_is_in_the_saved_xml(page):
    open_model(page, (PROCESSES / "identification.bpmn").read_text(encoding="utf-8"))
    assert page.evaluate("editor.selectElement('visit')") is True
    due = page.locator("[data-entry-id='fp-due-date'] input")
    expect(due).to_have_value("add_working_days(verify_from, 5)")
    due.fill("add_working_days(verify_from, 7)")
    page.locator("[data-entry-id='fp-batch'] select").select_option("parent")
    page.locator("[data-entry-id='fp-form'] select").select_option("review.json")
    expect(page.locator("[data-entry-id='fp-form'] select")).to_have_value("review.json")

    properties = {p.get("name"): p.get("value") for p in saved(page).xpath(
        "//bpmn:userTask[@id='visit']//spiffworkflow:property", namespaces=NS)}
    assert properties["dueDate"] == "add_working_days(verify_from, 7)"
    assert properties["batch"] == "parent"
    assert properties["formJsonSchemaFilename"] == "review.json"
    assert page.evaluate("editor.elementsWithForm().find(t => t.id === 'visit').form") == "review.json"


def test_a_lane_takes_its_role_from_the_picker(page):
    open_model(page, (PROCESSES / "identification.bpmn").read_text(encoding="utf-8"))
    page.evaluate("editor.selectElement('lane_township')")
    picker = page.locator("[data-entry-id='fp-role'] select")
    expect(picker).to_have_value("township")
    expect(picker.locator("option")).to_contain_text(["（请选择角色）", "嘎查村（village）", "苏木乡镇（township）",
                                                       "旗县（county）"])
    picker.select_option("county")
    assert saved(page).xpath("//bpmn:lane[@id='lane_township']/@name", namespaces=NS) == ["county"]


def test_a_lane_naming_no_known_role_shows_it(page):
    xml = (PROCESSES / "identification.bpmn").read_text(encoding="utf-8")
    open_model(page, xml.replace('<bpmn:lane id="lane_township" name="township">',
                                 '<bpmn:lane id="lane_township" name="townhall">'))
    page.evaluate("editor.selectElement('lane_township')")
    picker = page.locator("[data-entry-id='fp-role'] select")
    expect(picker).to_have_value("townhall")
    expect(picker.locator("option:checked")).to_have_text("townhall（未知角色）")


def test_scripts_and_conditions_are_edited_in_code_boxes(page):
    """(Each edit is awaited in the model before the next selection: the panel applies typing after a pause.)"""
    open_model(page, (PROCESSES / "identification.bpmn").read_text(encoding="utf-8"))
    page.evaluate("editor.selectElement('visit')")
    pre = page.locator("[data-entry-id='fp-pre-script'] textarea")
    expect(pre).to_have_class(re.compile("monospace"))
    pre.fill("note = None")
    page.wait_for_function("""() => editor.modeler.get('elementRegistry').get('visit').businessObject
        .extensionElements.values.some(v => v.$type === 'spiffworkflow:PreScript' && v.value === 'note = None')""")
    page.evaluate("editor.selectElement('f_self_declared')")  # leaves the gateway gw_channel
    condition = page.locator("[data-entry-id='fp-condition-expression'] textarea")
    expect(condition).to_have_value('channel == "self_declared"')
    condition.fill('channel == "found"')
    page.wait_for_function("""() => editor.modeler.get('elementRegistry').get('f_self_declared').businessObject
        .conditionExpression.body === 'channel == "found"'""")
    page.evaluate("editor.selectElement('f_accept_channel')")  # leaves a task: no condition to set
    expect(page.locator("[data-entry-id='fp-condition-expression']")).to_have_count(0)

    tree = saved(page)
    assert tree.xpath("//bpmn:userTask[@id='visit']/bpmn:extensionElements/spiffworkflow:preScript/text()",
                      namespaces=NS) == ["note = None"]
    assert tree.xpath("//bpmn:sequenceFlow[@id='f_self_declared']/bpmn:conditionExpression/text()",
                      namespaces=NS) == ['channel == "found"']


def test_timer_and_message_events(page):
    open_model(page, (PROCESSES / "identification.bpmn").read_text(encoding="utf-8"))
    page.evaluate("editor.selectElement('first_notice_elapsed')")
    expect(page.locator(".bio-properties-panel-header-type")).to_have_text("定时中间事件")
    expect(page.locator("[data-entry-id='fp-timer-type'] select")).to_have_value("timeDate")
    expression = page.locator("[data-entry-id='fp-timer-expression'] input")
    expect(expression).to_have_value('day_ends(notice["ends_on"])')
    page.locator("[data-entry-id='fp-timer-type'] select").select_option("timeDuration")
    expression.fill('"P7D"')
    page.wait_for_function("""() => editor.modeler.get('elementRegistry').get('first_notice_elapsed').businessObject
        .eventDefinitions[0].timeDuration.body === '"P7D"'""")

    page.evaluate("editor.selectElement('first_notice_objection')")
    expect(page.locator("[data-entry-id='messageRef'] select")).to_have_value("msg_objection")
    variable = page.locator("[data-entry-id='fp-message-variable'] textarea")
    expect(variable).to_have_value("objection")
    variable.fill("objection_data")
    page.wait_for_function("""() => editor.modeler.get('elementRegistry').get('first_notice_objection')
        .businessObject.eventDefinitions[0].extensionElements.values[0].value === 'objection_data'""")

    message = page.locator("[data-entry-id='messageRef'] select")
    expect(message.locator("option", has_text="新建消息…")).to_have_count(1)
    message.select_option(label="新建消息…")
    page.locator("[data-entry-id='messageName'] input").fill("withdrawal")
    page.wait_for_function("""() => editor.modeler.get('elementRegistry').get('first_notice_objection').businessObject
        .eventDefinitions[0].messageRef.name === 'withdrawal'""")

    tree = saved(page)
    created = tree.xpath("//bpmn:message[@name='withdrawal']/@id", namespaces=NS)
    assert len(created) == 1
    assert tree.xpath("//*[@id='first_notice_objection']/bpmn:messageEventDefinition/@messageRef",
                      namespaces=NS) == created
    timer = tree.xpath("//bpmn:intermediateCatchEvent[@id='first_notice_elapsed']/bpmn:timerEventDefinition",
                       namespaces=NS)[0]
    assert [(child.tag.split("}")[1], child.text) for child in timer] == [("timeDuration", '"P7D"')]
    assert tree.xpath("//*[@id='first_notice_objection']//spiffworkflow:messageVariable/text()",
                      namespaces=NS) == ["objection_data"]


def test_a_multi_instance_names_its_collections(page):
    open_model(page, (PROCESSES / "annual_adjustment.bpmn").read_text(encoding="utf-8"))
    task = saved(page).xpath("//bpmn:userTask[bpmn:multiInstanceLoopCharacteristics]/@id", namespaces=NS)[0]
    page.evaluate(f"editor.selectElement('{task}')")
    expect(page.locator("[data-entry-id='fp-loop-input'] input")).to_have_value("late_villages")
    expect(page.locator("[data-entry-id='fp-loop-item'] input")).to_have_value("late_village")
    page.locator("[data-entry-id='fp-loop-output'] input").fill("urgings")
    page.wait_for_function(f"""() => editor.modeler.get('elementRegistry').get('{task}').businessObject
        .loopCharacteristics.loopDataOutputRef.id === 'urgings'""")
    loop = saved(page).xpath(f"//bpmn:userTask[@id='{task}']/bpmn:multiInstanceLoopCharacteristics",
                             namespaces=NS)[0]
    assert loop.xpath("bpmn:loopDataInputRef/text()", namespaces=NS) == ["late_villages"]
    assert loop.xpath("bpmn:loopDataOutputRef/text()", namespaces=NS) == ["urgings"]


def test_a_business_rule_task_names_its_decision(page):
    open_model(page, UNNAMED_TASK.replace("bpmn:userTask", "bpmn:businessRuleTask"))
    page.evaluate("editor.selectElement('nameless')")
    expect(page.locator("[data-entry-id='fp-form']")).to_have_count(0)
    page.locator("[data-entry-id='fp-called-decision'] input").fill("income_level")
    page.wait_for_function("""() => editor.modeler.get('elementRegistry').get('nameless').businessObject
        .extensionElements?.values[0]?.value === 'income_level'""")
    assert saved(page).xpath("//bpmn:businessRuleTask[@id='nameless']/bpmn:extensionElements"
                             "/spiffworkflow:calledDecisionId/text()", namespaces=NS) == ["income_level"]


def test_the_page_hears_what_is_selected(page):
    open_model(page, (PROCESSES / "identification.bpmn").read_text(encoding="utf-8"))
    page.evaluate("window.selected = []; editor.on('selected', (element) => selected.push(element))")
    page.evaluate("editor.selectElement('visit')")
    page.evaluate("editor.modeler.get('selection').select(editor.modeler.get('elementRegistry').get('start_label'))")
    page.evaluate("editor.modeler.get('selection').select(null)")
    assert page.evaluate("selected") == [
        {"id": "visit", "type": "bpmn:UserTask", "name": "走访排查", "form": "identification_visit.json"},
        {"id": "start", "type": "bpmn:StartEvent", "name": "发现风险户", "form": None},
        None]


def test_new_form_asks_the_page(page):
    open_model(page, (PROCESSES / "identification.bpmn").read_text(encoding="utf-8"))
    page.evaluate("editor.selectElement('visit')")
    page.get_by_role("button", name="新建表单").click()
    assert page.evaluate("events") == [{"id": "visit", "type": "bpmn:UserTask", "name": "走访排查",
                                        "form": "identification_visit.json"}]
    page.evaluate("editor.setForms(['identification_visit.json', 'identification_visit_2.json'])")
    page.evaluate("editor.setTaskForm('visit', 'identification_visit_2.json')")
    expect(page.locator("[data-entry-id='fp-form'] select")).to_have_value("identification_visit_2.json")


def test_lint_finds_an_unnamed_task_and_a_fork_without_a_default_flow(page):
    open_model(page, UNNAMED_TASK)
    problems = page.evaluate("editor.lint()")
    assert {"element": "nameless", "message": "缺少名称", "category": "error", "rule": "label-required"} in problems

    open_model(page, FORK_WITHOUT_DEFAULT)
    assert page.evaluate("editor.lint()") == [{
        "element": "gw", "message": "排他网关没有默认路径：数据不满足任何条件时案件将停在此处", "category": "warning",
        "rule": "fangpin/exclusive-gateway-default"}]


def test_a_user_task_from_the_palette_is_flagged_until_named(page):
    open_model(page, FORK_WITHOUT_DEFAULT.replace('name="通过?"', 'name="通过?" default="no"'))
    assert page.evaluate("editor.lint()") == []
    page.get_by_role("button", name="用户任务（有人办理）").click()
    page.mouse.move(450, 500)
    page.mouse.click(450, 500)
    added = page.evaluate("editor.modeler.get('elementRegistry').filter(e => e.type === 'bpmn:UserTask')"
                          ".map(e => e.id)")
    assert len(added) == 1
    assert {"element": added[0], "message": "缺少名称", "category": "error", "rule": "label-required"} \
        in page.evaluate("editor.lint()")
    page.evaluate(f"editor.selectElement('{added[0]}')")
    page.locator("[data-entry-id='name'] textarea, [data-entry-id='name'] input").fill("核实")
    page.wait_for_function(f"editor.modeler.get('elementRegistry').get('{added[0]}').businessObject.name === '核实'")
    assert "label-required" not in {p["rule"] for p in page.evaluate("editor.lint()")}


def test_problems_are_marked_on_their_elements(page):
    open_model(page, (PROCESSES / "identification.bpmn").read_text(encoding="utf-8"))
    unplaced = page.evaluate("""editor.markProblems([
        {element: 'visit', message: '表单“x.json”未随模型上传'}, {element: 'visit', message: '办理期限无效'},
        {element: 'identification', message: '流程标识应为“other”'}, {element: null, message: '文件无法解析'}])""")
    assert unplaced == [{"element": None, "message": "文件无法解析"}]
    badge = page.locator(".fp-problem-badge[data-element='visit']")
    expect(badge).to_have_text("2")
    expect(page.locator("[data-element-id='visit']")).to_have_class(re.compile("fp-problem"))
    expect(page.locator(".fp-problem-badge[data-element='identification_participant']")).to_have_text("1")

    page.evaluate("editor.clearMarkers()")
    expect(page.locator(".fp-problem-badge")).to_have_count(0)


def test_a_diff_is_drawn_with_removed_elements_from_the_old_diagram(page):
    old = (PROCESSES / "identification.bpmn").read_text(encoding="utf-8")
    open_model(page, UNNAMED_TASK)
    missing = page.evaluate("""old => editor.showDiff({added: [{id: 'nameless'}], changed: ['start'],
        removed: [{id: 'visit'}, {id: 'not_anywhere'}], previous: old})""", old)
    assert missing == ["not_anywhere"]
    expect(page.locator("[data-element-id='nameless']")).to_have_class(re.compile("fp-diff-added"))
    expect(page.locator("[data-element-id='start']")).to_have_class(re.compile("fp-diff-changed"))
    expect(page.locator("g.fp-removed[data-element-id='visit'] text")).to_have_text("已删除：走访排查")


def test_a_decision_table_opens_and_saves(page):
    page.evaluate("dmn => (window.dmn = FangpinEditor.createDmnEditor({container: '#dmn'})).importXML(dmn)", DMN)
    expect(page.locator("#dmn .tjs-table")).to_be_visible()
    page.evaluate("window.dmnChanges = 0; dmn.on('changed', () => dmnChanges++)")
    page.locator("#dmn td[data-element-id='rule_low_in']").click()
    page.keyboard.press("End")
    page.keyboard.type("0")
    page.locator("#dmn .tjs-table th").first.click()
    page.wait_for_function("dmnChanges > 0")
    xml = page.evaluate("dmn.saveXML()")
    assert 'id="income_level"' in xml and "&lt; 80000" in xml
