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
export const dmnNames = (files) => Object.keys(files).filter(isDmn).sort();
export const testsName = (files, key) => Object.keys(files).find(isTests) || `${key}.tests.json`;

// Pretty JSON text of a form for a new file; keys in the order the inbox draws the fields.
export function prettyJson(value) {
  return `${JSON.stringify(value, null, 2)}\n`;
}
