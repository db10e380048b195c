// Building DOM nodes without HTML strings, so text from the API is never parsed as markup.

/** el('p', {class: 'x', onclick: f}, 'text', child, ...) -> the element.
 *  props: `class`, `text`, `dataset` (object), `on<event>` (listener), `attrs` (object of
 *  attributes set verbatim); any other key is set as a property (hidden, value, checked...).
 *  Children may be nodes, strings, numbers, or null/false (skipped), or arrays of those. */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key === 'attrs') for (const [a, v] of Object.entries(value)) node.setAttribute(a, v);
    else if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
    else if (key.includes('-')) node.setAttribute(key, value === true ? '' : value);
    else node[key] = value;
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(node, child);
    else node.append(child instanceof Node ? child : String(child));
  }
}

/** Replaces every child of node with the given children. Returns node. */
export function replace(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

/** A loading indicator: a spinner and a text, announced politely to screen readers. */
export function loading(text = 'Loading…', overlay = false) {
  return el('div', { class: overlay ? 'state state--overlay' : 'state', role: 'status' },
    el('span', { class: 'spinner', 'aria-hidden': 'true' }), el('span', { text }));
}

/** An error box for one panel: what failed, why (from the API's detail) and a retry button. */
export function errorBox(what, error, onRetry) {
  return el('div', { class: 'state state--error', role: 'alert', dataset: { error: error.kind || 'error' } },
    el('strong', { text: `Could not load ${what}.` }),
    el('span', { text: error.message }),
    onRetry && el('button', { class: 'btn btn--ghost btn--small', type: 'button', onclick: onRetry }, 'Try again'));
}

let uid = 0;
/** A unique id for label/aria wiring. */
export function newId(prefix) {
  uid += 1;
  return `${prefix}-${uid}`;
}

/** A radio group styled as a switch: switchGroup('Granularity', 'g', [['daily','Daily'],...],
 *  'monthly', value => ...). Returns the fieldset. */
export function switchGroup(legend, name, options, selected, onChange) {
  const group = newId(name);
  return el('fieldset', { class: 'switch', dataset: { switch: name } },
    el('legend', { text: legend }),
    options.map(([value, label]) => el('label', {},
      el('input', {
        type: 'radio', name: group, value, checked: value === selected,
        onchange: (e) => { if (e.target.checked) onChange(value); },
      }),
      el('span', { text: label }))));
}
