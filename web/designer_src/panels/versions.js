// 版本: who published what when, a diff of any two (or a version and the draft) drawn on the diagram, and an old
// version restored as the draft.

import { cnDateTime as when } from "./time.js";

// BPMN element types (the diff names them without the prefix, in camelCase) in Chinese
const TYPE_NAMES = {
  usertask: "用户任务", scripttask: "脚本任务", servicetask: "服务任务", businessruletask: "决策任务",
  sequenceflow: "连线", exclusivegateway: "排他网关", parallelgateway: "并行网关", inclusivegateway: "包容网关",
  eventbasedgateway: "事件网关", startevent: "开始事件", endevent: "结束事件", lane: "泳道",
  intermediatecatchevent: "中间事件", intermediatethrowevent: "中间事件", boundaryevent: "边界事件",
  callactivity: "调用活动", subprocess: "子流程", process: "流程", message: "消息", task: "任务",
  receivetask: "接收任务", sendtask: "发送任务", manualtask: "人工任务", participant: "池", decision: "决策表",
};
const typeName = (type) => TYPE_NAMES[String(type || "").replace(/^bpmn:/, "").toLowerCase()] || type || "";

function cell(tr, label, content) {
  const td = document.createElement("td");
  td.dataset.label = label;
  if (content instanceof Node) td.append(content); else td.textContent = content ?? "";
  tr.append(td);
  return td;
}


export function versionsPanel({ root, readOnly, people, onRestore, onDiff, onSelect, onShow }) {
  const body = root.querySelector("[data-role=versions]");
  const from = root.querySelector("[data-role=diff-from]");
  const to = root.querySelector("[data-role=diff-to]");
  const out = root.querySelector("[data-role=diff]");

  function options(select, versions, withDraft, chosen) {
    const items = versions.map((v) => [String(v.version), `第 ${v.version} 版`]);
    if (withDraft) items.unshift(["draft", "草稿"]);
    select.replaceChildren(...items.map(([value, text]) => new Option(text, value, false, value === chosen)));
  }

  function elementList(title, items, kind, names) {
    const named = (value) => (value != null && names[value] ? names[value] : value);
    const section = document.createElement("div");
    section.className = `diff-${kind}`;
    const h = document.createElement("h3");
    h.textContent = `${title}（${items.length}）`;
    section.append(h);
    const ul = document.createElement("ul");
    items.forEach((item) => {
      const li = document.createElement("li");
      li.textContent = `${typeName(item.type)} ${item.name || names[item.id] || ""} （${item.id}）`;
      if (kind !== "removed") {
        li.tabIndex = 0;
        li.setAttribute("role", "button");
        li.addEventListener("click", () => onSelect(item.id));
      }
      (item.changes || []).forEach((change) => {
        const c = document.createElement("div");
        c.className = "small";
        c.textContent = `${change.what}：${named(change.before) ?? "（无）"} → ${named(change.after) ?? "（无）"}`;
        li.append(c);
      });
      ul.append(li);
    });
    section.append(ul);
    return section;
  }

  function drawDiff(diff, names = {}) {
    const forms = diff.forms || { added: [], removed: [], changed: [] };
    const parts = [elementList("新增", diff.added, "added", names), elementList("删除", diff.removed, "removed", names),
      elementList("修改", diff.changed, "changed", names)];
    const formText = [["新增表单", forms.added], ["删除表单", forms.removed], ["修改表单", forms.changed]]
      .filter(([, names]) => names.length).map(([t, names]) => `${t}：${names.join("、")}`);
    if (diff.scenarios_changed) formText.push("流程测试有修改");
    if (formText.length) {
      const p = document.createElement("p");
      p.textContent = formText.join("；");
      parts.push(p);
    }
    const shown = document.createElement("p");
    shown.className = "small muted";
    shown.textContent = `已在下方${diff.to === "draft" ? "草稿" : `第 ${diff.to} 版`}的流程图上标出：新增为绿色，修改为橙色，删除的元素以红色虚线画在原来的位置。`;
    const look = document.createElement("button");
    look.type = "button";
    look.className = "secondary";
    look.textContent = "在流程图上查看";
    look.addEventListener("click", () => onShow([...diff.added, ...diff.changed]));
    parts.push(shown, look);
    out.replaceChildren(...parts);
  }

  root.querySelector("[data-action=diff]").addEventListener("click", async () => {
    out.textContent = "正在对比…";
    const answer = await onDiff(from.value, to.value);
    if (answer.error) out.textContent = answer.error; else drawDiff(answer.diff, answer.names);
  });

  return {
    show(versions, hasDraft) {
      body.replaceChildren(...versions.map((v) => {
        const tr = document.createElement("tr");
        cell(tr, "版本", `第 ${v.version} 版`);
        cell(tr, "发布人", people(v.deployed_by));
        cell(tr, "发布时间", when(v.deployed_at));
        cell(tr, "说明", v.comment || "");
        cell(tr, "运行中", String(v.running ?? 0));
        const actions = document.createElement("span");
        if (!readOnly) {
          const restore = document.createElement("button");
          restore.type = "button";
          restore.className = "link";
          restore.textContent = "恢复为草稿";
          restore.addEventListener("click", () => onRestore(v.version));
          actions.append(restore);
        }
        cell(tr, "操作", actions);
        return tr;
      }));
      const newest = versions[0] ? String(versions[0].version) : "";
      const previous = versions[1] ? String(versions[1].version) : newest;
      options(from, versions, false, hasDraft ? newest : previous);
      options(to, versions, hasDraft, hasDraft ? "draft" : newest);
    },
    drawDiff,
    compare(fromValue, toValue) {
      from.value = String(fromValue);
      to.value = String(toValue);
      root.querySelector("[data-action=diff]").click();
    },
  };
}
