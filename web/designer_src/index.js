// The designer page (/designer/{key}): D1's editor in the middle, the draft's files kept here, and the panels
// (problems, the form beside the diagram, DMN tables, process tests, versions and diff, migration) around it.
// Everything it changes goes through /api/v1/process-models/{key}/… — the rules are the API's.

import { createDmnEditor, createEditor } from "./editor/index.js";
import { createApi, errorText } from "./panels/api.js";
import { dmnPanel } from "./panels/dmn.js";
import { formChoices, mainBpmn, namesIn, newDecisionFile, prettyJson, testsName } from "./panels/files.js";
import { formEditor, newFormSchema } from "./panels/form-editor.js";
import { migratePanel } from "./panels/migrate.js";
import { problemsPanel } from "./panels/problems.js";
import { testsPanel } from "./panels/tests.js";
import { cnDateTime as when } from "./panels/time.js";
import { versionsPanel } from "./panels/versions.js";

const EMPTY_TESTS = prettyJson({ scenarios: [] });

function start() {
  const root = document.getElementById("designer");
  const data = JSON.parse(document.getElementById("designer-data").textContent);
  const csrfToken = document.querySelector("meta[name=csrf-token]").content;
  const readOnly = !data.may_write;
  const api = createApi({ api: data.api, csrfToken });
  const part = (role) => root.querySelector(`[data-role="${role}"]`);
  const action = (name) => root.querySelectorAll(`[data-action="${name}"]`);
  const people = (username) => (username ? data.people[username] || "其他用户" : "");

  const state = { draft: null, files: {}, bpmnName: null, dirty: false, busy: false, versions: [], selected: null };

  const editor = createEditor({
    canvas: document.getElementById("canvas"), properties: document.getElementById("properties"),
    roles: data.roles, forms: [], functions: data.functions, readOnly,
  });

  // --- messages ---------------------------------------------------------------------------------------------
  const message = part("message");
  function say(text, kind = "") {
    message.hidden = !text;
    message.className = `flash${kind ? ` flash-${kind}` : ""}`;
    message.textContent = text || "";
  }

  function showState() {
    const draft = state.draft;
    const saved = draft.saved
      ? `草稿修订 ${draft.revision}，${people(draft.updated_by)} 保存于 ${when(draft.updated_at)}`
      : `基于第 ${draft.base_version} 版，尚未保存草稿`; // an unsaved draft is always a version's
    part("draft-state").textContent = `${saved}${state.dirty ? "；有未保存的修改" : ""}`;
    const revision = part("revision");
    if (revision) revision.textContent = `（修订 ${draft.revision}${state.dirty ? "，未保存" : ""}）`;
  }

  function markDirty() {
    if (readOnly) return;
    state.dirty = true;
    showState();
  }

  // --- panels -----------------------------------------------------------------------------------------------
  function selectOnDiagram(id) {
    chooseTab("diagram");
    editor.selectElement(id);
  }

  const problems = problemsPanel({
    list: part("problems"), count: part("problem-count"), editor, onSelect: (id) => selectOnDiagram(id),
  });

  const forms = formEditor({
    root: part("form-editor"), previewUrl: data.preview, csrfToken, readOnly,
    onEdit: (name, text) => { state.files[name] = text; markDirty(); },
    onCreate: (element) => createForm(element),
  });

  const tests = testsPanel({
    root: root.querySelector("[data-panel=tests]"), readOnly,
    onEdit: (text) => { state.files[testsName(state.files, data.key)] = text; markDirty(); },
    onSelect: (id) => { // selected on the diagram, seen when its tab is chosen; the tests text stays in view
      const shape = editor.modeler.get("elementRegistry").get(id);
      if (shape) editor.modeler.get("selection").select(shape);
    },
  });

  const dmn = dmnPanel({
    root: root.querySelector("[data-panel=dmn]"), container: document.getElementById("dmn"), createDmnEditor,
    onChange: markDirty,
  });

  const versions = versionsPanel({
    root: root.querySelector("[data-panel=versions]"), readOnly, people,
    onRestore: (version) => restore(version),
    onDiff: (from, to) => diff(from, to),
    onSelect: (id) => diffView().selectElement(id),
    onShow: (items) => { // the compared diagram, at the first shape that differs (a flow is harder to see)
      part("diff-box").scrollIntoView({ block: "center" });
      const first = items.find((item) => !/sequenceflow/i.test(item.type)) || items[0];
      if (first) diffView().selectElement(first.id);
    },
  });

  // The diff is drawn on the diagram of the version compared to (`to`), in a reader's editor of its own: the
  // draft's editor keeps the draft (a diff drawn there would mark a different diagram).
  let diffEditor = null;
  function diffView() {
    diffEditor = diffEditor || createEditor({
      canvas: document.getElementById("diff-canvas"), properties: document.createElement("div"),
      roles: data.roles, forms: [], functions: data.functions, readOnly: true,
    });
    return diffEditor;
  }

  const migrate = readOnly ? null : migratePanel({
    root: root.querySelector("[data-panel=migrate]"), api, onDone: () => loadVersions(),
  });

  async function createDecision() {
    const files = { ...state.files, ...(await dmn.files()) }; // keep the tables' unsaved edits
    const { name, text } = newDecisionFile(files, data.key);
    state.files = { ...files, [name]: text };
    await dmn.load(state.files);
    dmn.choose(name);
    markDirty();
    say(`已新建决策表 ${name}（一个输入、一个输出），保存草稿后生效；决策任务在属性中填写它的决策标识。`, "success");
  }
  action("new-decision").forEach((b) => b.addEventListener("click", () => createDecision()));

  // --- tabs -------------------------------------------------------------------------------------------------
  function chooseTab(name) {
    root.querySelectorAll("[role=tab][data-tab]").forEach((tab) => tab.setAttribute("aria-selected", String(tab.dataset.tab === name)));
    root.querySelectorAll(".tab-panel").forEach((panel) => { panel.hidden = panel.dataset.panel !== name; });
    if (name === "versions" || name === "migrate") loadVersions();
  }
  root.querySelectorAll("[role=tab][data-tab]").forEach((tab) => tab.addEventListener("click", () => chooseTab(tab.dataset.tab)));

  // --- the selected task's form -----------------------------------------------------------------------------
  function openFormOf(element) {
    state.selected = element;
    forms.open(element, element && element.form, element && element.form ? state.files[element.form] : undefined);
  }

  function createForm({ id, name }) {
    const file = `${data.key}_${id}.json`;
    if (!(file in state.files)) state.files[file] = prettyJson(newFormSchema(name || id));
    editor.setForms(formChoices(state.files));
    editor.setTaskForm(id, file);
    markDirty();
    openFormOf({ id, name, type: "bpmn:UserTask", form: file });
  }

  editor.on("selected", (element) => openFormOf(element));
  editor.on("form.create", (element) => createForm(element));
  editor.on("changed", () => {
    markDirty();
    problems.relint();
    // the selected task's id, name or form may have been changed in the panel: its form editor follows
    const [element] = editor.modeler.get("selection").get();
    const task = element && editor.elementsWithForm().find((item) => item.id === element.id);
    const shown = state.selected || {};
    if (task && (task.id !== shown.id || task.name !== shown.name || task.form !== shown.form)) {
      openFormOf({ ...task, type: element.type });
    }
  });

  // --- loading ----------------------------------------------------------------------------------------------
  async function load(draft) {
    state.draft = draft;
    state.files = { ...draft.files };
    state.bpmnName = mainBpmn(state.files, data.key);
    editor.setForms(formChoices(state.files));
    try {
      await editor.importXML(state.bpmnName ? state.files[state.bpmnName] : "");
    } catch (error) {
      say(`流程图无法打开：${error.message}`, "error");
    }
    tests.text = state.files[testsName(state.files, data.key)] || EMPTY_TESTS;
    await dmn.load(state.files);
    state.dirty = false;
    openFormOf(null);
    showState();
    problems.setServer([], "尚未检查。");
    problems.relint();
    narrowPalette();
    // a saved draft may hold problems its last save was told of: check it again, so the list is honest on reopening
    // (a version's files passed every check when published)
    if (draft.saved) await check({ quiet: true });
  }

  // On a phone the palette starts folded (its toggle opens it), so it does not cover the diagram.
  let paletteFolded = false;
  function narrowPalette() {
    if (paletteFolded || !window.matchMedia("(max-width: 699px)").matches) return;
    paletteFolded = true;
    editor.modeler.get("palette").close();
  }

  async function reload() {
    const answer = await api.get("/draft");
    if (answer.status !== 200) { say(errorText(answer), "error"); return; }
    part("conflict").hidden = true;
    await load(answer.body);
  }

  // --- the draft's files as they are now ----------------------------------------------------------------------
  async function currentFiles() {
    const files = { ...state.files, ...(await dmn.files()) };
    if (state.bpmnName) files[state.bpmnName] = await editor.saveXML();
    const testsFile = testsName(files, data.key);
    if (files[testsFile] === EMPTY_TESTS && !(testsFile in state.draft.files)) delete files[testsFile];
    return files;
  }

  // Someone saved, published or discarded the draft since this page loaded it: say who and when (read again,
  // so names are shown, not login ids); what is on the page stays until the designer chooses to reload.
  async function conflict() {
    const now = await api.get("/draft");
    const draft = now.status === 200 ? now.body : null;
    const who = draft && draft.saved
      ? `草稿已被 ${people(draft.updated_by)} 于 ${when(draft.updated_at)} 保存为修订 ${draft.revision}`
      : "草稿已被他人发布或丢弃";
    part("conflict-text").textContent = `${who}，您的修改未保存（不会覆盖他人的修改）。可先复制需要保留的内容，再重新载入。`;
    part("conflict").hidden = false;
    say("");
  }

  // Saves the draft; resolves to true when it is stored (problems or not).
  async function save() {
    const files = await currentFiles();
    const answer = await api.put("/draft", { revision: state.draft.revision, files, main: state.draft.main || undefined });
    if (answer.status === 409) { await conflict(); return false; }
    if (answer.status !== 200) { say(errorText(answer), "error"); return false; }
    state.files = files;
    state.draft = { ...state.draft, files, revision: answer.body.revision, saved: true,
      updated_by: data.user, updated_at: answer.body.updated_at };
    state.dirty = false;
    showState();
    const found = answer.body.problems || [];
    problems.setServer(found);
    await problems.relint();
    const count = found.length + problems.lintErrors;
    say(count ? `草稿已保存（修订 ${answer.body.revision}），有 ${count} 个问题，修正后才能发布。`
      : `草稿已保存（修订 ${answer.body.revision}），检查通过。`, count ? "error" : "success");
    return true;
  }

  async function check({ quiet = false } = {}) {
    const files = await currentFiles();
    const body = new FormData();
    Object.entries(files).forEach(([name, text]) => body.append("file", new Blob([text]), name));
    if (state.draft.main) body.append("main", state.draft.main);
    const answer = await api.post(`/validate`, body);
    if (answer.status !== 200) { say(errorText(answer), "error"); return; }
    const found = answer.body.problems || [];
    problems.setServer(found);
    await problems.relint();
    const count = found.length + problems.lintErrors;
    if (quiet) return;
    say(count ? `检查发现 ${count} 个问题。` : "检查通过，可以发布。", count ? "error" : "success");
  }

  async function runTests() {
    if ((state.dirty || !state.draft.saved) && !(await save())) return;
    chooseTab("tests");
    const answer = await api.post("/draft/run-tests", {});
    if (answer.status !== 200) { tests.failing(errorText(answer)); return; }
    tests.show(answer.body);
    const failed = (answer.body.results || []).filter((r) => !r.passed).length + (answer.body.problems || []).length;
    say(failed ? `流程测试：${failed} 项未通过。` : "流程测试全部通过。", failed ? "error" : "success");
  }

  async function publish(comment) {
    await problems.relint();
    if (problems.lintErrors) {
      chooseTab("diagram");
      say(`未发布：编辑器检查发现 ${problems.lintErrors} 个错误（见问题列表），修正后才能发布。`, "error");
      return;
    }
    if ((state.dirty || !state.draft.saved) && !(await save())) return;
    const answer = await api.post("/publish", { revision: state.draft.revision, comment: comment || undefined });
    if (answer.status === 409) { await conflict(); return; }
    if (answer.status !== 201) {
      const details = (answer.body && answer.body.error && answer.body.error.details) || [];
      problems.setServer(details);
      chooseTab("diagram");
      say(`未发布：${errorText(answer)}`, "error");
      return;
    }
    await reload();
    say(`已发布第 ${answer.body.version} 版。`, "success");
    await loadVersions();
  }

  async function restore(version) {
    if (state.dirty && !window.confirm("有未保存的修改，恢复后将丢失。继续？")) return;
    const answer = await api.post(`/versions/${version}/restore`, { revision: state.draft.revision });
    if (answer.status === 409) { await conflict(); return; }
    if (answer.status !== 200) { say(errorText(answer), "error"); return; }
    await load(answer.body);
    chooseTab("diagram");
    say(`已把第 ${version} 版恢复为草稿（修订 ${answer.body.revision}）。`, "success");
  }

  // The BPMN of a version, or of the saved draft.
  async function bpmnOf(version) {
    if (version === "draft") return state.files[state.bpmnName] || null;
    const answer = await api.get(`?version=${encodeURIComponent(version)}`);
    return answer.status === 200 ? answer.body.bpmn : null;
  }

  async function diff(from, to) {
    if (to === "draft" && (state.dirty || !state.draft.saved)) {
      // the server compares the stored draft: unsaved edits are saved first, and only when the designer says so
      if (!window.confirm("与草稿对比前，需先把当前的修改保存为草稿（新的修订）。保存并对比？")) {
        return { error: "未对比：当前的修改尚未保存。" };
      }
      if (!(await save())) return { error: "草稿未能保存，无法与草稿对比" };
    }
    const answer = await api.get(`/diff?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`);
    if (answer.status !== 200) return { error: errorText(answer) };
    const [previous, shown] = await Promise.all([bpmnOf(from), bpmnOf(to)]);
    if (!shown) return { diff: answer.body, names: namesIn(previous) };
    part("diff-box").hidden = false;
    const view = diffView();
    await view.importXML(shown);
    await view.showDiff({ ...answer.body, previous });
    return { diff: answer.body, names: { ...namesIn(previous), ...namesIn(shown) } };
  }

  async function loadVersions() {
    const answer = await api.get("/versions");
    if (answer.status !== 200) {
      if (answer.status !== 404) say(errorText(answer), "error");
      return;
    }
    state.versions = answer.body;
    versions.show(state.versions, state.draft && state.draft.saved);
    if (migrate) migrate.show(state.versions);
  }

  // --- toolbar ------------------------------------------------------------------------------------------------
  function busy(run) {
    return async () => {
      if (state.busy) return;
      state.busy = true;
      root.classList.add("busy");
      try { await run(); } finally { state.busy = false; root.classList.remove("busy"); }
    };
  }
  action("save").forEach((b) => b.addEventListener("click", busy(save)));
  action("check").forEach((b) => b.addEventListener("click", busy(check)));
  action("run-tests").forEach((b) => b.addEventListener("click", busy(runTests)));
  action("reload").forEach((b) => b.addEventListener("click", busy(reload)));
  const dialog = part("publish-dialog");
  if (dialog) {
    action("publish").forEach((b) => b.addEventListener("click", () => {
      part("publish-note").value = "";
      dialog.showModal();
    }));
    dialog.addEventListener("close", () => {
      if (dialog.returnValue === "publish") busy(() => publish(part("publish-note").value.trim()))();
    });
  }

  window.addEventListener("beforeunload", (event) => {
    if (!state.dirty) return undefined;
    event.preventDefault();
    event.returnValue = "";
    return "";
  });

  busy(reload)();
}

start();
