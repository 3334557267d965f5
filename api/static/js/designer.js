/* The designer page: the bpmn-js modeler, the properties panel (designer-panel.js), and
 * save = deploy. The server checks the model (parse_definition) and answers 422 with every
 * problem and the element it names: each is listed, and each named element is outlined in
 * red on the canvas with a badge; clicking a problem selects and shows its element. A model
 * that passes becomes a new version, shown at once. */
(function () {
  'use strict';
  var host = document.getElementById('canvas');
  if (!host) { return; }
  var status = document.getElementById('deploy-status');
  if (typeof window.BpmnJS !== 'function') {
    host.textContent = '设计器组件未安装（运行 make run 或 make test 会安装）。';
    return;
  }
  var config = JSON.parse(document.getElementById('designer-config').textContent);
  var modeler = new window.BpmnJS({ container: host });
  var panel = new window.WscPanel(modeler, document.getElementById('properties-body'), config);
  var problemsBox = document.getElementById('problems');
  var problemList = document.getElementById('problem-list');
  var marked = [];
  var dirty = false;

  function say(kind, text) {
    status.className = 'flash flash-' + kind;
    status.textContent = text;
    status.hidden = false;
  }

  function setDirty(value) {
    dirty = value;
    document.getElementById('save').classList.toggle('btn-attention', value);
  }
  panel.onChange = function () { setDirty(true); };
  modeler.on('commandStack.changed', function () { setDirty(true); });
  window.addEventListener('beforeunload', function (event) {
    if (dirty) { event.preventDefault(); event.returnValue = ''; }
  });

  /* The whole model in view, to the right of the palette (which would cover its start). */
  function fitBesidePalette() {
    var canvas = modeler.get('canvas');
    var box = canvas.viewbox();
    var left = 130, pad = 28;
    var scale = Math.min((box.outer.width - left - pad) / box.inner.width,
                         (box.outer.height - 2 * pad) / box.inner.height, 1.1);
    canvas.viewbox({ x: box.inner.x - left / scale, y: box.inner.y - pad / scale,
                     width: box.outer.width / scale, height: box.outer.height / scale });
  }

  function load(xml) {
    return modeler.importXML(xml).then(function (result) {
      fitBesidePalette();
      clearProblems();
      panel.show(null);
      setDirty(false);
      host.setAttribute('data-ready', 'true');
      if (result.warnings && result.warnings.length) {
        say('warn', '模型已打开，但有 ' + result.warnings.length + ' 处内容无法识别。');
      }
    });
  }

  function clearProblems() {
    var canvas = modeler.get('canvas');
    var overlays = modeler.get('overlays');
    marked.forEach(function (id) { canvas.removeMarker(id, 'wsc-invalid'); });
    overlays.remove({ type: 'wsc-problem' });
    marked = [];
    problemList.replaceChildren();
    problemsBox.hidden = true;
  }

  /* The shape an error is about: the element itself, or the pool of a named process. */
  function shapeFor(id) {
    var registry = modeler.get('elementRegistry');
    if (!id) { return null; }
    var shape = registry.get(id);
    if (shape) { return shape; }
    return registry.filter(function (e) {
      return e.type === 'bpmn:Participant' && e.businessObject.processRef && e.businessObject.processRef.id === id;
    })[0] || null;
  }

  function showProblems(errors) {
    clearProblems();
    var canvas = modeler.get('canvas');
    var overlays = modeler.get('overlays');
    var selection = modeler.get('selection');
    errors.forEach(function (error) {
      var shape = shapeFor(error.element_id);
      var name = shape ? (shape.businessObject.name || shape.businessObject.id) : null;
      var item = document.createElement('li');
      item.className = 'problem' + (shape ? ' problem-linked' : '');
      if (shape) { item.setAttribute('data-element-id', shape.id); }
      var where = document.createElement('strong');
      where.textContent = shape ? name + (name !== shape.id ? '（' + shape.id + '）' : '')
        : (error.element_id ? error.element_id : '整个模型');
      var message = document.createElement('div');
      message.className = 'small';
      message.textContent = error.message;
      item.appendChild(where);
      item.appendChild(message);
      if (shape) {
        item.addEventListener('click', function () {
          selection.select(shape);
          canvas.scrollToElement(shape);
        });
        if (marked.indexOf(shape.id) < 0) {
          canvas.addMarker(shape.id, 'wsc-invalid');
          marked.push(shape.id);
          var badge = document.createElement('div');
          badge.className = 'wsc-problem-badge';
          badge.textContent = '!';
          badge.title = error.message;
          overlays.add(shape.id, 'wsc-problem', { position: { top: -10, right: 10 }, html: badge });
        }
      }
      problemList.appendChild(item);
    });
    document.getElementById('problem-count').textContent = String(errors.length);
    problemsBox.hidden = false;
  }

  function showVersions(result) {
    document.getElementById('model-version').textContent = 'v' + result.version;
    document.getElementById('model-title').firstChild.textContent = result.name + ' ';
    var select = document.getElementById('version-select');
    if (select) {
      select.replaceChildren.apply(select, result.versions.map(function (v) {
        var option = document.createElement('option');
        option.value = v.version;
        option.textContent = 'v' + v.version + ' · ' + v.deployed_at + ' · ' + v.deployed_by;
        option.selected = v.version === result.version;
        return option;
      }));
    }
    var url = host.getAttribute('data-edit-url').replace('__KEY__', encodeURIComponent(result.key));
    history.replaceState(null, '', url + '?version=' + result.version);
    host.setAttribute('data-deploy-url', host.getAttribute('data-deploy-url').split('?')[0] +
      '?base=' + encodeURIComponent(result.key) + '&version=' + result.version);
  }

  function save() {
    var button = document.getElementById('save');
    button.disabled = true;
    say('info', '正在校验并部署……');
    modeler.saveXML({ format: true }).then(function (out) {
      return fetch(host.getAttribute('data-deploy-url'), {
        method: 'POST', credentials: 'same-origin', body: out.xml,
        headers: { 'Content-Type': 'application/xml', 'X-CSRF-Token': host.getAttribute('data-csrf') }
      });
    }).then(function (response) {
      return response.text().then(function (text) {
        var body = null;
        try { body = JSON.parse(text); } catch (ignored) { body = null; }
        return { status: response.status, body: body };
      });
    }).then(function (answer) {
      if (answer.status === 422 && answer.body) {
        showProblems(answer.body.errors || []);
        say('error', '模型未通过校验，未部署。共 ' + (answer.body.errors || []).length + ' 个问题，已在图中标红。');
      } else if ((answer.status === 201 || answer.status === 200) && answer.body) {
        clearProblems();
        setDirty(false);
        showVersions(answer.body);
        say('success', answer.body.created ? '已部署为新版本 v' + answer.body.version + '。'
          : '内容与 v' + answer.body.version + ' 相同，未产生新版本。');
      } else {
        say('error', '部署失败（HTTP ' + answer.status + '）。' + (answer.status === 400 ? '页面已过期，请刷新。' : ''));
      }
    }).catch(function (error) {
      say('error', '部署失败：' + (error.message || error));
    }).then(function () { button.disabled = false; });
  }

  function download() {
    modeler.saveXML({ format: true }).then(function (out) {
      var link = document.createElement('a');
      var root = modeler.get('canvas').getRootElement().businessObject;
      var process = root.$type === 'bpmn:Collaboration' && root.participants && root.participants[0]
        ? root.participants[0].processRef : root;
      link.href = URL.createObjectURL(new Blob([out.xml], { type: 'application/xml' }));
      link.download = ((process && process.id) || 'model') + '.bpmn';
      link.click();
      setTimeout(function () { URL.revokeObjectURL(link.href); }, 1000);
    });
  }

  document.getElementById('save').addEventListener('click', save);
  document.getElementById('download').addEventListener('click', download);
  document.getElementById('import-file').addEventListener('change', function (event) {
    var file = event.target.files[0];
    if (!file) { return; }
    file.text().then(load).then(function () {
      setDirty(true);
      say('info', '已导入 ' + file.name + '，保存后部署为新版本。');
    }).catch(function (error) { say('error', '无法打开文件：' + (error.message || error)); });
  });
  var versionSelect = document.getElementById('version-select');
  if (versionSelect) {
    versionSelect.addEventListener('change', function () {
      window.location.href = window.location.pathname + '?version=' + versionSelect.value;
    });
  }

  fetch(host.getAttribute('data-bpmn-url'), { credentials: 'same-origin' })
    .then(function (response) {
      if (!response.ok) { throw new Error('HTTP ' + response.status); }
      return response.text();
    })
    .then(load)
    .catch(function (error) { say('error', '模型无法打开：' + (error.message || error)); });
})();
