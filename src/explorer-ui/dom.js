// @ts-check
/**
 * A tiny DOM renderer: `h(tag, props, ...children)` builds elements, `mount(container, ...nodes)`
 * swaps a container's children. Text always goes through text nodes (never innerHTML), so packet
 * fields and data cannot inject markup.
 */

/** @typedef {Node | string | number | null | undefined | false} Child */
/** @typedef {Child | ChildList} Children */
/** @typedef {Array<Child | ChildList>} ChildList nested lists are flattened */

/**
 * Creates an element.
 * @param {string} tag
 * @param {Record<string, unknown> | null} [props] `class`, `dataset` and `style` (objects), `on<event>` (function), other attributes
 * @param {...Children} children
 * @returns {HTMLElement}
 */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.className = String(value);
    else if (key === 'dataset') Object.assign(el.dataset, value);
    // Through the CSSOM: the page's CSP forbids style attributes.
    else if (key === 'style') Object.assign(el.style, value);
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), /** @type {EventListener} */ (value));
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

/**
 * Appends children (nested arrays flattened; null, undefined and false skipped).
 * @param {Element} el
 * @param {Children[]} children
 */
function append(el, children) {
  for (const c of children) {
    if (Array.isArray(c)) append(el, c);
    else if (c === null || c === undefined || c === false) continue;
    else el.append(typeof c === 'object' ? c : String(c));
  }
}

/**
 * Replaces the children of `container`.
 * @param {Element} container
 * @param {...Children} children
 */
export function mount(container, ...children) {
  const frag = document.createDocumentFragment();
  const holder = document.createElement('div');
  append(holder, children);
  frag.append(...holder.childNodes);
  container.replaceChildren(frag);
}

/**
 * The element with this id (throws when the page lacks it: a bug, not a runtime condition).
 * @template {HTMLElement} [T=HTMLElement]
 * @param {string} id
 * @returns {T}
 */
export function byId(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing from the page`);
  return /** @type {T} */ (el);
}
