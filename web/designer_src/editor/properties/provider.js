/**
 * Our properties provider: the fields the Fangpin engine reads, in Chinese. It runs after bpmn-js's own provider
 * (lower priority) and keeps its general (id, name), documentation, message and multi-instance groups, hides
 * the groups our engine ignores, and adds ours. Lanes name roles, so a lane's name is picked from the roles.
 */
import { getBusinessObject, is } from 'bpmn-js/lib/util/ModelUtil';
import { Group } from '@bpmn-io/properties-panel';

import { button, entry } from './entries.js';
import { getBodyExtension, getSpiffProperty, setBodyExtension, setSpiffProperty } from './extensions.js';

const LOW_PRIORITY = 500;
export const CREATE_FORM_EVENT = 'fangpin.form.create';
export const FORM_PROPERTY = 'formJsonSchemaFilename';
// engine/batch.py BATCH_SCOPES: the values of the batch property the engine accepts
const BATCH_OPTIONS = [
  { value: '', label: '不可批量办理' },
  { value: 'true', label: '同一地点的任务可批量办理' },
  { value: 'parent', label: '同一上级地区的任务可批量办理' },
];
const TIMER_TYPES = [
  { value: 'timeDate', label: '到期时间 (timeDate)' },
  { value: 'timeDuration', label: '等待时长 (timeDuration)' },
  { value: 'timeCycle', label: '循环 (timeCycle)' },
];
const KEPT_GROUPS = ['general', 'documentation', 'message', 'multiInstance', 'error', 'signal', 'escalation'];

function group(id, label, entries) {
  return { id, label, entries, component: Group, shouldOpen: true };
}

function property(id, label, name, description) {
  return entry({
    id, label, description,
    read: (element) => getSpiffProperty(getBusinessObject(element), name),
    write: (injector, element, value) => setSpiffProperty(injector, element, getBusinessObject(element), name, value.trim()),
  });
}

function script(id, label, type, boOf = getBusinessObject, description = undefined) {
  return entry({
    id, label, kind: 'textarea', description,
    read: (element) => getBodyExtension(boOf(element), type),
    write: (injector, element, value) => setBodyExtension(injector, element, boOf(element), type, value),
  });
}

function eventDefinition(element, type) {
  return (getBusinessObject(element).get('eventDefinitions') || []).find((definition) => is(definition, type));
}

function formalExpression(injector, body) {
  return body ? injector.get('bpmnFactory').create('bpmn:FormalExpression', { body }) : undefined;
}

/** The options, plus the element's current value when it is none of them (so the field shows what is there). */
function withCurrent(choices, current, note) {
  return current && !choices.some((choice) => choice.value === current)
    ? [...choices, { value: current, label: `${current}（${note}）` }] : choices;
}

function roleEntry(options) {
  return entry({
    id: 'fp-role', label: '办理角色', kind: 'select',
    description: '泳道的名称即角色：此泳道中的用户任务由该角色办理。',
    read: (element) => getBusinessObject(element).get('name') || '',
    write: (injector, element, value) => injector.get('modeling').updateProperties(element, { name: value || undefined }),
    options: (element) => withCurrent(
      [{ value: '', label: '（请选择角色）' },
        ...options.roles.map((role) => ({ value: role.key, label: `${role.name}（${role.key}）` }))],
      getBusinessObject(element).get('name'), '未知角色'),
  });
}

/** A form in the picker: its title with its file (`走访排查（identification_visit.json）`), or the file alone. */
function formChoice(form) {
  const { name, title } = typeof form === 'string' ? { name: form } : form;
  return { value: name, label: title ? `${title}（${name}）` : name };
}

function formEntry(options) {
  return entry({
    id: 'fp-form', label: '表单', kind: 'select',
    read: (element) => getSpiffProperty(getBusinessObject(element), FORM_PROPERTY),
    write: (injector, element, value) => setSpiffProperty(injector, element, getBusinessObject(element), FORM_PROPERTY, value),
    options: (element) => withCurrent(
      [{ value: '', label: '（无表单）' }, ...options.forms.map(formChoice)],
      getSpiffProperty(getBusinessObject(element), FORM_PROPERTY), '未随模型上传'),
  });
}

function userTaskGroup(options) {
  return group('fp-user-task', '办理', [
    formEntry(options),
    button({ id: 'fp-form-create', label: '新建表单', event: CREATE_FORM_EVENT }),
    property('fp-due-date', '办理期限', 'dueDate', '表达式，如 add_working_days(today(), 5)'),
    entry({
      id: 'fp-batch', label: '批量办理', kind: 'select',
      options: (element) => withCurrent(BATCH_OPTIONS, getSpiffProperty(getBusinessObject(element), 'batch'), '无效'),
      read: (element) => getSpiffProperty(getBusinessObject(element), 'batch'),
      write: (injector, element, value) => setSpiffProperty(injector, element, getBusinessObject(element), 'batch', value),
    }),
    property('fp-department', '部门', 'department', '表达式：由哪个行业部门办理，如 item["department"]'),
    property('fp-subject', '事项', 'subject', '表达式：任务列表中显示的事项'),
    property('fp-place', '办理地点', 'place', '表达式：由哪个地区办理（默认为案件所在地）'),
  ]);
}

function scriptsGroup(element, options) {
  const hint = options.functions.length ? `可调用的函数：${options.functions.join('、')}` : undefined;
  const entries = [];
  if (is(element, 'bpmn:ScriptTask')) {
    entries.push(entry({
      id: 'fp-script', label: '脚本', kind: 'textarea', rows: 10, description: hint,
      read: (el) => getBusinessObject(el).get('script') || '',
      write: (injector, el, value) => injector.get('modeling').updateProperties(el, { script: value || undefined }),
    }));
  }
  entries.push(script('fp-pre-script', '前置脚本', 'spiffworkflow:PreScript', getBusinessObject, hint));
  entries.push(script('fp-post-script', '后置脚本', 'spiffworkflow:PostScript', getBusinessObject, hint));
  return group('fp-scripts', '脚本', entries);
}

function conditionGroup() {
  return group('fp-condition', '条件', [
    entry({
      id: 'fp-condition-expression', label: '条件表达式', kind: 'textarea', rows: 2,
      description: '为真时走此路径，如 visit["approved"]',
      read: (element) => {
        const condition = getBusinessObject(element).get('conditionExpression');
        return (condition && condition.get('body')) || '';
      },
      write: (injector, element, value) => injector.get('modeling').updateProperties(element, {
        conditionExpression: formalExpression(injector, value.trim()),
      }),
    }),
    entry({
      id: 'fp-default-flow', label: '默认路径（其他条件都不满足时）', kind: 'checkbox',
      read: (element) => element.source.businessObject.get('default') === getBusinessObject(element),
      write: (injector, element, checked) => injector.get('modeling').updateProperties(element.source, {
        default: checked ? getBusinessObject(element) : undefined,
      }),
    }),
  ]);
}

function timerType(element) {
  const timer = eventDefinition(element, 'bpmn:TimerEventDefinition');
  return TIMER_TYPES.map((type) => type.value).find((type) => timer.get(type)) || '';
}

function timerGroup() {
  return group('fp-timer', '定时', [
    entry({
      id: 'fp-timer-type', label: '类型', kind: 'select',
      options: () => [{ value: '', label: '（请选择）' }, ...TIMER_TYPES],
      read: timerType,
      write: (injector, element, value) => {
        const timer = eventDefinition(element, 'bpmn:TimerEventDefinition');
        const current = timerType(element);
        const body = current ? timer.get(current).get('body') : '';
        const properties = Object.fromEntries(TIMER_TYPES.map((type) => [type.value, undefined]));
        if (value) {
          properties[value] = injector.get('bpmnFactory').create('bpmn:FormalExpression', { body });
        }
        injector.get('commandStack').execute('element.updateModdleProperties', { element, moddleElement: timer, properties });
      },
    }),
    entry({
      id: 'fp-timer-expression', label: '表达式',
      description: '如 add_working_days(today(), 5)、day_ends(notice["ends_on"]) 或 "P7D"',
      read: (element) => {
        const type = timerType(element);
        return type ? eventDefinition(element, 'bpmn:TimerEventDefinition').get(type).get('body') || '' : '';
      },
      write: (injector, element, value) => {
        const timer = eventDefinition(element, 'bpmn:TimerEventDefinition');
        const type = timerType(element) || 'timeDate';
        injector.get('commandStack').execute('element.updateModdleProperties', {
          element, moddleElement: timer, properties: { [type]: formalExpression(injector, value.trim()) },
        });
      },
    }),
  ]);
}

function messageEntries(element) {
  const definitionOf = (el) => eventDefinition(el, 'bpmn:MessageEventDefinition');
  const catching = is(element, 'bpmn:CatchEvent');
  return [catching
    ? script('fp-message-variable', '消息内容存入变量', 'spiffworkflow:MessageVariable', definitionOf)
    : script('fp-message-payload', '消息内容（表达式）', 'spiffworkflow:MessagePayload', definitionOf)];
}

function loopOf(element) {
  return getBusinessObject(element).get('loopCharacteristics');
}

/**
 * A multi-instance's collections as SpiffWorkflow reads them: `loopDataInputRef` / `loopDataOutputRef` name
 * process variables (kept as stand-ins, see references.js) and the data items name each instance's variable.
 */
function loopField(id, label, property, kind) {
  return entry({
    id, label,
    read: (element) => {
      const value = loopOf(element).get(property);
      return (value && (kind === 'item' ? value.get('name') : value.id)) || '';
    },
    write: (injector, element, text) => {
      const name = text.trim();
      const type = kind === 'item' ? (property === 'inputDataItem' ? 'bpmn:DataInput' : 'bpmn:DataOutput')
        : 'bpmn:ItemAwareElement';
      const value = name ? injector.get('moddle').create(type, kind === 'item' ? { id: name, name } : { id: name })
        : undefined;
      injector.get('commandStack').execute('element.updateModdleProperties', {
        element, moddleElement: loopOf(element), properties: { [property]: value },
      });
    },
  });
}

function loopEntries() {
  return [
    loopField('fp-loop-input', '逐项办理的列表（变量名）', 'loopDataInputRef', 'collection'),
    loopField('fp-loop-item', '每一项的变量名', 'inputDataItem', 'item'),
    loopField('fp-loop-output', '结果收集到（变量名）', 'loopDataOutputRef', 'collection'),
    loopField('fp-loop-output-item', '每一项结果的变量名', 'outputDataItem', 'item'),
  ];
}

function decisionGroup() {
  return group('fp-decision', '决策', [entry({
    id: 'fp-called-decision', label: '决策表标识 (calledDecisionId)',
    read: (element) => getBodyExtension(getBusinessObject(element), 'spiffworkflow:CalledDecisionId'),
    write: (injector, element, value) => setBodyExtension(
      injector, element, getBusinessObject(element), 'spiffworkflow:CalledDecisionId', value.trim()),
  })]);
}

function isConditionalFlow(element) {
  return is(element, 'bpmn:SequenceFlow') && element.source
    && (is(element.source, 'bpmn:ExclusiveGateway') || is(element.source, 'bpmn:InclusiveGateway'));
}

function ourGroups(element, options) {
  const groups = [];
  if (is(element, 'bpmn:Lane')) groups.push(group('fp-lane', '角色', [roleEntry(options)]));
  if (is(element, 'bpmn:UserTask')) groups.push(userTaskGroup(options));
  if (is(element, 'bpmn:BusinessRuleTask')) groups.push(decisionGroup());
  if (is(element, 'bpmn:Task')) groups.push(scriptsGroup(element, options));
  if (isConditionalFlow(element)) groups.push(conditionGroup());
  if (eventDefinition(element, 'bpmn:TimerEventDefinition')) groups.push(timerGroup());
  return groups;
}

/**
 * Trims bpmn-js's groups: the general one (id, name) opens, but lanes get their name from the role picker;
 * a message event's group opens with our payload variable in it, a multi-instance's with its collections.
 */
function keptGroups(element, groups) {
  return groups.filter((g) => KEPT_GROUPS.includes(g.id)).map((g) => {
    if (g.id === 'general') {
      return { ...g, shouldOpen: true, entries: g.entries.filter((e) => e.id !== 'name' || !is(element, 'bpmn:Lane')) };
    }
    if (g.id === 'multiInstance' && is(loopOf(element), 'bpmn:MultiInstanceLoopCharacteristics')) {
      return { ...g, shouldOpen: true, entries: [...loopEntries(), ...g.entries] };
    }
    if (g.id === 'message' && eventDefinition(element, 'bpmn:MessageEventDefinition')) {
      return { ...g, shouldOpen: true, entries: [...g.entries, ...messageEntries(element)] };
    }
    return g;
  });
}

export default class FangpinPropertiesProvider {
  constructor(propertiesPanel, config) {
    this._options = config;
    propertiesPanel.registerProvider(LOW_PRIORITY, this);
  }

  getGroups(element) {
    return (groups) => {
      const kept = keptGroups(element, groups);
      const first = (id) => kept.filter((g) => g.id === id);
      const middle = kept.filter((g) => g.id !== 'general' && g.id !== 'documentation');
      return [...first('general'), ...ourGroups(element, this._options), ...middle, ...first('documentation')];
    };
  }
}

FangpinPropertiesProvider.$inject = ['propertiesPanel', 'config.fangpin'];
