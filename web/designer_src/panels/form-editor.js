// The form of the selected user task, edited as JSON beside the diagram, with a live preview drawn by the server's
// inbox renderer (POST /designer/{key}/form-preview), so it looks as the task page will.

import { codeBox, lineOf } from "./code-box.js";
import { prettyJson } from "./files.js";

const FIELD_KINDS = {
  text: { title: "文本", schema: { type: "string", maxLength: 100 } },
  number: { title: "数字", schema: { type: "number", minimum: 0 } },
  date: { title: "日期", schema: { type: "string", format: "date" } },
  yesno: { title: "是/否", schema: { type: "boolean" } },
  choice: { title: "选项", schema: { type: "string", oneOf: [{ const: "a", title: "选项一" }, { const: "b", title: "选项二" }] } },
};
const PREVIEW_DELAY_MS = 350;

export function newFormSchema(title) {
  return { title, type: "object", required: [], properties: {} };
}

export function formEditor({ root, previewUrl, csrfToken, readOnly, onEdit, onCreate }) {
  const part = (role) => root.querySelector(`[data-role="${role}"]`);
  const code = codeBox(part("form-code"));
  const newButton = root.querySelector("[data-action=new-form]");
  const error = part("form-error");
  const preview = part("form-preview");
  let current = null; // {element, name}
  let timer = null;
  let asked = 0;
  code.text.readOnly = readOnly;

  function showError(message) {
    error.hidden = !message;
    error.textContent = message || "";
    code.markLine(lineOf(message));
  }

  async function drawPreview() {
    const ticket = ++asked;
    const response = await fetch(previewUrl, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken },
      body: JSON.stringify({ schema: code.value }),
    });
    if (ticket !== asked) return; // a newer edit asked again
    preview.innerHTML = await response.text();
    const problem = preview.querySelector(".preview-problem");
    showError(problem ? problem.textContent : null);
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(drawPreview, PREVIEW_DELAY_MS);
  }

  code.text.addEventListener("input", () => {
    if (current) onEdit(current.name, code.value);
    schedule();
  });

  root.querySelectorAll("[data-insert]").forEach((button) => {
    button.addEventListener("click", () => insertField(button.dataset.insert));
  });

  function insertField(kind) {
    let schema;
    try {
      schema = JSON.parse(code.value);
    } catch (exc) {
      showError("请先修正 JSON，再插入字段");
      return;
    }
    schema.properties = schema.properties || {};
    let n = Object.keys(schema.properties).length + 1;
    while (schema.properties[`field_${n}`]) n += 1;
    const { title, schema: field } = FIELD_KINDS[kind];
    schema.properties[`field_${n}`] = { title: `${title}字段`, ...structuredClone(field) };
    code.value = prettyJson(schema);
    onEdit(current.name, code.value);
    drawPreview();
  }

  newButton.addEventListener("click", () => { if (current && current.element) onCreate(current.element); });
  // current.element: {id, name} of the task the editor shows

  function show(hint, { name = null, text = null, element = null, offerNew = false } = {}) {
    current = name ? { name, element } : { name: null, element };
    part("form-name").textContent = name ? name : hint;
    part("form-hint").hidden = Boolean(name);
    part("form-tools").hidden = !name || readOnly;
    part("form-code").hidden = !name;
    part("preview-title").hidden = !name;
    newButton.hidden = !offerNew || readOnly;
    showError(null);
    preview.innerHTML = "";
    if (name) {
      code.value = text;
      drawPreview();
    }
  }

  return {
    // element: {id, name, type}; form: the name its formJsonSchemaFilename holds, or null; text: the file's text
    open(element, form, text) {
      if (!element || element.type !== "bpmn:UserTask") {
        show("（选择一个用户任务）");
      } else if (!form) {
        show(`“${element.name || element.id}”没有表单`, { element, offerNew: true });
      } else if (text === undefined) {
        show(`表单“${form}”不在此流程的文件中`, { element, offerNew: true });
      } else {
        show(null, { name: form, text, element });
      }
    },
    get openForm() { return current && current.name; },
  };
}
