/**
 * Palette entries for the tasks our models are made of: a user task (a step someone does, with a form) and a
 * script task, created directly instead of through a plain task and 更改类型.
 */
const TASKS = [
  { key: 'create.user-task', type: 'bpmn:UserTask', className: 'bpmn-icon-user-task', title: '用户任务（有人办理）' },
  { key: 'create.script-task', type: 'bpmn:ScriptTask', className: 'bpmn-icon-script-task', title: '脚本任务' },
];

class FangpinPalette {
  constructor(palette, create, elementFactory) {
    this._create = create;
    this._elementFactory = elementFactory;
    palette.registerProvider(this);
  }

  getPaletteEntries() {
    const start = (type) => (event) => this._create.start(event, this._elementFactory.createShape({ type }));
    return (entries) => ({
      ...entries,
      ...Object.fromEntries(TASKS.map(({ key, type, className, title }) => [key, {
        group: 'activity', className, title, action: { dragstart: start(type), click: start(type) },
      }])),
    });
  }
}

FangpinPalette.$inject = ['palette', 'create', 'elementFactory'];

export default { __init__: ['fangpinPalette'], fangpinPalette: ['type', FangpinPalette] };
