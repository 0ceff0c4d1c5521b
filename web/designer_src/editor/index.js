/**
 * The designer's editor core (contract §5): a bpmn-js Modeler with our properties panel for the spiffworkflow
 * extensions, bpmnlint in Chinese, problem and diff markers; and a dmn-js Modeler for decision tables.
 * Page code (web/designer_src/index.js) only talks to the objects returned here.
 *
 * Events of `editor.on(name, fn)`:
 * - 'changed'      — the diagram was edited (fn gets nothing);
 * - 'selected'     — `{id, type, name, form}` of the selected element, or null when nothing is selected;
 * - 'form.create'  — 新建表单 was pressed on a user task: `{id, name}`; the page creates the form file,
 *                    then calls `setForms([...])` and `setTaskForm(id, fileName)`.
 */
import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';
import 'bpmn-js/dist/assets/bpmn-font/css/bpmn.css';
import '@bpmn-io/properties-panel/dist/assets/properties-panel.css';
import 'bpmn-js-bpmnlint/dist/assets/css/bpmn-js-bpmnlint.css';
import 'dmn-js/dist/assets/dmn-js-shared.css';
import 'dmn-js/dist/assets/dmn-js-decision-table.css';
import 'dmn-js/dist/assets/dmn-js-decision-table-controls.css';
import 'dmn-js/dist/assets/dmn-js-drd.css';
import 'dmn-js/dist/assets/dmn-js-literal-expression.css';
import 'dmn-js/dist/assets/dmn-font/css/dmn.css';
import './editor.css';

import BpmnModeler from 'bpmn-js/lib/Modeler';
import { getBusinessObject, is } from 'bpmn-js/lib/util/ModelUtil';
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule } from 'bpmn-js-properties-panel';
import lintModule from 'bpmn-js-bpmnlint';
import DmnModeler from 'dmn-js/lib/Modeler';

import { linterConfig, lintDefinitions } from './lint/config.js';
import Markers from './markers.js';
import laneLabelsModule from './lane-labels.js';
import paletteModule from './palette.js';
import readOnlyModule from './read-only.js';
import fangpinPropertiesModule from './properties/index.js';
import { getSpiffProperty, setSpiffProperty } from './properties/extensions.js';
import { CREATE_FORM_EVENT, FORM_PROPERTY } from './properties/provider.js';
import { restoreUnresolvedReferences } from './references.js';
import spiffworkflow from './spiffworkflow.json';
import translateModule from './translate.js';

/** What the page learns of an element (a selected label stands for the element it labels). */
function describe(shape) {
  const element = shape.labelTarget || shape;
  const bo = getBusinessObject(element);
  return {
    id: element.id, type: element.type, name: bo.get('name') || '',
    form: is(element, 'bpmn:UserTask') ? getSpiffProperty(bo, FORM_PROPERTY) || null : null,
  };
}

/**
 * Resolves once preact has run the properties panel's effects, which subscribe it to selection changes: preact
 * runs them after the next animation frame (or after 100 ms on a hidden page), so this waits for the same, later.
 * Without it, an element selected right after an import would leave the panel on the process.
 */
function panelSettled() {
  return new Promise((resolve) => {
    let timer = null;
    let frame = null;
    const done = () => {
      clearTimeout(timer);
      cancelAnimationFrame(frame);
      setTimeout(resolve);
    };
    timer = setTimeout(done, 100);
    frame = requestAnimationFrame(done);
  });
}

/**
 * The BPMN editor in `canvas` with its properties panel in `properties` (elements or selectors).
 * `roles`: `[{key, name}]` for the lanes; `forms`: the model's forms, file names or `{name, title}`; `functions`: names the
 * scripts may call (shown in hints); `readOnly`: a reader's editor, in which nothing can change the diagram.
 */
export function createEditor({ canvas, properties, roles = [], forms = [], functions = [], readOnly = false }) {
  const options = { roles, forms: [...forms], functions };
  const modeler = new BpmnModeler({
    container: canvas,
    propertiesPanel: { parent: properties },
    linting: { bpmnlint: linterConfig, active: true },
    fangpin: options,
    additionalModules: [
      BpmnPropertiesPanelModule, BpmnPropertiesProviderModule, fangpinPropertiesModule, lintModule, paletteModule,
      laneLabelsModule,
      translateModule, ...(readOnly ? [readOnlyModule] : []),
    ],
    moddleExtensions: { spiffworkflow },
  });
  const eventBus = modeler.get('eventBus');
  const markers = new Markers(modeler);
  const listeners = {};
  const emit = (name, payload) => (listeners[name] || []).forEach((fn) => fn(payload));

  eventBus.on('commandStack.changed', () => emit('changed'));
  eventBus.on('selection.changed', ({ newSelection }) => {
    emit('selected', newSelection.length === 1 ? describe(newSelection[0]) : null);
  });
  eventBus.on(CREATE_FORM_EVENT, ({ element }) => emit('form.create', describe(element)));

  const refreshPanel = () => eventBus.fire('propertiesPanel.providersChanged');
  const definitions = () => modeler.getDefinitions();

  return {
    modeler,
    /** Opens a BPMN document; resolves to bpmn-js's import warnings (but the references kept as they were). */
    async importXML(xml) {
      markers.clear();
      const result = await modeler.importXML(xml);
      const warnings = restoreUnresolvedReferences(modeler.get('moddle'), result.warnings);
      modeler.get('canvas').zoom('fit-viewport');
      await panelSettled();
      return warnings;
    },
    async saveXML() {
      const { xml } = await modeler.saveXML({ format: true });
      return xml;
    },
    on(name, fn) {
      (listeners[name] = listeners[name] || []).push(fn);
    },
    /** bpmnlint's findings: `[{element, message, category, rule}]`, messages in Chinese. */
    lint: () => lintDefinitions(definitions()),
    markProblems: (problems) => markers.markProblems(problems),
    selectElement: (id) => markers.selectElement(id),
    showDiff: (diff) => markers.showDiff(diff),
    clearMarkers: () => markers.clear(),
    setForms(names) {
      options.forms.splice(0, options.forms.length, ...names);
      refreshPanel();
    },
    /** Links a user task to a form file (one undoable edit), as the panel's 表单 field does. */
    setTaskForm(id, form) {
      const element = modeler.get('elementRegistry').get(id);
      setSpiffProperty(modeler.get('injector'), element, getBusinessObject(element), FORM_PROPERTY, form || '');
    },
    elementsWithForm() {
      return modeler.get('elementRegistry').filter((element) => is(element, 'bpmn:UserTask'))
        .map(describe).map(({ id, name, form }) => ({ id, name, form }));
    },
  };
}

/** A DMN editor (decision tables) in `container`; `on('changed', fn)` hears every edit of any of its views. */
export function createDmnEditor({ container }) {
  const modeler = new DmnModeler({ container });
  const listeners = [];
  const watched = new WeakSet();
  modeler.on('views.changed', () => {
    const viewer = modeler.getActiveViewer();
    if (viewer && !watched.has(viewer)) {
      watched.add(viewer);
      viewer.get('eventBus').on('commandStack.changed', () => listeners.forEach((fn) => fn()));
    }
  });
  return {
    modeler,
    on(name, fn) {
      if (name === 'changed') listeners.push(fn);
    },
    async importXML(xml) {
      const result = await modeler.importXML(xml);
      const table = modeler.getViews().find((view) => view.type === 'decisionTable');
      if (table) {
        await modeler.open(table);
      }
      return result.warnings;
    },
    async saveXML() {
      const { xml } = await modeler.saveXML({ format: true });
      return xml;
    },
  };
}
