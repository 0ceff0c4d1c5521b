/**
 * Reading and writing the spiffworkflow extension elements our engine reads (engine/deploy.py, SpiffWorkflow's
 * spiff parser): `spiffworkflow:properties/property` (name → value) and the body-text elements preScript,
 * postScript, messageVariable, calledDecisionId. Every write is one undoable command on the command stack.
 */
import { is } from 'bpmn-js/lib/util/ModelUtil';

const MULTI_COMMAND = 'properties-panel.multi-command-executor';

/** The first extension element of `type` (e.g. 'spiffworkflow:PreScript') under a business object, or undefined. */
export function findExtension(bo, type) {
  const extensionElements = bo && bo.get('extensionElements');
  return extensionElements && extensionElements.get('values').find((value) => is(value, type));
}

/** The value of `spiffworkflow:property[name]`, or '' when there is none. */
export function getSpiffProperty(bo, name) {
  const container = findExtension(bo, 'spiffworkflow:Properties');
  const property = container && container.get('properties').find((p) => p.get('name') === name);
  return (property && property.get('value')) || '';
}

/** The body text of a body extension (preScript …), or ''. */
export function getBodyExtension(bo, type) {
  const extension = findExtension(bo, type);
  return (extension && extension.get('value')) || '';
}

function update(element, moddleElement, properties) {
  return { cmd: 'element.updateModdleProperties', context: { element, moddleElement, properties } };
}

/**
 * Commands that make sure `bo` has extensionElements, and the extensionElements object to add to.
 * A new extensionElements is created detached and attached by the returned command.
 */
function extensionElementsOf(element, bo, bpmnFactory) {
  const existing = bo.get('extensionElements');
  if (existing) {
    return { commands: [], extensionElements: existing };
  }
  const extensionElements = bpmnFactory.create('bpmn:ExtensionElements', { values: [] });
  extensionElements.$parent = bo;
  return { commands: [update(element, bo, { extensionElements })], extensionElements };
}

function withoutValue(list, value) {
  return list.filter((item) => item !== value);
}

/** Sets (or, with an empty value, removes) one body extension such as spiffworkflow:PreScript. */
export function setBodyExtension(injector, element, bo, type, value) {
  const commandStack = injector.get('commandStack');
  const bpmnFactory = injector.get('bpmnFactory');
  const existing = findExtension(bo, type);
  if (existing) {
    const extensionElements = bo.get('extensionElements');
    const commands = value
      ? [update(element, existing, { value })]
      : [update(element, extensionElements, { values: withoutValue(extensionElements.get('values'), existing) })];
    commandStack.execute(MULTI_COMMAND, commands);
    return;
  }
  if (!value) {
    return;
  }
  const { commands, extensionElements } = extensionElementsOf(element, bo, bpmnFactory);
  const extension = bpmnFactory.create(type, { value });
  extension.$parent = extensionElements;
  commands.push(update(element, extensionElements, { values: [...extensionElements.get('values'), extension] }));
  commandStack.execute(MULTI_COMMAND, commands);
}

/** Sets (or, with an empty value, removes) `spiffworkflow:property[name]`; an emptied container goes too. */
export function setSpiffProperty(injector, element, bo, name, value) {
  const commandStack = injector.get('commandStack');
  const bpmnFactory = injector.get('bpmnFactory');
  const container = findExtension(bo, 'spiffworkflow:Properties');
  const property = container && container.get('properties').find((p) => p.get('name') === name);
  if (property) {
    if (value) {
      commandStack.execute(MULTI_COMMAND, [update(element, property, { value })]);
      return;
    }
    const remaining = withoutValue(container.get('properties'), property);
    const extensionElements = bo.get('extensionElements');
    commandStack.execute(MULTI_COMMAND, [remaining.length
      ? update(element, container, { properties: remaining })
      : update(element, extensionElements, { values: withoutValue(extensionElements.get('values'), container) })]);
    return;
  }
  if (!value) {
    return;
  }
  const { commands, extensionElements } = extensionElementsOf(element, bo, bpmnFactory);
  const added = bpmnFactory.create('spiffworkflow:Property', { name, value });
  if (container) {
    added.$parent = container;
    commands.push(update(element, container, { properties: [...container.get('properties'), added] }));
  } else {
    const created = bpmnFactory.create('spiffworkflow:Properties', { properties: [added] });
    created.$parent = extensionElements;
    added.$parent = created;
    commands.push(update(element, extensionElements, { values: [...extensionElements.get('values'), created] }));
  }
  commandStack.execute(MULTI_COMMAND, commands);
}
