/**
 * bpmnlint in the browser: esbuild cannot run bpmnlint-loader, so the linter's `{config, resolver}` is built here
 * from the rule modules themselves. Each rule reports in Chinese (one message per rule), both in
 * bpmn-js-bpmnlint's overlays and in `lintDefinitions`. The shipped models pass every rule. Not used: fake-join
 * (several flows into one task is how our models loop back; SpiffWorkflow runs the task for each arrival).
 */
import { Linter } from 'bpmnlint';
import conditionalFlows from 'bpmnlint/rules/conditional-flows';
import endEventRequired from 'bpmnlint/rules/end-event-required';
import labelRequired from 'bpmnlint/rules/label-required';
import noComplexGateway from 'bpmnlint/rules/no-complex-gateway';
import noDisconnected from 'bpmnlint/rules/no-disconnected';
import noDuplicateSequenceFlows from 'bpmnlint/rules/no-duplicate-sequence-flows';
import noImplicitEnd from 'bpmnlint/rules/no-implicit-end';
import noImplicitSplit from 'bpmnlint/rules/no-implicit-split';
import noImplicitStart from 'bpmnlint/rules/no-implicit-start';
import singleBlankStartEvent from 'bpmnlint/rules/single-blank-start-event';
import startEventRequired from 'bpmnlint/rules/start-event-required';
import superfluousGateway from 'bpmnlint/rules/superfluous-gateway';

import exclusiveGatewayDefault from './exclusive-gateway-default.js';

const CUSTOM_PACKAGE = 'bpmnlint-plugin-fangpin';

// rule name → [factory, category, the Chinese message every report of it carries]
const RULES = {
  'label-required': [labelRequired, 'error', '缺少名称'],
  'no-disconnected': [noDisconnected, 'error', '没有连线连接此元素'],
  'no-implicit-start': [noImplicitStart, 'error', '没有进入的连线（悬空）'],
  'no-implicit-end': [noImplicitEnd, 'error', '没有离开的连线（悬空）'],
  'no-implicit-split': [noImplicitSplit, 'error', '有多条离开的连线但不经过网关，请使用网关分支'],
  'start-event-required': [startEventRequired, 'error', '流程缺少开始事件'],
  'end-event-required': [endEventRequired, 'error', '流程缺少结束事件'],
  'conditional-flows': [conditionalFlows, 'error', '网关后的连线缺少条件（或设为默认路径）'],
  'no-duplicate-sequence-flows': [noDuplicateSequenceFlows, 'error', '重复的连线'],
  'no-complex-gateway': [noComplexGateway, 'error', '不支持复杂网关'],
  'single-blank-start-event': [singleBlankStartEvent, 'error', '流程有多个空白开始事件'],
  'superfluous-gateway': [superfluousGateway, 'warn', '多余的网关：只有一条进入和一条离开的连线'],
  'fangpin/exclusive-gateway-default': [exclusiveGatewayDefault, 'warn', '排他网关没有默认路径：数据不满足任何条件时案件将停在此处'],
};

/** The rule with every report's message replaced by the rule's Chinese one. */
function inChinese(factory, message) {
  return (config) => {
    const rule = factory(config);
    const translated = (check) => check && ((node, reporter) => check(node, {
      report: (id, english, ...rest) => reporter.report(id, message, ...rest),
    }));
    const check = typeof rule.check === 'function'
      ? translated(rule.check)
      : { enter: translated(rule.check.enter), leave: translated(rule.check.leave) };
    return { check };
  };
}

function packageOf(name) {
  return name.includes('/') ? `${CUSTOM_PACKAGE}/${name.split('/')[1]}` : `bpmnlint/${name}`;
}

const factories = Object.fromEntries(Object.entries(RULES).map(
  ([name, [factory, , message]]) => [packageOf(name), inChinese(factory, message)]));

/** The `{config, resolver}` that bpmn-js-bpmnlint and bpmnlint's Linter take. */
export const linterConfig = {
  config: { rules: Object.fromEntries(Object.entries(RULES).map(([name, [, category]]) => [name, category])) },
  resolver: {
    resolveRule: (pkg, ruleName) => factories[`${pkg}/${ruleName}`],
    resolveConfig: (pkg, configName) => { throw new Error(`unknown config <${pkg}/${configName}>`); },
  },
};

const CATEGORIES = { error: 'error', warn: 'warning' };

/** Lints a bpmn:Definitions: `[{element, message, category ('error' | 'warning'), rule}]`, errors first. */
export async function lintDefinitions(definitions) {
  const reports = await new Linter(linterConfig).lint(definitions);
  const problems = Object.entries(reports).flatMap(([rule, list]) => list.map((report) => ({
    element: report.id, message: report.message, category: CATEGORIES[report.category] || report.category, rule,
  })));
  return problems.sort((a, b) => (a.category === b.category ? 0 : a.category === 'error' ? -1 : 1));
}
