/* Small helpers of the designer's properties panel: building DOM without innerHTML, and
 * reading and writing spiffworkflow:properties (the form and due of a user task) as the
 * generic XML bpmn-js keeps for namespaces it has no descriptor for. Creating them this way
 * (moddle.createAny) keeps every other extension element of a model exactly as it was. */
(function () {
  'use strict';
  var SPIFF = 'http://spiffworkflow.org/bpmn/schema/1.0/core';

  function h(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === 'text') { node.textContent = attrs[key]; }
      else if (key.slice(0, 2) === 'on') { node.addEventListener(key.slice(2), attrs[key]); }
      else if (attrs[key] !== undefined && attrs[key] !== null && attrs[key] !== false) {
        node.setAttribute(key, attrs[key] === true ? '' : attrs[key]);
      }
    });
    (children || []).forEach(function (child) {
      if (child) { node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child); }
    });
    return node;
  }

  function row(label, control, hint) {
    if (typeof hint === 'string') { hint = h('div', { 'class': 'hint', text: hint }); }
    return h('div', { 'class': 'prop' }, [h('label', { text: label }), control, hint || null]);
  }

  /* spiffworkflow:properties of a business object, read and written as generic XML. */
  function propertyList(bo) {
    var values = (bo.extensionElements && bo.extensionElements.values) || [];
    for (var i = 0; i < values.length; i++) {
      if (values[i].$type === 'spiffworkflow:properties') { return values[i]; }
    }
    return null;
  }

  function getProperty(bo, name) {
    var list = propertyList(bo);
    var children = (list && list.$children) || [];
    for (var i = 0; i < children.length; i++) {
      if (children[i].$type === 'spiffworkflow:property' && children[i].name === name) {
        return children[i].value || '';
      }
    }
    return '';
  }

  function setProperty(moddle, bo, name, value) {
    var list = propertyList(bo);
    if (!list) {
      if (!value) { return; }
      if (!bo.extensionElements) {
        bo.extensionElements = moddle.create('bpmn:ExtensionElements', { values: [] });
        bo.extensionElements.$parent = bo;
      }
      list = moddle.createAny('spiffworkflow:properties', SPIFF, { $children: [] });
      bo.extensionElements.get('values').push(list);
    }
    list.$children = list.$children || [];
    var found = list.$children.filter(function (c) { return c.name === name; })[0];
    if (found && value) { found.value = value; }
    else if (found) { list.$children.splice(list.$children.indexOf(found), 1); }
    else if (value) { list.$children.push(moddle.createAny('spiffworkflow:property', SPIFF, { name: name, value: value })); }
    if (!list.$children.length) {
      var values = bo.extensionElements.get('values');
      values.splice(values.indexOf(list), 1);
      if (!values.length) { bo.extensionElements = undefined; }
    }
  }

  window.WscDesignerKit = { h: h, row: row, getProperty: getProperty, setProperty: setProperty };
})();
