/**
 * Entry factories for the properties panel: each returns `{id, component, isEdited}` for a group's `entries`,
 * so the provider lists what a group shows instead of repeating panel plumbing for every field.
 */
import { h } from '@bpmn-io/properties-panel/preact';
import {
  CheckboxEntry, SelectEntry, TextAreaEntry, TextFieldEntry,
  isCheckboxEntryEdited, isSelectEntryEdited, isTextAreaEntryEdited, isTextFieldEntryEdited,
} from '@bpmn-io/properties-panel';
import { useService } from 'bpmn-js-properties-panel';

/**
 * A field bound to a value of the element: `read(element)` gives the text, `write(injector, element, value)`
 * stores it (as one command). `kind` is 'text', 'textarea' (monospace code) or 'select' (`options(element)`).
 */
export function entry({ id, label, description, kind = 'text', read, write, options, rows = 6 }) {
  function Component(props) {
    const injector = useService('injector');
    const debounce = useService('debounceInput');
    const common = {
      element: props.element, id, label, description,
      getValue: () => read(props.element),
      setValue: (value) => write(injector, props.element, value),
    };
    if (kind === 'select') {
      return h(SelectEntry, { ...common, getOptions: () => options(props.element) });
    }
    if (kind === 'checkbox') {
      return h(CheckboxEntry, common);
    }
    if (kind === 'textarea') {
      return h(TextAreaEntry, { ...common, debounce, monospace: true, rows, autoResize: true });
    }
    return h(TextFieldEntry, { ...common, debounce });
  }
  const edited = { select: isSelectEntryEdited, checkbox: isCheckboxEntryEdited, textarea: isTextAreaEntryEdited };
  return { id, component: Component, isEdited: edited[kind] || isTextFieldEntryEdited };
}

/** A button in the panel that fires `event` on diagram-js's event bus with the element (the page handles it). */
export function button({ id, label, event }) {
  function Component(props) {
    const eventBus = useService('eventBus');
    return h('div', { class: 'bio-properties-panel-entry fp-panel-button', 'data-entry-id': id },
      h('button', {
        type: 'button', class: 'bio-properties-panel-add-entry fp-button',
        onClick: () => eventBus.fire(event, { element: props.element }),
      }, label));
  }
  return { id, component: Component };
}
