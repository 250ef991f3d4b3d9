// Building DOM from data without innerHTML: every text from ilert goes in
// as text, so nothing it sends can become markup or script.

/**
 * h("p", {class: "x", onclick: f}, "text", child, [more])
 * @param {string} tag
 * @param {Record<string, any>|null} [attrs]
 * @param {...any} children
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === false || v == null) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "dataset") Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/**
 * The element with this id. Typed loosely on purpose: the page's own
 * elements; what the IPC sends is what the generated types check.
 * @param {string} id @returns {any}
 */
export const $ = (id) => document.getElementById(id);
