// A draft's files told apart by name, the way the server tells them apart (contract §1).

export const isTests = (name) => name.endsWith(".tests.json");
export const isForm = (name) => name.endsWith(".json") && !isTests(name);
export const isDmn = (name) => name.endsWith(".dmn");
export const isBpmn = (name) => name.endsWith(".bpmn") || name.endsWith(".bpmn20.xml");

export function mainBpmn(files, key) {
  const names = Object.keys(files).filter(isBpmn).sort();
  return names.find((name) => name === `${key}.bpmn`) || names[0] || null;
}

export const formNames = (files) => Object.keys(files).filter(isForm).sort();

// The forms for the picker: each file with its title when the text can be read (a form being typed may not).
export function formChoices(files) {
  return formNames(files).map((name) => {
    try {
      const title = JSON.parse(files[name]).title;
      return { name, title: typeof title === "string" ? title : "" };
    } catch (error) {
      return { name, title: "" };
    }
  });
}
export const dmnNames = (files) => Object.keys(files).filter(isDmn).sort();
export const testsName = (files, key) => Object.keys(files).find(isTests) || `${key}.tests.json`;

// Pretty JSON text of a form for a new file; keys in the order the inbox draws the fields.
export function prettyJson(value) {
  return `${JSON.stringify(value, null, 2)}\n`;
}

// id → what a person calls the element in a BPMN text: its name, or for an unnamed flow `起点 → 终点` by their
// names (lists and diffs show these instead of generated ids). {} for no text or one that cannot be read.
export function namesIn(xml) {
  if (!xml) return {};
  const doc = new DOMParser().parseFromString(xml, "application/xml");
  if (doc.getElementsByTagName("parsererror").length) return {};
  const names = {};
  const all = [...doc.getElementsByTagName("*")].filter((node) => node.getAttribute("id"));
  all.forEach((node) => { if (node.getAttribute("name")) names[node.getAttribute("id")] = node.getAttribute("name"); });
  all.filter((node) => node.localName === "sequenceFlow" && !node.getAttribute("name")).forEach((flow) => {
    const [source, target] = [flow.getAttribute("sourceRef"), flow.getAttribute("targetRef")];
    if (names[source] || names[target]) {
      names[flow.getAttribute("id")] = `${names[source] || source} → ${names[target] || target}`;
    }
  });
  return names;
}

// 新建决策表: a DMN file holding one decision table with one input and one output, named `decision_N` (the first N
// free in the draft), for a business rule task to name.
export function newDecisionFile(files, key) {
  let n = 1;
  while (`${key}_decision_${n}.dmn` in files) n += 1;
  const id = `decision_${n}`;
  return {
    name: `${key}_decision_${n}.dmn`,
    text: `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="${key}_definitions_${n}" name="决策表 ${n}" namespace="fangpin">
  <decision id="${id}" name="决策表 ${n}">
    <decisionTable id="${id}_table">
      <input id="${id}_input" label="输入"><inputExpression id="${id}_input_expression" typeRef="string"><text></text></inputExpression></input>
      <output id="${id}_output" label="结果" name="result" typeRef="string"/>
    </decisionTable>
  </decision>
</definitions>
`,
  };
}
