/**
 * A reader's editor (an admin looking at a model): nothing on the canvas can change it. Every modelling action
 * is refused by a rule above all others, double-click label editing does not open, and an edit that still
 * reached the command stack (the properties panel, a shortcut) is undone at once. The canvas is marked
 * `fp-read-only`, which hides the palette, the context pad and popups (editor.css); the page disables the panel.
 */
import RuleProvider from 'diagram-js/lib/features/rules/RuleProvider';

const REFUSED = [
  'elements.create', 'shape.create', 'shape.append', 'elements.move', 'shape.move', 'shape.resize', 'shape.replace',
  'shape.attach', 'connection.create', 'connection.start', 'connection.reconnect', 'connection.updateWaypoints',
  'elements.delete', 'elements.paste', 'element.paste', 'element.copy', 'lane.add', 'lane.split', 'space.create',
];
const ABOVE_ALL = 100000;

class ReadOnlyRules extends RuleProvider {
  constructor(eventBus, commandStack, canvas) {
    super(eventBus);
    canvas.getContainer().classList.add('fp-read-only');
    eventBus.on('element.dblclick', ABOVE_ALL, () => false);
    eventBus.on('commandStack.changed', ABOVE_ALL, () => {
      if (commandStack.canUndo()) commandStack.undo();
    });
  }

  init() {
    this.addRule(REFUSED, ABOVE_ALL, () => false);
  }
}

ReadOnlyRules.$inject = ['eventBus', 'commandStack', 'canvas'];

export default {
  __init__: ['fangpinReadOnly'],
  fangpinReadOnly: ['type', ReadOnlyRules],
};
