/* The case diagram: the instance's own BPMN in the bpmn-js viewer, with the markers the
 * server computed from the case's stored engine tasks (done, current, waiting, failed).
 * Sequence flows between two done elements (or into the current one) are drawn as taken. */
(function () {
  'use strict';
  var host = document.getElementById('case-diagram');
  if (!host) { return; }
  if (typeof window.BpmnJS !== 'function') {
    host.innerHTML = '<p class="diagram-missing">流程图组件未安装（运行 make run 或 make test 会安装）。</p>';
    return;
  }
  var markers = JSON.parse(host.getAttribute('data-markers') || '{}');
  var viewer = new window.BpmnJS({ container: host });

  function mark(canvas, registry) {
    var state = {};
    ['done', 'failed', 'waiting', 'current'].forEach(function (kind) {
      (markers[kind] || []).forEach(function (id) {
        if (registry.get(id)) {
          canvas.addMarker(id, 'wsc-' + kind);
          state[id] = kind;
        }
      });
    });
    registry.filter(function (el) { return el.type === 'bpmn:SequenceFlow'; }).forEach(function (flow) {
      var from = flow.source && state[flow.source.id];
      var to = flow.target && state[flow.target.id];
      if (from === 'done' && (to === 'done' || to === 'current' || to === 'waiting' || to === 'failed')) {
        canvas.addMarker(flow.id, 'wsc-taken');
      }
    });
    host.setAttribute('data-ready', 'true');
  }

  fetch(host.getAttribute('data-bpmn-url'), { credentials: 'same-origin' })
    .then(function (response) {
      if (!response.ok) { throw new Error('HTTP ' + response.status); }
      return response.text();
    })
    .then(function (xml) { return viewer.importXML(xml); })
    .then(function () {
      var canvas = viewer.get('canvas');
      canvas.zoom('fit-viewport', 'auto');
      mark(canvas, viewer.get('elementRegistry'));
    })
    .catch(function (error) {
      var note = document.createElement('p');
      note.className = 'diagram-missing';
      var text = String(error.message || error);
      note.textContent = /no diagram to display/.test(text)
        ? '此流程版本的模型没有图形信息（BPMN DI），无法显示流程图；办理记录见下方。'
        : '流程图无法显示：' + text;
      host.replaceChildren(note);
      host.setAttribute('data-ready', 'error');
    });
})();
