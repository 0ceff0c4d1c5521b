// The problems list under the diagram: the server's (save, check, tests, publish) and the browser's lint,
// each marked on its element; a click selects the element.

export function problemsPanel({ list, count, editor, onSelect }) {
  let server = [];
  let lint = [];
  let asked = 0; // lint runs after every edit; only the newest answer is drawn

  function item(problem, source) {
    const li = document.createElement("li");
    li.className = source === "lint" && problem.category !== "error" ? "warn" : "bad";
    const where = [problem.file, problem.line ? `第 ${problem.line} 行` : null].filter(Boolean).join(" ");
    li.innerHTML = "<span class=\"where small muted\"></span> <span class=\"what\"></span>";
    li.querySelector(".where").textContent = `${source === "lint" ? "编辑器检查" : "服务器检查"}${where ? ` · ${where}` : ""}`;
    li.querySelector(".what").textContent = problem.message;
    if (problem.element) {
      li.dataset.element = problem.element;
      li.tabIndex = 0;
      li.setAttribute("role", "button");
      const select = () => onSelect(problem.element, problem);
      li.addEventListener("click", select);
      li.addEventListener("keydown", (event) => { if (event.key === "Enter") select(); });
    }
    return li;
  }

  function draw(note) {
    const all = [...server.map((p) => [p, "server"]), ...lint.map((p) => [p, "lint"])];
    list.replaceChildren(...all.map(([p, source]) => item(p, source)));
    if (!all.length) {
      const li = document.createElement("li");
      li.className = "muted ok";
      li.textContent = note || "没有发现问题。";
      list.append(li);
    }
    count.textContent = String(all.length);
    count.className = `badge ${all.length ? "bad" : "ok"}`;
    editor.clearMarkers();
    editor.markProblems(all.map(([p]) => p).filter((p) => p.element));
  }

  return {
    setServer(problems, note) { server = problems || []; draw(note); },
    setLint(problems) { lint = problems || []; draw(); },
    async relint() {
      const ticket = ++asked;
      const found = await editor.lint();
      if (ticket === asked) { lint = found; draw(); }
    },
    // lint's errors: what the server cannot see yet (unnamed tasks, dangling flows) also keeps a model unpublished
    get lintErrors() { return lint.filter((p) => p.category === "error").length; },
  };
}
