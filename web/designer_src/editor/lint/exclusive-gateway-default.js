/**
 * bpmnlint rule: an exclusive gateway that forks must have a default flow, or a case whose data matches no
 * condition stops there with an error (SpiffWorkflow raises when no outgoing condition holds).
 */
import { is } from 'bpmn-js/lib/util/ModelUtil';

export default function exclusiveGatewayDefault() {
  function check(node, reporter) {
    if (is(node, 'bpmn:ExclusiveGateway') && (node.outgoing || []).length > 1 && !node.get('default')) {
      reporter.report(node.id, 'Exclusive gateway has no default flow');
    }
  }
  return { check };
}
