// 流程测试: the model's scenario file as JSON text, and the results of running it on the saved draft. A failure
// leads to its step: a click shows the step's line in the text and selects the element on the diagram; 加入此步
// puts the step the runner suggests (the task the case waits for, with example data) in its place.

import { codeBox } from "./code-box.js";
import { prettyJson } from "./files.js";

export function testsPanel({ root, onEdit, onSelect, readOnly = false }) {
  const code = codeBox(root.querySelector(".code-box"));
  const results = root.querySelector("[data-role=test-results]");
  code.text.addEventListener("input", () => onEdit(code.value));

  // The suggested step into scenario `name` after its step `after_step`; false when the text no longer has it.
  function addStep(name, { after_step: after, step }) {
    let parsed;
    try {
      parsed = JSON.parse(code.value);
    } catch (error) {
      return false;
    }
    const scenario = ((parsed && parsed.scenarios) || []).find((item) => item && item.name === name);
    if (!scenario || !Array.isArray(scenario.steps) || after > scenario.steps.length) return false;
    scenario.steps.splice(after, 0, step);
    code.value = prettyJson(parsed);
    onEdit(code.value);
    return true;
  }

  function row(result) {
    const li = document.createElement("li");
    li.className = result.passed ? "ok" : "bad";
    const head = document.createElement("b");
    head.textContent = `${result.passed ? "通过" : "未通过"}：${result.name}`;
    li.append(head);
    const path = result.path_names && result.path_names.length ? result.path_names : result.path;
    const detail = [result.message, result.end ? `结束于 ${result.end}` : null,
      path && path.length ? `路径 ${path.join(" → ")}` : null].filter(Boolean);
    if (detail.length) {
      const p = document.createElement("div");
      p.className = "small";
      p.textContent = detail.join("；");
      li.append(p);
    }
    if (!result.passed && (result.element || result.line)) {
      if (result.element) li.dataset.element = result.element;
      if (result.line) li.dataset.line = String(result.line);
      li.tabIndex = 0;
      li.setAttribute("role", "button");
      li.addEventListener("click", (event) => {
        if (event.target.closest("button")) return;
        code.goToLine(result.line);
        if (result.element) onSelect(result.element, { message: result.message });
      });
    }
    if (!result.passed && result.suggestion && !readOnly) {
      const add = document.createElement("button");
      add.type = "button";
      add.className = "secondary small-button";
      add.textContent = "加入此步";
      add.title = result.suggestion.message;
      add.addEventListener("click", () => {
        if (addStep(result.name, result.suggestion)) {
          add.disabled = true;
          add.textContent = "已加入，请核对数据后重新运行测试";
        } else {
          add.textContent = "无法加入：测试文件已改动，请重新运行测试";
        }
      });
      li.append(add);
    }
    return li;
  }

  return {
    set text(value) { code.value = value; },
    get text() { return code.value; },
    show({ results: found = [], problems = [] }) {
      const items = found.map(row);
      problems.forEach((problem) => items.push(row({ name: problem.file || "流程", passed: false, ...problem })));
      if (!items.length) {
        const li = document.createElement("li");
        li.className = "muted";
        li.textContent = "没有测试场景。";
        items.push(li);
      }
      results.replaceChildren(...items);
    },
    failing(message) {
      const li = document.createElement("li");
      li.className = "bad";
      li.textContent = message;
      results.replaceChildren(li);
    },
  };
}
