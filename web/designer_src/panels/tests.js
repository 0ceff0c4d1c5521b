// 流程测试: the model's scenario file as JSON text, and the results of running it on the saved draft.

import { codeBox } from "./code-box.js";

export function testsPanel({ root, onEdit, onSelect }) {
  const code = codeBox(root.querySelector(".code-box"));
  const results = root.querySelector("[data-role=test-results]");
  code.text.addEventListener("input", () => onEdit(code.value));

  function row(result) {
    const li = document.createElement("li");
    li.className = result.passed ? "ok" : "bad";
    const head = document.createElement("b");
    head.textContent = `${result.passed ? "通过" : "未通过"}：${result.name}`;
    li.append(head);
    const detail = [result.message, result.end ? `结束于 ${result.end}` : null,
      result.path && result.path.length ? `路径 ${result.path.join(" → ")}` : null].filter(Boolean);
    if (detail.length) {
      const p = document.createElement("div");
      p.className = "small";
      p.textContent = detail.join("；");
      li.append(p);
    }
    if (!result.passed && result.element) {
      li.dataset.element = result.element;
      li.tabIndex = 0;
      li.setAttribute("role", "button");
      li.addEventListener("click", () => onSelect(result.element, { message: result.message }));
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
