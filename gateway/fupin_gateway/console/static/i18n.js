// Labels and formatting. Every label of the console comes from i18n/<lang>.json; the code lists' Chinese
// labels come from the API (CodeLabel.label), with English names in en.json under "codes.<list>.<code>".

export const LANGUAGES = ["zh-CN", "en"];
const STORAGE_KEY = "fupin.lang";
let lang = "zh-CN";
let messages = {};

export function storedLanguage() {
  try {
    const value = localStorage.getItem(STORAGE_KEY);
    return LANGUAGES.includes(value) ? value : "zh-CN";
  } catch {
    return "zh-CN";
  }
}

export async function loadLanguage(next) {
  const wanted = LANGUAGES.includes(next) ? next : "zh-CN";
  const response = await fetch(`i18n/${wanted}.json`, { cache: "no-cache" });
  if (!response.ok) throw new Error(`cannot load labels for ${wanted}: ${response.status}`);
  messages = await response.json();
  lang = wanted;
  document.documentElement.lang = wanted;
  try {
    localStorage.setItem(STORAGE_KEY, wanted);
  } catch {
    /* private mode: the choice lasts for this page only */
  }
}

export function currentLanguage() {
  return lang;
}

function lookup(key) {
  let node = messages;
  for (const part of key.split(".")) {
    if (node === null || typeof node !== "object" || !(part in node)) return undefined;
    node = node[part];
  }
  return typeof node === "string" ? node : undefined;
}

/** The names of the labels under `key` (an object of labels), in the file's order. */
export function keysIn(key) {
  let node = messages;
  for (const part of key.split(".")) {
    if (node === null || typeof node !== "object" || !(part in node)) return [];
    node = node[part];
  }
  return node !== null && typeof node === "object" ? Object.keys(node) : [];
}

export function has(key) {
  return lookup(key) !== undefined;
}

/** The label under `key` (an object of labels) for `name` taken whole, dots and all, such as an event type
 * ("feed.types" → "fupin.registry.household.updated.v1"); undefined when there is none. */
export function labelIn(key, name) {
  let node = messages;
  for (const part of key.split(".")) {
    if (node === null || typeof node !== "object" || !(part in node)) return undefined;
    node = node[part];
  }
  if (node === null || typeof node !== "object" || !Object.hasOwn(node, name)) return undefined;
  return typeof node[name] === "string" ? node[name] : undefined;
}

/** `template`'s `{name}` placeholders filled from `params` (numbers formatted). */
export function fill(template, params = {}) {
  return template.replace(/\{(\w+)\}/g, (_, name) => {
    const value = params[name];
    if (value === undefined || value === null) return "";
    return typeof value === "number" ? formatNumber(value) : String(value);
  });
}

/** The label for `key`, with `{name}` placeholders filled from `params` (numbers formatted). */
export function t(key, params = {}) {
  const template = lookup(key);
  if (template === undefined) return key;
  return fill(template, params);
}

/** Items listed in the reader's language: 甲、乙、丙 in Chinese, "a, b, c" in English. */
export function listJoin(items) {
  return items.join(t("common.list_separator"));
}

/** A code from the API ({code, label}): the English name in English, else the API's Chinese label. */
export function codeLabel(list, value) {
  if (value === null || value === undefined) return "";
  const code = typeof value === "object" ? value.code : value;
  const apiLabel = typeof value === "object" ? value.label : undefined;
  if (lang !== "zh-CN") {
    const english = lookup(`codes.${list}.${code}`);
    if (english !== undefined) return english;
  }
  return apiLabel ?? lookup(`codes.${list}.${code}`) ?? code;
}

export function formatNumber(value, options = {}) {
  if (value === null || value === undefined || value === "") return "";
  const number = typeof value === "number" ? value : Number(value);
  if (Number.isNaN(number)) return String(value);
  return new Intl.NumberFormat(lang, options).format(number);
}

export function formatMoney(value) {
  return formatNumber(value, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

export function formatDate(value) {
  if (!value) return "";
  const date = new Date(value.length === 10 ? `${value}T00:00:00` : value);
  if (Number.isNaN(date.getTime())) return value;
  return new Intl.DateTimeFormat(lang, { dateStyle: "medium" }).format(date);
}

export function formatDateTime(value) {
  if (!value) return "";
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  return new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeStyle: "short" }).format(date);
}

/** Fill every [data-i18n] element under `root` (text) and [data-i18n-attr] ("attr:key;attr:key"). */
export function applyLabels(root = document) {
  for (const element of root.querySelectorAll("[data-i18n]")) {
    element.textContent = t(element.dataset.i18n);
  }
  for (const element of root.querySelectorAll("[data-i18n-attr]")) {
    for (const pair of element.dataset.i18nAttr.split(";")) {
      const [attribute, key] = pair.split(":");
      if (attribute && key) element.setAttribute(attribute.trim(), t(key.trim()));
    }
  }
}
