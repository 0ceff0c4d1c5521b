// 迁移: the running cases of one version (keyset pages, followed by the API's own cursor), a dry run that says for each whether it can move and
// why not, and the migration of the selected or of all of them, confirmed first.

import { errorText } from "./api.js";

const PAGE_SIZE = 50;

export function migratePanel({ root, api, onDone }) {
  const part = (role) => root.querySelector(`[data-role="${role}"]`);
  const from = part("migrate-from");
  const to = part("migrate-to");
  const body = part("instances");
  const results = part("migrate-results");
  const more = root.querySelector("[data-action=more-instances]");
  let after = null;

  function say(text, kind = "") {
    results.className = kind ? `flash flash-${kind}` : "";
    results.textContent = text;
  }

  function row(instance) {
    const tr = document.createElement("tr");
    tr.dataset.id = instance.id;
    const box = document.createElement("input");
    box.type = "checkbox";
    box.value = instance.id;
    box.setAttribute("aria-label", `选择案件 ${instance.id}`);
    const tasks = (instance.tasks || []).map((t) => t.name || t.bpmn_id).join("、");
    const cells = [box, caseLink(instance),
      instance.place_name || instance.place || "", tasks || instance.waiting_text || "", ""];
    ["", "案件", "地区", "当前任务", "预检"].forEach((label, i) => {
      const td = document.createElement("td");
      if (label) td.dataset.label = label;
      if (cells[i] instanceof Node) td.append(cells[i]); else td.textContent = cells[i];
      tr.append(td);
    });
    return tr;
  }

  // The case by its number and household, opening the case page (a new tab: the selection here stays).
  function caseLink(instance) {
    const link = document.createElement("a");
    link.href = instance.url || `/cases/${instance.id}`;
    link.target = "_blank";
    link.rel = "noopener";
    link.textContent = instance.household ? `#${instance.id} ${instance.household.head}` : `#${instance.id}`;
    return link;
  }

  // What the designer should know of a case that moves: e.g. a new step it is already past and will not do.
  function noted(td, item) {
    if ((item.notes || []).length) td.append(` ${item.notes.join("；")}`);
  }

  async function load(next) {
    if (!next) { body.replaceChildren(); after = null; say(""); }
    const query = new URLSearchParams({ version: from.value, limit: String(PAGE_SIZE) });
    if (after !== null) query.set("after", after);
    const answer = await api.get(`/instances?${query}`);
    if (answer.status !== 200) { say(errorText(answer), "error"); return; }
    const found = answer.body || [];
    body.append(...found.map(row));
    after = answer.next;
    more.hidden = !after;
    if (!body.children.length) say("此版本没有运行中的案件。");
  }

  const selected = () => [...body.querySelectorAll("input:checked")].map((box) => Number(box.value));

  function mark(instances) {
    instances.forEach((item) => {
      const tr = body.querySelector(`tr[data-id="${item.id}"]`);
      if (!tr) return;
      const td = tr.lastElementChild;
      if (item.migrated) {
        td.innerHTML = "<span class=\"badge ok\">已迁移</span>";
        td.append(` 当前任务：${(item.tasks || []).join("、") || "无"}`);
        noted(td, item);
        tr.querySelector("input").disabled = true;
      } else if (item.migratable) {
        td.innerHTML = "<span class=\"badge info\">可以迁移</span>";
        noted(td, item);
      } else {
        td.innerHTML = "<span class=\"badge bad\">不能迁移</span>";
        td.append(` ${(item.reasons || []).join("；")}`);
      }
    });
  }

  async function migrate(ids, dryRun) {
    if (from.value === to.value) { say("请选择两个不同的版本", "error"); return; }
    if (Array.isArray(ids) && !ids.length) { say("请先选择案件", "error"); return; }
    const answer = await api.post("/migrate", {
      from_version: Number(from.value), to_version: Number(to.value), instance_ids: ids, dry_run: dryRun,
    });
    if (answer.status !== 200) { say(errorText(answer), "error"); return; }
    const instances = answer.body.instances || [];
    mark(instances);
    const moved = instances.filter((i) => i.migrated).length;
    const able = instances.filter((i) => i.migratable).length;
    if (dryRun) say(`预检：${able} 个可以迁移，${instances.length - able} 个不能迁移。`);
    else {
      say(`已迁移 ${moved} 个案件${instances.length > moved ? `，${instances.length - moved} 个未迁移（原因见列表）` : ""}。`,
        moved ? "success" : "error");
      onDone();
    }
  }

  root.querySelector("[data-action=load-instances]").addEventListener("click", () => load(false));
  more.addEventListener("click", () => load(true));
  part("select-all").addEventListener("change", (event) => {
    body.querySelectorAll("input:not(:disabled)").forEach((box) => { box.checked = event.target.checked; });
  });
  root.querySelector("[data-action=dry-run]").addEventListener("click", () => {
    const ids = selected();
    migrate(ids.length ? ids : "all", true);
  });
  root.querySelector("[data-action=migrate-selected]").addEventListener("click", () => {
    const ids = selected();
    if (ids.length && window.confirm(`把所选 ${ids.length} 个案件从第 ${from.value} 版迁移到第 ${to.value} 版？`)) {
      migrate(ids, false);
    } else if (!ids.length) say("请先选择案件", "error");
  });
  root.querySelector("[data-action=migrate-all]").addEventListener("click", () => {
    if (window.confirm(`把第 ${from.value} 版的全部运行中案件迁移到第 ${to.value} 版？不能迁移的案件保持不变。`)) {
      migrate("all", false);
    }
  });

  return {
    show(versions) {
      const items = versions.map((v) => [String(v.version), `第 ${v.version} 版（运行中 ${v.running ?? 0}）`]);
      const keep = (select, fallback) => {
        const value = select.value || fallback;
        select.replaceChildren(...items.map(([v, t]) => new Option(t, v, false, v === value)));
      };
      const older = versions.find((v) => v.running > 0 && v !== versions[0]) || versions[1] || versions[0];
      keep(from, older ? String(older.version) : "");
      keep(to, versions[0] ? String(versions[0].version) : "");
    },
  };
}
