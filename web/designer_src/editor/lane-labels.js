/**
 * A lane's name is the key of the role doing its tasks (`village`): the XML keeps the key (the engine assigns by
 * it), the canvas draws the role's Chinese name (嘎查村干部) over the lane, as the case pages do. A name that is no
 * known role is drawn as it is written. Only the drawing changes; the panel's role picker still shows the key.
 */
import { is } from 'bpmn-js/lib/util/ModelUtil';

const ABOVE_BPMN_RENDERER = 1500;

function LaneLabels(eventBus, bpmnRenderer, config) {
  const names = Object.fromEntries(((config && config.roles) || []).map((role) => [role.key, role.name]));
  eventBus.on('render.shape', ABOVE_BPMN_RENDERER, (event, { gfx, element, attrs }) => {
    const name = is(element, 'bpmn:Lane') ? names[element.businessObject.get('name')] : undefined;
    if (!name) {
      return undefined;
    }
    const visual = bpmnRenderer.drawShape(gfx, element, attrs);
    gfx.querySelectorAll('text.djs-label').forEach((label) => {
      const [first, ...rest] = label.querySelectorAll('tspan');
      if (!first) {
        return;
      }
      rest.forEach((tspan) => tspan.remove());
      first.textContent = name;
      first.setAttribute('x', String((element.di && element.di.isHorizontal === false ? element.width : element.height) / 2));
      label.setAttribute('text-anchor', 'middle');
    });
    return visual;
  });
}

LaneLabels.$inject = ['eventBus', 'bpmnRenderer', 'config.fangpin'];

export default {
  __init__: ['fangpinLaneLabels'],
  fangpinLaneLabels: ['type', LaneLabels],
};
