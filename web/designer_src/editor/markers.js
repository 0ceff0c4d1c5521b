/**
 * What the designer page draws on the diagram: problems (a red outline and a badge with their count on each
 * element), the way to an element, and a version diff (added green, changed orange, removed red dashed — a
 * removed element is not in the diagram, so its shape is drawn from the older version's diagram).
 */
import { append as svgAppend, attr as svgAttr, classes as svgClasses, clear as svgClear, create as svgCreate }
  from 'tiny-svg';

const PROBLEM = 'fp-problem';
const DIFF_MARKERS = { added: 'fp-diff-added', changed: 'fp-diff-changed' };
const REMOVED_LAYER = 'fp-diff-removed';
const MIN_ZOOM_TO_SHOW = 0.8;

function idOf(item) {
  return typeof item === 'string' ? item : item && (item.id || item.element);
}

export default class Markers {
  constructor(modeler) {
    this._modeler = modeler;
    this._marked = [];
  }

  _get(name) {
    return this._modeler.get(name);
  }

  /** The shape showing `id`: the element itself, or the pool of a process (problems name the process id). */
  shapeOf(id) {
    const registry = this._get('elementRegistry');
    return registry.get(id) || registry.find((element) => {
      const processRef = element.businessObject && element.businessObject.processRef;
      return processRef && processRef.id === id;
    }) || null;
  }

  _mark(element, marker) {
    this._get('canvas').addMarker(element, marker);
    this._marked.push([element, marker]);
  }

  /**
   * Marks every problem's element and puts a badge with the count (messages as its tooltip) on it.
   * Returns the problems no element of the diagram shows (file-wide ones), for the page to list as they are.
   */
  markProblems(problems) {
    const overlays = this._get('overlays');
    const byShape = new Map();
    const unplaced = [];
    problems.forEach((problem) => {
      const shape = problem.element ? this.shapeOf(problem.element) : null;
      if (!shape) {
        unplaced.push(problem);
        return;
      }
      byShape.set(shape, [...(byShape.get(shape) || []), problem]);
    });
    byShape.forEach((list, shape) => {
      this._mark(shape, PROBLEM);
      const badge = document.createElement('div');
      badge.className = 'fp-problem-badge';
      badge.textContent = String(list.length);
      badge.title = list.map((problem) => problem.message).join('\n');
      badge.setAttribute('data-element', shape.id);
      overlays.add(shape, PROBLEM, { position: { top: -10, right: 10 }, html: badge });
    });
    return unplaced;
  }

  /** Scrolls to the element (zooming in when the diagram is too small to read) and selects it. */
  selectElement(id) {
    const shape = this.shapeOf(id);
    if (!shape) {
      return false;
    }
    const canvas = this._get('canvas');
    if (canvas.zoom() < MIN_ZOOM_TO_SHOW) {
      canvas.zoom(1);
    }
    canvas.scrollToElement(shape, { top: 100, bottom: 100, left: 100, right: 100 });
    this._get('selection').select(shape);
    return true;
  }

  /**
   * Colours a diff (`added`, `changed`, `removed`: ids or `{id}` as the diff API lists them). With `previous`
   * (the older version's BPMN XML) the removed elements are drawn where they were, dashed. Resolves to the ids
   * that could not be drawn, so the page can list them.
   */
  async showDiff({ added = [], changed = [], removed = [], previous = null }) {
    const missing = [];
    Object.entries({ added, changed }).forEach(([kind, items]) => items.forEach((item) => {
      const shape = this.shapeOf(idOf(item));
      if (shape) {
        this._mark(shape, DIFF_MARKERS[kind]);
      } else {
        missing.push(idOf(item));
      }
    }));
    const removedIds = removed.map(idOf);
    const drawn = previous ? await this._drawRemoved(previous, removedIds) : [];
    return [...missing, ...removedIds.filter((id) => !drawn.includes(id))];
  }

  async _drawRemoved(previousXml, ids) {
    const { rootElement } = await this._get('moddle').fromXML(previousXml, 'bpmn:Definitions');
    const layer = this._get('canvas').getLayer(REMOVED_LAYER, 1000);
    const drawn = [];
    (rootElement.get('diagrams') || []).forEach((diagram) => {
      diagram.get('plane').get('planeElement').forEach((di) => {
        const element = di.get('bpmnElement');
        if (!element || !ids.includes(element.id) || drawn.includes(element.id)) {
          return;
        }
        drawn.push(element.id);
        svgAppend(layer, ghost(di, element));
      });
    });
    return drawn;
  }

  /** Removes every problem and diff mark. */
  clear() {
    const canvas = this._get('canvas');
    this._marked.forEach(([element, marker]) => canvas.removeMarker(element, marker));
    this._marked = [];
    this._get('overlays').remove({ type: PROBLEM });
    svgClear(canvas.getLayer(REMOVED_LAYER, 1000));
  }
}

/** The dashed outline (or path, for a flow) of a removed element, with its name above it. */
function ghost(di, element) {
  const group = svgCreate('g');
  svgClasses(group).add('fp-removed');
  svgAttr(group, { 'data-element-id': element.id });
  const waypoints = di.get('waypoint');
  if (waypoints && waypoints.length) {
    svgAppend(group, svgCreate('polyline', { points: waypoints.map((p) => `${p.x},${p.y}`).join(' ') }));
    return group;
  }
  const { x, y, width, height } = di.get('bounds');
  svgAppend(group, svgCreate('rect', { x, y, width, height, rx: 10, ry: 10 }));
  const label = svgCreate('text', { x, y: y - 6 });
  label.textContent = `已删除：${element.name || element.id}`;
  svgAppend(group, label);
  return group;
}
