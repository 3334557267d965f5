/* A compact properties panel for what our models use, and nothing else:
 *   every element: its name;
 *   lanes: the name as <level>:<role> or <level>:<unit>:<role>, with a helper;
 *   user tasks: the form key and the due expression (spiffworkflow:properties, property
 *     name="form" and name="due");
 *   sequence flows: the condition expression, and "default flow" after a gateway;
 *   timer events: timeDate / timeDuration / timeCycle, with the date functions;
 *   the process: its id (the key versions are counted under), name, executable flag.
 * Extension elements are read and written by designer-kit.js, as generic XML, so anything
 * else a model carries (scripts, other properties) survives a save untouched.
 * Server-side validation stays the judge: the panel only helps to write what it accepts. */
(function () {
  'use strict';
  var TYPE_NAMES = {
    'bpmn:UserTask': '用户任务', 'bpmn:ManualTask': '人工任务', 'bpmn:ScriptTask': '脚本任务',
    'bpmn:Task': '任务', 'bpmn:BusinessRuleTask': '业务规则任务', 'bpmn:SubProcess': '子流程',
    'bpmn:CallActivity': '调用活动', 'bpmn:Lane': '泳道', 'bpmn:Participant': '流程（泳池）',
    'bpmn:Process': '流程', 'bpmn:Collaboration': '流程', 'bpmn:SequenceFlow': '顺序流',
    'bpmn:ExclusiveGateway': '排他网关', 'bpmn:ParallelGateway': '并行网关',
    'bpmn:InclusiveGateway': '包容网关', 'bpmn:EventBasedGateway': '事件网关',
    'bpmn:StartEvent': '开始事件', 'bpmn:EndEvent': '结束事件',
    'bpmn:IntermediateCatchEvent': '中间捕获事件', 'bpmn:IntermediateThrowEvent': '中间抛出事件',
    'bpmn:BoundaryEvent': '边界事件', 'bpmn:TextAnnotation': '注释'
  };
  var TIMER_KINDS = [['timeDate', '指定时刻 timeDate'], ['timeDuration', '持续时长 timeDuration'],
                     ['timeCycle', '循环 timeCycle']];

  var kit = window.WscDesignerKit;
  var h = kit.h, row = kit.row, getProperty = kit.getProperty, setProperty = kit.setProperty;

  function Panel(modeler, host, config) {
    this.modeler = modeler;
    this.host = host;
    this.config = config;
    this.onChange = function () {};
    this.lastExpression = null;
    var self = this;
    modeler.on('selection.changed', function (event) { self.show(event.newSelection[0] || null); });
    modeler.on('elements.changed', function (event) {
      if (self.current && !self.writing && event.elements.indexOf(self.current) >= 0) { self.show(self.current); }
    });
  }

  Panel.prototype.write = function (fn) {
    this.writing = true;
    try { fn(); } finally { this.writing = false; }
    this.onChange();
  };

  Panel.prototype.show = function (element) {
    var canvas = this.modeler.get('canvas');
    element = element || canvas.getRootElement();
    this.current = element;
    var bo = element && element.businessObject;
    if (!bo) {  // while a model is being imported the root is a placeholder
      this.host.replaceChildren(h('p', { 'class': 'muted small', text: '在画布上选择一个元素以编辑其属性。' }));
      return;
    }
    var type = bo.$type;
    var parts = [h('div', { 'class': 'prop-head' }, [
      h('strong', { text: TYPE_NAMES[type] || type.replace('bpmn:', '') }),
      h('code', { 'class': 'prop-id', text: bo.id || '' })])];
    if (type === 'bpmn:Collaboration' || type === 'bpmn:Participant' || type === 'bpmn:Process') {
      parts = parts.concat(this.processRows(element));
    } else if (type === 'bpmn:Lane') {
      parts = parts.concat(this.laneRows(element));
    } else {
      parts.push(this.nameRow(element));
    }
    if (type === 'bpmn:UserTask') { parts = parts.concat(this.userTaskRows(element)); }
    if (type === 'bpmn:SequenceFlow') { parts = parts.concat(this.flowRows(element)); }
    var timer = (bo.eventDefinitions || []).filter(function (d) { return d.$type === 'bpmn:TimerEventDefinition'; })[0];
    if (timer) { parts = parts.concat(this.timerRows(element, timer)); }
    this.host.replaceChildren.apply(this.host, parts);
  };

  Panel.prototype.textInput = function (value, onchange, attrs) {
    var input = h('input', Object.assign({ type: 'text', value: value || '' }, attrs || {}));
    input.addEventListener('change', function () { onchange(input.value.trim()); });
    return input;
  };

  Panel.prototype.nameRow = function (element) {
    var modeling = this.modeler.get('modeling');
    var self = this;
    return row('名称', this.textInput(element.businessObject.name, function (value) {
      self.write(function () { modeling.updateProperties(element, { name: value || undefined }); });
    }, { name: 'name' }));
  };

  Panel.prototype.processRows = function (element) {
    var modeling = this.modeler.get('modeling');
    var registry = this.modeler.get('elementRegistry');
    var self = this;
    var shape = element;
    if (element.businessObject.$type === 'bpmn:Collaboration') {
      shape = registry.filter(function (e) { return e.type === 'bpmn:Participant'; })[0] || element;
    }
    var bo = shape.businessObject;
    var process = bo.$type === 'bpmn:Participant' ? bo.processRef : bo;
    if (!process) { return [h('p', { 'class': 'muted small', text: '此泳池没有流程。' })]; }
    function update(props) {
      self.write(function () { modeling.updateModdleProperties(shape, process, props); });
    }
    var executable = h('input', { type: 'checkbox', name: 'isExecutable', checked: process.isExecutable ? true : null });
    executable.addEventListener('change', function () { update({ isExecutable: executable.checked }); });
    return [
      row('流程标识（版本按此计）', this.textInput(process.id, function (value) {
        if (value) { update({ id: value }); }
      }, { name: 'process-id', 'class': 'mono' }), '字母开头，可含字母、数字、下划线，如 punishment_reporting'),
      row('流程名称', this.textInput(process.name, function (value) {
        self.write(function () {
          modeling.updateModdleProperties(shape, process, { name: value || undefined });
          if (bo !== process) { modeling.updateProperties(shape, { name: value || undefined }); }
        });
      }, { name: 'process-name' })),
      h('label', { 'class': 'check' }, [executable, ' 可执行（isExecutable）'])
    ];
  };

  Panel.prototype.laneRows = function (element) {
    var config = this.config;
    var modeling = this.modeler.get('modeling');
    var self = this;
    var name = element.businessObject.name || '';
    var ENTERPRISE = config.enterpriseLane;
    var parts = name.split(':');
    var parsed = name === ENTERPRISE ? [ENTERPRISE, ENTERPRISE]
      : (parts.length === 2 || parts.length === 3) ? parts : ['district', 'clerk'];
    var levelOptions = config.levels.map(function (l) {
      return h('option', { value: l, selected: parsed[0] === l ? true : null, text: l + '（' + (config.levelNames[l] || l) + '）' });
    });
    levelOptions.push(h('option', { value: ENTERPRISE, selected: parsed[0] === ENTERPRISE ? true : null, text: ENTERPRISE + '（本案企业）' }));
    var level = h('select', { name: 'lane-level' }, levelOptions);
    var unit = h('input', { type: 'text', name: 'lane-unit', list: 'lane-units', value: parsed.length === 3 ? parsed[1] : '', placeholder: '（本级机关，不填）' });
    var role = h('select', { name: 'lane-role' }, config.roles.map(function (r) {
      return h('option', { value: r, selected: parsed[parsed.length - 1] === r ? true : null, text: r + '（' + (config.roleNames[r] || r) + '）' });
    }));
    var raw = h('input', { type: 'text', name: 'lane-name', value: name, 'class': 'mono' });
    var warn = h('div', { 'class': 'field-error', text: '泳道名称须为 <级别>:<岗位>、<级别>:<单位>:<岗位> 或 enterprise' });
    function valid(value) {
      if (value === ENTERPRISE) { return true; }
      var p = (value || '').split(':');
      return (p.length === 2 || p.length === 3) && config.levels.indexOf(p[0]) >= 0 &&
        config.roles.indexOf(p[p.length - 1]) >= 0 && p.every(function (s) { return s && s.trim() === s; });
    }
    function sync(value) {
      var forEnterprise = value === ENTERPRISE;
      unit.disabled = forEnterprise;
      role.disabled = forEnterprise;
      warn.hidden = valid(value);
    }
    function apply(value) {
      raw.value = value;
      self.write(function () { modeling.updateProperties(element, { name: value }); });
      sync(value);
    }
    function compose() {
      if (level.value === ENTERPRISE) { apply(ENTERPRISE); return; }
      var u = unit.value.trim();
      apply(level.value + ':' + (u ? u + ':' : '') + role.value);
    }
    [level, unit, role].forEach(function (control) { control.addEventListener('change', compose); });
    raw.addEventListener('change', function () { apply(raw.value.trim()); });
    sync(name);
    return [
      row('级别', level),
      row('单位（可选）', unit, '本级机关下的业务股室或行业主管部门名称；写 {字段名} 则取案件数据中该字段给出的单位'),
      h('datalist', { id: 'lane-units' }, config.units.map(function (u) { return h('option', { value: u }); })),
      row('岗位', role), row('泳道名称', raw, '任务按案件所在区县解析到对应单位和岗位；enterprise 交给本案企业'), warn
    ];
  };

  Panel.prototype.userTaskRows = function (element) {
    var moddle = this.modeler.get('moddle');
    var bo = element.businessObject;
    var self = this;
    var forms = this.config.forms;
    var title = h('div', { 'class': 'hint' });
    function describe(key) {
      var form = forms.filter(function (f) { return f.key === key; })[0];
      title.textContent = form ? '表单：' + form.title : (key ? '没有名为 ' + key + ' 的表单' : '不填写表单');
    }
    var formInput = this.textInput(getProperty(bo, 'form'), function (value) {
      self.write(function () { setProperty(moddle, bo, 'form', value); });
      describe(value);
    }, { name: 'form', list: 'form-keys', 'class': 'mono' });
    describe(getProperty(bo, 'form'));
    var due = this.expression(getProperty(bo, 'due'), function (value) {
      self.write(function () { setProperty(moddle, bo, 'due', value); });
    }, 'due_at(add_working_days(today(), 5))', 'due');
    return [
      row('表单（forms/ 下的文件名）', formInput, title),
      h('datalist', { id: 'form-keys' }, forms.map(function (f) { return h('option', { value: f.key, text: f.title }); })),
      row('办理期限表达式', due, '得出带时区的时刻，如 due_at(...)；不填则无期限'),
      this.functionHelp()
    ];
  };

  Panel.prototype.flowRows = function (element) {
    var modeling = this.modeler.get('modeling');
    var moddle = this.modeler.get('moddle');
    var bo = element.businessObject;
    var self = this;
    var condition = this.expression(bo.conditionExpression ? bo.conditionExpression.body : '', function (value) {
      self.write(function () {
        modeling.updateProperties(element, {
          conditionExpression: value ? moddle.create('bpmn:FormalExpression', { body: value }) : undefined
        });
      });
    }, 'decision == "approve"', 'condition');
    var rows = [row('条件表达式', condition, 'Python 表达式，使用案件数据中的变量')];
    var source = element.source;
    if (source && /Gateway$/.test(source.type)) {
      var isDefault = source.businessObject.default === bo;
      var box = h('input', { type: 'checkbox', name: 'default-flow', checked: isDefault ? true : null });
      box.addEventListener('change', function () {
        self.write(function () { modeling.updateProperties(source, { 'default': box.checked ? bo : undefined }); });
      });
      rows.push(h('label', { 'class': 'check' }, [box, ' 默认流（其他条件都不满足时）']));
    }
    return rows;
  };

  Panel.prototype.timerRows = function (element, timer) {
    var modeling = this.modeler.get('modeling');
    var moddle = this.modeler.get('moddle');
    var self = this;
    var kind = TIMER_KINDS.map(function (k) { return k[0]; }).filter(function (k) { return timer[k]; })[0] || 'timeDate';
    var select = h('select', { name: 'timer-kind' }, TIMER_KINDS.map(function (k) {
      return h('option', { value: k[0], selected: k[0] === kind ? true : null, text: k[1] });
    }));
    var text = this.expression(timer[kind] ? timer[kind].body : '', function () { save(); },
      'due_at(add_working_days(today(), 30), 9, 0)', 'timer');
    function save() {
      var props = { timeDate: undefined, timeDuration: undefined, timeCycle: undefined };
      var value = text.value.trim();
      if (value) { props[select.value] = moddle.create('bpmn:FormalExpression', { body: value }); }
      self.write(function () { modeling.updateModdleProperties(element, timer, props); });
    }
    select.addEventListener('change', save);
    return [row('定时类型', select),
      row('定时表达式', text, '表达式为 Python；ISO 时长须加引号，如 "P3D"'), this.functionHelp()];
  };

  Panel.prototype.expression = function (value, onchange, placeholder, name) {
    var self = this;
    var area = h('textarea', { rows: 2, name: name, placeholder: placeholder, 'class': 'mono' });
    area.value = value || '';
    area.addEventListener('change', function () { onchange(area.value.trim()); });
    area.addEventListener('focus', function () { self.lastExpression = area; });
    this.lastExpression = area;
    return area;
  };

  Panel.prototype.functionHelp = function () {
    var self = this;
    var list = h('div', { 'class': 'fn-chips' }, this.config.functions.map(function (fn) {
      return h('button', { type: 'button', 'class': 'chip', title: fn.signature + '\n' + fn.doc, text: fn.name,
        onclick: function () {
          var area = self.lastExpression;
          if (!area) { return; }
          var start = area.selectionStart || area.value.length;
          area.value = area.value.slice(0, start) + fn.name + '()' + area.value.slice(area.selectionEnd || start);
          area.focus();
          area.setSelectionRange(start + fn.name.length + 1, start + fn.name.length + 1);
          area.dispatchEvent(new Event('change'));
        } });
    }));
    return h('details', { 'class': 'fn-help' }, [h('summary', { text: '日期函数（工作日按国务院节假日安排）' }), list,
      h('p', { 'class': 'hint', text: '点击插入到上方表达式；悬停查看说明。详见 docs/date-functions.md。' })]);
  };

  window.WscPanel = Panel;
})();
