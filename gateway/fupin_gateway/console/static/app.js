// Fupin web console for cadres: a small hash-routed single-page app, ES modules, no build step.
// It calls only the gateway (same origin) with the signed-in cadre's token; every query is scoped by the
// services to the token's jurisdiction, so the console never filters by division itself.

import {
  applyLabels,
  codeLabel,
  currentLanguage,
  fill,
  formatDate,
  formatDateTime,
  formatMoney,
  formatNumber,
  has,
  labelIn,
  LANGUAGES,
  listJoin,
  loadLanguage,
  storedLanguage,
  t,
} from "./i18n.js";
import { ApiError, api, apiPage, clearToken, fetchBlob, getToken, login, streamEvents } from "./api.js";

const REG = "/api/v1/registry";
const ID = "/api/v1/identification";
const AS = "/api/v1/assistance";
const CODE = /^\d{12}$/;
const STATUSES = ["registered", "exited", "returned", "monitored", "candidate"];
const STATUS_COLOURS = { registered: "red", exited: "green", returned: "yellow" };
// Steps a cadre takes through POST /cases/{id}/actions/{action}; notices, objections and the registry
// drive the others (open_notice, close_notice, uphold_objection, register, mark_exited).
const API_ACTIONS = new Set([
  "verify", "village_review", "township_review", "complete_comparison", "county_approve", "announce",
  "reject", "withdraw", "exit_verify", "household_confirm", "exit_announce", "visit", "authorise",
  "compare", "county_decide", "clear_risk",
]);
// The township's steps taken elsewhere in the console: a village's notice is opened for every case of the
// village ready for it (POST /notices), an objection is upheld by resolving its ticket (the objections page).
// The rest of the allowed steps (close_notice, register, mark_exited…) happen when a notice ends or the
// registry applies a decision.
const NOTICE_ACTIONS = new Set(["open_notice", "uphold_objection"]);
// The notice a case in this state is ready for (identification's notices/service.py READY).
const NOTICE_KIND_BY_STATE = {
  village_reviewed: "first", compared: "second", exit_confirmed: "exit", monitor_village_reviewed: "monitoring",
};
const SURVEY_ACTIONS = new Set(["verify", "exit_verify", "visit", "complete_comparison", "compare"]);
// Of those, the comparisons with the departments' lists (信息比对): their text is the comparison's findings.
const COMPARISON_ACTIONS = new Set(["complete_comparison", "compare"]);
const VOTE_ACTIONS = new Set(["village_review"]);
// The household's own agreement: who signed for it and when (recorded in the case's history).
const CONSENT_ACTIONS = new Set(["household_confirm", "authorise"]);
const REASON_REQUIRED = new Set(["reject", "withdraw"]);
// Decided one case at a time (outside a batch's spot-check), the township review and county approval of an
// identification case record the reviewer's own check: passed and a note (cases/service.py).
const CHECK_ACTIONS = new Set(["township_review", "county_approve"]);
// The steps whose record is the survey's findings, which the service requires (cases/service.py).
const SURVEY_REQUIRED = new Set(["verify", "exit_verify", "visit"]);
// The states of each kind of case, in the order of its procedure (identification's workflow.KIND_STATES);
// rejected and withdrawn end a case of any kind. The state filter groups them so, as some steps have the
// same name in two procedures.
const CASE_STATES = {
  identification: ["applied", "verified", "village_reviewed", "first_notice", "first_noticed", "township_reviewed", "compared", "second_notice", "second_noticed", "county_approved", "announced", "registry_refused", "registered"],
  exit: ["exit_proposed", "exit_verified", "exit_confirmed", "exit_notice", "exit_noticed", "exit_announced", "exit_registry_refused", "exited"],
  monitoring: ["monitor_warned", "monitor_visited", "monitor_authorised", "monitor_compared", "monitor_village_reviewed", "monitor_notice", "monitor_noticed", "monitor_township_reviewed", "monitored", "monitor_cleared", "monitor_ended"],
  any: ["rejected", "withdrawn"],
};
const PAGE = 50; // rows per page of a list; `?limit=N` in the view's address (1–200) asks for another size
const MAX_PAGE = 200;

const session = {
  profile: null, codeLists: null, assistanceCodes: null, divisionNames: new Map(), divisionLookups: new Map(), drafts: new Map(),
  // A village with its county and township ("云岩区 · 中华北路街道 · 纪念塔社区"), for the tiers above the county.
  divisionPlaces: new Map(), placeLookups: new Map(),
  // Each household's head as last read (lists, pages, the feed's creations), to name a household in the feed.
  householdHeads: new Map(),
  // The public division tree's children by parent code, as the board's pickers read them (divisionChildren).
  divisionChildren: new Map(),
  // Division names read from the public tree by code (publicName): assessees, receivers, coverage rows.
  publicNames: new Map(),
  // A rectification task's kind by its id (a promise), as its opening event or its page named it: the feed.
  rectificationKinds: new Map(),
  // The evaluation service's code lists as the feed asked for them once (null when they could not be read).
  feedEvaluationCodes: null,
};
let renderSeq = 0;
let leaveView = null; // cleanup of the current view (the feed stream)

// ---- DOM helpers -----------------------------------------------------------------------------------

/** An element: `props` are its attributes, but for `class`, `text`, `on<event>` handlers, `dataset`, and
 * `say`, a function giving its text (or children) in the current language, said again when the language
 * changes while it is on the screen (sayAgain). */
function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  let render = null;
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") element.className = value;
    else if (key === "text") element.textContent = value;
    else if (key === "say") render = value;
    else if (key.startsWith("on") && typeof value === "function") element.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(element.dataset, value);
    else element.setAttribute(key, value === true ? "" : value);
  }
  append(element, children);
  if (render) say(element, render);
  return element;
}

// What each element given `say` says, by its element. A dialog is relabelled in place when the language
// changes while it is open, not built anew: what was typed and chosen in it, and where the focus is, stay as
// they are (QA10 CON-3).
const sayings = new WeakMap();

function put(element, content) {
  if (typeof content === "string") element.textContent = content;
  else element.replaceChildren(...[content].flat(Infinity).filter((child) => child !== null && child !== undefined));
}

/** `element`'s text (or children) given by `render` now, and again whenever the language changes. */
function say(element, render) {
  sayings.set(element, render);
  element.dataset.says = "";
  put(element, render());
  return element;
}

/** Every text under `root` given by `say`, said again in the current language. */
function sayAgain(root) {
  for (const element of root.querySelectorAll("[data-says]")) {
    const render = sayings.get(element);
    if (render) put(element, render());
  }
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

const main = () => document.getElementById("view");
const live = (seq) => seq === renderSeq;

// ---- problems (RFC 9457) ----------------------------------------------------------------------------
// A cadre reads what went wrong in the console's language: the status's title, then a message chosen by the
// problem's `code` (the service's reason: invalid-transition, quota-exceeded…), else by its `type`
// (https://fupin.dev/problems/not-found…), else by its status; a 422's fields by their form labels, each
// with a reason by pydantic's error type. The service's own English words (detail, loc: msg) stay under
// "technical details" for whoever supports the cadre.

const STATUS_TYPES = {
  400: "bad-request", 401: "unauthorized", 403: "forbidden", 404: "not-found", 405: "bad-request",
  409: "conflict", 413: "content-too-large", 422: "validation", 429: "rate-limited", 500: "internal",
  502: "unavailable", 503: "unavailable", 504: "upstream-timeout",
};
const REQUEST_PARTS = new Set(["body", "query", "path", "header", "cookie"]);

function problemType(problem) {
  const type = typeof problem.type === "string" ? problem.type : "";
  return type && type !== "about:blank" ? type.replace(/\/+$/, "").split("/").pop() : "";
}

/** The localised message of a problem and the key it was chosen by ("codes.out-of-order", "types.not-found").
 * A form whose refusals share a code with another service's but mean something else there (`codes`, a key
 * of its own messages: assistance's reason-required is a replaced helper's, not a rejected case's) is
 * answered in its own words first. */
// The figures a refusal may carry beside `held` and `amount`, each as its message says it: identification's
// division exits' incidence against the exit threshold (percent) and a notice's bounds (days, a fraction of
// a day where the deployment allows short notices).
const PROBLEM_FIGURES = {
  incidence_pct: (value) => formatNumber(value, { maximumFractionDigits: 2 }),
  threshold_pct: (value) => formatNumber(value, { maximumFractionDigits: 2 }),
  minimum_days: (value) => formatNumber(value, { maximumSignificantDigits: 3 }),
  maximum_days: (value) => formatNumber(value, { maximumSignificantDigits: 3 }),
};

/** A problem's figure as a number (a Decimal arrives as a string), null when it is none. */
function problemFigure(value) {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "string" && /^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  return null;
}

function problemMessage(error, codes = null) {
  const problem = error.problem || {};
  const code = typeof problem.code === "string" ? problem.code : "";
  const params = {
    state: problem.state ? stateLabel(String(problem.state)) : "",
    action: problem.action ? actionLabel(String(problem.action)) : "",
    year: problem.year ? String(problem.year) : "",
  };
  // A refusal carrying its figures (a quota below what its children hold: `held`, `amount`) says them.
  const figures = code && Number.isInteger(problem.held) && Number.isInteger(problem.amount)
    ? labelIn("problems.figures", code) : undefined;
  if (figures !== undefined) {
    return { key: `figures.${code}`, text: fill(figures, { held: formatNumber(problem.held), amount: formatNumber(problem.amount) }) };
  }
  // Likewise a refusal with other figures (PROBLEM_FIGURES), said when it carries each its message names.
  const figured = code ? labelIn("problems.figures", code) : undefined;
  const named = figured === undefined ? [] : [...figured.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);
  if (named.length && named.every((name) => PROBLEM_FIGURES[name] && problemFigure(problem[name]) !== null)) {
    const values = Object.fromEntries(named.map((name) => [name, PROBLEM_FIGURES[name](problemFigure(problem[name]))]));
    return { key: `figures.${code}`, text: fill(figured, values) };
  }
  const byCode = code ? ((codes ? labelIn(codes, code) : undefined) ?? labelIn("problems.codes", code)) : undefined;
  if (byCode !== undefined) return { key: `codes.${code}`, text: fill(byCode, params) };
  for (const type of [problemType(problem), STATUS_TYPES[error.status]]) {
    // A refusal of the input that names no field (a service's own check, such as a survey it needs) has no
    // list below to point at.
    if (type === "validation" && !error.errors.length) return { key: "validation_unlisted", text: t("problems.validation_unlisted") };
    const byType = type ? labelIn("problems.types", type) : undefined;
    if (byType !== undefined) return { key: `types.${type}`, text: byType };
  }
  return { key: "generic", text: t("problems.generic") };
}

/** A field of a 422 by its label: the innermost part of its `loc` the console names ("body.finding.present"
 * is the number present; "body.finding" the step's record), a member by its place in the list. A form that
 * labels a field in its own words (`formLabels`, by the field's name) is answered in those words: the
 * objection's `reason` is the dialog's "Findings and reasons", not the generic "Reason". */
function fieldLabel(loc, formLabels = {}) {
  const parts = (Array.isArray(loc) ? loc : []).map(String);
  const path = REQUEST_PARTS.has(parts[0]) ? parts.slice(1) : parts;
  let label;
  for (let i = path.length - 1; i >= 0 && label === undefined; i -= 1) {
    if (!/^\d+$/.test(path[i])) label = Object.hasOwn(formLabels, path[i]) ? formLabels[path[i]] : labelIn("problems.fields", path[i]);
  }
  label ??= t("problems.field_unknown");
  const member = path.indexOf("members");
  if (member >= 0 && /^\d+$/.test(path[member + 1] || "")) {
    label = t("problems.member_field", { n: Number(path[member + 1]) + 1, field: label });
  }
  return label;
}

/** Why a field was refused: a known rule in the reader's words, else a generic reason by the error's type. */
function fieldReason(item) {
  const message = String(item.msg || "").replace(/^(Value|Assertion) error, /, "");
  return labelIn("problems.messages", message)
    ?? labelIn("problems.reasons", String(item.type || ""))
    ?? t("problems.reasons.value_error");
}

function technicalDetails(lines) {
  const shown = lines.filter((line) => line);
  if (!shown.length) return null;
  return h("details", { class: "problem-technical" },
    h("summary", { text: t("problems.technical") }),
    h("div", { class: "problem-raw", lang: "en" }, shown.map((line) => h("p", { text: line }))));
}

function problemBox(error, { fields: formLabels = {}, codes = null } = {}) {
  if (!(error instanceof ApiError)) {
    return h("div", { class: "problem", role: "alert", dataset: { status: "network" } },
      h("strong", { text: t("errors.network") }),
      h("p", { class: "problem-message", text: t("errors.network_hint") }),
      technicalDetails([String(error?.message || error)]));
  }
  const problem = error.problem || {};
  const message = problemMessage(error, codes);
  const title = has(`problems.${error.status}`) ? t(`problems.${error.status}`) : t("problems.other");
  const fields = error.errors.map((item) => h("li", { dataset: { loc: (item.loc || []).join(".") } },
    t("problems.field", { field: fieldLabel(item.loc, formLabels), reason: fieldReason(item) })));
  return h("div", { class: "problem", role: "alert", dataset: { status: String(error.status), message: message.key } },
    h("strong", { text: `${title}${aside(String(error.status))}` }),
    h("p", { class: "problem-message", text: message.text }),
    fields.length ? h("ul", { class: "problem-fields" }, fields) : null,
    technicalDetails([
      `${error.status} ${error.title}`,
      [problem.type, problem.code].filter(Boolean).join(" · "),
      error.detail,
      ...error.errors.map((item) => `${(item.loc || []).join(".")}: ${item.msg}`),
    ]));
}

/** `parts` in brackets after a text, as the language writes them: "（甲，乙）" in Chinese (full width, no
 * space before), " (a, b)" in English. */
function aside(...parts) {
  return t("common.aside", { text: parts.join(t("common.comma")) });
}

function pageHeader(title, ...extra) {
  document.title = `${title} · ${t("app.title")}`;
  return h("div", { class: "page-header" }, h("h1", { id: "page-title", tabindex: "-1", text: title }), extra);
}

function statusBadge(status) {
  const code = typeof status === "object" ? status.code : status;
  const colour = STATUS_COLOURS[code] || "neutral";
  return h("span", { class: `badge badge-${colour}`, dataset: { status: code } }, codeLabel("household_status", status));
}

function table(caption, headers, rows, { numeric = [] } = {}) {
  return h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": caption },
    h("table", {},
      h("caption", { text: caption }),
      h("thead", {}, h("tr", {}, headers.map((label, i) =>
        h("th", { scope: "col", class: numeric.includes(i) ? "num" : null, text: label })))),
      h("tbody", {}, rows)));
}

function td(content, { numeric = false, header = false } = {}) {
  return h(header ? "th" : "td", { class: numeric ? "num" : null, scope: header ? "row" : null }, content);
}

function loading() {
  return h("p", { class: "loading", role: "status", text: t("common.loading") });
}

function pageSize(query) {
  const wanted = Number(query.get("limit"));
  return Number.isInteger(wanted) && wanted >= 1 && wanted <= MAX_PAGE ? wanted : PAGE;
}

/**
 * A list read page by page with a keyset cursor and a "load more" button. `fetchPage(after)` gets one page
 * ({items, next_cursor}); `show(page)` appends its rows. The first page is `load()`ed at once; the button
 * is shown only while the last page gave a cursor, and pressing it without one loads nothing (no cursor
 * means the end, never "from the start again", which once appended the first page a second time).
 */
function pagedList(label, fetchPage, show, errorSlot) {
  const more = h("button", { type: "button", class: "load-more", hidden: true, text: label });
  let cursor = null;
  let started = false;
  let busy = false;
  async function load() {
    if (busy || (started && !cursor)) {
      more.hidden = !cursor;
      return;
    }
    busy = true;
    more.disabled = true;
    errorSlot.replaceChildren();
    try {
      const page = await fetchPage(started ? cursor : null);
      started = true;
      cursor = page.next_cursor || null;
      await show(page);
    } catch (error) {
      errorSlot.replaceChildren(problemBox(error));
    } finally {
      busy = false;
      more.disabled = false;
      more.hidden = !cursor;
    }
  }
  more.addEventListener("click", load);
  return { more, load };
}

function announce(message) {
  const region = document.getElementById("announcer");
  region.textContent = "";
  window.setTimeout(() => { region.textContent = message; }, 50);
}

// ---- session ---------------------------------------------------------------------------------------

function inSubtree(code) {
  const subtree = session.profile?.subtree;
  return Boolean(subtree) && code >= subtree[0] && code <= subtree[1];
}

async function divisionName(code) {
  if (session.divisionNames.has(code)) return session.divisionNames.get(code);
  if (code === "000000000000") return t("tiers.nation");
  // One request per code, however many ask for it at once (every event of a village in the live feed).
  let pending = session.divisionLookups.get(code);
  if (!pending) {
    pending = api(`${REG}/divisions/${code}`)
      .then((node) => {
        session.divisionNames.set(code, node.name);
        return node.name;
      })
      .catch(() => code)
      .finally(() => session.divisionLookups.delete(code));
    session.divisionLookups.set(code, pending);
  }
  return pending;
}

// Above the county a village's own name is ambiguous (a city has several 纪念塔社区): there a village is named
// with its county and township. Village, township and county officers know their villages by name alone.
const PLACE_TIERS = new Set(["city", "province", "nation"]);

function namesPlaces() {
  return PLACE_TIERS.has(session.profile?.tier);
}

/** A village's county, township and own name (the registry's ancestors), once per code; the name alone
 * when its ancestors cannot be read, not kept so a later page asks again. */
async function divisionPlace(code) {
  if (session.divisionPlaces.has(code)) return session.divisionPlaces.get(code);
  let pending = session.placeLookups.get(code);
  if (!pending) {
    const ancestors = api(`${REG}/divisions/${code}/ancestors`).then((r) => r.items).catch(() => null);
    pending = Promise.all([divisionName(code), ancestors])
      .then(([name, chain]) => {
        if (!chain) return name;
        // The two nearest: county and township (a city without counties, 东莞: city and township).
        const place = [...chain.slice(-2).map((node) => node.name), name].join(" · ");
        session.divisionPlaces.set(code, place);
        return place;
      })
      .finally(() => session.placeLookups.delete(code));
    session.placeLookups.set(code, pending);
  }
  return pending;
}

/** A village as this user's lists name it: with its place above the county, else by its name (both read
 * beforehand by villageNames), the code until then. */
function villageLabel(code) {
  const place = namesPlaces() ? session.divisionPlaces.get(code) : undefined;
  return place || session.divisionNames.get(code) || code;
}

async function loadProfile() {
  const me = await api("/whoami");
  const name = await divisionName(me.division);
  session.profile = { ...me, username: me.subject.replace(/^user:/, ""), divisionName: name };
}

async function codeLists() {
  if (!session.codeLists) session.codeLists = await api(`${REG}/households/code-lists`, { auth: false });
  return session.codeLists;
}

/** Every open dialog closed: a modal step form left over the login page would make the page behind it inert.
 * What was typed into a step form (data-draft names the case and step) is kept in this tab's memory, so the
 * same form opened again after signing in shows it (a session that expired over a long form loses nothing). */
function closeDialogs(keepFor) {
  for (const dialog of document.querySelectorAll("dialog")) {
    const key = dialog.dataset.draft;
    if (keepFor && key) {
      const values = {};
      for (const input of dialog.querySelectorAll("input[id], textarea[id], select[id]")) {
        values[input.id] = input.type === "checkbox" || input.type === "radio" ? input.checked : input.value;
      }
      session.drafts.set(`${keepFor}|${key}`, values);
    }
    if (dialog.open) dialog.close();
    dialog.remove();
  }
}

/** A form's values kept by closeDialogs() for this user put back (once); true when there were any. */
function restoreDraft(key, root) {
  const own = `${session.profile?.username}|${key}`;
  const values = session.drafts.get(own);
  if (!values) return false;
  session.drafts.delete(own);
  for (const [id, value] of Object.entries(values)) {
    const input = root.querySelector(`#${CSS.escape(id)}`);
    if (!input) continue;
    if (input.type === "checkbox" || input.type === "radio") input.checked = Boolean(value);
    else input.value = value;
  }
  return true;
}

/** The route shown now (path and query, without "#"), unless it is the login page itself. */
function currentRoute() {
  const hash = location.hash.slice(1);
  return hash.startsWith("/") && !hash.startsWith("/login") ? hash : "";
}

function signOut(reason) {
  // An expired session returns to where the cadre was once signed in again (next=); signing out on purpose
  // starts afresh.
  const next = reason === "expired" ? currentRoute() : "";
  const user = session.profile?.username;
  clearToken();
  session.profile = null;
  session.divisionNames.clear();
  session.divisionPlaces.clear();
  session.householdHeads.clear();
  // Only an expiry keeps a form's values: after a deliberate sign-out the next person in this tab sees none.
  if (reason !== "expired") session.drafts.clear();
  closeDialogs(reason === "expired" ? user : null);
  renderChrome();
  const params = new URLSearchParams();
  if (reason) params.set("reason", reason);
  if (next) params.set("next", next);
  const target = params.toString() ? `#/login?${params}` : "#/login";
  if (location.hash === target) route();
  else location.hash = target;
}

/** The language in use shown as chosen: the header's buttons pressed, the dialogs' selects set. */
function markLanguage() {
  for (const button of document.querySelectorAll("[data-lang]")) {
    button.setAttribute("aria-pressed", String(button.dataset.lang === currentLanguage()));
  }
  for (const select of document.querySelectorAll("select.dialog-language-select")) select.value = currentLanguage();
}

function renderChrome() {
  const profile = session.profile;
  document.body.classList.toggle("signed-in", Boolean(profile));
  const info = document.getElementById("user-info");
  info.replaceChildren();
  if (profile) {
    append(info, [
      h("span", { class: "user-name", text: profile.username }),
      h("span", { class: "user-tier", text: t(`tiers.${profile.tier}`) }),
      h("span", { class: "user-division", text: profile.divisionName }),
    ]);
  }
  markLanguage();
  const [path] = location.hash.slice(1).split("?");
  for (const link of document.querySelectorAll("#nav a")) {
    // 资金监管 is the county's and the tiers' above it (the findings are not listed below the county).
    if (link.classList.contains("supervisor-only")) link.hidden = !supervises();
    const section = link.getAttribute("href").slice(1);
    const current = path === section || (path || "").startsWith(`${section}/`);
    if (current) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

// ---- routing ---------------------------------------------------------------------------------------

const ROUTES = [
  { pattern: /^\/login$/, view: loginView, auth: false },
  { pattern: /^\/dashboard(?:\/(\d{12}))?$/, view: dashboardView, auth: true },
  { pattern: /^\/households$/, view: householdsView, auth: true },
  { pattern: /^\/households\/([0-9a-f-]{36})$/, view: householdView, auth: true },
  { pattern: /^\/cases$/, view: casesView, auth: true },
  { pattern: /^\/objections$/, view: objectionsView, auth: true },
  { pattern: /^\/quotas$/, view: quotasView, auth: true },
  { pattern: /^\/assistance$/, view: assistanceView, auth: true },
  { pattern: /^\/projects$/, view: projectsView, auth: true },
  { pattern: /^\/projects\/([0-9a-f-]{36})$/, view: projectView, auth: true },
  { pattern: /^\/supervision$/, view: supervisionView, auth: true },
  { pattern: /^\/evaluations$/, view: evaluationsView, auth: true },
  { pattern: /^\/evaluations\/([0-9a-f-]{36})$/, view: evaluationView, auth: true },
  { pattern: /^\/assessments$/, view: assessmentsView, auth: true },
  { pattern: /^\/assessments\/([0-9a-f-]{36})$/, view: assessmentView, auth: true },
  { pattern: /^\/allocations$/, view: allocationsView, auth: true },
  { pattern: /^\/allocations\/([0-9a-f-]{36})$/, view: allocationView, auth: true },
  { pattern: /^\/coverage$/, view: coverageView, auth: true },
  { pattern: /^\/inspections$/, view: inspectionsView, auth: true },
  { pattern: /^\/inspections\/([0-9a-f-]{36})$/, view: inspectionView, auth: true },
  { pattern: /^\/fund-evaluations$/, view: fundEvaluationsView, auth: true },
  { pattern: /^\/division-exits$/, view: divisionExitsView, auth: true },
  { pattern: /^\/division-exits\/([0-9a-f-]{36})$/, view: divisionExitView, auth: true },
  { pattern: /^\/board$/, view: boardView, auth: false },
  { pattern: /^\/board\/([0-9a-f-]{36})$/, view: noticeView, auth: false },
  { pattern: /^\/feed$/, view: feedView, auth: true },
];

async function route() {
  const seq = ++renderSeq;
  if (leaveView) {
    leaveView();
    leaveView = null;
  }
  const hash = location.hash.slice(1) || (getToken() ? "/dashboard" : "/login");
  const [path, queryString = ""] = hash.split("?");
  const query = new URLSearchParams(queryString);
  const match = ROUTES.map((r) => ({ r, m: r.pattern.exec(path) })).find((x) => x.m);
  renderChrome();
  const container = main();
  container.replaceChildren(loading());
  if (!match) {
    container.replaceChildren(pageHeader(t("errors.not_found_page")));
    return;
  }
  if (match.r.auth && !session.profile) {
    location.hash = `#/login?next=${encodeURIComponent(hash)}`;
    return;
  }
  try {
    const content = await match.r.view(seq, match.m.slice(1), query);
    if (!live(seq)) return;
    container.replaceChildren(content);
    applyLabels(container);
  } catch (error) {
    if (!live(seq)) return;
    container.replaceChildren(pageHeader(t("errors.title")), problemBox(error));
  }
  renderChrome();
  const title = document.getElementById("page-title");
  // Not from a dialog still open (the language switched from inside it): the focus stays where it is.
  const inDialog = document.querySelector("dialog[open]") !== null;
  if (title && !inDialog && document.activeElement?.closest?.("#view") == null) title.focus({ preventScroll: true });
}

// ---- login -----------------------------------------------------------------------------------------

// The last refused sign-in, drawn again when the page is rebuilt in another language (QA10 CON-2), and
// only then: a later visit of the sign-in page starts clean.
let signInRefusal = null;
let redrawingForLanguage = false;

async function loginView(seq, _params, query) {
  const reason = query.get("reason");
  const next = query.get("next");
  const error = h("div", { class: "form-error" });
  if (redrawingForLanguage && signInRefusal) error.replaceChildren(signInProblem(signInRefusal));
  else signInRefusal = null;
  const username = h("input", { id: "username", name: "username", autocomplete: "username", required: true });
  const password = h("input", {
    id: "password", name: "password", type: "password", autocomplete: "current-password", required: true,
  });
  const submit = h("button", { type: "submit", class: "primary", text: t("login.submit") });
  const form = h("form", { class: "card narrow", novalidate: false },
    reason ? h("p", { class: "notice-info", role: "status", text: t(`login.reason_${reason}`) }) : null,
    session.profile
      ? h("p", { class: "notice-info", text: t("login.already", { user: session.profile.username }) })
      : null,
    h("label", { for: "username", text: t("login.username") }), username,
    h("label", { for: "password", text: t("login.password") }), password,
    error, submit,
    h("p", { class: "muted" }, h("a", { href: "#/board", text: t("login.public_board") })));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.replaceChildren();
    submit.disabled = true;
    try {
      await login(username.value.trim(), password.value);
      signInRefusal = null;
      await loadProfile();
      announce(t("login.welcome", { user: session.profile.username }));
      location.hash = next && next.startsWith("/") && !next.startsWith("/login") ? `#${next}` : "#/dashboard";
    } catch (failure) {
      clearToken();
      session.profile = null;
      signInRefusal = failure;
      error.replaceChildren(signInProblem(failure));
      password.select();
    } finally {
      submit.disabled = false;
    }
  });
  return h("section", { class: "login" }, pageHeader(t("login.title")), form);
}

/**
 * Why a sign-in failed, in the console's language: the token endpoint answers in English (RFC 6749
 * errors: `error`, `error_description`), so the known cases get their own words, told apart by the
 * `error_uri` naming the refusal (identity/errors.py); the status code stays visible for whoever helps.
 */
const SIGN_IN_REFUSALS = {
  "invalid-credentials": "credentials",
  "account-disabled": "disabled",
  "access-window-closed": "window",
  "account-locked": "locked",
  "invalid-token-request": "request",
};

function signInProblem(error) {
  let message;
  const refusal = error instanceof ApiError ? String(error.problem.error_uri || "").split("/").pop() : "";
  if (!(error instanceof ApiError)) message = t("login.error_network");
  else if (SIGN_IN_REFUSALS[refusal]) {
    // A locked name says for how long (Retry-After, seconds), in whole minutes.
    const minutes = Math.max(1, Math.ceil((Number(error.retryAfter) || 60) / 60));
    message = t(`login.error_${SIGN_IN_REFUSALS[refusal]}`, { m: minutes });
  }
  else if (error.problem.error === "invalid_grant" || error.problem.error === "invalid_client") {
    message = t("login.error_refused");
  } else if (error.status === 400) message = t("login.error_request");
  else if (error.status === 429) {
    message = t("login.error_rate_limited", { s: Math.max(1, Math.ceil(Number(error.retryAfter) || 1)) });
  } else if (error.status >= 500) message = t("login.error_server");
  else return problemBox(error);
  return h("div", { class: "problem", role: "alert", dataset: { status: error instanceof ApiError ? error.status : "network" } },
    h("strong", { text: message }),
    error instanceof ApiError ? h("p", { class: "small-text", text: t("login.error_code", { status: String(error.status) }) }) : null);
}

// ---- dashboard -------------------------------------------------------------------------------------

async function dashboardView(seq, [code]) {
  const node = code || session.profile.division;
  await codeLists().catch(() => null);
  const [counts, nodeInfo, ancestors, children] = await Promise.all([
    api(`${REG}/households/counts?by=child&division=${node}`),
    api(`${REG}/divisions/${node}`).catch(() => null),
    api(`${REG}/divisions/${node}/ancestors`).then((r) => r.items).catch(() => []),
    api(`${REG}/divisions/${node}/children?limit=1000`).then((r) => r.items).catch(() => []),
  ]);
  const names = new Map(children.map((c) => [c.code, c.name]));
  if (nodeInfo) names.set(nodeInfo.code, nodeInfo.name);
  const byCode = new Map(counts.items.map((item) => [item.division, item]));
  const codes = [...new Set([...children.map((c) => c.code), ...byCode.keys()])].sort();
  await Promise.all(codes.filter((c) => !names.has(c)).slice(0, 50).map(async (c) => names.set(c, await divisionName(c))));
  const drill = counts.child_level !== "village";
  const totals = { total: 0, people: 0 };
  const rows = codes.map((childCode) => {
    const item = byCode.get(childCode) || { total: 0, people: 0, by_status: {} };
    totals.total += item.total;
    totals.people += item.people || 0;
    for (const status of STATUSES) totals[status] = (totals[status] || 0) + (item.by_status[status] || 0);
    const label = names.get(childCode) || childCode;
    const nameCell = drill && childCode !== node
      ? h("a", { href: `#/dashboard/${childCode}`, text: label })
      : label;
    return h("tr", { dataset: { division: childCode } },
      td(nameCell, { header: true }), td(h("code", { text: childCode })),
      td(formatNumber(item.total), { numeric: true }),
      td(formatNumber(item.people || 0), { numeric: true }),
      STATUSES.map((status) => td(countCell(status, item.by_status[status] || 0), { numeric: true })));
  });
  const foot = h("tr", { class: "total" },
    td(t("dashboard.total"), { header: true }), td(""), td(formatNumber(totals.total), { numeric: true }),
    td(formatNumber(totals.people), { numeric: true }),
    STATUSES.map((status) => td(formatNumber(totals[status] || 0), { numeric: true })));
  const chain = [...ancestors, nodeInfo || { code: node, name: names.get(node) || node }];
  const breadcrumb = h("nav", { class: "breadcrumb", "aria-label": t("dashboard.breadcrumb") },
    h("ol", {}, chain.map((item, index) => {
      const last = index === chain.length - 1;
      const content = !last && inSubtree(item.code)
        ? h("a", { href: `#/dashboard/${item.code}`, text: item.name })
        : h("span", { "aria-current": last ? "page" : null, text: item.name });
      return h("li", {}, content);
    })));
  const headers = [
    t(`levels.${counts.child_level}`), t("dashboard.code"), t("dashboard.total"), t("dashboard.people"),
    ...STATUSES.map((s) => codeLabel("household_status", statusFromList(s))),
  ];
  const grid = table(t("dashboard.caption", { node: names.get(node) || node }), headers,
    rows.length ? [...rows, foot] : [h("tr", {}, h("td", { colspan: String(headers.length), text: t("dashboard.empty") }))],
    { numeric: [2, 3, 4, 5, 6, 7, 8] });
  const summary = h("div", { class: "stats" },
    stat(t("dashboard.total"), totals.total, "neutral"),
    stat(t("dashboard.people"), totals.people, "neutral"),
    stat(codeLabel("household_status", statusFromList("registered")), totals.registered || 0, "red"),
    stat(codeLabel("household_status", statusFromList("exited")), totals.exited || 0, "green"),
    stat(codeLabel("household_status", statusFromList("returned")), totals.returned || 0, "yellow"));
  // A village is the lowest division: the counts "by child" of a village are its own, not a child's.
  const below = isVillage(node) ? h("p", { class: "muted no-children", text: t("dashboard.no_children") }) : grid;
  // A village's own page: its resident team (驻村工作队), said unavailable when the service does not answer.
  const team = isVillage(node) ? await teamSection(node) : null;
  return h("section", {},
    pageHeader(t("dashboard.title"), h("a", { class: "button", href: "#/households", text: t("dashboard.to_households") })),
    breadcrumb, summary, legend(), below, team);
}

/** A village's code: its own three digits after its township's (a township's are 000). */
function isVillage(code) {
  return CODE.test(code) && code.slice(9) !== "000";
}

function statusFromList(code) {
  const list = session.codeLists?.household_status || [];
  return list.find((item) => item.code === code) || code;
}

function countCell(status, value) {
  const colour = STATUS_COLOURS[status];
  if (!colour || !value) return formatNumber(value);
  return h("span", { class: `count count-${colour}` }, formatNumber(value));
}

function stat(label, value, colour) {
  return h("div", { class: `stat stat-${colour}` },
    h("span", { class: "stat-value", text: formatNumber(value) }), h("span", { class: "stat-label", text: label }));
}

function legend() {
  return h("ul", { class: "legend", "aria-label": t("dashboard.legend") },
    Object.entries(STATUS_COLOURS).map(([status, colour]) =>
      h("li", {}, h("span", { class: `swatch swatch-${colour}`, "aria-hidden": "true" }),
        t(`dashboard.colour_${colour}`))));
}

// ---- households ------------------------------------------------------------------------------------

function codeOptions(name, selected, anyLabel) {
  const list = session.codeLists?.[name] || [];
  return [h("option", { value: "", text: anyLabel }),
    ...list.map((item) => h("option", { value: item.code, selected: item.code === selected, text: codeLabel(name, item) }))];
}

/** Every village of a page by its name (a county's page of 50 spans more than 30 villages): one request per
 * code not yet known, however many rows name it (divisionName). */
async function villageNames(codes) {
  const unknown = [...new Set(codes)].filter((c) => !session.divisionNames.has(c));
  await Promise.all(unknown.map(divisionName));
  if (namesPlaces()) await Promise.all([...new Set(codes)].filter((c) => !session.divisionPlaces.has(c)).map(divisionPlace));
}

// Households with a member who is disabled, has no labour capacity, is seriously ill (GET /households).
const HOUSEHOLD_TRAITS = ["has_disabled", "has_no_labour", "has_serious_illness"];

function householdRow(item) {
  if (item.head_name) session.householdHeads.set(item.id, item.head_name);
  return h("tr", { dataset: { household: item.id } },
    td(h("a", { href: `#/households/${item.id}`, text: item.head_name }), { header: true }),
    td(villageLabel(item.division)),
    td(item.village_group),
    td(statusBadge(item.status)),
    td(codeLabel("cause", item.main_cause)),
    td(formatNumber(item.member_count), { numeric: true }),
    td(item.per_capita_net_income == null ? "—" : formatMoney(item.per_capita_net_income), { numeric: true }));
}

async function householdsView(seq, _params, query) {
  await codeLists();
  const status = query.get("status") || "";
  const mainCause = query.get("main_cause") || "";
  // The other filters GET /households takes, carried in the view's address as they are.
  const extra = {};
  for (const key of ["attribute", "cause", "income_min", "income_max"]) if (query.get(key)) extra[key] = query.get(key);
  for (const key of HOUSEHOLD_TRAITS) if (query.get(key) === "true") extra[key] = "true";
  const filters = h("form", { class: "filters", role: "search", "aria-label": t("households.filters") },
    h("label", { for: "f-status", text: t("households.status") }),
    h("select", { id: "f-status", name: "status" }, codeOptions("household_status", status, t("common.any"))),
    h("label", { for: "f-cause", text: t("households.main_cause") }),
    h("select", { id: "f-cause", name: "main_cause" }, codeOptions("cause", mainCause, t("common.any"))),
    h("label", { for: "f-attribute", text: t("households.attribute") }),
    h("select", { id: "f-attribute", name: "attribute" }, codeOptions("household_attribute", extra.attribute || "", t("common.any"))),
    h("label", { for: "f-any-cause", text: t("households.any_cause") }),
    h("select", { id: "f-any-cause", name: "cause" }, codeOptions("cause", extra.cause || "", t("common.any"))),
    h("label", { for: "f-income-min", text: t("households.income_min") }),
    h("input", { id: "f-income-min", name: "income_min", type: "number", step: "any", inputmode: "decimal", class: "short", value: extra.income_min }),
    h("label", { for: "f-income-max", text: t("households.income_max") }),
    h("input", { id: "f-income-max", name: "income_max", type: "number", step: "any", inputmode: "decimal", class: "short", value: extra.income_max }),
    HOUSEHOLD_TRAITS.map((key) => h("label", { class: "check" },
      h("input", { type: "checkbox", name: key, value: "true", checked: extra[key] === "true" }), t(`households.${key}`))),
    h("button", { type: "submit", text: t("common.filter") }));
  filters.addEventListener("submit", (event) => {
    event.preventDefault();
    const data = new URLSearchParams();
    for (const [key, value] of new FormData(filters)) if (value) data.set(key, value);
    if (query.get("limit")) data.set("limit", query.get("limit"));
    location.hash = `#/households${data.toString() ? `?${data}` : ""}`;
  });
  const body = h("tbody");
  const count = h("p", { class: "muted", role: "status" });
  const errorSlot = h("div");
  const limit = pageSize(query);
  let shown = 0;
  const { more, load } = pagedList(t("households.load_more"), (after) => {
    const params = new URLSearchParams({ limit: String(limit) });
    if (status) params.set("status", status);
    if (mainCause) params.set("main_cause", mainCause);
    for (const [key, value] of Object.entries(extra)) params.set(key, value);
    if (after) params.set("after", after);
    return api(`${REG}/households?${params}`);
  }, async (page) => {
    await villageNames(page.items.map((i) => i.division));
    append(body, page.items.map(householdRow));
    shown += page.items.length;
    count.textContent = t("households.shown", { n: shown });
    if (!shown) append(body, [h("tr", {}, h("td", { colspan: "7", text: t("households.empty") }))]);
  }, errorSlot);
  await load();
  const headers = ["head", "village", "group", "status", "main_cause", "members", "income"].map((k) => t(`households.col_${k}`));
  const grid = h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": t("households.title") },
    h("table", {}, h("caption", { text: t("households.caption") }),
      h("thead", {}, h("tr", {}, headers.map((label, i) => h("th", { scope: "col", class: i >= 5 ? "num" : null, text: label })))),
      body));
  return h("section", {}, pageHeader(t("households.title")), filters, errorSlot, count, grid, more);
}

function dl(pairs) {
  return h("dl", { class: "facts" }, pairs.filter(([, v]) => v !== undefined).map(([k, v]) =>
    [h("dt", { text: k }), h("dd", {}, v === null || v === "" ? "—" : v)]));
}

// Reasons the platform writes itself, in English or with internal ids (the registry's income record, an
// identification decision applied by the registry, the 登记表 import): said in the reader's language. A
// reason a person typed is shown as written. The registry words every decision identification announced
// alike ("identification case <id> announced (2026)", whatever the case's kind), so which decision it was
// is told by the history entry's action: register (identification), return (identified as poor again),
// exit (an exit case), monitor (the county's monitoring decision).
const MACHINE_REASONS = [
  [/^(?<year>\d{4}) income$/, "income"],
  [/^identification case [0-9a-f-]{36} announced \((?<year>\d{4})\)$/, "announced"],
  [/^identification case [0-9a-f-]{36} risk cleared \((?<year>\d{4})\)$/, "identification_cleared"],
  [/^批量导入 (?<file>.+)（导入 [0-9a-f-]{36}）$/, "import"],
];
const ANNOUNCED_BY_ACTION = {
  register: "identification_announced",
  return: "returned_announced",
  exit: "exit_announced",
  monitor: "monitoring_decided",
  clear: "identification_cleared",
};

function historyReason(reason, action) {
  for (const [pattern, key] of MACHINE_REASONS) {
    const match = pattern.exec(reason || "");
    if (!match) continue;
    if (key !== "announced") return t(`history.reasons.${key}`, match.groups);
    const decision = ANNOUNCED_BY_ACTION[action];
    if (decision) return t(`history.reasons.${decision}`, match.groups);
    return t("history.reasons.decision_announced", match.groups);
  }
  return reason;
}

/** A person's account by its name ("user:wc.county" is wc.county); a client's id is shown as it is. */
function accountName(subject) {
  return String(subject ?? "").replace(/^user:/, "");
}

// Who acted: a person's account by its name; a decision identification announced, which the registry applied
// as the county's, says so (the registry records it as "identification:<who announced it>").
function historyActor(entry) {
  const via = /^identification:(.*)$/.exec(entry.actor);
  const actor = via ? t("history.actor_identification", { actor: accountName(via[1]) }) : accountName(entry.actor);
  const tier = has(`tiers.${entry.actor_tier}`) ? t(`tiers.${entry.actor_tier}`) : entry.actor_tier;
  return aside(actor, tier);
}

/** A code of a code list by its label: the API's entry (with its Chinese label) when the list is loaded. */
function codeOf(list, code) {
  return session.codeLists?.[list]?.find((item) => item.code === code) ?? code;
}

function historyItem(entry) {
  const action = has(`history.${entry.action}`) ? t(`history.${entry.action}`) : entry.action;
  const from = entry.before?.status;
  const to = entry.after?.status;
  const change = from && to && from !== to
    ? h("span", { class: "status-change", dataset: { from, to } },
      `${codeLabel("household_status", codeOf("household_status", from))} → ${codeLabel("household_status", codeOf("household_status", to))}`)
    : null;
  const changes = historyChanges(entry.before, entry.after);
  return h("li", { dataset: { action: entry.action } },
    h("time", { datetime: entry.at, text: formatDateTime(entry.at) }), " ",
    h("strong", { text: action }), change ? " · " : null, change, " — ",
    h("span", { class: "history-reason", text: historyReason(entry.reason, entry.action) }),
    h("span", { class: "muted", text: historyActor(entry) }),
    changes.length ? h("ul", { class: "history-changes" }, changes) : null);
}

// What a history entry changed, from the snapshots the registry keeps before and after it: each field of
// the household and its living conditions that differs, and each member added, or whose details or
// status differ, with the labels and code lists of the page. The status has its own line above;
// bookkeeping (version, timestamps, the member count) is not a change anyone made.
const yes = (value) => yesNo(value) ?? "";
const HOUSEHOLD_CHANGES = [
  ["head_name", "household.head"],
  ["division", "household.division"],
  ["village_group", "household.village_group"],
  ["address", "household.address"],
  ["phone", "household.phone"],
  ["bank_name", "household.bank_name"],
  ["bank_account_masked", "household.bank_account"],
  ["attribute", "household.attribute", (v) => codeLabel("household_attribute", codeOf("household_attribute", v))],
  ["identification_standard", "household.standard", (v) => codeLabel("identification_standard", codeOf("identification_standard", v))],
  ["main_cause", "household.main_cause", (v) => codeLabel("cause", codeOf("cause", v))],
  ["other_causes", "household.other_causes", (v) => listJoin((v || []).map((c) => codeLabel("cause", codeOf("cause", c))))],
  ["per_capita_net_income", "household.income", (v, snapshot) => v == null ? "" : `${formatMoney(v)}${aside(String(snapshot.income_year))}`],
];
const LIVING_CHANGES = [
  ["housing_area", "household.housing_area", (v) => v == null ? "" : `${formatNumber(v)} m²`],
  ["housing_structure", "household.housing_structure", (v) => codeLabel("housing_structure", codeOf("housing_structure", v))],
  ["housing_year_built", "household.housing_year_built"],
  ["housing_safety_grade", "household.housing_safety_grade", (v) => codeLabel("housing_safety_grade", codeOf("housing_safety_grade", v))],
  ["has_electricity", "household.has_electricity", yes],
  ["fuel", "household.fuel", (v) => codeLabel("fuel", codeOf("fuel", v))],
  ["drinking_water", "household.drinking_water", (v) => codeLabel("drinking_water", codeOf("drinking_water", v))],
  ["relocation", "household.relocation", yes],
];
const coded = (list) => (v) => codeLabel(list, codeOf(list, v));
const MEMBER_CHANGES = [
  ["name", "household.col_name"],
  ["sex", "household.col_sex", coded("sex")],
  ["relation", "household.col_relation", coded("relation")],
  ["id_masked", "household.col_resident_id"],
  ["birth_date", "household.col_birth", (v) => formatDate(v)],
  ["ethnicity", "household.col_ethnicity", coded("ethnicity")],
  ["health", "household.col_health", coded("health")],
  ["labour_capacity", "household.col_labour", coded("labour_capacity")],
  ["education", "household.education", coded("education")],
  ["schooling", "household.schooling", coded("schooling")],
  ["work_status", "household.work_status", coded("work_status")],
  ["dibao", "household.dibao", yes],
  ["medical_insurance", "household.medical_insurance", yes],
  ["pension_insurance", "household.pension_insurance", yes],
  ["status", "household.col_status", coded("member_status")],
  ["left_on", "household.left", (v) => formatDate(v)],
];

const same = (a, b) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

function fieldChanges(fields, before, after) {
  return fields.filter(([key]) => !same(before[key], after[key])).map(([key, label, show]) => {
    const say = (snapshot) => {
      const value = snapshot[key];
      const shown = show ? show(value, snapshot) : value;
      return shown === null || shown === undefined || shown === "" ? "—" : String(shown);
    };
    return h("li", { dataset: { field: key } }, t("history.field_change", { field: t(label), from: say(before), to: say(after) }));
  });
}

function historyChanges(before, after) {
  if (!before || !after) return [];
  const changes = [
    ...fieldChanges(HOUSEHOLD_CHANGES, before, after),
    ...fieldChanges(LIVING_CHANGES, before.living || {}, after.living || {}),
  ];
  const earlier = new Map((before.members || []).map((m) => [m.id, m]));
  for (const member of after.members || []) {
    const was = earlier.get(member.id);
    if (!was) {
      changes.push(h("li", { dataset: { member: member.id, change: "added" } },
        t("history.member_added", { name: member.name, relation: codeLabel("relation", codeOf("relation", member.relation)) })));
      continue;
    }
    const own = fieldChanges(MEMBER_CHANGES, was, member);
    if (own.length) {
      changes.push(h("li", { dataset: { member: member.id, change: "changed" } },
        t("history.member_changed", { name: was.name }), h("ul", {}, own)));
    }
  }
  return changes;
}

async function householdView(seq, [id]) {
  const [household, incomes, history, , cases, helpers, ledger] = await Promise.all([
    api(`${REG}/households/${id}`),
    api(`${REG}/households/${id}/incomes`).catch(() => []),
    api(`${REG}/households/${id}/history`).catch(() => []),
    codeLists().catch(() => null),
    householdCases(id),
    householdHelpers(id),
    householdLedger(id),
  ]);
  const village = await divisionName(household.division);
  if (household.head_name) session.householdHeads.set(household.id, household.head_name);
  const living = household.living || {};
  const cardError = h("div");
  const cardButton = h("button", { type: "button", class: "button", text: t("household.card_pdf") });
  cardButton.addEventListener("click", async () => {
    cardError.replaceChildren();
    cardButton.disabled = true;
    try {
      const blob = await fetchBlob(`${REG}/exports/households/${id}/card.pdf`);
      const url = URL.createObjectURL(blob);
      const link = h("a", { href: url, download: `household-card-${id}.pdf` });
      document.body.append(link);
      link.click();
      link.remove();
      window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
      announce(t("household.card_ready"));
    } catch (error) {
      cardError.replaceChildren(problemBox(error));
    } finally {
      cardButton.disabled = false;
    }
  });
  // Current members first, then those who died or left: the caption counts the household as it is now
  // (member_count, the basis of per-capita income); a former member's relation says it is no longer so,
  // so a deceased head is not read as a second 户主.
  const current = household.members.filter(isCurrent);
  const former = household.members.filter((m) => !isCurrent(m));
  const members = [...current, ...former].map(memberRow);
  const caption = former.length
    ? t("household.members_with_former", { n: current.length, m: former.length })
    : t("household.members", { n: current.length });
  const incomeRows = incomes.map((i) => h("tr", {},
    td(String(i.year), { header: true }),
    ...["wage", "business", "transfer", "property", "production_costs", "net_income", "per_capita_net_income"]
      .map((key) => td(formatMoney(i[key]), { numeric: true }))));
  const historyItems = history.slice().reverse().map(historyItem);
  return h("section", {},
    pageHeader(t("household.title", { name: household.head_name }), statusBadge(household.status)),
    h("p", {}, h("a", { href: "#/households", text: t("household.back") })),
    h("div", { class: "actions" }, cardButton, appliesFor() ? applyAction(household, current, cases) : null), cardError,
    casesCard(id, cases),
    helperCard(household, helpers),
    ledgerCards(household, ledger),
    householdVisitsCard(household),
    householdLinksCard(household),
    h("div", { class: "card", dataset: { facts: "basic" } }, h("h2", { text: t("household.basic") }), dl([
      [t("household.head"), household.head_name],
      [t("household.village"), `${village} · ${household.village_group}`],
      [t("household.address"), household.address],
      [t("household.phone"), household.phone],
      [t("household.bank_name"), household.bank_name],
      [t("household.bank_account"), household.bank_account
        ? h("code", { class: "bank-account", title: t("household.account_masked") }, maskAccount(household.bank_account))
        : null],
      [t("household.attribute"), codeLabel("household_attribute", household.attribute)],
      [t("household.standard"), codeLabel("identification_standard", household.identification_standard)],
      [t("household.main_cause"), codeLabel("cause", household.main_cause)],
      [t("household.other_causes"), listJoin(household.other_causes.map((c) => codeLabel("cause", c)))],
      [t("household.income"), household.per_capita_net_income == null ? null : `${formatMoney(household.per_capita_net_income)}${aside(String(household.income_year))}`],
    ])),
    h("div", { class: "card", dataset: { facts: "living" } }, h("h2", { text: t("household.living") }), dl([
      [t("household.housing_area"), living.housing_area == null ? null : `${formatNumber(living.housing_area)} m²`],
      [t("household.housing_structure"), codeLabel("housing_structure", living.housing_structure)],
      [t("household.housing_year_built"), living.housing_year_built == null ? null : String(living.housing_year_built)],
      [t("household.housing_safety_grade"), codeLabel("housing_safety_grade", living.housing_safety_grade)],
      [t("household.has_electricity"), yesNo(living.has_electricity)],
      [t("household.fuel"), codeLabel("fuel", living.fuel)],
      [t("household.drinking_water"), codeLabel("drinking_water", living.drinking_water)],
      [t("household.relocation"), yesNo(living.relocation)],
    ])),
    table(caption,
      ["name", "sex", "relation", "resident_id", "birth", "ethnicity", "health", "labour", "status"].map((k) => t(`household.col_${k}`)),
      members),
    h("div", { class: "card" }, h("h2", { text: t("household.member_details") }),
      h("div", { class: "member-cards" }, [...current, ...former].map(memberCard))),
    table(t("household.incomes"),
      ["year", "wage", "business", "transfer", "property", "costs", "net", "per_capita"].map((k) => t(`household.inc_${k}`)),
      incomeRows.length ? incomeRows : [h("tr", {}, h("td", { colspan: "8", text: t("household.no_incomes") }))],
      { numeric: [1, 2, 3, 4, 5, 6, 7] }),
    h("div", { class: "card" }, h("h2", { text: t("household.history") }),
      historyItems.length ? h("ol", { class: "history" }, historyItems) : h("p", { text: t("household.no_history") })));
}

/** A village cadre starts a household's identification (POST /cases) with the household's signed authorisation
 * (承诺授权); the service refuses a household that may not apply, by its code. */
function appliesFor() {
  const profile = session.profile;
  return profile?.tier === "village" && (profile.roles || []).includes("cadre");
}

// The registry statuses identification opens an application for (its cases/service.py APPLICANT_STATUSES);
// anything else is refused 409 household-status, so the page says why instead of offering a doomed form.
const APPLICANT_STATUSES = new Set(["candidate", "monitored"]);
// Why a household of a status identification refuses does not apply: one registered (or returned) as poor
// is already helped as poor; an exited one is taken into monitoring first and applies as monitored.
const NOT_APPLYING = { registered: "poor", returned: "poor", exited: "exited" };

/** The household's active identification case among its cases (null when it has none, or when its cases
 * could not be read): identification takes one at a time (409 case-open). */
function openIdentification(cases) {
  return (cases || []).find((c) => c.kind === "identification" && c.active) || null;
}

/** Why the household cannot apply for identification (a key under apply.not_offered), or null if it can as
 * far as its page tells: an identification case already running (409 case-open), its status, and whether
 * anyone still lives in it (409 no-living-members). Without its cases (the call refused) the open case is
 * not known here: the service says so if the cadre applies. */
function applicationRefusal(household, current, cases) {
  if (openIdentification(cases)) return "open_case";
  const status = codeOfValue(household.status);
  if (!APPLICANT_STATUSES.has(status)) return NOT_APPLYING[status] || "status";
  return current.length ? null : "no_living";
}

function applyAction(household, current, cases) {
  const refusal = applicationRefusal(household, current, cases);
  if (!refusal) return applyButton(household);
  if (refusal === "open_case") return openCaseRefusal(openIdentification(cases));
  const status = codeLabel("household_status", household.status);
  return h("p", { class: "muted apply-refused", dataset: { applyRefused: refusal },
    text: t(`apply.not_offered.${refusal}`, { status }) });
}

function openCaseRefusal(running) {
  return h("p", { class: "muted apply-refused", dataset: { applyRefused: "open_case" } },
    t("apply.not_offered.open_case", { state: stateLabel(running.state) }), " ",
    h("a", { href: caseHref(running), dataset: { caseLink: running.id }, text: t("apply.open_case_link") }));
}

// ---- a household's cases ---------------------------------------------------------------------------

/** The household's identification, exit and monitoring cases as identification answers this user, or null
 * when it does not (an account without the scope, the service down): the page is drawn without them. A
 * household has a handful of cases, so one page is all of them. */
async function householdCases(id) {
  try {
    const page = await api(`${ID}/cases?${new URLSearchParams({ household_id: id, limit: "100" })}`);
    return page.items;
  } catch {
    return null;
  }
}

/** Where a case is worked on: the cases page narrowed to its household and kind, whose row carries the
 * case's step buttons (the console has no page of a single case). */
function caseHref(item) {
  return `#/cases?${new URLSearchParams({ household: item.household_id, kind: item.kind })}`;
}

function casesCard(id, cases) {
  const title = h("h2", { text: t("household.cases") });
  if (cases === null) {
    return h("div", { class: "card", dataset: { facts: "cases" } }, title,
      h("p", { class: "muted", dataset: { casesUnavailable: "" }, text: t("household.cases_unavailable") }));
  }
  const items = cases.map((c) => h("li", { dataset: { case: c.id, kind: c.kind, active: String(c.active) } },
    h("a", { href: caseHref(c), text: t(`kinds.${c.kind}`) }), " · ",
    h("span", { class: "state", dataset: { state: c.state } }, stateLabel(c.state)), " · ",
    t("household.case_year", { year: String(c.year) }), " · ",
    t("household.case_opened", { date: formatDate(c.opened_at) })));
  return h("div", { class: "card", dataset: { facts: "cases", household: id } }, title,
    items.length ? h("ul", { class: "case-list" }, items) : h("p", { class: "muted", text: t("household.no_cases") }));
}

function applyButton(household) {
  return h("button", { type: "button", class: "button", dataset: { action: "apply" }, text: t("apply.button"),
    onclick: () => openApplyDialog(household) });
}

function openApplyDialog(household) {
  const today = localDay();
  const year = Number(today.slice(0, 4));
  const error = h("div", { class: "form-error" });
  const inputs = {
    year: h("input", { id: "a-year", type: "number", min: String(year), max: String(year + 1), step: "1", required: true, value: String(year) }),
    signed_by: h("input", { id: "a-signed-by", type: "text", maxlength: "60", required: true, autocomplete: "off" }),
    signed_on: h("input", { id: "a-signed-on", type: "date", max: today, required: true }),
  };
  const submit = h("button", { type: "submit", class: "primary", say: () => t("apply.submit") });
  const cancel = cancelButton();
  const draft = `apply:${household.id}`;
  const restored = restoredNotice();
  const dialog = h("dialog", { class: "step-dialog", "aria-labelledby": "a-title", dataset: { draft } },
    h("form", {},
      dialogHeader(h("h2", { id: "a-title", say: () => t("apply.title", { name: household.head_name }) })),
      h("p", { class: "muted", say: () => t("apply.explain") }),
      restored,
      field("a-year", () => t("apply.year"), inputs.year),
      field("a-signed-by", () => t("step.signed_by"), inputs.signed_by),
      field("a-signed-on", () => t("step.signed_on"), inputs.signed_on),
      error, h("div", { class: "dialog-buttons" }, cancel, submit)));
  restored.hidden = !restoreDraft(draft, dialog);
  showFormDialog(dialog, { cancel, submit, error }, async () => {
    const body = {
      household_id: household.id,
      year: Number(inputs.year.value),
      authorisation: { signed: true, signed_by: inputs.signed_by.value.trim(), signed_on: inputs.signed_on.value },
    };
    const created = await api(`${ID}/cases`, { method: "POST", json: body, idempotent: true });
    dialog.close();
    announce(t("apply.done", { name: household.head_name, state: stateLabel(created.state) }));
    location.hash = "#/cases?kind=identification";
  }, { labels: true });
}

/** Shows a modal form dialog: Cancel closes it, closing removes it, and a submission runs `send` with the
 * submit button disabled meanwhile; a refusal is shown in the dialog's error box (said again if the language
 * changes) and the dialog stays open for a correction. `labels` translates the labels of code-list values
 * inside it (applyLabels); `fields` gives the form's labels of its fields by name, for a refused field
 * (fieldLabel). */
function showFormDialog(dialog, { cancel, submit, error }, send, { labels = false, fields = () => ({}), codes = null } = {}) {
  let refusal = null;
  say(error, () => (refusal ? problemBox(refusal, { fields: fields(), codes }) : []));
  cancel.addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => dialog.remove());
  const form = dialog.querySelector("form");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!blanksRefused(form)) return;
    refusal = null;
    error.replaceChildren();
    submit.disabled = true;
    try {
      await send();
    } catch (failure) {
      refusal = failure;
      error.replaceChildren(problemBox(failure, { fields: fields(), codes }));
    } finally {
      submit.disabled = false;
    }
  });
  document.body.append(dialog);
  if (labels) applyLabels(dialog);
  dialog.showModal();
  // The dialog's first focusable control is its language select: a keyboard user starts at the first field.
  dialog.querySelector("form .field :is(input, textarea, select), form fieldset input")?.focus();
}

/** A required survey of spaces only is an empty one: the browser's check passes it, and the service refuses
 * it after trimming in words that name no field ("the verification needs its survey findings"). Such a
 * field (data-blank-is-empty) is emptied and the form's own check shown instead; true when none is blank.
 * The other fields are left to the service, whose refusal names them. */
function blanksRefused(form) {
  for (const input of form.querySelectorAll("[data-blank-is-empty][required]")) {
    if (input.value && !input.value.trim()) input.value = "";
  }
  return form.reportValidity();
}

const codeOfValue = (value) => (value && typeof value === "object" ? value.code : value);
const isCurrent = (member) => codeOfValue(member.status) === "active";

function yesNo(value) {
  if (value === true) return t("common.yes");
  if (value === false) return t("common.no");
  return null;
}

/** A bank account as its last four digits (the console is read over shoulders; the 户卡 PDF has it in full
 * for those who may see it). The API masks it already above the county. */
function maskAccount(account) {
  const text = String(account);
  if (text.includes("*") || text.length <= 4) return text;
  return `${"*".repeat(text.length - 4)}${text.slice(-4)}`;
}

function relationText(member) {
  const relation = codeLabel("relation", member.relation);
  if (isCurrent(member)) return relation;
  return t("household.relation_former", { relation, status: codeLabel("member_status", member.status) });
}

function residentIdCell(member) {
  const certificate = codeOfValue(member.id_kind) === "disability_certificate";
  return h("span", { class: member.resident_id_masked ? "masked" : "full", title: member.resident_id_masked ? t("household.id_masked") : t("household.id_full") },
    h("code", { class: "resident-id", text: member.resident_id }),
    certificate ? h("span", { class: "id-kind muted small-text", text: aside(codeLabel("id_kind", member.id_kind)) }) : null);
}

function memberStatus(member) {
  const status = codeOfValue(member.status);
  const left = member.left_on ? ` · ${formatDate(member.left_on)}` : "";
  return h("span", { class: `member-status badge badge-${status === "active" ? "neutral" : "former"}`, dataset: { status } },
    `${codeLabel("member_status", member.status)}${left}`);
}

function memberRow(m) {
  const status = codeOfValue(m.status);
  return h("tr", { dataset: { member: m.id, status }, class: status === "active" ? null : "former-member" },
    td(m.name, { header: true }), td(codeLabel("sex", m.sex)),
    h("td", { class: "relation" }, relationText(m)),
    td(residentIdCell(m)),
    td(birthDate(m)), td(codeLabel("ethnicity", m.ethnicity)), td(codeLabel("health", m.health)),
    td(codeLabel("labour_capacity", m.labour_capacity)), td(memberStatus(m)));
}

/** A member's birth date; above the county the registry withholds it (null) with the ID's digits, which the
 * cell says rather than looking empty. */
function birthDate(member) {
  if (member.birth_date) return formatDate(member.birth_date);
  return h("span", { class: "masked birth-masked" }, t("household.birth_masked"));
}

/** Every field of a member's record (domain.md §2) by its label. */
function memberCard(m) {
  const joined = [formatDate(m.joined_on), codeLabel("member_change", m.joined_by)].filter(Boolean).join(" · ");
  const left = m.left_on ? [formatDate(m.left_on), codeLabel("member_change", m.left_by)].filter(Boolean).join(" · ") : undefined;
  return h("section", { class: `member-card${isCurrent(m) ? "" : " former-member"}`, dataset: { memberDetail: m.id, status: codeOfValue(m.status) } },
    h("h3", {}, m.name, " ", h("span", { class: "muted small-text", text: relationText(m) })),
    dl([
      [t("household.id_kind"), codeLabel("id_kind", m.id_kind)],
      [t("household.col_ethnicity"), codeLabel("ethnicity", m.ethnicity)],
      [t("household.education"), codeLabel("education", m.education)],
      [t("household.schooling"), codeLabel("schooling", m.schooling)],
      [t("household.col_health"), codeLabel("health", m.health)],
      [t("household.col_labour"), codeLabel("labour_capacity", m.labour_capacity)],
      [t("household.work_status"), codeLabel("work_status", m.work_status)],
      [t("household.dibao"), yesNo(m.dibao)],
      [t("household.medical_insurance"), yesNo(m.medical_insurance)],
      [t("household.pension_insurance"), yesNo(m.pension_insurance)],
      [t("household.joined"), joined],
      [t("household.left"), left],
    ]));
}

// ---- identification cases --------------------------------------------------------------------------

function stateLabel(state) {
  return has(`states.${state}`) ? t(`states.${state}`) : state;
}

function actionLabel(action) {
  return has(`actions.${action}`) ? t(`actions.${action}`) : action;
}

async function casesView(seq, _params, query) {
  const kind = query.get("kind") || "";
  const state = query.get("state") || "";
  // From a household's page: that household's cases only (kept as the other filters change).
  const household = query.get("household") || "";
  const filters = h("form", { class: "filters", role: "search", "aria-label": t("cases.filters") },
    h("label", { for: "c-kind", text: t("cases.kind") }),
    h("select", { id: "c-kind", name: "kind" }, h("option", { value: "", text: t("common.any") }),
      ["identification", "exit", "monitoring"].map((k) => h("option", { value: k, selected: k === kind, text: t(`kinds.${k}`) }))),
    h("label", { for: "c-state", text: t("cases.state") }),
    h("select", { id: "c-state", name: "state" }, h("option", { value: "", text: t("common.any") }),
      Object.entries(CASE_STATES).map(([group, codes]) => h("optgroup", {
        label: group === "any" ? t("cases.any_kind") : t(`kinds.${group}`), dataset: { kind: group },
      }, codes.map((code) => h("option", { value: code, selected: code === state, text: stateLabel(code) }))))),
    h("button", { type: "submit", text: t("common.filter") }));
  filters.addEventListener("submit", (event) => {
    event.preventDefault();
    const data = new URLSearchParams();
    for (const [key, value] of new FormData(filters)) if (value) data.set(key, String(value).trim());
    if (query.get("limit")) data.set("limit", query.get("limit"));
    if (household) data.set("household", household);
    location.hash = `#/cases${data.toString() ? `?${data}` : ""}`;
  });
  const body = h("tbody");
  const errorSlot = h("div");
  const limit = pageSize(query);
  let shown = 0;
  const { more, load } = pagedList(t("households.load_more"), (after) => {
    const params = new URLSearchParams({ limit: String(limit) });
    if (kind) params.set("kind", kind);
    if (state) params.set("state", state);
    if (household) params.set("household_id", household);
    if (after) params.set("after", after);
    return api(`${ID}/cases?${params}`);
  }, async (page) => {
    const [heads] = await Promise.all([
      householdHeads(page.items.map((c) => c.household_id)), villageNames(page.items.map((c) => c.division)),
    ]);
    append(body, page.items.map((c) => caseRow(c, heads.get(c.household_id))));
    shown += page.items.length;
    if (!shown) append(body, [h("tr", {}, h("td", { colspan: "6", text: t("cases.empty") }))]);
  }, errorSlot);
  await load();
  const headers = ["household", "village", "kind", "year", "state", "actions"].map((k) => t(`cases.col_${k}`));
  const grid = h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": t("cases.title") },
    h("table", {}, h("caption", { text: t("cases.caption") }),
      h("thead", {}, h("tr", {}, headers.map((label) => h("th", { scope: "col", text: label })))), body));
  return h("section", {}, pageHeader(t("cases.title")), h("p", { class: "muted", text: t("cases.intro") }),
    filters, errorSlot, grid, more);
}

/** Each household's head as the registry answers this user (masked above the county), for a page of cases:
 * cadres know a household by its head, not by an id. One read per household, in parallel; a household the
 * registry does not answer for is said to be not found (404) or the registry unavailable (anything else),
 * never named by an id fragment a cadre cannot read. */
async function householdHeads(ids) {
  const heads = new Map();
  await Promise.all([...new Set(ids)].map(async (id) => {
    try {
      const household = await api(`${REG}/households/${id}`);
      if (household?.head_name) {
        heads.set(id, household.head_name);
        session.householdHeads.set(id, household.head_name);
      }
    } catch (error) {
      heads.set(id, error instanceof ApiError && error.status === 404 ? UNANSWERED.notFound : UNANSWERED.unavailable);
    }
  }));
  return heads;
}

// What a case's household cell says when the registry did not name the household (householdHeads).
const UNANSWERED = { notFound: Symbol("household not found"), unavailable: Symbol("registry unavailable") };

/** A case's household cell: the head linked to the household's page, else why the registry named none. */
function caseHousehold(current, head) {
  if (head === UNANSWERED.notFound) {
    return h("span", { class: "muted unanswered", title: current.household_id, text: t("cases.household_not_found") });
  }
  const text = head === UNANSWERED.unavailable || !head ? t("cases.household_unavailable") : head;
  return h("a", { href: `#/households/${current.household_id}`, title: current.household_id, text });
}

/** `show` of a dialog's outcome in its row, or the view drawn anew when the row has left the page: the
 * language was switched while the dialog was open, which rebuilt the view behind it (QA10 CON-3). */
function inRow(row, show) {
  return (updated) => {
    if (!row.isConnected) {
      route();
      return;
    }
    // The closed dialog gave the focus back to the button that opened it, which the row now draws anew: the
    // focus goes to that step's new button, or to the row's first link, not to the page's start.
    const opener = row.contains(document.activeElement) ? document.activeElement.dataset.action : undefined;
    show(updated);
    if (row.contains(document.activeElement)) return;
    const again = opener ? row.querySelector(`[data-action="${CSS.escape(opener)}"]`) : null;
    (again ?? row.querySelector("a[href], button"))?.focus();
  };
}

function caseRow(item, head) {
  const row = h("tr", { dataset: { case: item.id } });
  function fill(current) {
    // Buttons only for the steps this user's tier and roles may take (the service says which); the other
    // steps allowed now are named, so the user knows who acts next.
    const mine = current.permitted_actions ?? current.allowed_actions;
    const steps = mine.filter((a) => API_ACTIONS.has(a));
    const byPerson = (a) => API_ACTIONS.has(a) || NOTICE_ACTIONS.has(a);
    const elsewhere = current.allowed_actions.filter((a) => byPerson(a) && !mine.includes(a));
    const others = current.allowed_actions.filter((a) => !byPerson(a));
    row.replaceChildren(
      td(caseHousehold(current, head), { header: true }),
      td(villageLabel(current.division)),
      td(t(`kinds.${current.kind}`)),
      td(String(current.year)),
      td(h("span", { class: "state", dataset: { state: current.state } }, stateLabel(current.state))),
      td(h("div", { class: "step-buttons" },
        steps.map((action) => h("button", {
          type: "button", class: action === "reject" || action === "withdraw" ? "small danger" : "small",
          dataset: { action }, text: actionLabel(action),
          onclick: () => openStepDialog(current, action, inRow(row, (updated) => { fill(updated); row.classList.add("updated"); })),
        })),
        mine.includes("open_notice") && NOTICE_KIND_BY_STATE[current.state]
          ? h("button", { type: "button", class: "small", dataset: { action: "open_notice" }, text: actionLabel("open_notice"),
            onclick: () => openNoticeDialog(current) })
          : null,
        mine.includes("uphold_objection")
          ? h("a", { class: "button small", href: "#/objections", dataset: { action: "uphold_objection" }, text: t("cases.objections") })
          : null,
        elsewhere.length ? h("span", { class: "muted small-text elsewhere", text: t("cases.elsewhere", { list: listJoin(elsewhere.map(actionLabel)) }) }) : null,
        others.length ? h("span", { class: "muted small-text others", text: t("cases.others", { list: listJoin(others.map(actionLabel)) }) }) : null,
        !current.allowed_actions.length ? h("span", { class: "muted", text: t("cases.final") }) : null)));
  }
  fill(item);
  return row;
}

/** Today in the browser's own calendar (a cadre's, in China): the latest date a meeting or signature may
 * carry. toISOString() would give UTC's day, a day behind China's from midnight to 08:00. */
function localDay() {
  const now = new Date();
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, "0")}-${String(now.getDate()).padStart(2, "0")}`;
}

/** A dialog's field: its label (`label()`, said again in another language) and its input. */
function field(id, label, input) {
  return h("div", { class: "field" }, h("label", { for: id, say: label }), input);
}

function cancelButton() {
  return h("button", { type: "button", say: () => t("common.cancel") });
}

/** Says that a form shows what was typed into it before the session expired (restoreDraft). */
function restoredNotice() {
  return h("p", { class: "notice-info", role: "status", hidden: true, say: () => t("step.restored") });
}

// The languages by their own names, as the header's buttons have them.
const LANGUAGE_NAMES = { "zh-CN": "中文", en: "English" };

/** The console's language, chosen from inside a dialog: a modal dialog makes the rest of the page, the
 * header's language buttons included, inert; a cadre who opened a form in the wrong language switches here
 * and keeps what was typed (QA10 CON-3). A select, not buttons: the dialog's own buttons stay Cancel and
 * Submit alone. */
function dialogLanguage() {
  const labelId = `dialog-language-${Math.random().toString(36).slice(2)}`;
  const select = h("select", {
    class: "dialog-language-select", "aria-labelledby": labelId,
    onchange: () => switchLanguage(select.value),
  }, LANGUAGES.map((code) => h("option", {
    value: code, lang: code, selected: code === currentLanguage(), text: LANGUAGE_NAMES[code],
  })));
  return h("label", { class: "dialog-language" }, h("span", { id: labelId, say: () => t("app.language") }), select);
}

/** A dialog's title with the language control beside it. */
function dialogHeader(title) {
  return h("div", { class: "dialog-header" }, title, dialogLanguage());
}

function openStepDialog(current, action, done) {
  const error = h("div", { class: "form-error" });
  const fields = [];
  const inputs = {};
  if (SURVEY_ACTIONS.has(action)) {
    inputs.survey = h("textarea", {
      id: "s-survey", rows: "3", maxlength: "1000", required: SURVEY_REQUIRED.has(action), dataset: { blankIsEmpty: "" },
    });
    fields.push(field("s-survey", () => t(COMPARISON_ACTIONS.has(action) ? "step.comparison" : "step.survey"), inputs.survey));
  }
  if (VOTE_ACTIONS.has(action)) {
    // The meeting's record is what the cadre enters: nothing is filled in, so no click files a meeting that
    // was never held. A meeting is in the past (or today).
    const today = localDay();
    inputs.meeting_on = h("input", { id: "s-meeting", type: "date", max: today, required: true });
    fields.push(field("s-meeting", () => t("step.meeting_on"), inputs.meeting_on));
    for (const key of ["representatives", "present", "votes_for", "votes_against", "abstentions"]) {
      inputs[key] = h("input", { id: `s-${key}`, type: "number", min: "0", step: "1", required: true, inputmode: "numeric" });
      fields.push(field(`s-${key}`, () => t(`step.${key}`), inputs[key]));
    }
  }
  if (CONSENT_ACTIONS.has(action)) {
    const today = localDay();
    inputs.signed_by = h("input", { id: "s-signed-by", type: "text", maxlength: "60", required: true, autocomplete: "off" });
    fields.push(field("s-signed-by", () => t("step.signed_by"), inputs.signed_by));
    inputs.signed_on = h("input", { id: "s-signed-on", type: "date", max: today, required: true });
    fields.push(field("s-signed-on", () => t("step.signed_on"), inputs.signed_on));
  }
  if (CHECK_ACTIONS.has(action) && current.kind === "identification") {
    inputs.check_passed = h("input", { id: "s-check-passed", type: "checkbox", required: true });
    fields.push(field("s-check-passed", () => t("step.check_passed"), inputs.check_passed));
    inputs.check_note = h("textarea", { id: "s-check-note", rows: "2", maxlength: "1000", minlength: "2", required: true });
    fields.push(field("s-check-note", () => t("step.check_note"), inputs.check_note));
  }
  inputs.reason = h("textarea", { id: "s-reason", rows: "2", maxlength: "1000", required: REASON_REQUIRED.has(action) });
  fields.push(field("s-reason", () => t("step.reason"), inputs.reason));
  const submit = h("button", { type: "submit", class: "primary", say: () => t("step.submit") });
  const cancel = cancelButton();
  const draft = `${current.id}:${action}`;
  const restored = restoredNotice();
  const dialog = h("dialog", { class: "step-dialog", "aria-labelledby": "step-title", dataset: { draft } },
    h("form", { method: "dialog" },
      dialogHeader(h("h2", { id: "step-title", say: () => t("step.title", { action: actionLabel(action) }) })),
      h("p", { class: "muted", say: () => t("step.current", { state: stateLabel(current.state) }) }),
      restored, fields, error, h("div", { class: "dialog-buttons" }, cancel, submit)));
  restored.hidden = !restoreDraft(draft, dialog);
  showFormDialog(dialog, { cancel, submit, error }, async () => {
    const finding = {};
    if (inputs.survey && inputs.survey.value.trim()) finding.survey = inputs.survey.value.trim();
    if (CONSENT_ACTIONS.has(action)) {
      finding.signed_by = inputs.signed_by.value.trim();
      finding.signed_on = inputs.signed_on.value;
    }
    if (inputs.check_note) {
      finding.passed = inputs.check_passed.checked;
      finding.note = inputs.check_note.value.trim();
    }
    if (VOTE_ACTIONS.has(action)) {
      finding.meeting_on = inputs.meeting_on.value;
      for (const key of ["representatives", "present", "votes_for", "votes_against", "abstentions"]) {
        finding[key] = Number(inputs[key].value);
      }
    }
    const body = { finding };
    if (inputs.reason.value.trim()) body.reason = inputs.reason.value.trim();
    const updated = await api(`${ID}/cases/${current.id}/actions/${action}`, { method: "POST", json: body, idempotent: true });
    dialog.close();
    done(updated);
    announce(t("step.done", { action: actionLabel(action), state: stateLabel(updated.state) }));
  }, { labels: true });
}

/** The township opens the village's notice for a case ready for one: every case of the village in that state
 * is posted together (POST /notices), so the dialog says so; the notice is then shown as the public reads it. */
function openNoticeDialog(current) {
  const kind = NOTICE_KIND_BY_STATE[current.state];
  const village = session.divisionNames.get(current.division) || current.division;
  const error = h("div", { class: "form-error" });
  const submit = h("button", { type: "submit", class: "primary", say: () => t("notice_open.submit") });
  const cancel = cancelButton();
  const dialog = h("dialog", { class: "step-dialog notice-dialog", "aria-labelledby": "n-title" },
    h("form", {},
      dialogHeader(h("h2", { id: "n-title", say: () => t("notice_open.title", { kind: t(`notice_kinds.${kind}`), village }) })),
      h("p", { say: () => t("notice_open.explain", { state: stateLabel(current.state), village }) }),
      error, h("div", { class: "dialog-buttons" }, cancel, submit)));
  showFormDialog(dialog, { cancel, submit, error }, async () => {
    const notice = await api(`${ID}/notices`, { method: "POST", json: { division: current.division, kind }, idempotent: true });
    dialog.close();
    announce(t("notice_open.done", { n: notice.case_ids.length, end: formatDateTime(notice.ends_at) }));
    location.hash = `#/board/${notice.id}`;
  });
}

// ---- objections ------------------------------------------------------------------------------------
// The objections filed against the notices of the jurisdiction (GET /objections). A township officer
// resolves an open one: upheld takes the household off the notice and back to an earlier step, dismissed
// keeps it listed; both need the township's reasons. Each must be settled by its due date (due_at).

const OBJECTION_STATUSES = ["open", "upheld", "dismissed"];

function resolvesObjections() {
  const profile = session.profile;
  return profile?.tier === "township" && (profile.roles || []).includes("officer");
}

/** The household each ticket's case is about, by its head's name where the registry tells it; else why it
 * is not named (`unread`: the label saying the case or household was not found, or its service unavailable),
 * never by an id fragment a cadre cannot read (as the cases list, householdHeads). */
async function objectionHouseholds(tickets) {
  const byCase = new Map();
  await Promise.all([...new Set(tickets.map((ticket) => ticket.case_id))].map(async (caseId) => {
    let found;
    try {
      found = await api(`${ID}/cases/${caseId}`);
    } catch (error) {
      byCase.set(caseId, { unread: notFound(error) ? "objections.case_not_found" : "objections.case_unavailable" });
      return;
    }
    const named = await api(`${REG}/households/${found.household_id}`).then(
      (household) => ({ name: household?.head_name, unread: "cases.household_unavailable" }),
      (error) => ({ unread: notFound(error) ? "cases.household_not_found" : "cases.household_unavailable" }));
    byCase.set(caseId, { case: found, id: found.household_id, ...named });
  }));
  return byCase;
}

function notFound(error) {
  return error instanceof ApiError && error.status === 404;
}

async function objectionsView(seq, _params, query) {
  const wanted = query.get("status") ?? "open";
  const status = OBJECTION_STATUSES.includes(wanted) ? wanted : "";
  const filters = h("form", { class: "filters", role: "search", "aria-label": t("objections.filters") },
    h("label", { for: "ob-status", text: t("objections.status") }),
    h("select", { id: "ob-status", name: "status" },
      h("option", { value: "all", selected: !status, text: t("common.any") }),
      OBJECTION_STATUSES.map((code) => h("option", { value: code, selected: code === status, text: t(`objections.status_${code}`) }))),
    h("button", { type: "submit", text: t("common.filter") }));
  filters.addEventListener("submit", (event) => {
    event.preventDefault();
    location.hash = `#/objections?status=${filters.elements.status.value}`;
  });
  const params = new URLSearchParams({ limit: String(pageSize(query)) });
  if (status) params.set("status", status);
  const headers = ["household", "village", "text", "contact", "opened", "due", "status", "actions"].map((k) => t(`objections.col_${k}`));
  // The page opens on the open tickets: the caption says which tickets it counts.
  const captionKey = `objections.caption_${status || "all"}`;
  const list = table(t(captionKey, { n: 0 }), headers, []);
  const body = list.querySelector("tbody");
  const errorSlot = h("div");
  let shown = 0;
  // Page by page (the list answers its next page's cursor in `Next-Cursor`): all of a township's tickets,
  // not only the first 500.
  const { more, load } = pagedList(t("households.load_more"), (after) => {
    const page = new URLSearchParams(params);
    if (after) page.set("after", after);
    return apiPage(`${ID}/objections?${page}`);
  }, async (page) => {
    const tickets = page.items;
    const [households] = await Promise.all([
      objectionHouseholds(tickets), villageNames(tickets.map((ticket) => ticket.division)),
    ]);
    body.append(...tickets.map((ticket) => objectionRow(ticket, households.get(ticket.case_id))));
    shown += tickets.length;
    list.querySelector("caption").textContent = t(captionKey, { n: shown });
    if (!shown) body.replaceChildren(h("tr", {}, h("td", { colspan: String(headers.length), text: t("objections.empty") })));
  }, errorSlot);
  await load();
  const intro = resolvesObjections() ? t("objections.intro_township") : t("objections.intro_others");
  return h("section", {}, pageHeader(t("objections.title")), h("p", { class: "muted", text: intro }), filters,
    errorSlot, list, more);
}

function objectionRow(ticket, household) {
  const row = h("tr", { dataset: { ticket: ticket.id } });
  function fill(current) {
    // The household by its head, else the case (said in the language of the moment: the dialog asks again).
    const ticketName = () => household?.name || t(household?.unread ?? "objections.case_unavailable");
    const name = ticketName();
    const who = household?.case
      ? h("span", { class: "muted small-text" }, ` ${t(`kinds.${household.case.kind}`)} ${household.case.year}`)
      : null;
    const due = h("time", { datetime: current.due_at, text: formatDateTime(current.due_at) });
    const state = h("span", { class: `badge badge-${current.status === "open" ? "open" : "neutral"}`, dataset: { status: current.status } },
      t(`objections.status_${current.status}`));
    const resolution = current.status === "open"
      ? null
      : h("div", { class: "small-text resolution" }, current.resolution || "",
        current.resolved_at
          ? h("span", { class: "muted" }, aside(accountName(current.resolved_by), formatDateTime(current.resolved_at)))
          : null,
        current.note ? h("p", { class: "muted", text: t("objections.left_notice") }) : null);
    row.classList.toggle("overdue", Boolean(current.overdue) && current.status === "open");
    row.replaceChildren(
      td([ticketHousehold(current, household, name), who], { header: true }),
      td(villageLabel(current.division)),
      td(current.text ?? h("span", { class: "muted", text: t("objections.text_hidden") })),
      td(current.contact || "—"),
      td(formatDateTime(current.opened_at)),
      td([due, current.overdue && current.status === "open" ? h("span", { class: "badge badge-red overdue-badge", text: t("objections.overdue") }) : null]),
      td([state, resolution]),
      td(current.status === "open" && resolvesObjections()
        ? h("button", { type: "button", class: "small", dataset: { action: "resolve" }, text: t("objections.resolve"),
          onclick: () => openResolveDialog(current, ticketName, inRow(row, (updated) => { fill(updated); row.classList.add("updated"); })) })
        : null));
  }
  fill(ticket);
  return row;
}

/** A ticket's household cell: the head linked to the household's page, else why it is not named (the ids
 * in a tooltip, for whoever supports the cadre). */
function ticketHousehold(ticket, household, name) {
  const linked = household?.id && household.unread !== "cases.household_not_found";
  return linked
    ? h("a", { href: `#/households/${household.id}`, title: household.id, text: name })
    : h("span", { class: "muted unanswered", title: household?.id ?? ticket.case_id, text: name });
}

/** Whether the notice a ticket objects to still runs (true), has ended (false), or is not known (null: the
 * board did not answer). */
async function noticeRuns(noticeId) {
  try {
    const notice = await api(`${ID}/public/notices/${noticeId}`, { auth: false });
    return notice.status === "open" && Date.parse(notice.ends_at) > Date.now();
  } catch {
    return null;
  }
}

/** An outcome's words by the notice's state: a dismissal "continues the notice" only while it runs. */
function outcomeLabel(outcome, runs) {
  if (outcome !== "dismissed") return t(`objections.outcome_${outcome}`);
  if (runs === null) return t("objections.status_dismissed");
  return t(runs ? "objections.outcome_dismissed" : "objections.outcome_dismissed_ended");
}

function openResolveDialog(ticket, ticketName, done) {
  const error = h("div", { class: "form-error" });
  let runs = null;
  const outcomes = ["upheld", "dismissed"].map((outcome) => h("label", { class: "check" },
    h("input", { type: "radio", name: "outcome", id: `r-${outcome}`, value: outcome, required: true }),
    h("span", { say: () => outcomeLabel(outcome, runs) })));
  const reason = h("textarea", { id: "r-reason", rows: "3", minlength: "2", maxlength: "2000", required: true });
  const submit = h("button", { type: "submit", class: "primary", say: () => t("objections.submit") });
  const cancel = cancelButton();
  const draft = `objection:${ticket.id}`;
  const restored = restoredNotice();
  const dialog = h("dialog", { class: "step-dialog", "aria-labelledby": "r-title", dataset: { draft } },
    h("form", {},
      dialogHeader(h("h2", { id: "r-title", say: () => t("objections.resolve_title", { name: ticketName() }) })),
      ticket.text ? h("blockquote", { class: "objection-text", text: ticket.text }) : null,
      restored,
      h("fieldset", {}, h("legend", { say: () => t("objections.outcome") }), outcomes),
      field("r-reason", () => t("objections.reason"), reason),
      error, h("div", { class: "dialog-buttons" }, cancel, submit)));
  restored.hidden = !restoreDraft(draft, dialog);
  showFormDialog(dialog, { cancel, submit, error }, async () => {
    const outcome = dialog.querySelector("input[name=outcome]:checked")?.value;
    const updated = await api(`${ID}/objections/${ticket.id}/resolve`, {
      method: "POST", json: { outcome, reason: reason.value.trim() }, idempotent: true,
    });
    dialog.close();
    done(updated);
    announce(t("objections.done", { name: ticketName(), outcome: t(`objections.status_${updated.status}`) }));
  }, { fields: () => ({ outcome: t("objections.outcome"), reason: t("objections.reason") }) });
  noticeRuns(ticket.notice_id).then((known) => {
    runs = known;
    if (dialog.isConnected) sayAgain(dialog);
  });
}

// ---- quotas (规模控制) -----------------------------------------------------------------------------------
// The poor population (people) each division may register in a year, set by a tier above it and decomposed
// province → city → county → township → village (identification's quotas/service.py checks every rule).

/** Quotas are set by officers (and admins) of a tier above the division; every row of the page is a division
 * below the user's own, so the role decides (the service checks the tier again). */
function setsQuotas() {
  const roles = session.profile?.roles || [];
  return roles.includes("officer") || roles.includes("admin");
}

// The years a quota may be for (identification's quotas take 2013–2100): the page's year field offers these.
const QUOTA_YEARS = { low: 2013, high: 2100 };

/** The year the page shows: the one asked for in the address (`?year=`) when a quota may be for it, else the
 * current one; `refused` holds what was asked for when it is not such a year, which the page says. */
function quotaYear(query) {
  const asked = (query.get("year") ?? "").trim();
  const wanted = Number(asked);
  const offered = asked !== "" && Number.isInteger(wanted) && wanted >= QUOTA_YEARS.low && wanted <= QUOTA_YEARS.high;
  if (offered) return { year: wanted, refused: null };
  return { year: new Date().getFullYear(), refused: asked === "" ? null : asked };
}

/** Says that the year asked for is not one a quota may be for, and which year the page shows instead. */
function unavailableYear(refused, year) {
  if (refused === null) return null;
  return h("p", { class: "notice-info year-unavailable", role: "status",
    text: t("quotas.year_unavailable", { asked: refused, low: String(QUOTA_YEARS.low), high: String(QUOTA_YEARS.high), shown: String(year) }) });
}

/** A division's quota for the year, or null when it has none (the API's 404). */
async function quotaOf(code, year) {
  try {
    return await api(`${ID}/quotas/${code}/${year}`);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}

/** The division the page is about: the one in the address when it is within the user's jurisdiction, else
 * the user's own. */
function quotaNode(query) {
  const wanted = query.get("division") || "";
  return CODE.test(wanted) && inSubtree(wanted) ? wanted : session.profile.division;
}

function quotaSummary(nodeName, own, childQuotas) {
  const allocated = [...childQuotas.values()].reduce((sum, quota) => sum + quota.amount, 0);
  return h("div", { class: "stats" },
    stat(t("quotas.own", { name: nodeName }), own ? own.amount : "—", "neutral"),
    stat(t("quotas.used"), own ? own.used : "—", "neutral"),
    stat(t("quotas.allocated"), allocated, own && allocated > own.amount ? "red" : "neutral"));
}

async function quotasView(seq, _params, query) {
  const { year, refused } = quotaYear(query);
  const node = quotaNode(query);
  const [own, allotted, nodeInfo, children] = await Promise.all([
    quotaOf(node, year),
    api(`${ID}/quotas/${node}/${year}/children`),
    api(`${REG}/divisions/${node}`).catch(() => null),
    api(`${REG}/divisions/${node}/children?limit=1000`).then((r) => r.items).catch(() => []),
  ]);
  const nodeName = nodeInfo?.name || node;
  const childQuotas = new Map(allotted.map((quota) => [quota.division, quota]));
  const names = new Map(children.map((child) => [child.code, child.name]));
  const codes = [...new Set([...children.map((child) => child.code), ...childQuotas.keys()])].sort();
  const filters = h("form", { class: "filters", role: "search", "aria-label": t("quotas.filters") },
    h("label", { for: "q-year", text: t("quotas.year") }),
    h("input", { id: "q-year", name: "year", type: "number", min: String(QUOTA_YEARS.low), max: String(QUOTA_YEARS.high), step: "1", class: "short", value: String(year), required: true }),
    h("button", { type: "submit", text: t("common.filter") }));
  filters.addEventListener("submit", (event) => {
    event.preventDefault();
    location.hash = `#/quotas?division=${node}&year=${filters.elements.year.value}`;
  });
  let summary = quotaSummary(nodeName, own, childQuotas);
  // A child's quota set here changes what is allocated below this division: the summary follows.
  const changed = (updated) => {
    childQuotas.set(updated.division, updated);
    const next = quotaSummary(nodeName, own, childQuotas);
    summary.replaceWith(next);
    summary = next;
  };
  const ownLine = own
    ? h("p", { class: "muted", text: t("quotas.own_set", { by: accountName(own.set_by), at: formatDateTime(own.updated_at) }) })
    : h("p", { class: "muted", text: t("quotas.own_none", { name: nodeName, year: String(year) }) });
  // A township's children are villages, which have nothing below them to decompose into: not links.
  const drill = Boolean(nodeInfo) && !["township", "village"].includes(nodeInfo.level);
  const headers = ["division", "code", "amount", "used", "left", "set_by", "actions"].map((key) => t(`quotas.col_${key}`));
  const rows = codes.map((code) => quotaRow({ code, name: names.get(code) || code, quota: childQuotas.get(code), year, drill, changed }));
  const grid = table(t("quotas.caption", { name: nodeName, year: String(year) }), headers,
    rows.length ? rows : [h("tr", {}, h("td", { colspan: String(headers.length), text: t("quotas.no_children") }))],
    { numeric: [2, 3, 4] });
  const parentCode = nodeInfo?.parent_code || "";
  const up = parentCode && parentCode !== node && inSubtree(parentCode)
    ? h("a", { class: "button", href: `#/quotas?division=${parentCode}&year=${year}`, text: t("quotas.up") })
    : null;
  return h("section", {}, pageHeader(t("quotas.title"), up),
    h("p", { class: "muted", text: t("quotas.intro") }), filters, unavailableYear(refused, year), summary, ownLine, grid);
}

function quotaRow({ code, name, quota, year, drill, changed }) {
  const row = h("tr", { dataset: { division: code } });
  function fill(current) {
    const left = current ? current.amount - current.used : null;
    const label = drill ? h("a", { href: `#/quotas?division=${code}&year=${year}`, text: name }) : name;
    row.replaceChildren(
      td(label, { header: true }),
      td(h("code", { text: code })),
      td(current ? formatNumber(current.amount) : "—", { numeric: true }),
      td(current ? formatNumber(current.used) : "—", { numeric: true }),
      td(left === null ? "—" : h("span", { class: left < 0 ? "badge badge-red" : null, text: formatNumber(left) }), { numeric: true }),
      td(current ? h("span", { class: "small-text" }, accountName(current.set_by), h("br"), formatDateTime(current.updated_at)) : "—"),
      td(h("div", { class: "step-buttons" },
        setsQuotas()
          ? h("button", { type: "button", class: "small", dataset: { action: "set-quota" },
            text: current ? t("quotas.adjust") : t("quotas.set"),
            onclick: () => openQuotaDialog({ code, name, year, current }, inRow(row, (updated) => {
              fill(updated);
              row.classList.add("updated");
              changed(updated);
            })) })
          : null,
        current
          ? h("button", { type: "button", class: "small", dataset: { action: "quota-history" }, text: t("quotas.history"),
            onclick: () => openQuotaHistory(code, name, year) })
          : null)));
  }
  fill(quota);
  return row;
}

function openQuotaDialog({ code, name, year, current }, done) {
  const error = h("div", { class: "form-error" });
  const amount = h("input", { id: "q-amount", type: "number", min: "0", max: "100000000", step: "1", required: true,
    inputmode: "numeric", value: current ? String(current.amount) : "" });
  // What PUT /quotas takes (identification's Reason): a longer reason was typed in full and refused as "too long".
  const reason = h("textarea", { id: "q-reason", rows: "3", minlength: "2", maxlength: "500", required: true });
  const submit = h("button", { type: "submit", class: "primary", say: () => t("quotas.submit") });
  const cancel = cancelButton();
  const dialog = h("dialog", { class: "step-dialog", "aria-labelledby": "q-title" },
    h("form", {},
      dialogHeader(h("h2", { id: "q-title", say: () => t("quotas.dialog_title", { name, year: String(year) }) })),
      current ? h("p", { class: "muted", say: () => t("quotas.dialog_current", { amount: formatNumber(current.amount), used: formatNumber(current.used) }) }) : null,
      field("q-amount", () => t("quotas.amount"), amount),
      field("q-reason", () => t("quotas.reason"), reason),
      error, h("div", { class: "dialog-buttons" }, cancel, submit)));
  showFormDialog(dialog, { cancel, submit, error }, async () => {
    const updated = await api(`${ID}/quotas`, {
      method: "PUT", idempotent: true,
      json: { division: code, year, amount: Number(amount.value), reason: reason.value.trim() },
    });
    dialog.close();
    done(updated);
    announce(t("quotas.done", { name, amount: formatNumber(updated.amount) }));
  }, { fields: () => ({ amount: t("quotas.amount"), reason: t("quotas.reason") }) });
}

function quotaAdjustment(entry) {
  const tier = has(`tiers.${entry.actor_tier}`) ? t(`tiers.${entry.actor_tier}`) : entry.actor_tier;
  return h("li", {},
    h("strong", { text: entry.before === null ? t("quotas.first", { after: formatNumber(entry.after) })
      : t("quotas.change", { before: formatNumber(entry.before), after: formatNumber(entry.after) }) }),
    h("span", { class: "muted small-text", text: ` ${accountName(entry.actor)}${aside(tier)}${t("common.comma")}${formatDateTime(entry.at)}` }),
    h("p", { text: entry.reason }));
}

/** Every change of a quota, the latest first, with who made it and why. */
async function openQuotaHistory(code, name, year) {
  const close = h("button", { type: "button", say: () => t("quotas.close") });
  // The list as read (or why it could not be), drawn again in another language.
  let entries = null;
  let failure = null;
  const list = h("ol", { class: "history", say: () => {
    if (failure) return h("li", {}, problemBox(failure));
    if (!entries) return h("li", { class: "muted", text: t("common.loading") });
    return entries.slice().reverse().map(quotaAdjustment);
  } });
  const dialog = h("dialog", { class: "step-dialog", "aria-labelledby": "qh-title" },
    dialogHeader(h("h2", { id: "qh-title", say: () => t("quotas.history_title", { name, year: String(year) }) })), list,
    h("div", { class: "dialog-buttons" }, close));
  close.addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  try {
    entries = await api(`${ID}/quotas/${code}/${year}/adjustments`);
  } catch (error) {
    failure = error;
  }
  sayAgain(dialog);
}

// ---- paired assistance (结对帮扶): a household's helper, a village's resident team ------------------
// Written by the assistance service's officers only (helpers: county and township; teams: county), which
// the service checks again; the console offers the buttons to them alone. Phones come as the API shows
// them to the reader (masked above the county).

const UNIT_TIERS = ["province", "city", "county", "township", "village"];
// assistance/text.py PHONE_PATTERN: a mainland mobile, or a landline with its area code.
const PHONE_PATTERN = "1[3-9][0-9]{9}|0[1-9][0-9]{1,2}-?[2-9][0-9]{6,7}";
// Precision poverty alleviation began in 2013: no helper or team starts before (assistance/text.py).
const ASSISTANCE_EARLIEST = "2013-01-01";
const MAX_TEAM_MEMBERS = 10;
// Refusals whose generic words are identification's (a rejection's reason, a signature's date): the
// assistance forms say them in their own.
const ASSISTANCE_PROBLEMS = "assistance.problems";

function isOfficerAt(...tiers) {
  const profile = session.profile;
  return Boolean(profile) && tiers.includes(profile.tier) && (profile.roles || []).includes("officer");
}

const writesHelpers = () => isOfficerAt("county", "township");
const formsTeams = () => isOfficerAt("county");
const tierLabel = (tier) => (has(`tiers.${tier}`) ? t(`tiers.${tier}`) : tier);

/** An assistance read that could not be made: "unavailable" in the section's words when the service is
 * down or unreachable (the rest of the page is drawn); a household it does not know (yet: it learns of
 * households from the registry's events) in words of its own (`unknownKey`); else the refusal itself. */
function assistanceFailure(failure, unavailableKey, unknownKey = null) {
  if (!(failure instanceof ApiError) || failure.status >= 500) {
    return h("p", { class: "muted", dataset: { assistanceUnavailable: "" }, text: t(unavailableKey) });
  }
  if (unknownKey && failure.status === 404) {
    return h("p", { class: "muted", dataset: { assistanceUnknown: "" }, text: t(unknownKey) });
  }
  return problemBox(failure);
}

/** The household's helpers ({current, history}), or {failure} when the service did not answer. */
async function householdHelpers(id) {
  try {
    return await api(`${AS}/households/${id}/helpers`);
  } catch (failure) {
    return { failure };
  }
}

function helperCard(household, answer) {
  const content = answer.failure
    ? assistanceFailure(answer.failure, "assistance.helper_unavailable", "assistance.helper_not_known")
    : [
      answer.current ? helperFacts(answer.current)
        : h("p", { class: "muted", dataset: { noHelper: "" }, text: t("assistance.no_helper") }),
      writesHelpers() ? helperActions(household, answer.current) : null,
      answer.history.length ? [
        h("h3", { text: t("assistance.history") }),
        h("ol", { class: "history", dataset: { helper: "history" } }, answer.history.map(pastHelper)),
      ] : null,
    ];
  return h("div", { class: "card", dataset: { facts: "helper", household: household.id } },
    h("h2", { text: t("assistance.helper") }), content);
}

function helperFacts(helper) {
  return h("div", { dataset: { helper: "current" } }, dl([
    [t("assistance.name"), helper.name],
    [t("assistance.unit"), helper.unit],
    [t("assistance.unit_tier"), tierLabel(helper.unit_tier)],
    [t("assistance.phone"), h("span", { class: "phone", text: helper.phone })],
    [t("assistance.started_on"), formatDate(helper.started_on)],
  ]));
}

function pastHelper(helper) {
  return h("li", { dataset: { assignment: helper.id } },
    h("strong", { text: t("assistance.history_item", {
      name: helper.name, unit: helper.unit, from: formatDate(helper.started_on), to: formatDate(helper.ended_on),
    }) }),
    " ", h("span", { class: "muted phone", text: `${tierLabel(helper.unit_tier)} · ${helper.phone}` }),
    helper.end_reason ? h("p", { text: t("assistance.history_reason", { reason: helper.end_reason }) }) : null);
}

function helperActions(household, current) {
  const button = (action, label, open) => h("button", { type: "button", class: "button", dataset: { helperAction: action },
    text: t(label), onclick: open });
  return h("div", { class: "actions" }, current
    ? [button("change", "assistance.change", () => openHelperDialog(household, current)),
      button("end", "assistance.end", () => openHelperEndDialog(household, current))]
    : button("assign", "assistance.assign", () => openHelperDialog(household, null)));
}

/** A select of the unit tiers, its labels said again in another language. */
function tierSelect(id) {
  return h("select", { id, required: true },
    h("option", { value: "", say: () => t("common.choose") }),
    UNIT_TIERS.map((tier) => h("option", { value: tier, say: () => tierLabel(tier) })));
}

function phoneInput(id) {
  return h("input", { id, type: "tel", inputmode: "tel", maxlength: "13", pattern: PHONE_PATTERN, required: true,
    autocomplete: "off", dataset: { patternSays: "assistance.phone_hint" } });
}

function textInput(id, { min = 1, max }) {
  return h("input", { id, type: "text", minlength: String(min), maxlength: String(max), required: true,
    autocomplete: "off", dataset: { blankIsEmpty: "" } });
}

function reasonInput(id) {
  return h("textarea", { id, rows: "2", minlength: "2", maxlength: "500", required: true, dataset: { blankIsEmpty: "" } });
}

const helperFieldLabels = () => ({
  name: t("assistance.name"), unit: t("assistance.unit"), unit_tier: t("assistance.unit_tier"),
  phone: t("assistance.phone"), started_on: t("assistance.started_on"), reason: t("assistance.reason"),
  ended_on: t("assistance.ended_on"),
});

/** Assign the household's helper, or change it (`current`): the current one ends on the new one's start
 * day, with the reason the form then requires. */
function openHelperDialog(household, current) {
  const error = h("div", { class: "form-error" });
  const inputs = {
    name: textInput("hp-name", { max: 60 }),
    unit: textInput("hp-unit", { min: 2, max: 100 }),
    unit_tier: tierSelect("hp-unit-tier"),
    phone: phoneInput("hp-phone"),
    started_on: h("input", { id: "hp-started-on", type: "date", required: true,
      min: current?.started_on || ASSISTANCE_EARLIEST, max: localDay() }),
    reason: current ? reasonInput("hp-reason") : null,
  };
  const submit = h("button", { type: "submit", class: "primary", say: () => t("assistance.submit") });
  const cancel = cancelButton();
  const draft = `helper:${household.id}`;
  const restored = restoredNotice();
  const titleKey = current ? "assistance.change_title" : "assistance.assign_title";
  const dialog = h("dialog", { class: "step-dialog", "aria-labelledby": "hp-title", dataset: { draft } },
    h("form", {},
      dialogHeader(h("h2", { id: "hp-title", say: () => t(titleKey, { name: household.head_name }) })),
      current ? h("p", { class: "muted", say: () => t("assistance.change_explain", { helper: current.name }) }) : null,
      restored,
      field("hp-name", () => t("assistance.name"), inputs.name),
      field("hp-unit", () => t("assistance.unit"), inputs.unit),
      field("hp-unit-tier", () => t("assistance.unit_tier"), inputs.unit_tier),
      field("hp-phone", () => t("assistance.phone"), inputs.phone),
      field("hp-started-on", () => t("assistance.started_on"), inputs.started_on),
      current ? field("hp-reason", () => t("assistance.reason"), inputs.reason) : null,
      error, h("div", { class: "dialog-buttons" }, cancel, submit)));
  restored.hidden = !restoreDraft(draft, dialog);
  showFormDialog(dialog, { cancel, submit, error }, async () => {
    const body = {
      name: inputs.name.value.trim(), unit: inputs.unit.value.trim(), unit_tier: inputs.unit_tier.value,
      phone: inputs.phone.value.trim(), started_on: inputs.started_on.value,
    };
    if (current) body.reason = inputs.reason.value.trim();
    const saved = await api(`${AS}/households/${household.id}/helper`, { method: "PUT", json: body, idempotent: true });
    dialog.close();
    announce(t("assistance.assigned", { name: saved.name }));
    await route();
  }, { fields: helperFieldLabels, codes: ASSISTANCE_PROBLEMS });
}

/** End the current helper's assignment without a successor: a reason, and the day (today unless given). */
function openHelperEndDialog(household, current) {
  const error = h("div", { class: "form-error" });
  const reason = reasonInput("he-reason");
  const endedOn = h("input", { id: "he-ended-on", type: "date", min: current.started_on, max: localDay() });
  const submit = h("button", { type: "submit", class: "primary", say: () => t("assistance.end_submit") });
  const cancel = cancelButton();
  const dialog = h("dialog", { class: "step-dialog", "aria-labelledby": "he-title", dataset: { draft: `helper-end:${household.id}` } },
    h("form", {},
      dialogHeader(h("h2", { id: "he-title", say: () => t("assistance.end_title", { name: household.head_name }) })),
      h("p", { class: "muted", say: () => t("assistance.end_explain", { helper: current.name }) }),
      field("he-reason", () => t("assistance.end_reason"), reason),
      field("he-ended-on", () => t("assistance.ended_on"), endedOn),
      error, h("div", { class: "dialog-buttons" }, cancel, submit)));
  showFormDialog(dialog, { cancel, submit, error }, async () => {
    const body = { reason: reason.value.trim() };
    if (endedOn.value) body.ended_on = endedOn.value;
    await api(`${AS}/households/${household.id}/helper/end`, { method: "POST", json: body, idempotent: true });
    dialog.close();
    announce(t("assistance.ended", { name: current.name }));
    await route();
  }, { fields: () => ({ ...helperFieldLabels(), reason: t("assistance.end_reason") }), codes: ASSISTANCE_PROBLEMS });
}

// ---- the 帮扶 page: households still without a helper, the current helpers, a village's team ----------

async function assistanceView(seq, _params, query) {
  await Promise.all([codeLists().catch(() => null), assistanceCodes().catch(() => null)]);
  const own = session.profile.division;
  const wanted = query.get("village") || "";
  const village = CODE.test(wanted) ? wanted : (isVillage(own) ? own : "");
  const [unassigned, helpers, team, overdue] = await Promise.all([
    unassignedSection(query), helpersSection(query), village ? teamSection(village) : null,
    overdueSection(query),
  ]);
  return h("section", {}, pageHeader(t("assistance.title")),
    isVillage(own) ? null : villagePicker(village), team, unassigned, overdue, helpers);
}

/** A keyset list of the assistance service (`Next-Cursor`) in a table: `row(item)` draws each. */
function assistanceList(options, query) {
  return serviceList({ base: AS, more: "assistance.load_more", ...options }, query);
}

/** A keyset list of a service (`base`: its gateway prefix) in a table, with its "load more" button. */
async function serviceList({ base, list, path, params, caption, empty, headers, rows, more: moreLabel, numeric = [] }, query) {
  const body = h("tbody");
  const errorSlot = h("div");
  const limit = pageSize(query);
  let shown = 0;
  const title = h("caption");
  const { more, load } = pagedList(t(moreLabel), (after) => {
    const search = new URLSearchParams({ ...params, limit: String(limit) });
    if (after) search.set("after", after);
    return apiPage(`${base}${path}?${search}`);
  }, async (page) => {
    append(body, await rows(page.items));
    shown += page.items.length;
    title.textContent = t(caption, { n: formatNumber(shown) });
    if (!shown) append(body, [h("tr", {}, h("td", { colspan: String(headers.length), text: t(empty) }))]);
  }, errorSlot);
  await load();
  title.textContent ||= t(caption, { n: "0" });
  return h("div", { dataset: { list } }, errorSlot,
    h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": t(caption, { n: formatNumber(shown) }) },
      h("table", {}, title,
        h("thead", {}, h("tr", {}, headers.map((label, i) => h("th", { scope: "col", class: numeric.includes(i) ? "num" : null, text: label })))),
        body)),
    more);
}

function unassignedSection(query) {
  return assistanceList({
    list: "unassigned", path: "/households", params: { division: session.profile.division, unassigned: "true" },
    caption: "assistance.unassigned_caption", empty: "assistance.unassigned_empty", numeric: [3],
    headers: ["col_head", "col_village", "col_status", "col_members"].map((k) => t(`assistance.${k}`)),
    rows: async (items) => {
      await villageNames(items.map((item) => item.division));
      return items.map((item) => h("tr", { dataset: { household: item.id } },
        td(h("a", { href: `#/households/${item.id}`, text: item.head_name }), { header: true }),
        td(h("a", { href: `#/assistance?village=${item.division}`, text: villageLabel(item.division) })),
        td(statusBadge(item.status)),
        td(formatNumber(item.member_count), { numeric: true })));
    },
  }, query);
}

function helpersSection(query) {
  return assistanceList({
    list: "helpers", path: "/helpers", params: { division: session.profile.division },
    caption: "assistance.helpers_caption", empty: "assistance.helpers_empty",
    headers: ["name", "unit", "unit_tier", "phone", "started_on", "col_household"].map((k) => t(`assistance.${k}`)),
    rows: async (items) => {
      const heads = await householdHeads(items.map((item) => item.household_id));
      return items.map((item) => {
        const head = heads.get(item.household_id);
        const name = typeof head === "string" ? head : t("feed.subject_household_unnamed");
        return h("tr", { dataset: { household: item.household_id } },
          td(item.name, { header: true }), td(item.unit), td(tierLabel(item.unit_tier)),
          td(h("span", { class: "phone", text: item.phone })), td(formatDate(item.started_on)),
          td(h("a", { href: `#/households/${item.household_id}`, text: name })));
      });
    },
  }, query);
}

/** Above the village: which village's resident team to show, by its code (also reached from a village's
 * link in the list above). */
function villagePicker(village) {
  const input = h("input", { id: "av-village", name: "village", type: "text", inputmode: "numeric", pattern: "\\d{12}",
    maxlength: "12", required: true, value: village, dataset: { patternSays: "validation.pattern_division" } });
  const form = h("form", { class: "filters", role: "search", "aria-label": t("assistance.village_pick") },
    h("label", { for: "av-village", text: t("assistance.village_code") }), input,
    h("button", { type: "submit", text: t("assistance.village_show") }));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    location.hash = `#/assistance?village=${input.value.trim()}`;
  });
  return form;
}

/** A village's resident team card: the current team, the earlier ones, and for a county officer the form. */
async function teamSection(code) {
  const [answer] = await Promise.all([
    api(`${AS}/villages/${code}/team`).catch((failure) => ({ failure })),
    villageNames([code]).catch(() => null),
  ]);
  const village = villageLabel(code);
  const content = answer.failure
    ? assistanceFailure(answer.failure, "assistance.team_unavailable")
    : [
      answer.current ? teamFacts(answer.current)
        : h("p", { class: "muted", dataset: { noTeam: "" }, text: t("assistance.no_team") }),
      formsTeams() ? h("div", { class: "actions" }, h("button", {
        type: "button", class: "button", dataset: { teamAction: answer.current ? "replace" : "form" },
        text: t(answer.current ? "assistance.replace_team" : "assistance.form_team"),
        onclick: () => openTeamDialog(code, village, answer.current),
      })) : null,
      answer.history.length ? [
        h("h3", { text: t("assistance.team_history") }),
        h("ol", { class: "history", dataset: { team: "history" } }, answer.history.map(pastTeam)),
      ] : null,
    ];
  return h("div", { class: "card", dataset: { facts: "team", division: code } },
    h("h2", { text: t("assistance.team") }), h("p", { class: "muted team-village", text: village }),
    content);
}

function teamFacts(team) {
  const person = (role, member) => h("tr", {},
    td(role, { header: true }), td(member.name), td(member.unit), td(h("span", { class: "phone", text: member.phone })));
  const rows = [person(t("assistance.first_secretary"), team.first_secretary),
    ...team.members.map((member, i) => person(t("assistance.member_n", { n: String(i + 1) }), member))];
  return h("div", { dataset: { team: "current" } },
    dl([[t("assistance.sent_by"), tierLabel(team.sent_by)], [t("assistance.team_started"), formatDate(team.started_on)]]),
    table(t("assistance.team"), ["", "name", "unit", "phone"].map((k) => (k ? t(`assistance.${k}`) : t("assistance.members"))), rows),
    team.members.length ? null : h("p", { class: "muted", text: t("assistance.no_members") }));
}

function pastTeam(team) {
  return h("li", { dataset: { team: team.id } },
    h("strong", { text: t("assistance.team_history_item", {
      name: team.first_secretary.name, unit: team.first_secretary.unit,
      from: formatDate(team.started_on), to: formatDate(team.ended_on),
    }) }),
    team.end_reason ? h("p", { text: t("assistance.history_reason", { reason: team.end_reason }) }) : null);
}

/** One person of the team's form: name, unit and phone, each labelled with whom it is of. */
function teamPersonFields(prefix, who) {
  const inputs = {
    name: textInput(`${prefix}-name`, { max: 60 }),
    unit: textInput(`${prefix}-unit`, { min: 2, max: 100 }),
    phone: phoneInput(`${prefix}-phone`),
  };
  const fields = ["name", "unit", "phone"].map((key) => field(`${prefix}-${key}`, () => who(key), inputs[key]));
  return { inputs, fields };
}

const personValue = (inputs) => ({
  name: inputs.name.value.trim(), unit: inputs.unit.value.trim(), phone: inputs.phone.value.trim(),
});

/** Send the village's resident team, or rotate it (`current`): the first secretary, 0–10 members, the
 * sending tier, the start day, and the reason a rotation requires. */
function openTeamDialog(code, village, current) {
  const error = h("div", { class: "form-error" });
  const secretary = teamPersonFields("tm-secretary", (key) => t(`assistance.secretary_${key}`));
  const members = [];
  const memberList = h("div", { class: "team-members" });
  let created = 0;
  const addMember = h("button", { type: "button", say: () => t("assistance.add_member") });
  const position = (member) => String(members.indexOf(member) + 1);
  const renumber = () => {
    sayAgain(memberList);
    addMember.disabled = members.length >= MAX_TEAM_MEMBERS;
  };
  addMember.addEventListener("click", () => {
    if (members.length >= MAX_TEAM_MEMBERS) return;
    created += 1;
    const member = {};
    const person = teamPersonFields(`tm-member-${created}`, (key) => t(`assistance.member_${key}`, { n: position(member) }));
    member.inputs = person.inputs;
    const remove = h("button", { type: "button", class: "remove-member", say: () => t("assistance.remove_member", { n: position(member) }) });
    member.box = h("fieldset", { class: "team-member" },
      h("legend", { say: () => t("assistance.member_n", { n: position(member) }) }), person.fields, remove);
    remove.addEventListener("click", () => {
      members.splice(members.indexOf(member), 1);
      member.box.remove();
      renumber();
      addMember.focus();
    });
    members.push(member);
    memberList.append(member.box);
    renumber();
    member.inputs.name.focus();
  });
  const sentBy = tierSelect("tm-sent-by");
  const startedOn = h("input", { id: "tm-started-on", type: "date", required: true,
    min: current?.started_on || ASSISTANCE_EARLIEST, max: localDay() });
  const reason = current ? reasonInput("tm-reason") : null;
  const submit = h("button", { type: "submit", class: "primary", say: () => t("assistance.submit") });
  const cancel = cancelButton();
  const dialog = h("dialog", { class: "step-dialog", "aria-labelledby": "tm-title" },
    h("form", {},
      dialogHeader(h("h2", { id: "tm-title", say: () => t("assistance.team_title", { village }) })),
      current ? h("p", { class: "muted", say: () => t("assistance.team_replace_explain", { name: current.first_secretary.name }) }) : null,
      h("fieldset", {}, h("legend", { say: () => t("assistance.first_secretary") }), secretary.fields),
      memberList, h("div", { class: "actions" }, addMember),
      field("tm-sent-by", () => t("assistance.sent_by"), sentBy),
      field("tm-started-on", () => t("assistance.team_started"), startedOn),
      current ? field("tm-reason", () => t("assistance.team_reason"), reason) : null,
      error, h("div", { class: "dialog-buttons" }, cancel, submit)));
  showFormDialog(dialog, { cancel, submit, error }, async () => {
    const body = {
      first_secretary: personValue(secretary.inputs),
      members: members.map((member) => personValue(member.inputs)),
      sent_by: sentBy.value,
      started_on: startedOn.value,
    };
    if (current) body.reason = reason.value.trim();
    await api(`${AS}/villages/${code}/team`, { method: "PUT", json: body, idempotent: true });
    dialog.close();
    announce(t("assistance.team_formed", { village }));
    await route();
  }, {
    fields: () => ({
      ...helperFieldLabels(), first_secretary: t("assistance.first_secretary"), members: t("assistance.members"),
      sent_by: t("assistance.sent_by"), started_on: t("assistance.team_started"), reason: t("assistance.team_reason"),
    }),
    codes: ASSISTANCE_PROBLEMS,
  });
}

// ---- a household's ledger (一户一本台账): its plan, its measures and its visit log ------------------------
// Written by a village's cadres and a township's or county's officers (assistance households.py
// require_ledger_writer, which the service checks again); read by every tier of the jurisdiction, the typed
// texts as the API shows them to the reader (numbers masked above the county).

// assistance measures/workflow.py TRANSITIONS: which status may follow which (completed and cancelled end).
const MEASURE_MOVES = {
  planned: ["in_progress", "cancelled"], in_progress: ["completed", "cancelled"], completed: [], cancelled: [],
};
// assistance text.py TARGET_YEARS_AHEAD: a plan aims at this year to five years on.
const TARGET_YEARS_AHEAD = 5;
const VISIT_PAGE = 10;

function writesLedger() {
  const profile = session.profile;
  if (profile?.tier === "village") return (profile.roles || []).includes("cadre");
  return isOfficerAt("county", "township");
}

/** Assistance's code lists (measure types and statuses, visit kinds), read once; public. */
async function assistanceCodes() {
  if (!session.assistanceCodes) session.assistanceCodes = await api(`${AS}/code-lists`, { auth: false });
  return session.assistanceCodes;
}

/** A code of assistance's lists by its label: the API's Chinese one, or its English name (en.json codes). */
function assistanceLabel(list, code) {
  const item = session.assistanceCodes?.[list]?.find((entry) => entry.code === code);
  return codeLabel(list, item ?? code);
}

function codeSelect(id, list, { required = true } = {}) {
  return h("select", { id, required },
    h("option", { value: "", say: () => t("common.choose") }),
    (session.assistanceCodes?.[list] || []).map((item) => h("option", { value: item.code, say: () => assistanceLabel(list, item.code) })));
}

function textArea(id, { min = 1, max, required = true }) {
  return h("textarea", { id, rows: "3", minlength: String(min), maxlength: String(max), required,
    dataset: required ? { blankIsEmpty: "" } : {} });
}

/** A typed text as the API gives it, its lines kept. */
const typed = (text) => h("span", { class: "typed-text", text: text ?? "" });

/** The household's plans, measures and first page of visits, each {failure} when it could not be read. */
async function householdLedger(id) {
  const attempt = (read) => read.catch((failure) => ({ failure }));
  const [plans, measures, visits] = await Promise.all([
    attempt(api(`${AS}/households/${id}/plan`)),
    attempt(api(`${AS}/households/${id}/measures`)),
    attempt(apiPage(`${AS}/households/${id}/visits?limit=${VISIT_PAGE}`)),
    assistanceCodes().catch(() => null),
  ]);
  return { plans, measures, visits };
}

function ledgerCards(household, ledger) {
  return [planCard(household, ledger.plans), measuresCard(household, ledger.measures), visitsCard(household, ledger.visits)];
}

function ledgerButton(action, label, open) {
  return h("button", { type: "button", class: "button", dataset: { ledgerAction: action }, text: t(label), onclick: open });
}

function ledgerFailure(failure) {
  return assistanceFailure(failure, "ledger.unavailable", "assistance.helper_not_known");
}

function planCard(household, answer) {
  const content = answer.failure ? ledgerFailure(answer.failure) : [
    answer.current ? planFacts(answer.current, "current")
      : h("p", { class: "muted", dataset: { noPlan: "" }, text: t("ledger.no_plan") }),
    writesLedger() ? h("div", { class: "actions" }, ledgerButton(answer.current ? "replace-plan" : "set-plan",
      answer.current ? "ledger.replace_plan" : "ledger.set_plan", () => openPlanDialog(household, answer.current))) : null,
    answer.history.length ? h("details", { class: "plan-history", dataset: { plan: "history" } },
      h("summary", { text: t("ledger.plan_history", { n: formatNumber(answer.history.length) }) }),
      answer.history.map((plan) => planFacts(plan, "earlier"))) : null,
  ];
  return h("div", { class: "card", dataset: { facts: "plan", household: household.id } },
    h("h2", { text: t("ledger.plan") }), content);
}

function planFacts(plan, which) {
  return h("div", { class: "plan-version", dataset: { plan: which, version: String(plan.version) } }, dl([
    [t("ledger.version"), String(plan.version)],
    [t("ledger.target_year"), String(plan.target_year)],
    [t("ledger.summary"), typed(plan.summary)],
    [t("ledger.plan_reason"), plan.reason ? typed(plan.reason) : null],
    [t("ledger.set_by"), t("ledger.set_by_when", { who: accountName(plan.set_by), when: formatDateTime(plan.set_at) })],
  ]));
}

function measuresCard(household, answer) {
  const writer = writesLedger();
  const content = answer.failure ? ledgerFailure(answer.failure) : [
    answer.length
      ? table(t("ledger.measures_caption", { n: formatNumber(answer.length) }),
        ["type", "description", "scale", "amount", "deadline", "status", "result", "sign_off"]
          .map((key) => t(`ledger.col_${key}`)).concat(writer ? [t("ledger.col_actions")] : []),
        answer.map((measure) => measureRow(measure, writer)), { numeric: [3] })
      : h("p", { class: "muted", dataset: { noMeasures: "" }, text: t("ledger.no_measures") }),
    writer ? h("div", { class: "actions" }, ledgerButton("add-measure", "ledger.add_measure", () => openMeasureDialog(household))) : null,
  ];
  return h("div", { class: "card", dataset: { facts: "measures", household: household.id } },
    h("h2", { text: t("ledger.measures") }), content);
}

function measureStatus(measure) {
  return [
    h("span", { class: "badge badge-neutral", dataset: { measureStatus: measure.status }, text: assistanceLabel("measure_status", measure.status) }),
    measure.overdue ? [" ", h("span", { class: "badge badge-red", dataset: { overdue: "" }, text: t("ledger.overdue") })] : null,
  ];
}

function measureOutcome(measure) {
  if (measure.result) return typed(measure.result);
  if (measure.cancel_reason) return t("ledger.cancelled_because", { reason: measure.cancel_reason });
  return "";
}

function measureSignOff(measure) {
  return measure.signed_on ? t("ledger.signed", { who: measure.signed_by ?? "", on: formatDate(measure.signed_on) }) : "";
}

function measureRow(measure, writer) {
  return h("tr", { dataset: { measure: measure.id, status: measure.status } },
    td(assistanceLabel("measure_type", measure.type), { header: true }),
    td(typed(measure.description)),
    td(measure.scale ?? ""),
    td(measure.amount == null ? "" : formatMoney(measure.amount), { numeric: true }),
    td(formatDate(measure.deadline)),
    td(measureStatus(measure)),
    td(measureOutcome(measure)),
    td(measureSignOff(measure)),
    writer ? td(measureActions(measure)) : null);
}

/** The moves the measure's status allows, and the sign-off of a completed one not yet signed. */
function measureActions(measure) {
  const name = assistanceLabel("measure_type", measure.type);
  const button = (action, open) => h("button", { type: "button", class: "small", dataset: { measureAction: action },
    "aria-label": t(`ledger.move_label_${action.replace("-", "_")}`, { measure: name }), text: t(`ledger.move_${action.replace("-", "_")}`), onclick: open });
  const moves = (MEASURE_MOVES[measure.status] || []).map((target) => button(target, () => openMoveDialog(measure, target)));
  const signs = measure.status === "completed" && !measure.signed_on ? button("sign-off", () => openSignOffDialog(measure)) : null;
  return h("div", { class: "row-actions" }, moves, signs);
}

function visitsCard(household, first) {
  const list = h("ol", { class: "visits", dataset: { visits: "" } });
  const errorSlot = h("div");
  let pending = first;
  const { more, load } = pagedList(t("assistance.load_more"), async (after) => {
    if (pending) {
      const page = pending;
      pending = null;
      if (page.failure) throw page.failure;
      return page;
    }
    return apiPage(`${AS}/households/${household.id}/visits?limit=${VISIT_PAGE}&after=${encodeURIComponent(after)}`);
  }, (page) => append(list, page.items.map(visitItem)), errorSlot);
  load();
  const empty = !first.failure && !first.items.length;
  const content = first.failure ? ledgerFailure(first.failure) : [
    empty ? h("p", { class: "muted", dataset: { noVisits: "" }, text: t("ledger.no_visits") }) : null,
    writesLedger() ? h("div", { class: "actions" }, ledgerButton("log-visit", "ledger.log_visit", () => openVisitDialog(household))) : null,
    errorSlot, list, more,
  ];
  return h("div", { class: "card", dataset: { facts: "visits", household: household.id } },
    h("h2", { text: t("ledger.visits") }), content);
}

function visitItem(visit) {
  return h("li", { dataset: { visit: visit.id } },
    h("strong", { text: t("ledger.visit_head", {
      on: formatDate(visit.visited_on), kind: assistanceLabel("visit_kind", visit.kind), visitor: visit.visitor,
    }) }),
    h("p", {}, typed(visit.notes)),
    visit.findings ? h("p", {}, h("span", { class: "muted", text: t("ledger.findings_said") }), typed(visit.findings)) : null);
}

const ledgerFieldLabels = () => ({
  target_year: t("ledger.target_year"), summary: t("ledger.summary"), reason: t("ledger.plan_reason"),
  type: t("ledger.col_type"), description: t("ledger.col_description"), scale: t("ledger.col_scale"),
  amount: t("ledger.col_amount"), deadline: t("ledger.col_deadline"), status: t("ledger.col_status"),
  result: t("ledger.col_result"), signed_by: t("ledger.signed_by"), signed_on: t("ledger.signed_on"),
  visited_on: t("ledger.visited_on"), visitor: t("ledger.visitor"), kind: t("ledger.visit_kind"),
  notes: t("ledger.notes"), findings: t("ledger.findings"),
});

/** A dialog of the ledger: its title, fields and buttons; `send(values)` runs on submission, then the page is
 * drawn again. Its draft key keeps what was typed over a lapsed session, as the other forms do. */
function ledgerDialog({ prefix, draft, title, explain = null, fields, send, labels = ledgerFieldLabels }) {
  const error = h("div", { class: "form-error" });
  const submit = h("button", { type: "submit", class: "primary", say: () => t("assistance.submit") });
  const cancel = cancelButton();
  const restored = restoredNotice();
  const dialog = h("dialog", { class: "step-dialog", "aria-labelledby": `${prefix}-title`, dataset: { draft } },
    h("form", {},
      dialogHeader(h("h2", { id: `${prefix}-title`, say: title })),
      explain ? h("p", { class: "muted", say: explain }) : null,
      restored, fields, error, h("div", { class: "dialog-buttons" }, cancel, submit)));
  restored.hidden = !restoreDraft(draft, dialog);
  showFormDialog(dialog, { cancel, submit, error }, async () => {
    await send();
    dialog.close();
    await route();
  }, { fields: labels, codes: ASSISTANCE_PROBLEMS });
}

const trimmedOrNull = (input) => input.value.trim() || null;

/** Set the household's plan, or replace it with a new version (`current`), which needs its reason. */
function openPlanDialog(household, current) {
  const year = Number(localDay().slice(0, 4));
  const inputs = {
    target_year: h("input", { id: "lp-target-year", type: "number", required: true, step: "1",
      min: String(year), max: String(year + TARGET_YEARS_AHEAD), value: current ? String(current.target_year) : "" }),
    summary: textArea("lp-summary", { max: 2000 }),
    reason: current ? reasonInput("lp-reason") : null,
  };
  ledgerDialog({
    prefix: "lp", draft: `plan:${household.id}`,
    title: () => t(current ? "ledger.replace_plan_title" : "ledger.set_plan_title", { name: household.head_name }),
    explain: current ? () => t("ledger.replace_plan_explain", { version: String(current.version) }) : null,
    fields: [
      field("lp-target-year", () => t("ledger.target_year"), inputs.target_year),
      field("lp-summary", () => t("ledger.summary"), inputs.summary),
      current ? field("lp-reason", () => t("ledger.plan_reason"), inputs.reason) : null,
    ],
    send: async () => {
      const body = { target_year: Number(inputs.target_year.value), summary: inputs.summary.value.trim() };
      if (current) body.reason = inputs.reason.value.trim();
      await api(`${AS}/households/${household.id}/plan`, { method: "PUT", json: body, idempotent: true });
      announce(t("ledger.plan_set", { name: household.head_name }));
    },
  });
}

function openMeasureDialog(household) {
  const inputs = {
    type: codeSelect("ms-type", "measure_type"),
    description: textArea("ms-description", { min: 2, max: 2000 }),
    scale: h("input", { id: "ms-scale", type: "text", maxlength: "100", autocomplete: "off" }),
    amount: h("input", { id: "ms-amount", type: "number", min: "0", step: "0.01", inputmode: "decimal" }),
    deadline: h("input", { id: "ms-deadline", type: "date", required: true, min: ASSISTANCE_EARLIEST }),
  };
  ledgerDialog({
    prefix: "ms", draft: `measure:${household.id}`,
    title: () => t("ledger.add_measure_title", { name: household.head_name }),
    fields: [
      field("ms-type", () => t("ledger.col_type"), inputs.type),
      field("ms-description", () => t("ledger.col_description"), inputs.description),
      field("ms-scale", () => t("ledger.scale_optional"), inputs.scale),
      field("ms-amount", () => t("ledger.amount_optional"), inputs.amount),
      field("ms-deadline", () => t("ledger.col_deadline"), inputs.deadline),
    ],
    send: async () => {
      const body = {
        type: inputs.type.value, description: inputs.description.value.trim(), deadline: inputs.deadline.value,
        scale: trimmedOrNull(inputs.scale), amount: inputs.amount.value === "" ? null : inputs.amount.value,
      };
      await api(`${AS}/households/${household.id}/measures`, { method: "POST", json: body, idempotent: true });
      announce(t("ledger.measure_added"));
    },
  });
}

/** Move a measure on to `target`: a result to complete it, a reason to cancel it, nothing more to start it. */
function openMoveDialog(measure, target) {
  const name = assistanceLabel("measure_type", measure.type);
  const result = target === "completed" ? textArea("mv-result", { min: 2, max: 2000 }) : null;
  const reason = target === "cancelled" ? reasonInput("mv-reason") : null;
  ledgerDialog({
    prefix: "mv", draft: `move:${measure.id}:${target}`,
    title: () => t("ledger.move_title", { measure: assistanceLabel("measure_type", measure.type), status: assistanceLabel("measure_status", target) }),
    explain: () => t("ledger.move_explain", { description: measure.description }),
    fields: [
      result ? field("mv-result", () => t("ledger.col_result"), result) : null,
      reason ? field("mv-reason", () => t("ledger.cancel_reason"), reason) : null,
    ],
    labels: () => ({ ...ledgerFieldLabels(), reason: t("ledger.cancel_reason") }),
    send: async () => {
      const body = { status: target };
      if (result) body.result = result.value.trim();
      if (reason) body.reason = reason.value.trim();
      await api(`${AS}/measures/${measure.id}/progress`, { method: "POST", json: body, idempotent: true });
      announce(t("ledger.moved", { measure: name, status: assistanceLabel("measure_status", target) }));
    },
  });
}

/** The household's sign-off of a completed measure's result: who signed, and when (not before completion). */
function openSignOffDialog(measure) {
  const signedBy = h("input", { id: "so-signed-by", type: "text", maxlength: "60", required: true, autocomplete: "off", dataset: { blankIsEmpty: "" } });
  const signedOn = h("input", { id: "so-signed-on", type: "date", required: true,
    min: measure.completed_on || ASSISTANCE_EARLIEST, max: localDay() });
  ledgerDialog({
    prefix: "so", draft: `sign-off:${measure.id}`,
    title: () => t("ledger.sign_off_title", { measure: assistanceLabel("measure_type", measure.type) }),
    explain: () => t("ledger.sign_off_explain"),
    fields: [
      field("so-signed-by", () => t("ledger.signed_by"), signedBy),
      field("so-signed-on", () => t("ledger.signed_on"), signedOn),
    ],
    send: async () => {
      const body = { signed_by: signedBy.value.trim(), signed_on: signedOn.value };
      await api(`${AS}/measures/${measure.id}/sign-off`, { method: "POST", json: body, idempotent: true });
      announce(t("ledger.signed_off"));
    },
  });
}

function openVisitDialog(household) {
  const inputs = {
    visited_on: h("input", { id: "vs-visited-on", type: "date", required: true, min: ASSISTANCE_EARLIEST, max: localDay(), value: localDay() }),
    visitor: textInput("vs-visitor", { max: 60 }),
    kind: codeSelect("vs-kind", "visit_kind"),
    notes: textArea("vs-notes", { min: 2, max: 2000 }),
    findings: textArea("vs-findings", { max: 2000, required: false }),
  };
  ledgerDialog({
    prefix: "vs", draft: `visit:${household.id}`,
    title: () => t("ledger.log_visit_title", { name: household.head_name }),
    fields: [
      field("vs-visited-on", () => t("ledger.visited_on"), inputs.visited_on),
      field("vs-visitor", () => t("ledger.visitor"), inputs.visitor),
      field("vs-kind", () => t("ledger.visit_kind"), inputs.kind),
      field("vs-notes", () => t("ledger.notes"), inputs.notes),
      field("vs-findings", () => t("ledger.findings_optional"), inputs.findings),
    ],
    send: async () => {
      const body = {
        visited_on: inputs.visited_on.value, visitor: inputs.visitor.value.trim(), kind: inputs.kind.value,
        notes: inputs.notes.value.trim(), findings: trimmedOrNull(inputs.findings),
      };
      await api(`${AS}/households/${household.id}/visits`, { method: "POST", json: body, idempotent: true });
      announce(t("ledger.visit_logged"));
    },
  });
}

/** The 帮扶 page's overdue measures of the jurisdiction, each linking to its household. */
function overdueSection(query) {
  return assistanceList({
    list: "overdue", path: "/measures", params: { division: session.profile.division, overdue: "true" },
    caption: "ledger.overdue_caption", empty: "ledger.overdue_empty",
    headers: ["col_household", "col_type", "col_description", "col_deadline", "col_status"].map((k) => (k === "col_household" ? t("assistance.col_household") : t(`ledger.${k}`))),
    rows: async (items) => {
      const heads = await householdHeads(items.map((item) => item.household_id));
      return items.map((item) => {
        const head = heads.get(item.household_id);
        const name = typeof head === "string" ? head : t("feed.subject_household_unnamed");
        return h("tr", { dataset: { measure: item.id, household: item.household_id } },
          td(h("a", { href: `#/households/${item.household_id}`, text: name }), { header: true }),
          td(assistanceLabel("measure_type", item.type)), td(typed(item.description)),
          td(formatDate(item.deadline)), td(measureStatus(item)));
      });
    },
  }, query);
}

// ---- 项目库, 资金监管 and 第三方评估: the funds and evaluation services ----------------------------------
// Their lists are read as the 帮扶 page's are (keyset pages, `Next-Cursor`); their codes are labelled from
// each service's `GET /code-lists`, in English from en.json's codes.

const FU = "/api/v1/funds";
const EV = "/api/v1/evaluation";
// Refusals whose generic words are identification's (a case's out-of-order step, a rejected case's reason):
// the funds and evaluation forms say them in their own.
const PROJECT_PROBLEMS = "projects.problems";
const FINDING_PROBLEMS = "supervision.problems";
const RECTIFICATION_PROBLEMS = "evaluations.problems";
// funds/workflow.py MIN_NOTICE_DAYS, MAX_NOTICE_DAYS: a project's public notice stays up 10 to 60 days.
const NOTICE_DAYS = { low: 10, high: 60 };
// funds/text.py EARLIEST: precision poverty alleviation began in 2013, no project is older.
const FUNDS_EARLIEST = "2013-01-01";
const FUNDS_EARLIEST_YEAR = 2013;
// funds/access.py SUPERVISING_TIERS: the findings are listed by the county and the tiers above it.
const SUPERVISING_TIERS = ["county", "city", "province", "nation"];
// funds/projects/schemas.py: the steps that need a record of their own (the others take an optional note).
const PROJECT_STEP_FIELDS = { reject: "reason", post_notice: "notice_days", accept: "acceptance", reimburse: "amount" };
const INDICATOR_ROWS = 3;
// evaluation/rectifications/workflow.py: who takes each step of a rectification task (整改), from which status.
const NOTE_REQUIRED = new Set(["submit", "return"]);
const VERDICT_COLOURS = { pass: "green", veto: "red" };

const mayPropose = () => (session.profile?.tier === "village"
  ? (session.profile.roles || []).includes("cadre") : isOfficerAt("township", "county"));
const supervises = () => SUPERVISING_TIERS.includes(session.profile?.tier);

/** A service's code lists (public), read once per session under `key`. */
async function serviceCodes(key, base) {
  if (!session[key]) session[key] = await api(`${base}/code-lists`, { auth: false });
  return session[key];
}
const fundsCodes = () => serviceCodes("fundsCodes", FU);
const evaluationCodes = () => serviceCodes("evaluationCodes", EV);

function listLabel(codes, list, code) {
  const item = codes?.[list]?.find((entry) => entry.code === code);
  return codeLabel(list, item ?? code);
}
const fundsLabel = (list, code) => listLabel(session.fundsCodes, list, code);
const evaluationLabel = (list, code) => listLabel(session.evaluationCodes, list, code);

/** A select of a service's code list: "choose" (a form) or "any" (a filter) first, `selected` chosen. */
function serviceSelect(id, codes, list, { required = true, any = false, selected = "", only = null } = {}) {
  const items = (codes?.[list] || []).filter((item) => !only || only.includes(item.code));
  return h("select", { id, name: id, required },
    h("option", { value: "", say: () => t(any ? "common.any" : "common.choose") }),
    items.map((item) => h("option", { value: item.code, selected: item.code === selected, say: () => codeLabel(list, item) })));
}

function codedBadge(label, code, colour = "neutral", data = {}) {
  return h("span", { class: `badge badge-${colour}`, dataset: { code, ...data }, text: label });
}

/** A filter form of a list page: its fields, kept in the view's address on submission. */
function filterForm(route, label, fields) {
  const form = h("form", { class: "filters", role: "search", "aria-label": label },
    fields.map(([id, text, input]) => [h("label", { for: id, text }), input]),
    h("button", { type: "submit", text: t("common.filter") }));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const params = new URLSearchParams();
    for (const [id, , input] of fields) {
      const value = input.type === "checkbox" ? (input.checked ? "true" : "") : input.value.trim();
      if (value) params.set(id.replace(/^f-/, ""), value);
    }
    location.hash = params.toString() ? `#/${route}?${params}` : `#/${route}`;
  });
  return form;
}

/** The query's value of a filter when it is one of `allowed` (a code list's codes), else "". */
function codeFilter(query, name, codes, list) {
  const value = query.get(name) || "";
  return (codes?.[list] || []).some((item) => item.code === value) ? value : "";
}

function divisionFilter(query) {
  const value = query.get("division") || "";
  return CODE.test(value) ? value : session.profile.division;
}

function divisionInput(value) {
  return h("input", { id: "f-division", name: "division", type: "text", inputmode: "numeric", pattern: "\\d{12}",
    maxlength: "12", class: "short", value: value === session.profile.division ? "" : value,
    dataset: { patternSays: "validation.pattern_division" } });
}

// ---- the 项目库 page ----

async function projectsView(seq, _params, query) {
  const codes = await fundsCodes().catch(() => null);
  const division = divisionFilter(query);
  const status = codeFilter(query, "status", codes, "project_status");
  const category = codeFilter(query, "category", codes, "category");
  const year = /^\d{4}$/.test(query.get("year") || "") ? query.get("year") : "";
  const params = { division };
  if (status) params.status = status;
  if (category) params.category = category;
  if (year) params.year = year;
  const filters = filterForm("projects", t("projects.filter"), [
    ["f-status", t("projects.col_status"), serviceSelect("f-status", codes, "project_status", { required: false, any: true, selected: status })],
    ["f-category", t("projects.col_category"), serviceSelect("f-category", codes, "category", { required: false, any: true, selected: category })],
    ["f-year", t("projects.col_year"), h("input", { id: "f-year", name: "year", type: "number", class: "short", min: String(FUNDS_EARLIEST_YEAR), max: "2100", value: year })],
    ["f-division", t("projects.division_code"), divisionInput(division)],
  ]);
  const list = await serviceList({
    base: FU, list: "projects", path: "/projects", params, more: "projects.load_more",
    caption: "projects.caption", empty: "projects.empty", numeric: [4],
    headers: ["col_name", "col_category", "col_place", "col_year", "col_budget", "col_status"].map((k) => t(`projects.${k}`)),
    rows: async (items) => items.map(projectRow),
  }, query);
  const propose = mayPropose()
    ? h("button", { type: "button", class: "button primary", dataset: { projectAction: "propose" }, text: t("projects.propose"), onclick: () => openProposeDialog() })
    : null;
  return h("section", {}, pageHeader(t("projects.title"), propose), h("p", { class: "muted", text: t("projects.intro") }), filters, list);
}

function projectStatus(project) {
  return codedBadge(fundsLabel("project_status", project.status), project.status,
    project.status === "rejected" ? "red" : project.status === "announced" ? "green" : "neutral", { projectStatus: project.status });
}

function projectRow(project) {
  return h("tr", { dataset: { project: project.id } },
    td(h("a", { href: `#/projects/${project.id}`, text: project.name }), { header: true }),
    td(fundsLabel("category", project.category)), td(project.division), td(String(project.year)),
    td(formatMoney(project.budget), { numeric: true }), td(projectStatus(project)));
}

async function projectView(seq, [id]) {
  const [project] = await Promise.all([api(`${FU}/projects/${id}`), fundsCodes().catch(() => null)]);
  const back = h("p", {}, h("a", { href: "#/projects", text: t("projects.back") }));
  return h("section", { dataset: { projectPage: project.id } },
    pageHeader(project.name, projectStatus(project)), back,
    projectSteps(project), projectFacts(project), projectBudget(project), projectTarget(project), completionCard(project),
    projectLinksCard(project),
    h("div", { class: "card" }, h("h2", { text: t("projects.mechanism") }), h("p", {}, typed(project.pro_poor_mechanism))),
    projectHistory(project));
}

function projectSteps(project) {
  const steps = project.permitted_actions || [];
  if (!steps.length) return null;
  return h("div", { class: "card", dataset: { projectSteps: "" } },
    h("h2", { text: t("projects.steps_title") }),
    h("div", { class: "actions" }, steps.map((action) => h("button", {
      type: "button", class: action === "reject" ? "button" : "button primary", dataset: { projectStep: action },
      text: projectStepLabel(action), onclick: () => openProjectStepDialog(project, action),
    }))));
}

const projectStepLabel = (action) => (has(`projects.steps.${action}`) ? t(`projects.steps.${action}`) : action);

function projectFacts(project) {
  const notice = project.notice
    ? t(project.notice.running ? "projects.notice_running" : "projects.notice_ended", { from: formatDate(project.notice.starts_on), to: formatDate(project.notice.ends_on) })
    : null;
  const acceptance = project.acceptance
    ? `${fundsLabel("acceptance_result", project.acceptance.result)} · ${formatDate(project.acceptance.accepted_on)} · ${listJoin(project.acceptance.inspectors || [])}`
    : null;
  return h("div", { class: "card", dataset: { facts: "project" } }, h("h2", { text: t("projects.facts") }), dl([
    [t("projects.col_category"), fundsLabel("category", project.category)],
    [t("projects.nature"), fundsLabel("nature", project.nature)],
    [t("projects.col_place"), project.division],
    [t("projects.col_year"), String(project.year)],
    [t("projects.schedule"), t("projects.schedule_value", { from: formatDate(project.starts_on), to: formatDate(project.ends_on) })],
    [t("projects.responsible_unit"), project.responsible_unit],
    [t("projects.tasks"), typed(project.tasks)],
    [t("projects.beneficiaries"), t("projects.beneficiaries_value", { households: formatNumber(project.beneficiaries.households), people: formatNumber(project.beneficiaries.people) })],
    [t("projects.notice"), notice],
    [t("projects.acceptance"), acceptance],
    [t("projects.reimbursed"), project.reimbursed_amount === null ? null : formatMoney(project.reimbursed_amount)],
    [t("projects.proposed_by"), `${accountName(project.proposed_by)} · ${formatDateTime(project.proposed_at)}`],
  ]));
}

function projectBudget(project) {
  const rows = project.financing.map((item) => h("tr", { dataset: { source: item.source } },
    td(fundsLabel("fund_source", item.source), { header: true }), td(formatMoney(item.amount), { numeric: true })));
  return h("div", { class: "card", dataset: { facts: "budget" } }, h("h2", { text: t("projects.budget_title") }),
    dl([[t("projects.col_budget"), formatMoney(project.budget)]]),
    table(t("projects.financing"), [t("projects.source"), t("projects.amount")], rows, { numeric: [1] }));
}

function projectTarget(project) {
  const rows = project.performance_target.map((item) => h("tr", {}, td(item.indicator, { header: true }), td(item.target)));
  return h("div", { class: "card", dataset: { facts: "target" } }, h("h2", { text: t("projects.target_title") }),
    table(t("projects.target_title"), [t("projects.indicator"), t("projects.target")], rows));
}

function projectHistory(project) {
  const items = (project.history || []).map((entry) => {
    const detail = entry.detail || {};
    const said = [detail.reason, detail.notes].filter((text) => typeof text === "string" && text);
    return h("li", { dataset: { action: entry.action } },
      h("strong", { text: projectStepLabel(entry.action) }), " ",
      h("span", { class: "muted", text: `${fundsLabel("project_status", entry.to_status)} · ${accountName(entry.actor)} · ${tierLabel(entry.actor_tier)} · ${formatDateTime(entry.at)}` }),
      said.map((text) => h("p", {}, typed(text))));
  });
  return h("div", { class: "card", dataset: { facts: "history" } }, h("h2", { text: t("projects.history") }),
    h("ol", { class: "history" }, items));
}

const projectFieldLabels = () => ({
  name: t("projects.col_name"), category: t("projects.col_category"), nature: t("projects.nature"),
  division: t("projects.division_code"), year: t("projects.col_year"), starts_on: t("projects.starts_on"),
  ends_on: t("projects.ends_on"), responsible_unit: t("projects.responsible_unit"), tasks: t("projects.tasks"),
  budget: t("projects.col_budget"), financing: t("projects.financing"), source: t("projects.source"),
  amount: t("projects.amount"), households: t("projects.households"), people: t("projects.people"),
  beneficiaries: t("projects.beneficiaries"), performance_target: t("projects.target_title"),
  indicator: t("projects.indicator"), target: t("projects.target"), pro_poor_mechanism: t("projects.mechanism"),
  reason: t("projects.reason"), notes: t("projects.notes"), notice_days: t("projects.notice_days"),
  accepted_on: t("projects.accepted_on"), result: t("projects.result"), inspectors: t("projects.inspectors"),
});

/** A dialog of the funds and evaluation pages, as the ledger's: `send()` runs on submission, then the page
 * is drawn again; what was typed is kept over a lapsed session (its draft key). */
function serviceDialog({ prefix, draft, title, explain = null, fields, send, labels, codes }) {
  const error = h("div", { class: "form-error" });
  const submit = h("button", { type: "submit", class: "primary", say: () => t("assistance.submit") });
  const cancel = cancelButton();
  const restored = restoredNotice();
  const dialog = h("dialog", { class: "step-dialog", "aria-labelledby": `${prefix}-title`, dataset: { draft } },
    h("form", {},
      dialogHeader(h("h2", { id: `${prefix}-title`, say: title })),
      explain ? h("p", { class: "muted", say: explain }) : null,
      restored, fields, error, h("div", { class: "dialog-buttons" }, cancel, submit)));
  restored.hidden = !restoreDraft(draft, dialog);
  showFormDialog(dialog, { cancel, submit, error }, async () => {
    await send();
    dialog.close();
    await route();
  }, { fields: labels, codes });
}

function moneyInput(id, { required = true, max = null } = {}) {
  return h("input", { id, type: "number", min: "0", step: "0.01", inputmode: "decimal", required, max });
}

function countInput(id, value = "") {
  return h("input", { id, type: "number", min: "0", step: "1", required: true, value });
}

/** The allocations a project's financing line may draw on: those received by a county the caller reads (a
 * county officer's own; below the county none are readable, and the lines name none). */
async function drawableAllocations() {
  const items = await api(`${FU}/allocations?${new URLSearchParams({ division: session.profile.division, limit: "500" })}`);
  return items.filter((item) => levelOf(item.division) === "county" || COUNTYLESS_CITIES.has(item.division));
}

/** A financing line's optional "draws on allocation" select, offered when allocations of its source exist. */
function drawSelect(source, allocations) {
  const own = allocations.filter((item) => item.source === source);
  if (!own.length) return null;
  return h("select", { id: `pp-alloc-${source}`, dataset: { drawsOn: source } },
    h("option", { value: "", say: () => t("allocations.no_draw") }),
    own.map((item) => h("option", { value: item.id, say: () => t("allocations.option_year", {
      year: String(item.year), amount: formatMoney(item.amount), document: item.document_number }) })));
}

/** The financing rows: one amount per fund source, a blank one not used; their sum said as it is typed;
 * each may name the allocation it draws on. */
function financingFieldset(budget, allocations = []) {
  const inputs = (session.fundsCodes?.fund_source || []).map((item) => ({
    source: item.code, input: moneyInput(`pp-fin-${item.code}`, { required: false }), item, draws: drawSelect(item.code, allocations),
  }));
  const total = h("p", { class: "muted", role: "status", dataset: { financingTotal: "" } });
  const sum = () => inputs.reduce((acc, { input }) => acc + Math.round(Number(input.value || 0) * 100), 0);
  const sayTotal = () => t("projects.financing_total", { total: formatMoney(sum() / 100), budget: formatMoney(Number(budget.value || 0)) });
  say(total, sayTotal);
  for (const element of [budget, ...inputs.map(({ input }) => input)]) element.addEventListener("input", () => put(total, sayTotal()));
  const fieldset = h("fieldset", { class: "financing" }, h("legend", { say: () => t("projects.financing_legend") }),
    inputs.map(({ source, input, item, draws }) => [field(`pp-fin-${source}`, () => codeLabel("fund_source", item), input),
      draws ? field(`pp-alloc-${source}`, () => t("allocations.draws_on", { source: codeLabel("fund_source", item) }), draws) : null]), total);
  const value = () => inputs.filter(({ input }) => input.value !== "").map(({ source, input, draws }) => (
    draws?.value ? { source, amount: input.value, allocation_id: draws.value } : { source, amount: input.value }));
  return { fieldset, value };
}

/** The performance target's indicator rows (绩效目标): the first required, a blank row left out. */
function indicatorFieldset() {
  const rows = Array.from({ length: INDICATOR_ROWS }, (_, i) => ({
    indicator: h("input", { id: `pp-ind-${i}`, type: "text", maxlength: "200", required: i === 0, autocomplete: "off", dataset: i === 0 ? { blankIsEmpty: "" } : {} }),
    target: h("input", { id: `pp-tgt-${i}`, type: "text", maxlength: "200", required: i === 0, autocomplete: "off", dataset: i === 0 ? { blankIsEmpty: "" } : {} }),
  }));
  const fieldset = h("fieldset", { class: "indicators" }, h("legend", { say: () => t("projects.target_legend") }),
    rows.map((row, i) => h("div", { class: "indicator-row" },
      field(`pp-ind-${i}`, () => t("projects.indicator_n", { n: String(i + 1) }), row.indicator),
      field(`pp-tgt-${i}`, () => t("projects.target_n", { n: String(i + 1) }), row.target))));
  const value = () => rows.filter((row) => row.indicator.value.trim() || row.target.value.trim())
    .map((row) => ({ indicator: row.indicator.value.trim(), target: row.target.value.trim() }));
  return { fieldset, value };
}

async function openProposeDialog() {
  const allocations = isOfficerAt("county") ? await drawableAllocations().catch(() => []) : [];
  const own = session.profile.division;
  const year = localDay().slice(0, 4);
  const inputs = {
    name: textInput("pp-name", { min: 2, max: 200 }),
    category: serviceSelect("pp-category", session.fundsCodes, "category"),
    nature: serviceSelect("pp-nature", session.fundsCodes, "nature"),
    division: h("input", { id: "pp-division", type: "text", inputmode: "numeric", pattern: "\\d{12}", maxlength: "12", required: true,
      value: isVillage(own) ? own : "", readonly: isVillage(own), dataset: { patternSays: "validation.pattern_division" } }),
    year: h("input", { id: "pp-year", type: "number", required: true, min: String(FUNDS_EARLIEST_YEAR), max: "2100", value: year }),
    starts_on: h("input", { id: "pp-starts-on", type: "date", required: true, min: FUNDS_EARLIEST }),
    ends_on: h("input", { id: "pp-ends-on", type: "date", required: true, min: FUNDS_EARLIEST }),
    responsible_unit: textInput("pp-unit", { min: 2, max: 100 }),
    tasks: textArea("pp-tasks", { min: 2, max: 4000 }),
    budget: moneyInput("pp-budget"),
    households: countInput("pp-households"),
    people: countInput("pp-people"),
    mechanism: textArea("pp-mechanism", { min: 2, max: 4000 }),
  };
  const financing = financingFieldset(inputs.budget, allocations);
  const indicators = indicatorFieldset();
  serviceDialog({
    prefix: "pp", draft: "project:propose", title: () => t("projects.propose_title"), explain: () => t("projects.propose_explain"),
    labels: projectFieldLabels, codes: PROJECT_PROBLEMS,
    fields: [
      field("pp-name", () => t("projects.col_name"), inputs.name),
      field("pp-category", () => t("projects.col_category"), inputs.category),
      field("pp-nature", () => t("projects.nature"), inputs.nature),
      field("pp-division", () => t("projects.division_code"), inputs.division),
      field("pp-year", () => t("projects.col_year"), inputs.year),
      field("pp-starts-on", () => t("projects.starts_on"), inputs.starts_on),
      field("pp-ends-on", () => t("projects.ends_on"), inputs.ends_on),
      field("pp-unit", () => t("projects.responsible_unit"), inputs.responsible_unit),
      field("pp-tasks", () => t("projects.tasks"), inputs.tasks),
      field("pp-budget", () => t("projects.col_budget"), inputs.budget),
      financing.fieldset,
      field("pp-households", () => t("projects.households"), inputs.households),
      field("pp-people", () => t("projects.people"), inputs.people),
      indicators.fieldset,
      field("pp-mechanism", () => t("projects.mechanism"), inputs.mechanism),
    ],
    send: async () => {
      const body = {
        name: inputs.name.value.trim(), category: inputs.category.value, nature: inputs.nature.value,
        division: inputs.division.value.trim(), year: Number(inputs.year.value), starts_on: inputs.starts_on.value,
        ends_on: inputs.ends_on.value, responsible_unit: inputs.responsible_unit.value.trim(),
        tasks: inputs.tasks.value.trim(), budget: inputs.budget.value, financing: financing.value(),
        beneficiaries: { households: Number(inputs.households.value), people: Number(inputs.people.value) },
        performance_target: indicators.value(), pro_poor_mechanism: inputs.mechanism.value.trim(),
      };
      const saved = await api(`${FU}/projects`, { method: "POST", json: body, idempotent: true });
      announce(t("projects.proposed", { name: saved.name }));
    },
  });
}

/** The fields of a project's step: what its schema needs (funds StepIn), and an optional note otherwise. */
function projectStepFields(project, action) {
  const need = PROJECT_STEP_FIELDS[action];
  if (need === "reason") {
    const reason = textArea("ps-reason", { min: 2, max: 1000 });
    return { fields: [field("ps-reason", () => t("projects.reason"), reason)], body: () => ({ reason: reason.value.trim() }) };
  }
  if (need === "notice_days") {
    const days = h("input", { id: "ps-notice-days", type: "number", required: true, step: "1",
      min: String(NOTICE_DAYS.low), max: String(NOTICE_DAYS.high), value: String(NOTICE_DAYS.low) });
    return { fields: [field("ps-notice-days", () => t("projects.notice_days"), days)], body: () => ({ notice_days: Number(days.value) }) };
  }
  if (need === "acceptance") {
    const acceptedOn = h("input", { id: "ps-accepted-on", type: "date", required: true, min: project.starts_on, max: localDay() });
    const result = serviceSelect("ps-result", session.fundsCodes, "acceptance_result");
    const inspectors = textInput("ps-inspectors", { max: 600 });
    const notes = textArea("ps-notes", { min: 2, max: 4000, required: false });
    return {
      fields: [field("ps-accepted-on", () => t("projects.accepted_on"), acceptedOn), field("ps-result", () => t("projects.result"), result),
        field("ps-inspectors", () => t("projects.inspectors_hint"), inspectors), field("ps-notes", () => t("projects.notes_optional"), notes)],
      body: () => ({ acceptance: {
        accepted_on: acceptedOn.value, result: result.value, notes: trimmedOrNull(notes),
        inspectors: inspectors.value.split(/[,，、;；]/).map((name) => name.trim()).filter(Boolean),
      } }),
    };
  }
  if (need === "amount") {
    const amount = moneyInput("ps-amount", { max: project.budget });
    return { fields: [field("ps-amount", () => t("projects.reimburse_amount"), amount)], body: () => ({ amount: amount.value }) };
  }
  const notes = textArea("ps-notes", { min: 2, max: 4000, required: false });
  return { fields: [field("ps-notes", () => t("projects.notes_optional"), notes)], body: () => ({ notes: trimmedOrNull(notes) }) };
}

function openProjectStepDialog(project, action) {
  const { fields, body } = projectStepFields(project, action);
  serviceDialog({
    prefix: "ps", draft: `project-step:${project.id}:${action}`,
    title: () => t("projects.step_title", { step: projectStepLabel(action), name: project.name }),
    labels: projectFieldLabels, codes: PROJECT_PROBLEMS, fields,
    send: async () => {
      await api(`${FU}/projects/${project.id}/steps/${action}`, { method: "POST", json: body(), idempotent: true });
      announce(t("projects.stepped", { step: projectStepLabel(action) }));
    },
  });
}

// ---- the 资金监管 page ----

async function supervisionView(seq, _params, query) {
  if (!supervises()) {
    return h("section", {}, pageHeader(t("supervision.title")), h("p", { class: "muted", dataset: { notSupervising: "" }, text: t("supervision.county_up") }));
  }
  const codes = await fundsCodes().catch(() => null);
  const division = divisionFilter(query);
  const kind = codeFilter(query, "kind", codes, "finding_kind");
  const status = codeFilter(query, "status", codes, "finding_status");
  const params = { division };
  if (kind) params.kind = kind;
  if (status) params.status = status;
  const filters = filterForm("supervision", t("supervision.filter"), [
    ["f-kind", t("supervision.col_kind"), serviceSelect("f-kind", codes, "finding_kind", { required: false, any: true, selected: kind })],
    ["f-status", t("supervision.col_status"), serviceSelect("f-status", codes, "finding_status", { required: false, any: true, selected: status })],
    ["f-division", t("projects.division_code"), divisionInput(division)],
  ]);
  const list = await serviceList({
    base: FU, list: "findings", path: "/supervision/findings", params, more: "projects.load_more",
    caption: "supervision.caption", empty: "supervision.empty", numeric: [3, 4],
    headers: ["col_kind", "col_household", "col_benefit", "col_amount", "col_standard", "col_paid_on", "col_status", "col_actions"].map((k) => t(`supervision.${k}`)),
    rows: async (items) => {
      const names = await publicNames(items.map((item) => item.division));
      return items.map((item) => findingRow(item, names.get(item.division)));
    },
  }, query);
  return h("section", {}, pageHeader(t("supervision.title")), h("p", { class: "muted", text: t("supervision.intro") }), filters, list);
}

/** What a finding is about: a payment's household, or the allocation and project an allocation's finding
 * (idle-funds, outside-category) or an inspection's names, which have no household. */
function findingSubject(finding, place) {
  if (finding.household_id) {
    return [h("a", { href: `#/households/${finding.household_id}`, text: finding.head_name }), " ", h("span", { class: "muted", text: place })];
  }
  return [
    finding.allocation_id ? h("a", { href: `#/allocations/${finding.allocation_id}`, dataset: { findingAllocation: finding.allocation_id }, text: t("supervision.allocation_link") }) : null,
    finding.allocation_id && finding.project_id ? " " : null,
    finding.project_id ? h("a", { href: `#/projects/${finding.project_id}`, dataset: { findingProject: finding.project_id }, text: t("supervision.project_link") }) : null,
    " ", h("span", { class: "muted", text: place }),
  ];
}

/** The finding's particulars: a payment's benefit and period, an idle allocation's deadline, the category a
 * project spends outside, an inspection's failed point and note. */
function findingDetail(finding) {
  if (finding.kind === "idle-funds") return t("supervision.idle_detail", { deadline: formatDate(finding.deadline) });
  if (finding.kind === "outside-category") return t("supervision.outside_detail", { category: fundsLabel("category", finding.category) });
  if (finding.inspection_point) return [fundsLabel("inspection_point", finding.inspection_point), finding.issue_note ? h("p", {}, typed(finding.issue_note)) : null];
  return finding.benefit ? `${fundsLabel("benefit", finding.benefit)} · ${finding.period}` : "—";
}

const findingName = (finding, place) => finding.head_name || place;
const moneyOrDash = (value) => (value === null || value === undefined ? "—" : formatMoney(value));

function findingRow(finding, place) {
  const resolves = isOfficerAt("county") && (finding.allowed_resolutions || []).length;
  return h("tr", { dataset: { finding: finding.id } },
    td(codedBadge(fundsLabel("finding_kind", finding.kind), finding.kind, "red", { findingKind: finding.kind }), { header: true }),
    td(findingSubject(finding, place)),
    td(findingDetail(finding)),
    td(moneyOrDash(finding.amount ?? finding.idle_amount), { numeric: true }), td(moneyOrDash(finding.standard), { numeric: true }),
    td(finding.paid_on ? formatDate(finding.paid_on) : "—"),
    td([codedBadge(fundsLabel("finding_status", finding.status), finding.status, finding.status === "open" ? "yellow" : "green", { findingStatus: finding.status }),
      finding.note ? h("p", {}, typed(finding.note)) : null]),
    td(resolves ? h("button", { type: "button", class: "button", dataset: { findingAction: "resolve" }, text: t("supervision.resolve"),
      onclick: () => openResolveFindingDialog(finding, place) }) : null));
}

function findingExplain(finding) {
  if (finding.payment_id) return t("supervision.resolve_explain", { amount: formatMoney(finding.amount), standard: formatMoney(finding.standard) });
  if (finding.kind === "idle-funds") return t("supervision.resolve_explain_idle", { amount: moneyOrDash(finding.idle_amount), deadline: formatDate(finding.deadline) });
  return findingDetail(finding);
}

function openResolveFindingDialog(finding, place) {
  const resolution = serviceSelect("rf-resolution", session.fundsCodes, "resolution", { only: finding.allowed_resolutions });
  const note = textArea("rf-note", { min: 2, max: 1000 });
  serviceDialog({
    prefix: "rf", draft: `finding:${finding.id}`,
    title: () => t("supervision.resolve_title", { kind: fundsLabel("finding_kind", finding.kind), name: findingName(finding, place) }),
    explain: () => findingExplain(finding),
    labels: () => ({ resolution: t("supervision.resolution"), note: t("supervision.note") }), codes: FINDING_PROBLEMS,
    fields: [field("rf-resolution", () => t("supervision.resolution"), resolution), field("rf-note", () => t("supervision.note"), note)],
    send: async () => {
      const body = { resolution: resolution.value, note: note.value.trim() };
      await api(`${FU}/supervision/findings/${finding.id}/resolve`, { method: "POST", json: body, idempotent: true });
      announce(t("supervision.resolved"));
    },
  });
}

// ---- the 第三方评估 page ----

async function evaluationsView(seq, _params, query) {
  const codes = await evaluationCodes().catch(() => null);
  const division = divisionFilter(query);
  const status = codeFilter(query, "status", codes, "rectification_status");
  const overdue = query.get("overdue") === "true";
  const rectParams = { division };
  if (status) rectParams.status = status;
  if (overdue) rectParams.overdue = "true";
  const [rounds, tasks] = await Promise.all([
    serviceList({
      base: EV, list: "evaluations", path: "/evaluations", params: { division }, more: "projects.load_more",
      caption: "evaluations.rounds_caption", empty: "evaluations.rounds_empty", numeric: [4],
      headers: ["col_county", "col_year", "col_evaluator", "col_status", "col_sample"].map((k) => t(`evaluations.${k}`)),
      rows: async (items) => {
        const names = await publicNames(items.map((item) => item.county));
        return items.map((item) => roundRow(item, names.get(item.county)));
      },
    }, query),
    serviceList({
      base: EV, list: "rectifications", path: "/rectifications", params: rectParams, more: "projects.load_more",
      caption: "evaluations.tasks_caption", empty: "evaluations.tasks_empty",
      headers: ["col_kind", "col_place", "col_summary", "col_deadline", "col_status", "col_actions"].map((k) => t(`evaluations.${k}`)),
      rows: async (items) => {
        const names = await publicNames(items.flatMap((item) => (item.assignee ? [item.division, item.assignee] : [item.division])));
        return items.map((item) => rectificationRow(item, names.get(item.division), item.assignee ? names.get(item.assignee) : null));
      },
    }, query),
  ]);
  const overdueBox = h("input", { id: "f-overdue", name: "overdue", type: "checkbox", checked: overdue });
  const filters = filterForm("evaluations", t("evaluations.filter"), [
    ["f-status", t("evaluations.col_status"), serviceSelect("f-status", codes, "rectification_status", { required: false, any: true, selected: status })],
    ["f-overdue", t("evaluations.overdue_only"), overdueBox],
    ["f-division", t("projects.division_code"), divisionInput(division)],
  ]);
  const open = runsRounds()
    ? h("button", { type: "button", class: "button primary", dataset: { roundAction: "open" }, text: t("rounds.open"), onclick: () => openRoundDialog() })
    : null;
  return h("section", {}, pageHeader(t("evaluations.title"), open),
    h("p", { class: "muted", text: t("evaluations.intro") }),
    h("h2", { text: t("evaluations.rounds") }), rounds,
    h("h2", { text: t("evaluations.tasks") }), filters, tasks);
}

function evaluationStatus(status) {
  return codedBadge(evaluationLabel("evaluation_status", status), status, status === "closed" ? "green" : "neutral", { evaluationStatus: status });
}

function roundRow(round, county) {
  return h("tr", { dataset: { evaluation: round.id } },
    td(h("a", { href: `#/evaluations/${round.id}`, text: county }), { header: true }),
    td(String(round.year)), td(round.evaluator), td(evaluationStatus(round.status)),
    td(round.sample_size === null ? "—" : formatNumber(round.sample_size), { numeric: true }));
}

function rectificationStatus(task) {
  return codedBadge(evaluationLabel("rectification_status", task.status), task.status,
    task.status === "accepted" ? "green" : task.status === "submitted" ? "yellow" : "neutral", { rectificationStatus: task.status });
}

function rectificationRow(task, place, assigneeName) {
  const said = [
    task.done ? h("p", {}, h("span", { class: "muted", text: t("evaluations.done_said") }), typed(task.done)) : null,
    task.return_reason ? h("p", {}, h("span", { class: "muted", text: t("evaluations.returned_said") }), typed(task.return_reason)) : null,
  ];
  return h("tr", { dataset: { rectification: task.id } },
    td(evaluationLabel("rectification_kind", task.kind), { header: true }),
    td([place, assigneeName ? h("p", { class: "muted", dataset: { assignee: task.assignee }, text: t("rounds.assigned_to", { name: assigneeName }) }) : null]),
    td([typed(task.summary), said]),
    td([h("span", { dataset: { deadline: task.deadline }, text: formatDate(task.deadline) }),
      task.overdue ? [" ", codedBadge(t("evaluations.overdue"), "overdue", "red", { overdue: "" })] : null,
      deadlineHistory(task)]),
    td(rectificationStatus(task)),
    td(h("div", { class: "actions" }, rectificationSteps(task).map((action) => h("button", {
      type: "button", class: "button", dataset: { rectificationStep: action },
      text: evaluationLabel("rectification_action", action),
      onclick: () => (action === "start" ? openStartDialog(task) : openRectificationDialog(task, action)),
    })), extendsDeadline(task) ? h("button", { type: "button", class: "button", dataset: { rectificationDeadline: "" },
      text: t("rounds.extend"), onclick: () => openDeadlineDialog(task) }) : null)));
}

function openRectificationDialog(task, action) {
  const required = NOTE_REQUIRED.has(action);
  const note = textArea("rs-note", { min: 1, max: 2000, required });
  const label = () => t(required ? `evaluations.note_${action}` : "evaluations.note_optional");
  serviceDialog({
    prefix: "rs", draft: `rectification:${task.id}:${action}`,
    title: () => t("evaluations.step_title", { step: evaluationLabel("rectification_action", action), kind: evaluationLabel("rectification_kind", task.kind) }),
    explain: () => task.summary,
    labels: () => ({ note: label() }), codes: RECTIFICATION_PROBLEMS,
    fields: [field("rs-note", label, note)],
    send: async () => {
      await api(`${EV}/rectifications/${task.id}/steps/${action}`, { method: "POST", json: { note: trimmedOrNull(note) }, idempotent: true });
      announce(t("evaluations.stepped", { step: evaluationLabel("rectification_action", action) }));
    },
  });
}

async function evaluationView(seq, [id]) {
  const [round, results] = await Promise.all([
    api(`${EV}/evaluations/${id}`), api(`${EV}/evaluations/${id}/results`), evaluationCodes().catch(() => null),
  ]);
  const county = await publicName(round.county);
  const back = h("p", {}, h("a", { href: "#/evaluations", text: t("evaluations.back") }));
  const facts = h("div", { class: "card", dataset: { facts: "evaluation" } }, dl([
    [t("evaluations.col_county"), county], [t("evaluations.col_year"), String(round.year)],
    [t("evaluations.col_evaluator"), round.evaluator], [t("evaluations.col_status"), evaluationStatus(round.status)],
    [t("evaluations.col_sample"), round.sample_size === null ? null : formatNumber(round.sample_size)],
    [t("evaluations.closed_at"), round.closed_at ? formatDateTime(round.closed_at) : null],
  ]));
  return h("section", { dataset: { evaluationPage: round.id, roundStatus: round.status } },
    pageHeader(t("evaluations.round_title", { county, year: String(round.year) })), back, roundActions(round, results), facts,
    roundDesign(round), await sampleCard(round), resultsCard(results));
}

const percent = (value) => formatNumber(value, { style: "percent", maximumFractionDigits: 1 });

function verdictBadge(verdict) {
  const key = `evaluations.verdicts.${verdict}`;
  return codedBadge(has(key) ? t(key) : verdict, verdict, VERDICT_COLOURS[verdict] || "neutral", { verdict });
}

function rateRow(rate) {
  const interval = rate.interval_95
    ? t("evaluations.interval", { low: percent(rate.interval_95.low), high: percent(rate.interval_95.high) }) : "—";
  const threshold = t(rate.sense === "below" ? "evaluations.sense_below" : "evaluations.sense_at_least", { threshold: percent(rate.threshold) });
  return h("tr", { dataset: { rate: rate.code } },
    td(exitLabel("rates", rate.code), { header: true }),
    td(rate.value === null ? "—" : percent(rate.value), { numeric: true }), td(interval),
    td(t("evaluations.fraction", { numerator: formatNumber(rate.numerator), denominator: formatNumber(rate.denominator) }), { numeric: true }),
    td(threshold), td(verdictBadge(rate.verdict)));
}

function resultsCard(results) {
  const headers = ["col_rate", "col_value", "col_interval", "col_fraction", "col_threshold", "col_verdict"].map((k) => t(`evaluations.${k}`));
  return h("div", { class: "card", dataset: { facts: "results" } },
    h("h2", { text: t("evaluations.results") }),
    h("p", { dataset: { overall: results.verdict } }, h("strong", { text: t("evaluations.overall") }), " ", verdictBadge(results.verdict)),
    h("p", { class: "muted", text: t(results.final ? "evaluations.final" : "evaluations.not_final") }),
    h("p", { class: "muted", text: t(results.west ? "evaluations.west" : "evaluations.not_west") }),
    surveyFacts(results),
    table(t("evaluations.results"), headers, results.rates.map(rateRow), { numeric: [1, 3] }),
    strataTable(results.strata));
}

/** How far the survey went: the sampled households without a finding (the rates count surveyed households
 * only) and, for a round closed with some, the reason the close gave. Results frozen before evaluation
 * reported them carry neither. */
function surveyFacts(results) {
  const unsurveyed = results.unsurveyed_households;
  const reason = results.partial_reason;
  if ((unsurveyed === null || unsurveyed === undefined) && !reason) return null;
  return dl([
    [t("rounds.unsurveyed_households"), unsurveyed === null || unsurveyed === undefined ? undefined
      : h("span", { dataset: { unsurveyedHouseholds: String(unsurveyed) }, text: formatNumber(unsurveyed) })],
    [t("rounds.partial_reason"), reason ? h("span", { dataset: { partialReason: "" } }, typed(reason)) : undefined],
  ]);
}

// ---- third-party rounds end to end: opened, drawn, surveyed and closed by the province ----

// evaluation/rounds: a province officer opens, draws, records findings on the evaluator's behalf and closes.
const runsRounds = () => isOfficerAt("province");
const ROUND_DESIGN = { townships_per_county: 2, villages_per_township: 2, households_per_village: 10 };
const RECTIFICATION_DAYS = { low: 7, high: 180, fallback: 30 };
const DEADLINE_AHEAD_DAYS = 180;

const roundFieldLabels = () => ({
  county: t("evaluations.col_county"), year: t("evaluations.col_year"), evaluator: t("evaluations.col_evaluator"),
  townships_per_county: t("rounds.townships_per_county"), villages_per_township: t("rounds.villages_per_township"),
  households_per_village: t("rounds.households_per_village"), allocation: t("rounds.allocation"), seed: t("rounds.seed"),
  rectification_days: t("rounds.rectification_days"), people_affected: t("rounds.people_affected"), note: t("rounds.note"),
  reason: t("rounds.reason"), deadline: t("rounds.new_deadline"), assignee: t("rounds.assignee"),
  partial_reason: t("rounds.partial_reason"),
});

function designInput(id, value, max) {
  return h("input", { id, type: "number", required: true, min: "1", max: String(max), step: "1", class: "short", value: String(value) });
}

async function openRoundDialog() {
  const counties = await divisionsAt(session.profile.division, "county").catch(() => []);
  const county = h("select", { id: "ro-county", required: true }, h("option", { value: "", say: () => t("common.choose") }),
    counties.sort((a, b) => a.code.localeCompare(b.code)).map((node) => h("option", { value: node.code, text: node.name })));
  const year = h("input", { id: "ro-year", type: "number", required: true, min: "2013", max: String(thisYear()), value: String(thisYear()) });
  const evaluator = textInput("ro-evaluator", { min: 2, max: 200 });
  const townships = designInput("ro-townships", ROUND_DESIGN.townships_per_county, 100);
  const villages = designInput("ro-villages", ROUND_DESIGN.villages_per_township, 100);
  const households = designInput("ro-households", ROUND_DESIGN.households_per_village, 1000);
  const allocation = serviceSelect("ro-allocation", session.evaluationCodes, "sample_allocation", { selected: "proportional" });
  const seed = h("input", { id: "ro-seed", type: "number", min: "0", step: "1", class: "short" });
  serviceDialog({
    prefix: "ro", draft: "round:open", title: () => t("rounds.open_title"), explain: () => t("rounds.open_explain"),
    labels: roundFieldLabels, codes: RECTIFICATION_PROBLEMS,
    fields: [field("ro-county", () => t("evaluations.col_county"), county), field("ro-year", () => t("evaluations.col_year"), year),
      field("ro-evaluator", () => t("evaluations.col_evaluator"), evaluator),
      field("ro-townships", () => t("rounds.townships_per_county"), townships), field("ro-villages", () => t("rounds.villages_per_township"), villages),
      field("ro-households", () => t("rounds.households_per_village"), households), field("ro-allocation", () => t("rounds.allocation"), allocation),
      field("ro-seed", () => t("rounds.seed_optional"), seed)],
    send: async () => {
      const design = { townships_per_county: Number(townships.value), villages_per_township: Number(villages.value),
        households_per_village: Number(households.value), allocation: allocation.value };
      if (seed.value.trim()) design.seed = Number(seed.value);
      const body = { county: county.value, year: Number(year.value), evaluator: evaluator.value.trim(), design };
      const opened = await api(`${EV}/evaluations`, { method: "POST", json: body, idempotent: true });
      announce(t("rounds.opened"));
      location.hash = `#/evaluations/${opened.id}`;
    },
  });
}

function roundActions(round, results) {
  if (!runsRounds() || round.status === "closed") return null;
  const button = (action, label, onclick) => h("button", { type: "button", class: "button primary", dataset: { roundAction: action }, text: t(label), onclick });
  return h("div", { class: "actions" }, round.status === "open"
    ? button("draw", "rounds.draw", () => openDrawDialog(round))
    : button("close", "rounds.close", () => openRoundCloseDialog(round, results)));
}

function roundDesign(round) {
  const design = round.design;
  const strata = round.strata ? listJoin(Object.entries(round.strata).map(([stratum, n]) => t("rounds.stratum_count", { stratum: evaluationLabel("sample_stratum", stratum), n: formatNumber(n) }))) : null;
  return h("div", { class: "card", dataset: { facts: "round-design" } }, h("h2", { text: t("rounds.design") }), dl([
    [t("rounds.townships_per_county"), formatNumber(design.townships_per_county)], [t("rounds.villages_per_township"), formatNumber(design.villages_per_township)],
    [t("rounds.households_per_village"), formatNumber(design.households_per_village)],
    [t("rounds.allocation"), h("span", { dataset: { allocation: design.allocation }, text: evaluationLabel("sample_allocation", design.allocation) })],
    [t("rounds.seed"), design.seed === null || design.seed === undefined ? null : String(design.seed)],
    [t("rounds.strata"), strata ? h("span", { dataset: { strata: JSON.stringify(round.strata) }, text: strata }) : null],
  ]));
}

function openDrawDialog(round) {
  serviceDialog({
    prefix: "rd", draft: `round:draw:${round.id}`, title: () => t("rounds.draw"), explain: () => t("rounds.draw_explain"),
    labels: roundFieldLabels, codes: RECTIFICATION_PROBLEMS, fields: [],
    send: async () => {
      const drawn = await api(`${EV}/evaluations/${round.id}/draw`, { method: "POST", idempotent: true });
      announce(t("rounds.drawn", { n: formatNumber(drawn.households) }));
    },
  });
}

/** The sampled households without a finding yet: as the results count them, else from their strata (null
 * when neither says). */
function unsurveyedHouseholds(results) {
  if (Number.isInteger(results?.unsurveyed_households)) return results.unsurveyed_households;
  if (!results?.strata?.length) return null;
  return results.strata.reduce((sum, stratum) => sum + stratum.sampled - stratum.surveyed, 0);
}

/** What the dialog says of the survey before the round is closed on it. */
function surveyState(unsurveyed) {
  if (unsurveyed === null) return null;
  return h("p", { dataset: { unsurveyed: String(unsurveyed) },
    say: () => (unsurveyed ? t("rounds.unsurveyed_left", { n: formatNumber(unsurveyed) }) : t("rounds.all_surveyed")) });
}

function openRoundCloseDialog(round, results) {
  const days = h("input", { id: "rc-days", type: "number", required: true, min: String(RECTIFICATION_DAYS.low), max: String(RECTIFICATION_DAYS.high),
    step: "1", class: "short", value: String(RECTIFICATION_DAYS.fallback) });
  const unsurveyed = unsurveyedHouseholds(results);
  // Evaluation refuses to close while sampled households lack a finding (409 survey-incomplete) unless the
  // close says why the survey stays partial; a reason for a complete survey would be dropped, so none is asked.
  const partialReason = unsurveyed ? reasonInput("rc-partial-reason") : null;
  serviceDialog({
    prefix: "rc", draft: `round:close:${round.id}`, title: () => t("rounds.close"), explain: () => t("rounds.close_explain"),
    labels: roundFieldLabels, codes: RECTIFICATION_PROBLEMS,
    fields: [surveyState(unsurveyed), field("rc-days", () => t("rounds.rectification_days"), days),
      partialReason ? field("rc-partial-reason", () => t("rounds.partial_reason"), partialReason) : null],
    send: async () => {
      const body = { rectification_days: Number(days.value) };
      if (partialReason) body.partial_reason = partialReason.value.trim();
      const closed = await api(`${EV}/evaluations/${round.id}/close`, { method: "POST", json: body, idempotent: true });
      announce(t("rounds.closed", { n: formatNumber(closed.rectifications.length) }));
    },
  });
}

/** The frozen sample, each household by its head (the registry's, masked above the county) and village. */
async function sampleCard(round) {
  if (round.status === "open") return null;
  const card = h("div", { class: "card", dataset: { facts: "sample" } }, h("h2", { text: t("rounds.sample") }));
  let sample;
  try {
    sample = await api(`${EV}/evaluations/${round.id}/sample?limit=500`);
  } catch (error) {
    return append(card, [problemBox(error)]);
  }
  const [heads] = await Promise.all([householdHeads(sample.map((item) => item.household_id)), villageNames(sample.map((item) => item.division))]);
  const writes = runsRounds() && round.status !== "closed";
  const rows = sample.map((item) => {
    const head = heads.get(item.household_id);
    return h("tr", { dataset: { sampled: item.household_id, stratum: item.stratum, hasFinding: String(item.has_finding) } },
      td(typeof head === "string" ? head : t("feed.subject_household_unnamed"), { header: true }), td(villageLabel(item.division)),
      td(statusBadge(item.status)), td(evaluationLabel("sample_stratum", item.stratum)), td(formatNumber(item.member_count), { numeric: true }),
      td(t(item.has_finding ? "rounds.surveyed" : "rounds.not_surveyed")),
      td(writes ? h("button", { type: "button", class: "button", dataset: { findingAction: item.has_finding ? "correct" : "record" },
        text: t(item.has_finding ? "rounds.correct_finding" : "rounds.record_finding"), onclick: () => openSurveyDialog(round, item, head) }) : null));
  });
  const headers = ["head", "village", "status", "stratum", "members", "survey", "actions"].map((k) => t(`rounds.col_${k}`));
  return append(card, [table(t("rounds.sample_caption", { n: formatNumber(sample.length) }), headers,
    rows.length ? rows : [h("tr", {}, h("td", { colspan: "7", text: t("rounds.sample_empty") }))], { numeric: [4] })]);
}

async function openSurveyDialog(round, item, head) {
  const current = item.has_finding ? await api(`${EV}/evaluations/${round.id}/findings/${item.household_id}`).catch(() => null) : null;
  const box = (id, checked) => h("input", { id, type: "checkbox", checked: Boolean(checked) });
  const wronglyExited = item.status === "exited" ? box("sf-wrongly", current?.wrongly_exited) : null;
  const missed = box("sf-missed", current?.missed);
  const people = h("input", { id: "sf-people", type: "number", required: true, min: "0", max: String(item.member_count), step: "1", class: "short", value: String(current?.people_affected ?? 0) });
  const satisfied = h("select", { id: "sf-satisfied", required: true }, h("option", { value: "", say: () => t("common.choose") }),
    h("option", { value: "true", selected: current?.satisfied === true, say: () => t("rounds.satisfied") }),
    h("option", { value: "false", selected: current?.satisfied === false, say: () => t("rounds.not_satisfied") }));
  const note = textArea("sf-note", { max: 2000, required: false });
  if (current?.note) note.value = current.note;
  const reason = item.has_finding ? reasonInput("sf-reason") : null;
  const name = typeof head === "string" ? head : t("feed.subject_household_unnamed");
  serviceDialog({
    prefix: "sf", draft: `round:finding:${round.id}:${item.household_id}`, title: () => t(item.has_finding ? "rounds.correct_title" : "rounds.record_title", { name }),
    explain: () => t("rounds.finding_explain"), labels: roundFieldLabels, codes: RECTIFICATION_PROBLEMS,
    fields: [wronglyExited ? field("sf-wrongly", () => t("rounds.wrongly_exited"), wronglyExited) : null,
      field("sf-missed", () => t("rounds.missed"), missed), field("sf-people", () => t("rounds.people_affected"), people),
      field("sf-satisfied", () => t("rounds.satisfaction"), satisfied), field("sf-note", () => t("rounds.note"), note),
      reason ? field("sf-reason", () => t("rounds.reason"), reason) : null],
    send: async () => {
      const body = { wrongly_exited: Boolean(wronglyExited?.checked), missed: missed.checked, people_affected: Number(people.value),
        satisfied: satisfied.value === "true", note: trimmedOrNull(note) };
      if (reason) {
        await api(`${EV}/evaluations/${round.id}/findings/${item.household_id}`, { method: "PUT", json: { ...body, reason: reason.value.trim() }, idempotent: true });
      } else {
        await api(`${EV}/evaluations/${round.id}/findings`, { method: "POST", json: { ...body, household_id: item.household_id }, idempotent: true });
      }
      announce(t("rounds.finding_saved"));
    },
  });
}

function strataTable(strata) {
  if (!strata?.length) return null;
  const rows = strata.map((item) => h("tr", { dataset: { stratumResult: item.stratum } },
    td(evaluationLabel("sample_stratum", item.stratum), { header: true }), figureCell("sampled", item.sampled), figureCell("surveyed", item.surveyed),
    figureCell("approving", item.approving), figureCell("approval", item.approval, percent),
    td(item.interval_95 ? t("evaluations.interval", { low: percent(item.interval_95.low), high: percent(item.interval_95.high) }) : "—")));
  const headers = ["stratum", "sampled", "surveyed", "approving", "approval", "interval"].map((k) => t(`rounds.col_${k}`));
  return table(t("rounds.strata_caption"), headers, rows, { numeric: [1, 2, 3, 4] });
}

// ---- a task's deadline and assignee ----

/** Where the county may hand a task: a village's task to the village or its township, the county's to a
 * township of it, by name. */
async function assigneeChoices(task) {
  if (levelOf(task.division) === "village") {
    const township = `${task.division.slice(0, 9)}000`;
    const names = await publicNames([township, task.division]);
    return [township, task.division].map((code) => ({ code, name: names.get(code) }));
  }
  return (await divisionsAt(task.division, "township")).sort((a, b) => a.code.localeCompare(b.code));
}

async function openStartDialog(task) {
  const choices = await assigneeChoices(task).catch(() => []);
  const assignee = h("select", { id: "rs-assignee" }, h("option", { value: "", say: () => t("rounds.no_assignee") }),
    choices.map((node) => h("option", { value: node.code, text: node.name })));
  const note = textArea("rs-note", { min: 1, max: 2000, required: false });
  serviceDialog({
    prefix: "rs", draft: `rectification:${task.id}:start`,
    title: () => t("evaluations.step_title", { step: evaluationLabel("rectification_action", "start"), kind: evaluationLabel("rectification_kind", task.kind) }),
    explain: () => task.summary, labels: roundFieldLabels, codes: RECTIFICATION_PROBLEMS,
    fields: [field("rs-assignee", () => t("rounds.assignee"), assignee), field("rs-note", () => t("evaluations.note_optional"), note)],
    send: async () => {
      const body = { note: trimmedOrNull(note) };
      if (assignee.value) body.assignee = assignee.value;
      await api(`${EV}/rectifications/${task.id}/steps/start`, { method: "POST", json: body, idempotent: true });
      announce(t("evaluations.stepped", { step: evaluationLabel("rectification_action", "start") }));
    },
  });
}

function addDays(day, days) {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

function openDeadlineDialog(task) {
  const later = addDays(task.deadline, 1);
  const deadline = h("input", { id: "rx-deadline", type: "date", required: true, min: later, max: addDays(localDay(), DEADLINE_AHEAD_DAYS), value: later });
  const reason = reasonInput("rx-reason");
  serviceDialog({
    prefix: "rx", draft: `rectification:${task.id}:deadline`, title: () => t("rounds.extend_title", { kind: evaluationLabel("rectification_kind", task.kind) }),
    explain: () => t("rounds.extend_explain", { deadline: formatDate(task.deadline) }), labels: roundFieldLabels, codes: RECTIFICATION_PROBLEMS,
    fields: [field("rx-deadline", () => t("rounds.new_deadline"), deadline), field("rx-reason", () => t("rounds.reason"), reason)],
    send: async () => {
      await api(`${EV}/rectifications/${task.id}/deadline`, { method: "POST", json: { deadline: deadline.value, reason: reason.value.trim() }, idempotent: true });
      announce(t("rounds.extended"));
    },
  });
}

/** The steps the caller may take on a task: its worker tier starts and submits (an assigned township's or
 * village's officers, a village's cadres too, submit), its checker tier accepts or returns. */
function rectificationSteps(task) {
  const profile = session.profile;
  const assigned = Boolean(task.assignee) && profile?.division === task.assignee
    && ((profile.roles || []).includes("officer") || (profile.tier === "village" && (profile.roles || []).includes("cadre")));
  const steps = {
    open: isOfficerAt(task.worker_tier) ? ["start"] : [],
    in_progress: isOfficerAt(task.worker_tier) || assigned ? ["submit"] : [],
    submitted: isOfficerAt(task.checker_tier) ? ["accept", "return"] : [],
  };
  return steps[task.status] || [];
}

/** A task's deadline extensions with their reasons, read when first opened (the list does not carry them). */
function deadlineHistory(task) {
  const body = h("div", {}, loading());
  const details = h("details", { class: "deadline-history", dataset: { deadlineHistory: "" } }, h("summary", { text: t("rounds.deadline_history") }), body);
  let loaded = false;
  details.addEventListener("toggle", async () => {
    if (!details.open || loaded) return;
    loaded = true;
    try {
      const detail = await api(`${EV}/rectifications/${task.id}`);
      const items = detail.deadline_history.map((change) => h("li", { dataset: { extendedTo: change.deadline } },
        t("rounds.extended_from_to", { from: formatDate(change.previous_deadline), to: formatDate(change.deadline) }), " ", typed(change.reason)));
      body.replaceChildren(items.length ? h("ul", {}, items) : h("p", { class: "muted", text: t("rounds.never_extended") }));
    } catch (error) {
      loaded = false;
      body.replaceChildren(problemBox(error));
    }
  });
  return details;
}

const extendsDeadline = (task) => task.status !== "accepted" && isOfficerAt(task.checker_tier);

// ---- 年度考核, 资金分配 and 帮扶覆盖: pages naming divisions from the public tree ---------------------------
// An assessee, a receiving division or a child in a coverage table is named, never shown by its code alone.
// Names come from the registry's public tree (no token): an assessee's officer reads its assessor's name,
// which lies outside its jurisdiction, and the tree is the NBS's published one.

const COUNTYLESS_CITIES = new Set(["441900000000", "442000000000", "460400000000"]);
// evaluation/access.py ASSESSEE_LEVELS: what each tier assesses, the first by default.
const ASSESSEE_LEVELS = { nation: ["province"], province: ["city", "county"], city: ["county"], county: ["township"] };
const LEVEL_ORDER = ["nation", "province", "city", "county", "township", "village"];
const SOURCE_WEIGHTS = { daily_supervision: 40, annual_check: 30, third_party: 30 };
const PART_WEIGHTS = { poverty_reduction: 25, identification_accuracy: 25, assistance_satisfaction: 25, funds: 25 };
const ASSESSMENT_PROBLEMS = "assessments.problems";
const GRADE_COLOURS = { good: "green", fairly_good: "green", average: "yellow", poor: "red" };

/** A division's name from the public tree, once per code; its code when the tree cannot be read (not kept,
 * so a later page asks again). */
function publicName(code) {
  if (code === NATION) return Promise.resolve(t("tiers.nation"));
  let pending = session.publicNames.get(code);
  if (!pending) {
    pending = api(`${PUBLIC_DIVISIONS}/${code}`, { auth: false }).then((node) => node.name);
    pending.catch(() => session.publicNames.delete(code));
    session.publicNames.set(code, pending);
  }
  return pending.catch(() => code);
}

/** The names of `codes`, by code. */
async function publicNames(codes) {
  const unique = [...new Set(codes)];
  const names = await Promise.all(unique.map(publicName));
  return new Map(unique.map((code, i) => [code, names[i]]));
}

/** The level of a division by its code's shape (fupin_kit.divisions.level). */
function levelOf(code) {
  if (code === NATION) return "nation";
  if (code.endsWith("0000000000")) return "province";
  if (code.endsWith("00000000")) return "city";
  if (code.endsWith("000000")) return "county";
  return code.endsWith("000") ? "township" : "village";
}

/** The divisions of `level` below `code` in the public tree, read down from its children (a province's
 * counties through its cities; a city without counties standing for a county). */
async function divisionsAt(code, level) {
  const children = await divisionChildren(code);
  const found = await Promise.all(children.map((child) => {
    const childLevel = COUNTYLESS_CITIES.has(child.code) ? "county" : child.level;
    if (childLevel === level) return [child];
    return LEVEL_ORDER.indexOf(childLevel) < LEVEL_ORDER.indexOf(level) ? divisionsAt(child.code, level) : [];
  }));
  return found.flat();
}

const thisYear = () => Number(localDay().slice(0, 4));

function yearFilter(query, fallback = "") {
  const year = Number(query.get("year"));
  return Number.isInteger(year) && year >= FUNDS_EARLIEST_YEAR && year <= 2100 ? String(year) : fallback;
}

/** A count or an amount in a table's cell, right-aligned, named by what it holds (`data-figure`). */
function figureCell(name, value, format = formatNumber) {
  return h("td", { class: "num", dataset: { figure: name } }, value === null || value === undefined ? "—" : format(value));
}

// ---- the 年度考核 page ----

const assessmentCodes = () => evaluationCodes().catch(() => null);
const assessesAsOfficer = () => Boolean(ASSESSEE_LEVELS[session.profile?.tier]) && isOfficerAt(session.profile.tier);

function assessmentStatus(status) {
  return codedBadge(evaluationLabel("assessment_status", status), status, status === "finalized" ? "green" : "neutral", { assessmentStatus: status });
}

async function assessmentsView(seq, _params, query) {
  await assessmentCodes();
  const year = yearFilter(query);
  const params = { division: session.profile.division };
  if (year) params.year = year;
  const filters = filterForm("assessments", t("assessments.filter"), [
    ["f-year", t("assessments.col_year"), h("input", { id: "f-year", name: "year", type: "number", class: "short", min: String(FUNDS_EARLIEST_YEAR), max: "2100", value: year })],
  ]);
  const list = await serviceList({
    base: EV, list: "assessments", path: "/assessments", params, more: "projects.load_more",
    caption: "assessments.caption", empty: "assessments.empty", numeric: [4],
    headers: ["col_assessor", "col_year", "col_level", "col_status", "col_assessees"].map((k) => t(`assessments.${k}`)),
    rows: async (items) => {
      const names = await publicNames(items.map((item) => item.assessor));
      return items.map((item) => assessmentRow(item, names));
    },
  }, query);
  const open = assessesAsOfficer()
    ? h("button", { type: "button", class: "button primary", dataset: { assessmentAction: "open" }, text: t("assessments.open"), onclick: () => openAssessmentDialog() })
    : null;
  return h("section", {}, pageHeader(t("assessments.title"), open), h("p", { class: "muted", text: t("assessments.intro") }), filters, list);
}

function assessmentRow(item, names) {
  return h("tr", { dataset: { assessment: item.id } },
    td(h("a", { href: `#/assessments/${item.id}`, text: t("assessments.name", { assessor: names.get(item.assessor), year: String(item.year) }) }), { header: true }),
    td(String(item.year)), td(evaluationLabel("assessee_level", item.assessee_level)), td(assessmentStatus(item.status)),
    td(formatNumber(item.assessees.length), { numeric: true }));
}

/** The weight inputs of one set (source or part weights), their sum said as they are typed. */
function weightFieldset(set, defaults, list) {
  const inputs = Object.entries(defaults).map(([code, value]) => ({
    code, input: h("input", { id: `as-${set}-${code}`, type: "number", min: "0", max: "100", step: "1", required: true, value: String(value), class: "short" }),
  }));
  const sum = () => inputs.reduce((acc, { input }) => acc + Number(input.value || 0), 0);
  const total = h("p", { class: "muted", role: "status", dataset: { weightSum: set } });
  const sayTotal = () => t("assessments.weight_sum", { sum: formatNumber(sum()) });
  say(total, sayTotal);
  for (const { input } of inputs) input.addEventListener("input", () => put(total, sayTotal()));
  const fieldset = h("fieldset", { class: "weights" }, h("legend", { say: () => t(`assessments.${set}`) }),
    inputs.map(({ code, input }) => field(input.id, () => evaluationLabel(list, code), input)), total);
  const value = () => Object.fromEntries(inputs.map(({ code, input }) => [code, Number(input.value)]));
  return { fieldset, value };
}

/** The assessees to choose from: the real divisions of the level below the caller's, by name, all or some. */
function assesseeFieldset() {
  const all = h("input", { id: "as-all", type: "checkbox" });
  const list = h("div", { class: "choices", dataset: { assessees: "" } });
  const status = h("p", { class: "muted", role: "status" });
  all.addEventListener("change", () => {
    for (const box of list.querySelectorAll("input[type=checkbox]")) box.checked = all.checked;
  });
  async function load(level) {
    list.replaceChildren();
    all.checked = false;
    say(status, () => t("common.loading"));
    try {
      const found = await divisionsAt(session.profile.division, level);
      list.replaceChildren(...found.map((node) => h("label", { class: "choice" },
        h("input", { type: "checkbox", name: "as-assessee", value: node.code, dataset: { assessee: node.code } }), ` ${node.name}`)));
      say(status, () => (found.length ? "" : t("assessments.no_candidates")));
    } catch (error) {
      status.replaceChildren(problemBox(error));
    }
  }
  const fieldset = h("fieldset", { class: "assessees" }, h("legend", { say: () => t("assessments.assessees") }),
    h("label", { class: "choice" }, all, h("span", { say: () => t("assessments.select_all") })), list, status);
  const value = () => [...list.querySelectorAll("input:checked")].map((box) => box.value);
  return { fieldset, load, value };
}

function openAssessmentDialog() {
  const levels = COUNTYLESS_CITIES.has(session.profile.division) ? ["township"] : ASSESSEE_LEVELS[session.profile.tier];
  const year = h("input", { id: "as-year", type: "number", required: true, min: String(FUNDS_EARLIEST_YEAR), max: "2100", value: String(thisYear()) });
  const level = h("select", { id: "as-level", required: true },
    levels.map((code) => h("option", { value: code, say: () => evaluationLabel("assessee_level", code) })));
  const assessees = assesseeFieldset();
  level.addEventListener("change", () => assessees.load(level.value));
  const sources = weightFieldset("source_weights", SOURCE_WEIGHTS, "assessment_source");
  const parts = weightFieldset("part_weights", PART_WEIGHTS, "assessment_part");
  serviceDialog({
    prefix: "as", draft: "assessment:open", title: () => t("assessments.open_title"), explain: () => t("assessments.open_explain"),
    labels: () => ({ year: t("assessments.col_year"), assessee_level: t("assessments.col_level"), assessees: t("assessments.assessees"),
      source_weights: t("assessments.source_weights"), part_weights: t("assessments.part_weights") }),
    codes: ASSESSMENT_PROBLEMS,
    fields: [field("as-year", () => t("assessments.col_year"), year), field("as-level", () => t("assessments.col_level"), level),
      assessees.fieldset, sources.fieldset, parts.fieldset],
    send: async () => {
      const body = { year: Number(year.value), assessee_level: level.value, assessees: assessees.value(),
        scheme: { source_weights: sources.value(), part_weights: parts.value() } };
      const opened = await api(`${EV}/assessments`, { method: "POST", json: body, idempotent: true });
      announce(t("assessments.opened"));
      location.hash = `#/assessments/${opened.id}`;
    },
  });
  assessees.load(level.value);
}

async function assessmentView(seq, [id]) {
  const [assessment, results] = await Promise.all([
    api(`${EV}/assessments/${id}`), api(`${EV}/assessments/${id}/results`), assessmentCodes(),
  ]);
  const names = await publicNames([assessment.assessor, ...results.assessees.map((item) => item.division)]);
  const writes = isOfficerAt(assessment.assessor_tier) && session.profile.division === assessment.assessor && !results.final;
  const title = t("assessments.name", { assessor: names.get(assessment.assessor), year: String(assessment.year) });
  const finalize = writes
    ? h("button", { type: "button", class: "button primary", dataset: { assessmentAction: "finalize" }, text: t("assessments.finalize"),
      onclick: () => openFinalizeDialog(assessment, title) })
    : null;
  return h("section", { dataset: { assessmentPage: assessment.id } },
    pageHeader(title, assessmentStatus(assessment.status), finalize),
    h("p", {}, h("a", { href: "#/assessments", text: t("assessments.back") })),
    assessmentFacts(assessment, names),
    assessmentResults(assessment, results, names, writes));
}

function weightsText(weights, list) {
  return listJoin(Object.entries(weights).map(([code, value]) => `${evaluationLabel(list, code)} ${value}%`));
}

function assessmentFacts(assessment, names) {
  return h("div", { class: "card", dataset: { facts: "assessment" } }, dl([
    [t("assessments.col_assessor"), names.get(assessment.assessor)], [t("assessments.col_year"), String(assessment.year)],
    [t("assessments.col_level"), evaluationLabel("assessee_level", assessment.assessee_level)],
    [t("assessments.source_weights"), weightsText(assessment.scheme.source_weights, "assessment_source")],
    [t("assessments.part_weights"), weightsText(assessment.scheme.part_weights, "assessment_part")],
    [t("assessments.finalized_at"), assessment.finalized_at ? formatDateTime(assessment.finalized_at) : null],
  ]));
}

function assessmentResults(assessment, results, names, writes) {
  const headers = ["col_assessee", "col_composite", "col_rank", "col_grade", "col_missing", "col_veto", "col_consequence"];
  if (writes) headers.push("col_actions");
  const rows = results.assessees.map((item) => assesseeRow(assessment, item, names.get(item.division), writes));
  return h("div", { class: "card", dataset: { facts: "assessment-results" } },
    h("h2", { text: t("assessments.results") }),
    h("p", { class: "muted", text: t(results.final ? "assessments.final" : "assessments.not_final") }),
    table(t("assessments.results"), headers.map((k) => t(`assessments.${k}`)),
      rows.length ? rows : [h("tr", {}, h("td", { colspan: String(headers.length), text: t("assessments.no_results") }))], { numeric: [1, 2] }));
}

function gradeBadge(grade) {
  if (!grade) return h("span", { class: "muted", text: "—" });
  return codedBadge(evaluationLabel("assessment_grade", grade), grade, GRADE_COLOURS[grade] || "neutral", { grade });
}

function consequenceCell(item) {
  if (!item.consequence) return "—";
  const link = item.rectification_id
    ? h("a", { href: `#/evaluations?division=${item.division}`, dataset: { rectification: item.rectification_id }, text: t("assessments.rectification_link") })
    : null;
  return [h("span", { dataset: { consequence: item.consequence }, text: evaluationLabel("assessment_consequence", item.consequence) }), link ? [" ", link] : null];
}

function assesseeRow(assessment, item, name, writes) {
  const missing = item.missing.map((code) => evaluationLabel("assessment_source", code));
  const veto = item.vetoed
    ? [codedBadge(t("assessments.vetoed"), "vetoed", "red", { vetoed: "" }), item.veto_reason ? h("p", {}, typed(item.veto_reason)) : null]
    : "—";
  const cells = [
    td(name, { header: true }),
    h("td", { class: "num", dataset: { composite: "" } }, item.composite === null ? "—" : formatNumber(item.composite, { minimumFractionDigits: 2, maximumFractionDigits: 2 })),
    h("td", { class: "num", dataset: { rank: "" } }, item.rank === null ? "—" : formatNumber(item.rank)),
    td(gradeBadge(item.grade)), h("td", { dataset: { missing: item.missing.join(" ") } }, missing.length ? listJoin(missing) : "—"),
    td(veto), td(consequenceCell(item)),
  ];
  if (writes) cells.push(td(assesseeActions(assessment, item, name)));
  return h("tr", { dataset: { assessee: item.division } }, cells);
}

function assesseeActions(assessment, item, name) {
  const button = (action, label, open) => h("button", { type: "button", class: "button small", dataset: { assesseeAction: action }, text: t(label), onclick: open });
  return h("div", { class: "actions" },
    button("score", "assessments.score", () => openScoreDialog(assessment, item, name)),
    assessment.assessee_level === "county" ? button("from-round", "assessments.from_round", () => openFromRoundDialog(assessment, item, name)) : null,
    button("veto", item.vetoed ? "assessments.lift_veto" : "assessments.veto", () => openVetoDialog(assessment, item, name)));
}

const scoreFieldLabels = () => ({
  ...Object.fromEntries(Object.keys(PART_WEIGHTS).map((code) => [code, evaluationLabel("assessment_part", code)])),
  note: t("assessments.note"), reason: t("assessments.reason"), evaluation_id: t("assessments.round"),
  vetoed: t("assessments.vetoed"),
});

function openScoreDialog(assessment, item, name) {
  const source = serviceSelect("sc-source", session.evaluationCodes, "assessment_source");
  const parts = Object.keys(PART_WEIGHTS).map((code) => ({
    code, input: h("input", { id: `sc-${code}`, type: "number", min: "0", max: "100", step: "0.1", required: true, inputmode: "decimal" }),
  }));
  const note = textArea("sc-note", { min: 1, max: 2000, required: false });
  const reason = textArea("sc-reason", { min: 2, max: 1000, required: false });
  const reasonField = field("sc-reason", () => t("assessments.reason_correcting"), reason);
  // A source already scored is corrected, which needs its reason (422 reason-required otherwise).
  const sourceChosen = () => {
    const recorded = item.sources[source.value];
    reason.required = Boolean(recorded);
    reasonField.hidden = !recorded;
    for (const { code, input } of parts) if (recorded && !input.value) input.value = String(recorded[code]);
  };
  source.addEventListener("change", sourceChosen);
  sourceChosen();
  serviceDialog({
    prefix: "sc", draft: `assessment-score:${assessment.id}:${item.division}`,
    title: () => t("assessments.score_title", { name }), explain: () => t("assessments.score_explain"),
    labels: scoreFieldLabels, codes: ASSESSMENT_PROBLEMS,
    fields: [field("sc-source", () => t("assessments.source"), source),
      parts.map(({ code, input }) => field(input.id, () => evaluationLabel("assessment_part", code), input)),
      field("sc-note", () => t("assessments.note_optional"), note), reasonField],
    send: async () => {
      const body = { scores: Object.fromEntries(parts.map(({ code, input }) => [code, input.value])), note: trimmedOrNull(note) };
      if (reason.required) body.reason = reason.value.trim();
      await api(`${EV}/assessments/${assessment.id}/scores/${item.division}/${source.value}`, { method: "PUT", json: body, idempotent: true });
      announce(t("assessments.scored", { name }));
    },
  });
}

/** The closed third-party rounds of the assessee (a county) in the assessment's year. */
async function closedRounds(county, year) {
  const rounds = await api(`${EV}/evaluations?${new URLSearchParams({ division: county, limit: "500" })}`);
  return rounds.filter((round) => round.status === "closed" && round.county === county && round.year === year);
}

async function openFromRoundDialog(assessment, item, name) {
  const round = h("select", { id: "fr-round", required: true }, h("option", { value: "", say: () => t("common.choose") }));
  const status = h("p", { class: "muted", role: "status" });
  const recorded = Boolean(item.sources.third_party);
  const reason = textArea("fr-reason", { min: 2, max: 1000, required: recorded });
  serviceDialog({
    prefix: "fr", draft: `assessment-round:${assessment.id}:${item.division}`,
    title: () => t("assessments.from_round_title", { name }), explain: () => t("assessments.from_round_explain"),
    labels: scoreFieldLabels, codes: ASSESSMENT_PROBLEMS,
    fields: [field("fr-round", () => t("assessments.round"), round), status,
      recorded ? field("fr-reason", () => t("assessments.reason_correcting"), reason) : null],
    send: async () => {
      const body = { evaluation_id: round.value };
      if (recorded) body.reason = reason.value.trim();
      await api(`${EV}/assessments/${assessment.id}/scores/${item.division}/third-party/from-round`, { method: "POST", json: body, idempotent: true });
      announce(t("assessments.scored", { name }));
    },
  });
  try {
    const rounds = await closedRounds(item.division, assessment.year);
    append(round, rounds.map((found) => h("option", { value: found.id, dataset: { round: found.id },
      say: () => t("assessments.round_option", { evaluator: found.evaluator, day: formatDate(found.closed_at) }) })));
    say(status, () => (rounds.length ? "" : t("assessments.no_rounds", { year: String(assessment.year) })));
  } catch (error) {
    status.replaceChildren(problemBox(error));
  }
}

function openVetoDialog(assessment, item, name) {
  const vetoed = h("input", { id: "ve-vetoed", type: "checkbox", checked: !item.vetoed });
  const reason = textArea("ve-reason", { min: 2, max: 1000 });
  serviceDialog({
    prefix: "ve", draft: `assessment-veto:${assessment.id}:${item.division}`,
    title: () => t(item.vetoed ? "assessments.lift_veto_title" : "assessments.veto_title", { name }), explain: () => t("assessments.veto_explain"),
    labels: scoreFieldLabels, codes: ASSESSMENT_PROBLEMS,
    fields: [h("div", { class: "field checkbox-field" }, vetoed, h("label", { for: "ve-vetoed", say: () => t("assessments.vetoed") })),
      field("ve-reason", () => t("assessments.reason"), reason)],
    send: async () => {
      const body = { vetoed: vetoed.checked, reason: reason.value.trim() };
      await api(`${EV}/assessments/${assessment.id}/assessees/${item.division}/veto`, { method: "PUT", json: body, idempotent: true });
      announce(t("assessments.veto_saved", { name }));
    },
  });
}

function openFinalizeDialog(assessment, title) {
  serviceDialog({
    prefix: "fz", draft: `assessment-finalize:${assessment.id}`,
    title: () => t("assessments.finalize_title", { name: title }), explain: () => t("assessments.finalize_explain"),
    labels: () => ({}), codes: ASSESSMENT_PROBLEMS, fields: [],
    send: async () => {
      await api(`${EV}/assessments/${assessment.id}/finalize`, { method: "POST", idempotent: true });
      announce(t("assessments.finalized"));
    },
  });
}

// ---- the 资金分配 page ----

const ALLOCATION_PROBLEMS = "allocations.problems";
// funds/allocations: an officer of a county or a tier above allocates, at the county level at the lowest.
const ALLOCATING_TIERS = ["county", "city", "province", "nation"];
const allocates = () => isOfficerAt(...ALLOCATING_TIERS);

async function allocationsView(seq, _params, query) {
  const codes = await fundsCodes().catch(() => null);
  const division = divisionFilter(query);
  const year = yearFilter(query, String(thisYear()));
  const source = codeFilter(query, "source", codes, "allocation_source");
  const params = { division, year };
  if (source) params.source = source;
  const filters = filterForm("allocations", t("allocations.filter"), [
    ["f-year", t("allocations.col_year"), h("input", { id: "f-year", name: "year", type: "number", class: "short", min: String(FUNDS_EARLIEST_YEAR), max: "2100", required: true, value: year })],
    ["f-source", t("allocations.col_source"), serviceSelect("f-source", codes, "allocation_source", { required: false, any: true, selected: source })],
    ["f-division", t("projects.division_code"), divisionInput(division)],
  ]);
  const [summary, list] = await Promise.all([
    allocationSummary(division, year),
    serviceList({
      base: FU, list: "allocations", path: "/allocations", params, more: "projects.load_more",
      caption: "allocations.caption", empty: "allocations.empty", numeric: [3, 7],
      headers: ["col_division", "col_year", "col_source", "col_amount", "col_document", "col_categories", "col_deadline", "col_passed_down"].map((k) => t(`allocations.${k}`)),
      rows: async (items) => {
        const names = await publicNames(items.map((item) => item.division));
        return items.map((item) => allocationRow(item, names.get(item.division)));
      },
    }, query),
  ]);
  const record = allocates()
    ? h("button", { type: "button", class: "button primary", dataset: { allocationAction: "record" }, text: t("allocations.record"), onclick: () => openAllocationDialog(year) })
    : null;
  return h("section", {}, pageHeader(t("allocations.title"), record), h("p", { class: "muted", text: t("allocations.intro") }),
    filters, summary, h("h2", { text: t("allocations.list") }), list);
}

const SUMMARY_FIGURES = ["received", "passed_down", "committed", "paid", "balance"];

async function allocationSummary(division, year) {
  let answer;
  try {
    answer = await api(`${FU}/allocations/summary?${new URLSearchParams({ division, year })}`);
  } catch (error) {
    return h("div", { class: "card" }, h("h2", { text: t("allocations.summary") }), problemBox(error));
  }
  const names = await publicNames(answer.divisions.map((row) => row.division));
  const rows = answer.divisions.map((row) => h("tr", { dataset: { summary: row.division } },
    td(names.get(row.division), { header: true }), SUMMARY_FIGURES.map((name) => figureCell(name, row[name], formatMoney))));
  const headers = ["col_division", ...SUMMARY_FIGURES.map((name) => `col_${name}`)].map((k) => t(`allocations.${k}`));
  const caption = t("allocations.summary_caption", { year });
  return h("div", { class: "card", dataset: { facts: "allocation-summary" } }, h("h2", { text: t("allocations.summary") }),
    table(caption, headers, rows.length ? rows : [h("tr", {}, h("td", { colspan: "6", text: t("allocations.summary_empty") }))], { numeric: [1, 2, 3, 4, 5] }));
}

function categoriesText(categories) {
  return listJoin(categories.map((code) => fundsLabel("category", code)));
}

function allocationRow(item, name) {
  return h("tr", { dataset: { allocation: item.id } },
    td(h("a", { href: `#/allocations/${item.id}`, text: name }), { header: true }),
    td(String(item.year)), td(fundsLabel("allocation_source", item.source)),
    td(formatMoney(item.amount), { numeric: true }), td(item.document_number), td(categoriesText(item.categories)),
    td(formatDate(item.deadline)), td(formatMoney(item.passed_down), { numeric: true }));
}

async function allocationView(seq, [id]) {
  const [allocation] = await Promise.all([api(`${FU}/allocations/${id}`), fundsCodes().catch(() => null)]);
  const children = allocation.children || [];
  const draws = allocation.draws || [];
  const names = await publicNames([allocation.division, allocation.allocator, ...children.map((child) => child.division), ...draws.map((draw) => draw.division)]);
  const title = t("allocations.title_of", { name: names.get(allocation.division), document: allocation.document_number });
  const facts = h("div", { class: "card", dataset: { facts: "allocation" } }, dl([
    [t("allocations.col_division"), names.get(allocation.division)], [t("allocations.allocator"), names.get(allocation.allocator)],
    [t("allocations.col_year"), String(allocation.year)], [t("allocations.col_source"), fundsLabel("allocation_source", allocation.source)],
    [t("allocations.col_amount"), formatMoney(allocation.amount)], [t("allocations.col_document"), allocation.document_number],
    [t("allocations.col_categories"), categoriesText(allocation.categories)], [t("allocations.allocated_on"), formatDate(allocation.allocated_on)],
    [t("allocations.col_deadline"), formatDate(allocation.deadline)], [t("allocations.col_passed_down"), formatMoney(allocation.passed_down)],
    [t("allocations.parent"), allocation.parent_id ? h("a", { href: `#/allocations/${allocation.parent_id}`, text: t("allocations.parent_link") }) : null],
  ]));
  const childRows = children.map((child) => h("tr", { dataset: { childAllocation: child.id } },
    td(h("a", { href: `#/allocations/${child.id}`, text: names.get(child.division) }), { header: true }),
    td(formatMoney(child.amount), { numeric: true }), td(formatDate(child.allocated_on))));
  const drawRows = draws.map((draw) => h("tr", { dataset: { draw: draw.project_id } },
    td(h("a", { href: `#/projects/${draw.project_id}`, text: names.get(draw.division) }), { header: true }),
    td(fundsLabel("category", draw.category)), td(fundsLabel("project_status", draw.status)),
    td(formatMoney(draw.amount), { numeric: true })));
  const none = (n, key) => [h("tr", {}, h("td", { colspan: String(n), text: t(key) }))];
  return h("section", { dataset: { allocationPage: allocation.id } }, pageHeader(title),
    h("p", {}, h("a", { href: "#/allocations", text: t("allocations.back") })), facts,
    h("div", { class: "card", dataset: { facts: "allocation-children" } }, h("h2", { text: t("allocations.children") }),
      table(t("allocations.children"), ["col_division", "col_amount", "allocated_on"].map((k) => t(`allocations.${k}`)), childRows.length ? childRows : none(3, "allocations.no_children"), { numeric: [1] })),
    h("div", { class: "card", dataset: { facts: "allocation-draws" } }, h("h2", { text: t("allocations.draws") }),
      table(t("allocations.draws"), ["col_place", "col_category", "col_status", "col_amount"].map((k) => t(`allocations.${k}`)), drawRows.length ? drawRows : none(4, "allocations.no_draws"), { numeric: [3] })));
}

/** Who may receive the caller's allocation: a county-level officer its own county, the others the divisions
 * below them down to the county level (a province's cities and their counties), by name. */
async function receivers() {
  const own = session.profile.division;
  const ownLevel = COUNTYLESS_CITIES.has(own) ? "county" : session.profile.tier;
  if (ownLevel === "county") return [{ code: own, name: await publicName(own) }];
  const below = LEVEL_ORDER.slice(LEVEL_ORDER.indexOf(ownLevel) + 1, LEVEL_ORDER.indexOf("county") + 1);
  // The nation lists its provinces only: every county of the country would make an unusable list.
  const levels = ownLevel === "nation" ? ["province"] : below;
  const found = await Promise.all(levels.map((level) => divisionsAt(own, level)));
  return found.flat().sort((a, b) => a.code.localeCompare(b.code));
}

/** The allocations the caller's own division received this year (what it may pass down). */
async function receivedAllocations(year) {
  const own = session.profile.division;
  const items = await api(`${FU}/allocations?${new URLSearchParams({ division: own, year, limit: "500" })}`);
  return items.filter((item) => item.division === own);
}

function allocationOption(item) {
  return h("option", { value: item.id, dataset: { source: item.source },
    say: () => t("allocations.option", { source: fundsLabel("allocation_source", item.source), amount: formatMoney(item.amount), document: item.document_number }) });
}

const allocationFieldLabels = () => ({
  division: t("allocations.col_division"), year: t("allocations.col_year"), source: t("allocations.col_source"),
  amount: t("allocations.col_amount"), document_number: t("allocations.col_document"), categories: t("allocations.col_categories"),
  deadline: t("allocations.col_deadline"), parent_id: t("allocations.parent"),
});

async function openAllocationDialog(year) {
  const [choices, received] = await Promise.all([receivers().catch(() => []), receivedAllocations(year).catch(() => [])]);
  const division = h("select", { id: "al-division", required: true }, h("option", { value: "", say: () => t("common.choose") }),
    choices.map((node) => h("option", { value: node.code, text: node.name })));
  const yearInput = h("input", { id: "al-year", type: "number", required: true, min: String(FUNDS_EARLIEST_YEAR), max: "2100", value: year });
  const source = serviceSelect("al-source", session.fundsCodes, "allocation_source");
  const amount = moneyInput("al-amount");
  const documentNumber = textInput("al-document", { min: 2, max: 100 });
  const categories = h("select", { id: "al-categories", multiple: true, required: true, size: "4" },
    (session.fundsCodes?.category || []).map((item) => h("option", { value: item.code, say: () => codeLabel("category", item) })));
  const deadline = h("input", { id: "al-deadline", type: "date", required: true, min: localDay() });
  const parent = h("select", { id: "al-parent" }, h("option", { value: "", say: () => t("allocations.no_parent") }), received.map(allocationOption));
  serviceDialog({
    prefix: "al", draft: "allocation:record", title: () => t("allocations.record_title"), explain: () => t("allocations.record_explain"),
    labels: allocationFieldLabels, codes: ALLOCATION_PROBLEMS,
    fields: [field("al-division", () => t("allocations.col_division"), division), field("al-year", () => t("allocations.col_year"), yearInput),
      field("al-source", () => t("allocations.col_source"), source), field("al-amount", () => t("allocations.col_amount"), amount),
      field("al-document", () => t("allocations.col_document"), documentNumber),
      field("al-categories", () => t("allocations.categories_hint"), categories),
      field("al-deadline", () => t("allocations.col_deadline"), deadline),
      received.length ? field("al-parent", () => t("allocations.parent"), parent) : null],
    send: async () => {
      const body = {
        division: division.value, year: Number(yearInput.value), source: source.value, amount: amount.value,
        document_number: documentNumber.value.trim(), categories: [...categories.selectedOptions].map((option) => option.value),
        deadline: deadline.value, parent_id: parent.value || null,
      };
      await api(`${FU}/allocations`, { method: "POST", json: body, idempotent: true });
      announce(t("allocations.recorded"));
    },
  });
}

// ---- the 帮扶覆盖 page: coverage and visits per child division, households not visited ----

const COVERAGE_FIGURES = ["households_in_charge", "with_helper", "with_plan", "with_measure", "with_overdue_measure", "visited_recently", "villages", "villages_with_team"];
const VISIT_FIGURES = ["households_in_charge", "households_visited", "households_not_visited", "visits"];
const PERIOD_KINDS = ["year", "quarter", "month"];
const UNVISITED_DAYS = { fallback: 90, low: 1, high: 3660 };

/** The division a coverage page shows: the query's when it is a code, else the user's own. */
function coverageDivision(query) {
  const wanted = query.get("division") || "";
  return CODE.test(wanted) ? wanted : session.profile.division;
}

/** A coverage page's address with one of its parameters changed, the others kept. */
function coverageHref(query, changes) {
  const params = new URLSearchParams(query);
  for (const [name, value] of Object.entries(changes)) {
    if (value === null || value === "") params.delete(name);
    else params.set(name, value);
  }
  return `#/coverage?${params}`;
}

function unvisitedDays(query) {
  const days = Number(query.get("unvisited"));
  return Number.isInteger(days) && days >= UNVISITED_DAYS.low && days <= UNVISITED_DAYS.high ? days : UNVISITED_DAYS.fallback;
}

async function coverageView(seq, _params, query) {
  await assistanceCodes().catch(() => null);
  const division = coverageDivision(query);
  const period = /^\d{4}(-Q[1-4]|-(0[1-9]|1[0-2]))?$/.test(query.get("period") || "") ? query.get("period") : String(thisYear());
  const [name, coverage, visits, unvisited] = await Promise.all([
    publicName(division), coverageCard(division, query), visitSummaryCard(division, period, query), unvisitedSection(division, query),
  ]);
  const up = division !== session.profile.division
    ? h("p", {}, h("a", { href: coverageHref(query, { division: null }), dataset: { coverageUp: "" }, text: t("coverage.back_to_own", { name: session.profile.divisionName }) }))
    : null;
  return h("section", { dataset: { coveragePage: division } }, pageHeader(t("coverage.title_of", { name })),
    h("p", { class: "muted", text: t("coverage.intro") }), up, coverage, visits, unvisited);
}

/** A row's name: a child division by its name (a drill-down link while divisions lie below it), a household
 * by its head (a link to its page). */
function summaryRowName(row, names, query) {
  if (row.household_id) return h("a", { href: `#/households/${row.household_id}`, text: row.head_name || t("feed.subject_household_unnamed") });
  return h("a", { href: coverageHref(query, { division: row.division }), dataset: { drill: row.division }, text: names.get(row.division) });
}

async function coverageCard(division, query) {
  let answer;
  try {
    answer = await api(`${AS}/coverage?${new URLSearchParams({ division })}`);
  } catch (failure) {
    return h("div", { class: "card", dataset: { facts: "coverage" } }, h("h2", { text: t("coverage.coverage") }), problemBox(failure, { codes: ASSISTANCE_PROBLEMS }));
  }
  const names = await publicNames(answer.rows.filter((row) => !row.household_id).map((row) => row.division));
  const rows = answer.rows.map((row) => h("tr", { dataset: row.household_id ? { coverageHousehold: row.household_id } : { coverage: row.division } },
    td(summaryRowName(row, names, query), { header: true }), COVERAGE_FIGURES.map((name) => figureCell(name, row[name]))));
  const total = h("tr", { class: "total", dataset: { coverageTotal: "" } }, td(t("coverage.total"), { header: true }),
    COVERAGE_FIGURES.map((name) => figureCell(name, answer.total[name])));
  const headers = ["col_division", ...COVERAGE_FIGURES.map((name) => `col_${name}`)].map((k) => t(`coverage.${k}`));
  return h("div", { class: "card", dataset: { facts: "coverage" } }, h("h2", { text: t("coverage.coverage") }),
    h("p", { class: "muted", text: t("coverage.recent_since", { day: formatDate(answer.visited_since) }) }),
    table(t("coverage.coverage"), headers, [...rows, total], { numeric: COVERAGE_FIGURES.map((_, i) => i + 1) }));
}

/** The chooser of a visit summary's period: a year, a quarter or a month of a year, kept in the address. */
function periodChooser(period, query) {
  const [yearPart, rest = ""] = period.split("-");
  const kind = rest.startsWith("Q") ? "quarter" : rest ? "month" : "year";
  const kindSelect = h("select", { id: "vs-kind" }, PERIOD_KINDS.map((code) => h("option", { value: code, selected: code === kind, text: t(`coverage.period_${code}`) })));
  const year = h("input", { id: "vs-year", type: "number", class: "short", required: true, min: ASSISTANCE_EARLIEST.slice(0, 4), max: String(thisYear()), value: yearPart });
  const quarter = h("select", { id: "vs-quarter" }, [1, 2, 3, 4].map((n) => h("option", { value: `Q${n}`, selected: rest === `Q${n}`, text: t("coverage.quarter_n", { n: String(n) }) })));
  const month = h("select", { id: "vs-month" }, Array.from({ length: 12 }, (_, i) => {
    const value = String(i + 1).padStart(2, "0");
    return h("option", { value, selected: rest === value, text: t("coverage.month_n", { n: String(i + 1) }) });
  }));
  const quarterLabel = h("label", { for: "vs-quarter", text: t("coverage.period_quarter") });
  const monthLabel = h("label", { for: "vs-month", text: t("coverage.period_month") });
  const shown = () => {
    quarter.hidden = quarterLabel.hidden = kindSelect.value !== "quarter";
    month.hidden = monthLabel.hidden = kindSelect.value !== "month";
  };
  kindSelect.addEventListener("change", shown);
  shown();
  const form = h("form", { class: "filters", role: "search", "aria-label": t("coverage.period_choose") },
    h("label", { for: "vs-kind", text: t("coverage.period_kind") }), kindSelect,
    h("label", { for: "vs-year", text: t("coverage.period_year") }), year, quarterLabel, quarter, monthLabel, month,
    h("button", { type: "submit", text: t("coverage.show") }));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const chosen = { year: year.value, quarter: `${year.value}-${quarter.value}`, month: `${year.value}-${month.value}` }[kindSelect.value];
    location.hash = coverageHref(query, { period: chosen });
  });
  return form;
}

function byKindText(byKind) {
  return listJoin(Object.entries(byKind || {}).map(([code, n]) => `${assistanceLabel("visit_kind", code)} ${formatNumber(n)}`));
}

async function visitSummaryCard(division, period, query) {
  const chooser = periodChooser(period, query);
  const heading = h("h2", { text: t("coverage.visits") });
  let answer;
  try {
    answer = await api(`${AS}/visits/summary?${new URLSearchParams({ division, period })}`);
  } catch (failure) {
    return h("div", { class: "card", dataset: { facts: "visit-summary" } }, heading, chooser, problemBox(failure, { codes: ASSISTANCE_PROBLEMS }));
  }
  const names = await publicNames(answer.rows.filter((row) => !row.household_id).map((row) => row.division));
  const kinds = (session.assistanceCodes?.visit_kind || []).map((item) => item.code);
  const cells = (figures) => [...VISIT_FIGURES.map((name) => figureCell(name, figures[name])),
    ...kinds.map((code) => figureCell(`kind-${code}`, figures.by_kind?.[code] ?? 0))];
  const rows = answer.rows.map((row) => h("tr", { dataset: row.household_id ? { visitsHousehold: row.household_id } : { visits: row.division } },
    td(summaryRowName(row, names, query), { header: true }), cells(row)));
  const total = h("tr", { class: "total", dataset: { visitsTotal: "" } }, td(t("coverage.total"), { header: true }), cells(answer.total));
  const headers = [t("coverage.col_division"), ...VISIT_FIGURES.map((name) => t(`coverage.col_${name}`)), ...kinds.map((code) => assistanceLabel("visit_kind", code))];
  const caption = t("coverage.visits_caption", { first: formatDate(answer.first_day), last: formatDate(answer.last_day) });
  return h("div", { class: "card", dataset: { facts: "visit-summary", period: answer.period } }, heading, chooser,
    table(caption, headers, [...rows, total], { numeric: headers.map((_, i) => i).slice(1) }));
}

async function unvisitedSection(division, query) {
  const days = unvisitedDays(query);
  const input = h("input", { id: "uv-days", name: "unvisited", type: "number", class: "short", required: true, step: "1",
    min: String(UNVISITED_DAYS.low), max: String(UNVISITED_DAYS.high), value: String(days) });
  const form = h("form", { class: "filters", role: "search", "aria-label": t("coverage.unvisited_choose") },
    h("label", { for: "uv-days", text: t("coverage.unvisited_days") }), input, h("button", { type: "submit", text: t("coverage.show") }));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (form.reportValidity()) location.hash = coverageHref(query, { unvisited: input.value });
  });
  const list = await assistanceList({
    list: "unvisited", path: "/households", params: { division, unvisited_days: String(days) },
    caption: "coverage.unvisited_caption", empty: "coverage.unvisited_empty",
    headers: ["col_head", "col_village", "col_last_visit", "col_helper"].map((k) => t(`coverage.${k}`)),
    rows: async (items) => {
      const names = await publicNames(items.map((item) => item.division));
      return items.map((item) => h("tr", { dataset: { unvisited: item.id } },
        td(h("a", { href: `#/households/${item.id}`, text: item.head_name }), { header: true }),
        td(names.get(item.division)),
        td(item.last_visited_on ? formatDate(item.last_visited_on) : t("coverage.never_visited")),
        td(item.helper ? item.helper.name : t("coverage.no_helper"))));
    },
  }, query);
  return h("div", { class: "card", dataset: { facts: "unvisited" } }, h("h2", { text: t("coverage.unvisited", { n: formatNumber(days) }) }), form, list);
}

// ---- a household's visits by month (its page) ----

/** The household's visits in a year by month, with a year chooser redrawing the card in place. */
function householdVisitsCard(household) {
  const card = h("div", { class: "card", dataset: { facts: "household-visits" } });
  const year = h("input", { id: "hv-year", type: "number", class: "short", min: ASSISTANCE_EARLIEST.slice(0, 4), max: String(thisYear()), value: String(thisYear()) });
  const body = h("div", {}, loading());
  const form = h("form", { class: "filters", role: "search", "aria-label": t("coverage.household_year") },
    h("label", { for: "hv-year", text: t("coverage.period_year") }), year, h("button", { type: "submit", text: t("coverage.show") }));
  async function load() {
    body.replaceChildren(loading());
    try {
      await assistanceCodes().catch(() => null);
      const answer = await api(`${AS}/households/${household.id}/visits/summary?${new URLSearchParams({ year: year.value })}`);
      body.replaceChildren(householdVisitsTable(answer));
    } catch (failure) {
      body.replaceChildren(ledgerFailure(failure));
    }
  }
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (form.reportValidity()) load();
  });
  load();
  return append(card, [h("h2", { text: t("coverage.household_visits") }), form, body]);
}

function householdVisitsTable(answer) {
  const since = answer.days_since_last_visit === null
    ? t("coverage.never_visited")
    : t("coverage.days_since", { n: formatNumber(answer.days_since_last_visit), day: formatDate(answer.last_visited_on) });
  const kinds = (session.assistanceCodes?.visit_kind || []).map((item) => item.code);
  const row = (item, key) => h("tr", { dataset: { [key]: item.period } },
    td(item.period, { header: true }), figureCell("visits", item.visits),
    ...kinds.map((code) => figureCell(`kind-${code}`, item.by_kind?.[code] ?? 0)),
    td(listJoin(item.helpers.map((helper) => helper.name))));
  const headers = [t("coverage.col_period"), t("coverage.col_visits"), ...kinds.map((code) => assistanceLabel("visit_kind", code)), t("coverage.col_helpers")];
  const numeric = [1, ...kinds.map((_, i) => i + 2)];
  return h("div", {},
    h("p", { dataset: { daysSince: answer.days_since_last_visit ?? "" }, text: since }),
    table(t("coverage.by_month", { year: String(answer.year) }), headers, [...answer.months.map((item) => row(item, "month")), row(answer.total, "yearTotal")], { numeric }));
}

// ---- the 联合检查 page: joint inspections of a county, their checklists and findings ----

const INSPECTION_PROBLEMS = null; // its refusals are the shared problems.codes
// funds/inspections: an officer of the county, its city or its province opens and works an inspection.
const inspects = () => isOfficerAt("county", "city", "province");

/** The counties an inspection may be opened for: a county officer's own, the counties below a city or a
 * province, by name from the public tree. */
async function inspectableCounties() {
  const own = session.profile.division;
  if (session.profile.tier === "county" || COUNTYLESS_CITIES.has(own)) return [{ code: own, name: await publicName(own) }];
  const found = await divisionsAt(own, "county");
  return found.sort((a, b) => a.code.localeCompare(b.code));
}

async function inspectionsView(seq, _params, query) {
  if (!supervises()) return h("section", {}, pageHeader(t("inspections.title")), h("p", { class: "muted", text: t("inspections.county_up") }));
  await fundsCodes().catch(() => null);
  const division = divisionFilter(query);
  const year = yearFilter(query, String(thisYear()));
  const filters = filterForm("inspections", t("inspections.filter"), [
    ["f-year", t("inspections.col_year"), h("input", { id: "f-year", name: "year", type: "number", class: "short", min: String(FUNDS_EARLIEST_YEAR), max: "2100", required: true, value: year })],
    ["f-division", t("projects.division_code"), divisionInput(division)],
  ]);
  const list = await serviceList({
    base: FU, list: "inspections", path: "/inspections", params: { division, year }, more: "projects.load_more",
    caption: "inspections.caption", empty: "inspections.empty", numeric: [4],
    headers: ["col_county", "col_year", "col_departments", "col_leader", "col_items", "col_dates", "col_status"].map((k) => t(`inspections.${k}`)),
    rows: async (items) => {
      const names = await publicNames(items.map((item) => item.division));
      return items.map((item) => inspectionRow(item, names.get(item.division)));
    },
  }, query);
  const open = inspects()
    ? h("button", { type: "button", class: "button primary", dataset: { inspectionAction: "open" }, text: t("inspections.open"), onclick: () => openInspectionDialog(year) })
    : null;
  return h("section", {}, pageHeader(t("inspections.title"), open), h("p", { class: "muted", text: t("inspections.intro") }), filters, list);
}

const departmentsText = (codes) => listJoin(codes.map((code) => fundsLabel("inspection_department", code)));
const inspectionDates = (item) => t("projects.schedule_value", { from: formatDate(item.starts_on), to: formatDate(item.ends_on) });

function inspectionStatus(status) {
  return codedBadge(fundsLabel("inspection_status", status), status, status === "closed" ? "green" : "yellow", { inspectionStatus: status });
}

function inspectionRow(item, name) {
  return h("tr", { dataset: { inspection: item.id } },
    td(h("a", { href: `#/inspections/${item.id}`, text: name }), { header: true }), td(String(item.year)),
    td(departmentsText(item.departments)), td(item.leader_unit), td(formatNumber((item.items || []).length), { numeric: true }),
    td(inspectionDates(item)), td(inspectionStatus(item.status)));
}

const inspectionFieldLabels = () => ({
  division: t("inspections.col_county"), year: t("inspections.col_year"), departments: t("inspections.col_departments"),
  leader_unit: t("inspections.col_leader"), starts_on: t("inspections.starts_on"), ends_on: t("inspections.ends_on"),
  conclusion: t("inspections.conclusion"), checklist: t("inspections.checklist"), project_id: t("inspections.project"),
});

async function openInspectionDialog(year) {
  const counties = await inspectableCounties().catch(() => []);
  const division = h("select", { id: "in-division", required: true }, h("option", { value: "", say: () => t("common.choose") }),
    counties.map((node) => h("option", { value: node.code, text: node.name })));
  const yearInput = h("input", { id: "in-year", type: "number", required: true, min: String(FUNDS_EARLIEST_YEAR), max: "2100", value: year });
  const departments = h("select", { id: "in-departments", multiple: true, required: true, size: "5" },
    (session.fundsCodes?.inspection_department || []).map((item) => h("option", { value: item.code, say: () => codeLabel("inspection_department", item) })));
  const leader = textInput("in-leader", { min: 2, max: 100 });
  const startsOn = h("input", { id: "in-starts", type: "date", required: true, value: localDay() });
  const endsOn = h("input", { id: "in-ends", type: "date", required: true, value: localDay() });
  serviceDialog({
    prefix: "in", draft: "inspection:open", title: () => t("inspections.open_title"), explain: () => t("inspections.open_explain"),
    labels: inspectionFieldLabels, codes: INSPECTION_PROBLEMS,
    fields: [field("in-division", () => t("inspections.col_county"), division), field("in-year", () => t("inspections.col_year"), yearInput),
      field("in-departments", () => t("inspections.departments_hint"), departments), field("in-leader", () => t("inspections.col_leader"), leader),
      field("in-starts", () => t("inspections.starts_on"), startsOn), field("in-ends", () => t("inspections.ends_on"), endsOn)],
    send: async () => {
      const chosen = [...departments.selectedOptions].map((option) => option.value);
      const body = { division: division.value, year: Number(yearInput.value), departments: chosen, leader_unit: leader.value.trim(), starts_on: startsOn.value, ends_on: endsOn.value };
      const opened = await api(`${FU}/inspections`, { method: "POST", json: body, idempotent: true });
      announce(t("inspections.opened"));
      location.hash = `#/inspections/${opened.id}`;
    },
  });
}

async function inspectionView(seq, [id]) {
  const [inspection] = await Promise.all([api(`${FU}/inspections/${id}`), fundsCodes().catch(() => null)]);
  const county = await publicName(inspection.division);
  // Only the opening division's officers, or those of a tier above containing it, add items and close.
  const open = inspection.status === "open" && inspects() && inSubtree(inspection.opened_division);
  const actions = open ? h("div", { class: "actions" },
    h("button", { type: "button", class: "button primary", dataset: { inspectionAction: "item" }, text: t("inspections.add_item"), onclick: () => openInspectionItemDialog(inspection) }),
    h("button", { type: "button", class: "button", dataset: { inspectionAction: "close" }, text: t("inspections.close"), onclick: () => openInspectionCloseDialog(inspection) })) : null;
  const facts = h("div", { class: "card", dataset: { facts: "inspection" } }, dl([
    [t("inspections.col_county"), county], [t("inspections.col_year"), String(inspection.year)],
    [t("inspections.col_departments"), departmentsText(inspection.departments)], [t("inspections.col_leader"), inspection.leader_unit],
    [t("inspections.col_dates"), inspectionDates(inspection)],
    [t("inspections.conclusion"), inspection.conclusion ? typed(inspection.conclusion) : null],
  ]));
  return h("section", { dataset: { inspectionPage: inspection.id } },
    pageHeader(t("inspections.title_of", { county, year: String(inspection.year) }), inspectionStatus(inspection.status)),
    h("p", {}, h("a", { href: "#/inspections", text: t("inspections.back") })), actions, facts,
    inspectionItems(inspection), inspectionFindings(inspection));
}

function checkCell(check) {
  if (!check) return td("—");
  const badge = codedBadge(t(check.passed ? "inspections.passed" : "inspections.failed"), check.passed ? "passed" : "failed", check.passed ? "green" : "red", { point: check.point });
  return td([badge, check.note ? h("p", {}, typed(check.note)) : null]);
}

function inspectionItems(inspection) {
  const points = (session.fundsCodes?.inspection_point || []).map((item) => item.code);
  const rows = (inspection.items || []).map((item) => h("tr", { dataset: { inspectionItem: item.project_id } },
    td(h("a", { href: `#/projects/${item.project_id}`, text: item.project_name }), { header: true }),
    ...points.map((point) => checkCell(item.checklist.find((check) => check.point === point)))));
  const headers = [t("inspections.project"), ...points.map((point) => fundsLabel("inspection_point", point))];
  return h("div", { class: "card", dataset: { facts: "inspection-items" } }, h("h2", { text: t("inspections.items") }),
    table(t("inspections.items"), headers, rows.length ? rows : [h("tr", {}, h("td", { colspan: String(headers.length), text: t("inspections.no_items") }))]));
}

function inspectionFindings(inspection) {
  const names = new Map((inspection.items || []).map((item) => [item.project_id, item.project_name]));
  const rows = (inspection.findings || []).map((finding) => h("tr", { dataset: { finding: finding.id } },
    td(fundsLabel("inspection_point", finding.inspection_point), { header: true }),
    td(h("a", { href: `#/projects/${finding.project_id}`, text: names.get(finding.project_id) || t("supervision.project_link") })),
    td(finding.issue_note ? typed(finding.issue_note) : ""),
    td(codedBadge(fundsLabel("finding_status", finding.status), finding.status, finding.status === "open" ? "yellow" : "green", { findingStatus: finding.status }))));
  const headers = ["col_point", "project", "col_note", "col_status"].map((k) => t(`inspections.${k}`));
  return h("div", { class: "card", dataset: { facts: "inspection-findings" } }, h("h2", { text: t("inspections.findings") }),
    h("p", {}, h("a", { href: `#/supervision?kind=inspection-issue&division=${inspection.division}`, dataset: { supervisionLink: "" }, text: t("inspections.to_supervision") })),
    table(t("inspections.findings"), headers, rows.length ? rows : [h("tr", {}, h("td", { colspan: "4", text: t("inspections.no_findings") }))]));
}

/** One checklist point: passed or failed, a note required once failed. */
function checkFieldset(item) {
  const id = `ii-${item.code}`;
  const verdict = h("select", { id, required: true },
    h("option", { value: "", say: () => t("common.choose") }),
    h("option", { value: "passed", say: () => t("inspections.passed") }), h("option", { value: "failed", say: () => t("inspections.failed") }));
  const note = h("input", { id: `${id}-note`, type: "text", maxlength: "500" });
  verdict.addEventListener("change", () => { note.required = verdict.value === "failed"; });
  const element = h("fieldset", { class: "check", dataset: { check: item.code } },
    h("legend", { say: () => codeLabel("inspection_point", item) }),
    field(id, () => t("inspections.verdict"), verdict), field(`${id}-note`, () => t("inspections.note_if_failed"), note));
  return { element, value: () => ({ point: item.code, passed: verdict.value === "passed", note: note.value.trim() || null }) };
}

async function openInspectionItemDialog(inspection) {
  const projects = await api(`${FU}/projects?${new URLSearchParams({ division: inspection.division, limit: "500" })}`).catch(() => []);
  const project = h("select", { id: "ii-project", required: true }, h("option", { value: "", say: () => t("common.choose") }),
    projects.map((item) => h("option", { value: item.id, text: `${item.name}（${item.year}）` })));
  const checks = (session.fundsCodes?.inspection_point || []).map(checkFieldset);
  serviceDialog({
    prefix: "ii", draft: `inspection:item:${inspection.id}`, title: () => t("inspections.add_item"), explain: () => t("inspections.item_explain"),
    labels: inspectionFieldLabels, codes: INSPECTION_PROBLEMS,
    fields: [field("ii-project", () => t("inspections.project"), project), ...checks.map((check) => check.element)],
    send: async () => {
      const body = { project_id: project.value, checklist: checks.map((check) => check.value()) };
      await api(`${FU}/inspections/${inspection.id}/items`, { method: "POST", json: body, idempotent: true });
      announce(t("inspections.item_added"));
    },
  });
}

function openInspectionCloseDialog(inspection) {
  const conclusion = textArea("ic-conclusion", { min: 2, max: 2000 });
  serviceDialog({
    prefix: "ic", draft: `inspection:close:${inspection.id}`, title: () => t("inspections.close"), explain: () => t("inspections.close_explain"),
    labels: inspectionFieldLabels, codes: INSPECTION_PROBLEMS,
    fields: [field("ic-conclusion", () => t("inspections.conclusion"), conclusion)],
    send: async () => {
      await api(`${FU}/inspections/${inspection.id}/close`, { method: "POST", json: { conclusion: conclusion.value.trim() }, idempotent: true });
      announce(t("inspections.closed"));
    },
  });
}

/** The public board's closed inspections of a division's subtree (no login). */
async function boardInspections(division) {
  let items;
  try {
    [items] = await Promise.all([api(`${FU}/public/inspections?${new URLSearchParams({ division, limit: "50" })}`, { auth: false }), fundsCodes().catch(() => null)]);
  } catch {
    // The board's notices stand on their own: a funds service out of reach leaves this part out, said so.
    return h("p", { class: "muted", dataset: { publicInspections: "unavailable" }, text: t("inspections.board_unavailable") });
  }
  const names = await publicNames(items.map((item) => item.division));
  const rows = items.map((item) => h("tr", { dataset: { publicInspection: item.inspection_id } },
    td(names.get(item.division), { header: true }), td(String(item.year)), td(departmentsText(item.departments)),
    td(inspectionDates(item)), td(formatNumber(item.projects_inspected), { numeric: true }),
    td(listJoin(Object.entries(item.failed_points).map(([point, n]) => t("inspections.failed_count", { point: fundsLabel("inspection_point", point), n: formatNumber(n) })))),
    td(typed(item.conclusion))));
  const headers = ["col_county", "col_year", "col_departments", "col_dates", "col_projects", "col_failed", "conclusion"].map((k) => t(`inspections.${k}`));
  return h("div", { class: "card", dataset: { facts: "public-inspections" } }, h("h2", { text: t("inspections.board_title") }),
    table(t("inspections.board_title"), headers, rows.length ? rows : [h("tr", {}, h("td", { colspan: "7", text: t("inspections.board_none") }))], { numeric: [4] }));
}

// ---- a project's completion evaluation (竣工绩效评价) ----

const EVALUATED_STATUSES = new Set(["accepted", "reimbursed", "announced"]);
const evaluatesProjects = () => isOfficerAt("county");

function completionCard(project) {
  const evaluation = project.completion_evaluation;
  const writes = EVALUATED_STATUSES.has(project.status) && evaluatesProjects();
  const button = writes ? h("button", { type: "button", class: "button primary", dataset: { completionAction: evaluation ? "correct" : "evaluate" },
    text: t(evaluation ? "completion.correct" : "completion.evaluate"), onclick: () => openCompletionDialog(project) }) : null;
  const card = h("div", { class: "card", dataset: { facts: "completion" } }, h("h2", { text: t("completion.title") }));
  if (!evaluation) {
    const said = EVALUATED_STATUSES.has(project.status) ? "completion.none" : "completion.not_accepted";
    return append(card, [h("p", { class: "muted", text: t(said) }), button]);
  }
  const rows = evaluation.indicators.map((item) => h("tr", { dataset: { indicator: item.indicator } },
    td(item.indicator, { header: true }), td(item.target), td(item.actual),
    td(codedBadge(t(item.met ? "completion.met" : "completion.not_met"), item.met ? "met" : "not-met", item.met ? "green" : "red", { met: String(item.met) })),
    td(t(item.computed ? "completion.computed" : "completion.claimed"))));
  const headers = ["indicator", "target", "actual", "met_col", "how"].map((k) => t(`completion.${k}`));
  return append(card, [
    dl([[t("completion.score"), h("span", { dataset: { completionScore: evaluation.score }, text: t("completion.score_value", { score: formatNumber(Number(evaluation.score)), met: formatNumber(evaluation.met), total: formatNumber(evaluation.total) }) })],
      [t("completion.grade"), codedBadge(fundsLabel("evaluation_grade", evaluation.grade), evaluation.grade, evaluation.grade === "poor" ? "red" : "green", { completionGrade: evaluation.grade })],
      [t("completion.evaluated"), `${accountName(evaluation.evaluated_by)} · ${formatDateTime(evaluation.evaluated_at)}`],
      [t("completion.reason"), evaluation.reason ? typed(evaluation.reason) : null],
      [t("completion.replaced"), evaluation.replaced?.length ? formatNumber(evaluation.replaced.length) : null]]),
    table(t("completion.title"), headers, rows), button]);
}

function completionFieldset(item, index, current) {
  const actual = h("input", { id: `ce-actual-${index}`, type: "text", required: true, maxlength: "100", value: current?.actual ?? "" });
  const met = h("select", { id: `ce-met-${index}`, required: true },
    h("option", { value: "", say: () => t("common.choose") }),
    h("option", { value: "true", say: () => t("completion.met") }), h("option", { value: "false", say: () => t("completion.not_met") }));
  const element = h("fieldset", { dataset: { indicator: item.indicator } },
    h("legend", { text: t("completion.indicator_target", { indicator: item.indicator, target: item.target }) }),
    field(`ce-actual-${index}`, () => t("completion.actual"), actual), field(`ce-met-${index}`, () => t("completion.met_col"), met));
  return { element, value: () => ({ indicator: item.indicator, actual: actual.value.trim(), met: met.value === "true" }) };
}

function openCompletionDialog(project) {
  const current = project.completion_evaluation;
  const entries = project.performance_target.map((item, i) => completionFieldset(item, i, current?.indicators?.[i]));
  const reason = current ? reasonInput("ce-reason") : null;
  serviceDialog({
    prefix: "ce", draft: `completion:${project.id}`, title: () => t(current ? "completion.correct" : "completion.evaluate"),
    explain: () => t("completion.explain"), labels: () => ({ indicators: t("completion.title"), actual: t("completion.actual"), met: t("completion.met_col"), reason: t("completion.reason") }),
    codes: null,
    fields: [...entries.map((entry) => entry.element), reason ? field("ce-reason", () => t("completion.reason"), reason) : null],
    send: async () => {
      const body = { indicators: entries.map((entry) => entry.value()) };
      if (reason) body.reason = reason.value.trim();
      await api(`${FU}/projects/${project.id}/completion-evaluation`, { method: "PUT", json: body, idempotent: true });
      announce(t("completion.recorded"));
    },
  });
}

// ---- 专项资金绩效评价: per county of the subtree ----

const FUND_FIGURES = [["spending_rate", "rate"], ["completion_rate", "rate"], ["achievement", "number"], ["open_findings", "count"], ["composite", "number"]];
const freezesFundEvaluations = () => isOfficerAt("city", "province");

async function fundEvaluationsView(seq, _params, query) {
  if (!supervises()) return h("section", {}, pageHeader(t("fund_evaluations.title")), h("p", { class: "muted", text: t("inspections.county_up") }));
  await fundsCodes().catch(() => null);
  const division = divisionFilter(query);
  const year = yearFilter(query, String(thisYear()));
  const filters = filterForm("fund-evaluations", t("fund_evaluations.filter"), [
    ["f-year", t("fund_evaluations.col_year"), h("input", { id: "f-year", name: "year", type: "number", class: "short", min: String(FUNDS_EARLIEST_YEAR), max: "2100", required: true, value: year })],
    ["f-division", t("projects.division_code"), divisionInput(division)],
  ]);
  let body;
  try {
    const answer = await api(`${FU}/fund-evaluations?${new URLSearchParams({ division, year })}`);
    body = await fundEvaluationTable(answer);
  } catch (error) {
    body = problemBox(error);
  }
  return h("section", {}, pageHeader(t("fund_evaluations.title")), h("p", { class: "muted", text: t("fund_evaluations.intro") }), filters, body);
}

function fundFigure(item, [name, kind]) {
  const value = item[name];
  if (value === null || value === undefined) {
    return h("td", { class: "num", dataset: { figure: name, noData: "" } }, t("fund_evaluations.no_data"),
      item.reasons?.[name] ? h("small", { class: "muted no-data-reason", text: ` ${item.reasons[name]}` }) : null);
  }
  const shown = kind === "rate" ? percent(Number(value)) : kind === "count" ? formatNumber(value) : formatNumber(Number(value));
  return h("td", { class: "num", dataset: { figure: name } }, shown);
}

async function fundEvaluationTable(answer) {
  const names = await publicNames(answer.counties.map((item) => item.division));
  const rows = answer.counties.map((item) => h("tr", { dataset: { fundEvaluation: item.division } },
    td(names.get(item.division), { header: true }), figureCell("received", item.received, formatMoney), figureCell("used", item.used, formatMoney),
    ...FUND_FIGURES.map((figure) => fundFigure(item, figure)),
    td(item.grade ? codedBadge(fundsLabel("evaluation_grade", item.grade), item.grade, item.grade === "poor" ? "red" : "green", { grade: item.grade }) : t("fund_evaluations.no_data")),
    td(item.frozen
      ? h("span", { dataset: { frozen: "" }, text: t("fund_evaluations.frozen_at", { at: formatDateTime(item.frozen_at) }) })
      // funds refuses the freeze until the year has ended (year-not-ended): not offered before then.
      : answer.year >= thisYear() ? t("fund_evaluations.after_year_end")
      : freezesFundEvaluations() ? h("button", { type: "button", class: "button", dataset: { freeze: item.division }, text: t("fund_evaluations.freeze"),
        onclick: () => openFreezeDialog(item, names.get(item.division)) }) : t("fund_evaluations.not_frozen"))));
  const headers = ["col_county", "col_received", "col_used", "col_spending_rate", "col_completion_rate", "col_achievement", "col_open_findings", "col_composite", "col_grade", "col_frozen"].map((k) => t(`fund_evaluations.${k}`));
  const weights = Object.entries(answer.counties[0]?.weights || { spending: 30, completion: 30, achievement: 30, findings: 10 })
    .map(([name, weight]) => t(`fund_evaluations.weight_${name}`, { weight: String(weight) }));
  return h("div", { class: "card", dataset: { facts: "fund-evaluations" } },
    h("p", { class: "muted", text: t("fund_evaluations.weights", { weights: listJoin(weights) }) }),
    table(t("fund_evaluations.caption", { year: String(answer.year) }), headers,
      rows.length ? rows : [h("tr", {}, h("td", { colspan: String(headers.length), text: t("fund_evaluations.empty") }))], { numeric: [1, 2, 3, 4, 5, 6, 7] }));
}

function openFreezeDialog(item, name) {
  serviceDialog({
    prefix: "fe", draft: `fund-evaluation:${item.division}:${item.year}`, title: () => t("fund_evaluations.freeze_title", { name, year: String(item.year) }),
    explain: () => t("fund_evaluations.freeze_explain"), labels: () => ({}), codes: null, fields: [],
    send: async () => {
      await api(`${FU}/fund-evaluations/${item.division}/${item.year}/freeze`, { method: "POST", idempotent: true });
      announce(t("fund_evaluations.frozen"));
    },
  });
}

// ---- 产业项目带贫: a project's links to households, a household's links to projects ----

const writesLinks = () => isOfficerAt("county", "township");
const LINK_PROBLEMS = null; // its refusals are the shared problems.codes

function linkFailure(error) {
  return problemBox(error);
}

function projectLinksCard(project) {
  const card = h("div", { class: "card", dataset: { facts: "project-links" } }, h("h2", { text: t("links.title") }));
  const body = h("div", {}, loading());
  (async () => {
    try {
      await assistanceCodes().catch(() => null);
      const [summary, links] = await Promise.all([
        api(`${AS}/projects/${project.id}/links/summary`), api(`${AS}/projects/${project.id}/links?limit=200`)]);
      body.replaceChildren(linkSummary(summary), await projectLinksTable(project, links));
    } catch (error) {
      body.replaceChildren(linkFailure(error));
    }
  })();
  const add = writesLinks() ? h("button", { type: "button", class: "button primary", dataset: { linkAction: "link" }, text: t("links.link"), onclick: () => openLinkDialog(project, null) }) : null;
  return append(card, [add, body]);
}

function linkSummary(summary) {
  const mechanisms = summary.by_mechanism.map((item) => h("tr", { dataset: { mechanism: item.mechanism } },
    td(assistanceLabel("link_mechanism", item.mechanism), { header: true }), figureCell("households", item.households), figureCell("expected_yearly", item.expected_yearly, formatMoney)));
  const received = summary.received_by_year.map((item) => h("tr", { dataset: { year: String(item.year) } }, td(String(item.year), { header: true }), figureCell("received", item.amount, formatMoney)));
  return h("div", { dataset: { linkSummary: "" } },
    dl([[t("links.households"), h("span", { dataset: { figure: "households" }, text: formatNumber(summary.households) })],
      [t("links.expected_total"), h("span", { dataset: { figure: "expected_yearly_total" }, text: formatMoney(summary.expected_yearly_total) })],
      [t("links.still_poor"), h("span", { dataset: { figure: "still_poor" }, text: formatNumber(summary.still_poor) })]]),
    mechanisms.length ? table(t("links.by_mechanism"), [t("links.mechanism"), t("links.households"), t("links.expected")], mechanisms, { numeric: [1, 2] }) : null,
    received.length ? table(t("links.received_by_year"), [t("links.year"), t("links.received")], received, { numeric: [1] }) : null);
}

async function projectLinksTable(project, links) {
  await villageNames(links.map((link) => link.division));
  const rows = links.map((link) => h("tr", { dataset: { link: link.id, household: link.household_id } },
    td(h("a", { href: `#/households/${link.household_id}`, text: link.head_name }), { header: true }),
    td(villageLabel(link.division)), td(assistanceLabel("link_mechanism", link.mechanism)),
    td(formatMoney(link.expected_yearly), { numeric: true }), td(formatDate(link.started_on)),
    td(writesLinks() ? linkButtons(project, link) : null)));
  const headers = ["head", "village", "mechanism", "expected", "started_on", "actions"].map((k) => t(`links.${k}`));
  return table(t("links.caption", { n: formatNumber(links.length) }), headers,
    rows.length ? rows : [h("tr", {}, h("td", { colspan: "6", text: t("links.empty") }))], { numeric: [3] });
}

function linkButtons(project, link) {
  return h("div", { class: "actions" },
    h("button", { type: "button", class: "button", dataset: { linkAction: "change" }, text: t("links.change"), onclick: () => openLinkDialog(project, link) }),
    h("button", { type: "button", class: "button", dataset: { linkAction: "benefit" }, text: t("links.record_benefit"), onclick: () => openBenefitDialog(link) }),
    h("button", { type: "button", class: "button", dataset: { linkAction: "end" }, text: t("links.end"), onclick: () => openLinkEndDialog(link) }));
}

// assistance/households.py ASSISTED: only these households are linked (409 household-status otherwise).
const LINKED_STATUSES = new Set(["registered", "returned", "monitored"]);

/** The households a link may name: the caller's township's, or the project's county's (a county officer),
 * those assistance would link. */
async function linkableHouseholds(project) {
  const division = session.profile.tier === "township" ? session.profile.division : `${project.division.slice(0, 6)}000000`;
  const items = (await api(`${AS}/households?${new URLSearchParams({ division, limit: "500" })}`))
    .filter((item) => LINKED_STATUSES.has(item.status));
  await villageNames(items.map((item) => item.division));
  return items;
}

const linkFieldLabels = () => ({
  mechanism: t("links.mechanism"), expected_yearly: t("links.expected"), started_on: t("links.started_on"), note: t("links.note"),
  reason: t("links.reason"), ended_on: t("links.ended_on"), amount: t("links.received"),
});

async function openLinkDialog(project, current) {
  const households = current ? [] : await linkableHouseholds(project).catch(() => []);
  const household = current ? null : h("select", { id: "lk-household", required: true }, h("option", { value: "", say: () => t("common.choose") }),
    households.map((item) => h("option", { value: item.id, text: `${item.head_name} · ${villageLabel(item.division)}` })));
  const mechanism = codeSelect("lk-mechanism", "link_mechanism");
  if (current) mechanism.value = current.mechanism;
  const expected = moneyInput("lk-expected");
  if (current) expected.value = current.expected_yearly;
  const startedOn = h("input", { id: "lk-started", type: "date", required: true, max: localDay(), value: current?.started_on ?? localDay() });
  const note = textArea("lk-note", { max: 500, required: false });
  const reason = current ? reasonInput("lk-reason") : null;
  serviceDialog({
    prefix: "lk", draft: `link:${project.id}:${current?.household_id ?? "new"}`, title: () => t(current ? "links.change_title" : "links.link_title", { name: current?.head_name ?? "" }),
    explain: () => t("links.explain"), labels: linkFieldLabels, codes: LINK_PROBLEMS,
    fields: [household ? field("lk-household", () => t("links.household"), household) : null,
      field("lk-mechanism", () => t("links.mechanism"), mechanism), field("lk-expected", () => t("links.expected"), expected),
      field("lk-started", () => t("links.started_on"), startedOn), field("lk-note", () => t("links.note"), note),
      reason ? field("lk-reason", () => t("links.reason"), reason) : null],
    send: async () => {
      const body = { mechanism: mechanism.value, expected_yearly: expected.value, started_on: startedOn.value, note: note.value.trim() || null };
      if (reason) body.reason = reason.value.trim();
      const target = current ? current.household_id : household.value;
      await api(`${AS}/projects/${project.id}/links/${target}`, { method: "PUT", json: body, idempotent: true });
      announce(t("links.linked"));
    },
  });
}

function openLinkEndDialog(link) {
  const endedOn = h("input", { id: "le-ended", type: "date", required: true, max: localDay(), min: link.started_on, value: localDay() });
  const reason = reasonInput("le-reason");
  serviceDialog({
    prefix: "le", draft: `link-end:${link.id}`, title: () => t("links.end_title", { name: link.head_name }), labels: linkFieldLabels, codes: LINK_PROBLEMS,
    fields: [field("le-ended", () => t("links.ended_on"), endedOn), field("le-reason", () => t("links.reason"), reason)],
    send: async () => {
      await api(`${AS}/projects/${link.project_id}/links/${link.household_id}/end`, { method: "POST", json: { ended_on: endedOn.value, reason: reason.value.trim() }, idempotent: true });
      announce(t("links.ended"));
    },
  });
}

function openBenefitDialog(link) {
  const year = h("input", { id: "lb-year", type: "number", required: true, min: link.started_on.slice(0, 4), max: String(thisYear() + 1), value: String(thisYear()) });
  const amount = moneyInput("lb-amount");
  const reason = h("input", { id: "lb-reason", type: "text", maxlength: "500" });
  serviceDialog({
    prefix: "lb", draft: `benefit:${link.id}`, title: () => t("links.benefit_title", { name: link.head_name }), explain: () => t("links.benefit_explain"),
    labels: linkFieldLabels, codes: LINK_PROBLEMS,
    fields: [field("lb-year", () => t("links.year"), year), field("lb-amount", () => t("links.received"), amount), field("lb-reason", () => t("links.reason_if_correcting"), reason)],
    send: async () => {
      const body = { amount: amount.value, reason: reason.value.trim() || null };
      await api(`${AS}/links/${link.id}/benefits/${year.value}`, { method: "PUT", json: body, idempotent: true });
      announce(t("links.benefit_recorded"));
    },
  });
}

function householdLinksCard(household) {
  const card = h("div", { class: "card", dataset: { facts: "household-links" } }, h("h2", { text: t("links.household_title") }));
  const body = h("div", {}, loading());
  (async () => {
    try {
      await assistanceCodes().catch(() => null);
      const links = await api(`${AS}/households/${household.id}/links`);
      const rows = links.map((link) => h("tr", { dataset: { link: link.id, project: link.project_id, ended: link.ended_on ? "true" : "false" } },
        td(h("a", { href: `#/projects/${link.project_id}`, text: link.project_name || t("supervision.project_link") }), { header: true }),
        td(assistanceLabel("link_mechanism", link.mechanism)), td(formatMoney(link.expected_yearly), { numeric: true }),
        td(link.ended_on ? t("links.period_ended", { from: formatDate(link.started_on), to: formatDate(link.ended_on) }) : t("links.period_running", { from: formatDate(link.started_on) })),
        td(listJoin(link.received.map((item) => t("links.received_in", { year: String(item.year), amount: formatMoney(item.amount) }))) || "—")));
      const headers = ["project", "mechanism", "expected", "period", "received"].map((k) => t(`links.${k}`));
      body.replaceChildren(table(t("links.household_title"), headers, rows.length ? rows : [h("tr", {}, h("td", { colspan: "5", text: t("links.household_empty") }))], { numeric: [2] }));
    } catch (error) {
      body.replaceChildren(linkFailure(error));
    }
  })();
  return append(card, [body]);
}

// ---- the 贫困退出 page: poor villages and counties (贫困村/贫困县) and their exits (退出, 摘帽) ------------
// identification's division_exits: the list of the caller's subtree, to which a county adds its villages and
// a province (or the nation) its counties; a listed division's exit proposed (a village's by its township or
// county, a county's by itself) and then taken step by step by the tiers of the procedure's transition
// table, `permitted_actions` saying which steps the caller may take. Levels, statuses, states, steps and the
// four veto rates of a county's evaluation are labelled from division_exits.* in both languages (no service's
// code lists are read: the evaluation service need not answer for a county's procedure to be read).

const EXIT_PROBLEMS = "division_exits.problems";
// division_exits/workflow.py Level, the list's statuses (schemas.py StatusFilter) and State, in its order.
const EXIT_LEVELS = ["village", "county"];
const DESIGNATION_STATUSES = ["designated", "exiting", "exited"];
const EXIT_STATES = ["proposed", "county_reviewed", "city_checked", "province_verified", "noticed", "exited", "rejected", "withdrawn"];
// workflow.py NEEDS_REASON, MIN_NOTICE_DAYS and MAX_NOTICE_DAYS: an exit's notice runs 7 days unless said
// (the floor is the service's to hold: shorter where the deployment allows short notices).
const EXIT_REASON_REQUIRED = new Set(["reject", "withdraw"]);
const EXIT_NOTICE_DAYS = { low: 7, high: 60 };
const EXIT_STATE_COLOURS = { noticed: "yellow", exited: "green", rejected: "red" };
const DESIGNATION_COLOURS = { designated: "red", exiting: "yellow", exited: "green" };

// service.py DESIGNATORS and workflow.py PROPOSERS: a county (or a city without counties) lists its villages
// and proposes their exits and its own, as a township proposes its villages'; a province or the nation lists
// its counties.
const actsAsCounty = () => isOfficerAt("county") || (isOfficerAt("city") && COUNTYLESS_CITIES.has(session.profile.division));
const designatesCounties = () => isOfficerAt("province", "nation");
const proposesExit = (item) => (item.level === "village" ? isOfficerAt("township") || actsAsCounty() : actsAsCounty());

/** A code of division_exits' `group` (levels, statuses, states, actions) in the reader's language. */
const exitLabel = (group, code) => labelIn(`division_exits.${group}`, code) ?? code;

function exitStateBadge(state) {
  return codedBadge(exitLabel("states", state), state, EXIT_STATE_COLOURS[state] || "neutral", { exitState: state });
}

function designationBadge(status) {
  return codedBadge(exitLabel("statuses", status), status, DESIGNATION_COLOURS[status] || "neutral", { designationStatus: status });
}

/** A listed division by name: the public tree's; above the county a village with its county and township
 * (the place the service's events named), as the other lists name villages there. */
function exitPlace(item, names) {
  const place = namesPlaces() && item.level === "village" ? item.division_name : null;
  return place || names.get(item.division) || item.division_name || item.division;
}

// At the county two villages of different townships may share a name (高文村村民委员会 of 古州镇 and of
// 忠诚镇): there a listed village is named with its township, as above the county with its county too.
const namesTownships = () => session.profile?.tier === "county";

/** A village as the county names it: "township · village" (the nearest of divisionPlace's ancestors), its
 * name alone when its ancestors cannot be read. */
async function townshipPlace(code) {
  const parts = String(await divisionPlace(code)).split(" · ");
  return parts.length > 1 ? parts.slice(-2).join(" · ") : null;
}

/** The names of the listed divisions by code (publicNames), a village at the county with its township. */
async function exitNames(items) {
  const names = await publicNames(items.map((item) => item.division));
  if (!namesTownships()) return names;
  const villages = [...new Set(items.filter((item) => item.level === "village").map((item) => item.division))];
  const places = await Promise.all(villages.map(townshipPlace));
  villages.forEach((code, i) => { if (places[i]) names.set(code, places[i]); });
  return names;
}

/** A filter's select of division_exits' `group`, "any" first. */
function exitSelect(id, group, codes, selected) {
  return h("select", { id, name: id.replace(/^f-/, "") },
    h("option", { value: "", text: t("common.any") }),
    codes.map((code) => h("option", { value: code, selected: code === selected, text: exitLabel(group, code) })));
}

const exitPercent = (value) => (value === null || value === undefined ? "—" : t("division_exits.percent", { value: formatNumber(value, { maximumFractionDigits: 2 }) }));

function incidenceText(indicators) {
  if (!indicators || indicators.incidence_pct === null || indicators.incidence_pct === undefined) return "—";
  return t("division_exits.incidence_value", { incidence: exitPercent(indicators.incidence_pct), threshold: exitPercent(indicators.threshold_pct) });
}

function exitNoticeText(item) {
  if (!item.notice_starts_at) return "—";
  return t("division_exits.notice_value", { from: formatDateTime(item.notice_starts_at), to: formatDateTime(item.notice_ends_at) });
}

async function divisionExitsView(seq, _params, query) {
  const chosen = (name, codes) => (codes.includes(query.get(name)) ? query.get(name) : "");
  const level = chosen("level", EXIT_LEVELS);
  const status = chosen("status", DESIGNATION_STATUSES);
  const state = chosen("state", EXIT_STATES);
  const year = yearFilter(query);
  const filters = filterForm("division-exits", t("division_exits.filter"), [
    ["f-level", t("division_exits.col_level"), exitSelect("f-level", "levels", EXIT_LEVELS, level)],
    ["f-status", t("division_exits.col_status"), exitSelect("f-status", "statuses", DESIGNATION_STATUSES, status)],
    ["f-state", t("division_exits.col_state"), exitSelect("f-state", "states", EXIT_STATES, state)],
    ["f-year", t("division_exits.col_year"), h("input", { id: "f-year", name: "year", type: "number", class: "short", min: String(FUNDS_EARLIEST_YEAR), max: "2100", value: year })],
  ]);
  const only = (params) => Object.fromEntries(Object.entries(params).filter(([, value]) => value));
  const named = (show) => async (items) => {
    const names = await exitNames(items);
    return items.map((item) => show(item, names));
  };
  const [designations, procedures] = await Promise.all([
    serviceList({
      base: ID, list: "poor-divisions", path: "/poor-divisions", params: only({ level, status }), more: "projects.load_more",
      caption: "division_exits.designations_caption", empty: "division_exits.designations_empty",
      headers: ["col_division", "col_level", "col_designated_year", "col_status", "col_exit_year", "col_actions"].map((k) => t(`division_exits.${k}`)),
      rows: named(designationRow),
    }, query),
    serviceList({
      base: ID, list: "division-exits", path: "/division-exits", params: only({ level, state, year }), more: "projects.load_more",
      caption: "division_exits.procedures_caption", empty: "division_exits.procedures_empty",
      headers: ["col_division", "col_level", "col_year", "col_state", "col_incidence", "col_notice"].map((k) => t(`division_exits.${k}`)),
      rows: named(exitRow),
    }, query),
  ]);
  const designate = actsAsCounty() || designatesCounties()
    ? h("button", { type: "button", class: "button primary", dataset: { designationAction: "designate" }, text: t("division_exits.designate"), onclick: () => openDesignateDialog() })
    : null;
  return h("section", {}, pageHeader(t("division_exits.title"), designate), h("p", { class: "muted", text: t("division_exits.intro") }),
    filters, h("h2", { text: t("division_exits.designations") }), designations,
    h("h2", { text: t("division_exits.procedures") }), procedures);
}

function designationRow(item, names) {
  const name = exitPlace(item, names);
  const procedure = item.exit_id
    ? h("a", { href: `#/division-exits/${item.exit_id}`, dataset: { exitLink: item.exit_id }, text: t("division_exits.open_procedure") })
    : null;
  const propose = item.status === "designated" && proposesExit(item)
    ? h("button", { type: "button", class: "button", dataset: { designationAction: "propose" }, text: t("division_exits.propose"), onclick: () => openExitProposalDialog(item, name) })
    : null;
  const population = item.status !== "exited" && setsRegions()
    ? h("button", { type: "button", class: "button", dataset: { designationAction: "population" }, text: t("division_exits.rural_population"), onclick: () => openRuralPopulationDialog(item, name) })
    : null;
  return h("tr", { dataset: { poorDivision: item.division, level: item.level } },
    td(name, { header: true }), td(exitLabel("levels", item.level)), td(String(item.designated_year)),
    td(designationBadge(item.status)), td(item.exit_year ? String(item.exit_year) : "—"), td(h("div", { class: "actions" }, procedure, propose, population)));
}

// identification's admin/router.py SETTING_TIERS: a region's figures are set by a county's officer (a city
// without counties holds its powers) or a higher tier's, never by a township or village.
const setsRegions = () => isOfficerAt("county", "city", "province", "nation");

/** A listed village's or county's rural population (the region setting its poverty incidence is counted
 * by), shown as it stands and set for it alone (PUT /region-settings/{division}/rural_population). */
async function openRuralPopulationDialog(item, name) {
  const path = `${ID}/region-settings/${item.division}/rural_population`;
  const current = await api(path).then((found) => found.value).catch(() => null);
  const value = h("input", { id: "rp-value", type: "number", required: true, min: "1", max: "100000000", step: "1", inputmode: "numeric", value: current ?? "" });
  serviceDialog({
    prefix: "rp", draft: `rural-population:${item.division}`, title: () => t("division_exits.population_title", { name }),
    explain: () => (current ? t("division_exits.population_current", { value: formatNumber(Number(current)) }) : t("division_exits.population_none")),
    labels: () => ({ value: t("division_exits.rural_population") }), codes: EXIT_PROBLEMS,
    fields: [field("rp-value", () => t("division_exits.rural_population"), value)],
    send: async () => {
      await api(path, { method: "PUT", json: { value: value.value.trim() }, idempotent: true });
      announce(t("division_exits.population_set", { name, value: formatNumber(Number(value.value)) }));
    },
  });
}

function exitRow(item, names) {
  const title = t("division_exits.name", { name: exitPlace(item, names), year: String(item.year) });
  return h("tr", { dataset: { divisionExit: item.id, division: item.division } },
    td(h("a", { href: `#/division-exits/${item.id}`, text: title }), { header: true }),
    td(exitLabel("levels", item.level)), td(String(item.year)), td(exitStateBadge(item.state)),
    td(incidenceText(item.indicators)), td(exitNoticeText(item)));
}

const exitFieldLabels = () => ({
  division: t("division_exits.division"), designated_year: t("division_exits.designated_year"), basis: t("division_exits.basis"),
  year: t("division_exits.col_year"), summary: t("division_exits.summary"), reason: t("division_exits.reason"),
  notice_days: t("division_exits.notice_days"),
});

/** What the caller may list: a county's villages by township (its optgroups), a province's counties by city; null
 * for the nation, which names a county by its code (every county of the country is no usable list). */
async function designatable() {
  const own = session.profile.division;
  if (actsAsCounty()) {
    const townships = await divisionChildren(own);
    const villages = await Promise.all(townships.map((township) => divisionChildren(township.code)));
    return townships.map((township, i) => h("optgroup", { label: township.name },
      villages[i].map((village) => h("option", { value: village.code, text: village.name }))));
  }
  if (session.profile.tier === "nation") return null;
  // A province's counties by city (a city without counties, or a municipality's district, on its own).
  // Every county of the tree is offered: identification refuses one where no household has been registered
  // (unknown-division), and it publishes no list of the places it knows for the console to offer instead.
  const option = (county) => h("option", { value: county.code, text: county.name });
  const byCode = (a, b) => a.code.localeCompare(b.code);
  const children = (await divisionChildren(own)).sort(byCode);
  const groups = await Promise.all(children.map(async (child) => {
    if (COUNTYLESS_CITIES.has(child.code) || child.level !== "city") return option(child);
    const counties = (await divisionsAt(child.code, "county")).sort(byCode);
    return h("optgroup", { label: child.name }, counties.map(option));
  }));
  return groups;
}

async function openDesignateDialog() {
  const choices = await designatable().catch(() => null);
  const division = choices
    ? h("select", { id: "pd-division", required: true }, h("option", { value: "", say: () => t("common.choose") }), choices)
    : h("input", { id: "pd-division", type: "text", inputmode: "numeric", pattern: "\\d{12}", maxlength: "12", required: true,
      dataset: { patternSays: "validation.pattern_division" } });
  const year = h("input", { id: "pd-year", type: "number", required: true, min: String(FUNDS_EARLIEST_YEAR), max: String(thisYear()), value: String(thisYear()) });
  const basis = textArea("pd-basis", { min: 0, max: 1000, required: false });
  const villages = actsAsCounty();
  serviceDialog({
    prefix: "pd", draft: "poor-division:designate",
    title: () => t(villages ? "division_exits.designate_village_title" : "division_exits.designate_county_title"),
    explain: () => t("division_exits.designate_explain"), labels: exitFieldLabels, codes: EXIT_PROBLEMS,
    fields: [field("pd-division", () => t(choices ? "division_exits.division" : "division_exits.division_code"), division),
      field("pd-year", () => t("division_exits.designated_year"), year), field("pd-basis", () => t("division_exits.basis"), basis)],
    send: async () => {
      const body = { division: division.value.trim(), designated_year: Number(year.value), basis: basis.value.trim() };
      await api(`${ID}/poor-divisions`, { method: "POST", json: body, idempotent: true });
      announce(t("division_exits.designated"));
    },
  });
}

function openExitProposalDialog(item, name) {
  const year = h("input", { id: "dx-year", type: "number", required: true, min: String(item.designated_year), max: String(thisYear()), value: String(thisYear()) });
  const summary = textArea("dx-summary", { min: 2, max: 2000 });
  serviceDialog({
    prefix: "dx", draft: `division-exit:propose:${item.division}`, title: () => t("division_exits.propose_title", { name }),
    explain: () => t("division_exits.propose_explain"), labels: exitFieldLabels, codes: EXIT_PROBLEMS,
    fields: [field("dx-year", () => t("division_exits.col_year"), year), field("dx-summary", () => t("division_exits.summary"), summary)],
    send: async () => {
      const body = { division: item.division, year: Number(year.value), summary: summary.value.trim() };
      const created = await api(`${ID}/division-exits`, { method: "POST", json: body, idempotent: true });
      announce(t("division_exits.proposed"));
      location.hash = `#/division-exits/${created.id}`;
    },
  });
}

async function divisionExitView(seq, [id]) {
  const procedure = await api(`${ID}/division-exits/${id}`);
  const names = await exitNames([procedure]);
  const name = exitPlace(procedure, names);
  const title = t("division_exits.name", { name, year: String(procedure.year) });
  return h("section", { dataset: { divisionExitPage: procedure.id } },
    pageHeader(title, exitStateBadge(procedure.state)),
    h("p", {}, h("a", { href: "#/division-exits", text: t("division_exits.back") })),
    exitSteps(procedure, name), exitFacts(procedure, name), exitIndicators(procedure.indicators),
    procedure.level === "county" ? exitEvaluation(procedure) : null, exitHistory(procedure));
}

function exitSteps(procedure, name) {
  const steps = procedure.permitted_actions || [];
  if (!steps.length) return null;
  return h("div", { class: "card", dataset: { exitSteps: "" } }, h("h2", { text: t("division_exits.steps_title") }),
    h("div", { class: "actions" }, steps.map((action) => h("button", {
      type: "button", class: EXIT_REASON_REQUIRED.has(action) ? "button" : "button primary", dataset: { exitAction: action },
      text: exitLabel("actions", action), onclick: () => openExitStepDialog(procedure, action, name),
    }))));
}

/** Whether the notice runs: past its end once the procedure is past the notice (approved only after it). */
function exitNoticeStatus(procedure) {
  if (!procedure.notice_ends_at) return t("division_exits.notice_none");
  const running = procedure.state === "noticed" && new Date(procedure.notice_ends_at) > new Date();
  return t(running ? "division_exits.notice_running" : "division_exits.notice_ended");
}

function exitFacts(procedure, name) {
  const proposed = t("division_exits.proposed_by_value", {
    actor: accountName(procedure.proposed_by), tier: tierLabel(procedure.proposer_tier), at: formatDateTime(procedure.created_at),
  });
  const notice = procedure.notice_starts_at
    ? `${exitNoticeText(procedure)} · ${exitNoticeStatus(procedure)}` : exitNoticeStatus(procedure);
  return h("div", { class: "card", dataset: { facts: "division-exit" } }, h("h2", { text: t("division_exits.facts") }), dl([
    [t("division_exits.col_division"), name], [t("division_exits.level"), exitLabel("levels", procedure.level)],
    [t("division_exits.col_year"), String(procedure.year)], [t("division_exits.state"), exitLabel("states", procedure.state)],
    [t("division_exits.summary"), typed(procedure.summary)], [t("division_exits.proposed_by"), proposed],
    [t("division_exits.notice"), h("span", { dataset: { exitNotice: procedure.notice_ends_at || "" }, text: notice })],
  ]));
}

const EXIT_FIGURES = [
  ["incidence_pct", exitPercent], ["threshold_pct", exitPercent], ["rural_population", formatNumber],
  ["poor_population", formatNumber], ["poor_households", formatNumber],
];

function exitIndicators(indicators) {
  const figures = indicators || {};
  const rows = EXIT_FIGURES.map(([name, format]) => h("tr", {},
    td(t(`division_exits.${name}`), { header: true }), figureCell(name, figures[name], format)));
  rows.push(h("tr", {}, td(t("division_exits.meets_threshold"), { header: true }),
    h("td", { class: "num", dataset: { figure: "meets_threshold" }, text: yesNo(figures.meets_threshold) ?? "—" })));
  return h("div", { class: "card", dataset: { facts: "exit-indicators" } }, h("h2", { text: t("division_exits.indicators") }),
    table(t("division_exits.indicators"), [t("division_exits.indicator"), t("division_exits.value")], rows, { numeric: [1] }));
}

function exitEvaluation(procedure) {
  const evaluation = procedure.evaluation;
  const card = h("div", { class: "card", dataset: { facts: "exit-evaluation" } }, h("h2", { text: t("division_exits.evaluation") }));
  if (!evaluation) return append(card, [h("p", { class: "muted", text: t("division_exits.evaluation_none") })]);
  const rows = (evaluation.rates || []).map((rate) => h("tr", { dataset: { rate: rate.code } },
    td(exitLabel("rates", rate.code), { header: true }),
    td(rate.value === null || rate.value === undefined ? "—" : percent(rate.value), { numeric: true }),
    td(t(rate.sense === "below" ? "evaluations.sense_below" : "evaluations.sense_at_least", { threshold: percent(rate.threshold) })),
    td(verdictBadge(rate.verdict))));
  const headers = ["col_rate", "col_value", "col_threshold", "col_verdict"].map((k) => t(`evaluations.${k}`));
  return append(card, [
    dl([[t("division_exits.evaluation_verdict"), verdictBadge(evaluation.verdict)],
      [t("division_exits.evaluation_closed_at"), formatDateTime(evaluation.closed_at)],
      [t("division_exits.evaluation"), procedure.evaluation_id ? h("a", { href: `#/evaluations/${procedure.evaluation_id}`, text: t("division_exits.evaluation_link") }) : null]]),
    table(t("division_exits.evaluation"), headers, rows, { numeric: [1] }),
  ]);
}

function exitHistory(procedure) {
  const items = (procedure.history || []).map((entry) => {
    const to = exitLabel("states", entry.to_state);
    const change = entry.from_state ? t("division_exits.history_change", { from: exitLabel("states", entry.from_state), to }) : to;
    const notice = entry.detail?.notice_days
      ? t("division_exits.history_notice", { days: formatNumber(entry.detail.notice_days, { maximumFractionDigits: 4 }), end: formatDateTime(entry.detail.notice_ends_at) })
      : null;
    return h("li", { dataset: { action: entry.action, toState: entry.to_state } },
      h("strong", { text: exitLabel("actions", entry.action) }), " ",
      h("span", { class: "muted", text: [change, notice, accountName(entry.actor), tierLabel(entry.actor_tier), formatDateTime(entry.at)].filter(Boolean).join(" · ") }),
      entry.reason ? h("p", {}, typed(entry.reason)) : null);
  });
  return h("div", { class: "card", dataset: { facts: "exit-history" } }, h("h2", { text: t("division_exits.history") }),
    h("ol", { class: "history" }, items));
}

function openExitStepDialog(procedure, action, name) {
  const fields = [];
  let days = null;
  if (action === "open_notice") {
    // No floor in the field: the service holds it (7 days, less where short notices are on) and a notice
    // outside it is refused with the bounds in force (notice-days' minimum_days, maximum_days).
    days = h("input", { id: "xs-notice-days", type: "number", required: true, step: "any", min: "0",
      max: String(EXIT_NOTICE_DAYS.high), value: String(EXIT_NOTICE_DAYS.low) });
    fields.push(field("xs-notice-days", () => t("division_exits.notice_days"), days));
  }
  const needed = EXIT_REASON_REQUIRED.has(action);
  const reason = textArea("xs-reason", { min: 2, max: 1000, required: needed });
  fields.push(field("xs-reason", () => t(needed ? "division_exits.reason_required" : "division_exits.reason"), reason));
  const step = () => exitLabel("actions", action);
  serviceDialog({
    prefix: "xs", draft: `division-exit:${procedure.id}:${action}`, title: () => t("division_exits.step_title", { step: step(), name }),
    explain: () => t("division_exits.step_current", { state: exitLabel("states", procedure.state) }),
    labels: exitFieldLabels, codes: EXIT_PROBLEMS, fields,
    send: async () => {
      const body = {};
      if (reason.value.trim()) body.reason = reason.value.trim();
      if (days) body.notice_days = days.value;
      const updated = await api(`${ID}/division-exits/${procedure.id}/actions/${action}`, { method: "POST", json: body, idempotent: true });
      announce(t("division_exits.stepped", { step: step(), state: exitLabel("states", updated.state) }));
    },
  });
}

/** The public board's village and county exits whose notice is up or has ended (no login). */
async function boardDivisionExits(division) {
  let items;
  try {
    items = await api(`${ID}/public/division-exits?${new URLSearchParams({ division, limit: "50" })}`, { auth: false });
  } catch {
    // The board's notices stand on their own: this part left out when it cannot be read, said so.
    return h("p", { class: "muted", dataset: { publicDivisionExits: "unavailable" }, text: t("division_exits.board_unavailable") });
  }
  const names = await publicNames(items.map((item) => item.division));
  const rows = items.map((item) => h("tr", { dataset: { publicDivisionExit: item.id, exitState: item.state } },
    td(names.get(item.division) || item.division_name, { header: true }), td(exitLabel("levels", item.level)), td(String(item.year)),
    td(item.incidence_pct === null ? "—" : t("division_exits.incidence_value", { incidence: exitPercent(item.incidence_pct), threshold: exitPercent(item.threshold_pct) })),
    td(exitNoticeText(item)),
    td(item.state === "noticed" ? exitNoticeStatus(item) : exitLabel("states", item.state))));
  const headers = ["col_division", "col_level", "col_year", "col_incidence", "col_notice", "board_status"].map((k) => t(`division_exits.${k}`));
  return h("div", { class: "card", dataset: { facts: "public-division-exits" } }, h("h2", { text: t("division_exits.board_title") }),
    table(t("division_exits.board_title"), headers, rows.length ? rows : [h("tr", {}, h("td", { colspan: "6", text: t("division_exits.board_none") }))]));
}

// ---- public notice board ---------------------------------------------------------------------------

const NATION = "000000000000";
const PUBLIC_DIVISIONS = `${REG}/divisions/public`;
const DIVISION_PAGE = 1000; // the most one `children` answer holds; a larger level is read page after page
// Across the whole country the registry searches a name of 3 characters or more (422 otherwise): a shorter
// one only within a division.
const NATIONWIDE_FIND = 3;
const FIND_LIMIT = 20;
// Whose control takes the focus once the board is drawn again for the village just chosen in it.
let boardFocus = null;
// The path last chosen in the pickers, for the address it was chosen at (boardView).
let boardPicks = null;

/** Every child of a division, page after page (`next_after`), a placeholder grouping (北京市's 市辖区) given
 * as its own children: a villager chooses 东城区 under 北京市, never 市辖区. Kept for the tab's life: the tree
 * is the NBS's published one, and a reload of the board asks again only for the division it names. */
function divisionChildren(code) {
  let pending = session.divisionChildren.get(code);
  if (!pending) {
    pending = everyChild(code).catch((error) => {
      session.divisionChildren.delete(code);
      throw error;
    });
    session.divisionChildren.set(code, pending);
  }
  return pending;
}

async function everyChild(code) {
  const items = [];
  let after = null;
  do {
    const params = new URLSearchParams({ limit: String(DIVISION_PAGE) });
    if (after) params.set("after", after);
    const page = await api(`${PUBLIC_DIVISIONS}/${code}/children?${params}`, { auth: false });
    items.push(...page.items);
    after = page.next_after;
  } while (after);
  const shown = await Promise.all(items.map((item) => (item.placeholder ? divisionChildren(item.code) : [item])));
  return shown.flat();
}

/** A division's path as the pickers choose it: its ancestors and itself, province first, without the nation
 * and the placeholders the pickers pass over. */
function pickedPath(node) {
  return [...(node.ancestors || []), node].filter((item) => item.code !== NATION && !item.placeholder);
}

function placeOf(path) {
  return path.map((item) => item.name).join(" ");
}

/** The division searched within: the deepest chosen above a village (a village's own township). */
function findScope(path) {
  return path.filter((item) => item.level !== "village").at(-1) || null;
}

/**
 * The pickers: one select per level, each listing its parent's children; choosing a division that is not a
 * village opens the next level, choosing a village calls `onVillage(code)`. `show(path)` chooses a whole
 * path (a restored address, a search hit) and opens the level below it; `onPath(path)` hears every change.
 */
function divisionPicker({ onVillage, onPath }) {
  const levels = h("div", { class: "picker-levels" });
  const status = h("div", { class: "picker-status" });
  const element = h("fieldset", { id: "b-pick", class: "picker" },
    h("legend", { text: t("board.pick_legend") }), levels, status);
  const listed = new WeakMap(); // each level's select → the divisions it lists
  let turn = 0; // a later choice wins over an earlier one still loading

  function chosenPath(depth) {
    const selects = [...levels.querySelectorAll("select")].slice(0, depth + 1);
    return selects.map((select) => listed.get(select).find((item) => item.code === select.value)).filter(Boolean);
  }

  function level(depth, items, chosen) {
    const id = `b-level-${depth}`;
    const select = h("select", { id, name: id },
      h("option", { value: "", text: t("board.choose") }),
      items.map((item) => h("option", { value: item.code, selected: item.code === chosen, text: item.name })));
    listed.set(select, items);
    select.addEventListener("change", () => void choose(depth));
    // A level is named by what it lists (河南省's cities and the county-level cities it governs directly).
    const names = [...new Set(items.map((item) => item.level))].map((code) => t(`levels.${code}`));
    return h("div", { class: "picker-level", dataset: { depth: String(depth) } },
      h("label", { for: id, text: listJoin(names) }), select);
  }

  async function choose(depth) {
    const mine = ++turn;
    for (const shown of [...levels.children]) if (Number(shown.dataset.depth) > depth) shown.remove();
    const path = chosenPath(depth);
    onPath(path);
    const item = path[depth];
    status.replaceChildren();
    if (!item) return;
    if (item.level === "village") onVillage(item.code, `b-level-${depth}`);
    else await draw(mine, [item.code], [null], depth + 1, false);
  }

  /** Levels `from` onwards: each lists the children of `parents[i]`, `chosen[i]` chosen. */
  async function draw(mine, parents, chosen, from, replace) {
    status.replaceChildren(loading());
    try {
      const lists = await Promise.all(parents.map(divisionChildren));
      if (mine !== turn) return;
      const drawn = lists.map((items, i) => (items.length ? level(from + i, items, chosen[i]) : null));
      if (replace) levels.replaceChildren(...drawn.filter(Boolean));
      else append(levels, drawn);
      status.replaceChildren();
    } catch (error) {
      if (mine === turn) status.replaceChildren(problemBox(error));
    }
  }

  async function show(path) {
    const mine = ++turn;
    onPath(path);
    const parents = [NATION, ...path.map((item) => item.code)];
    // A village has no level below it.
    if (path.at(-1)?.level === "village") parents.pop();
    await draw(mine, parents, path.map((item) => item.code), 0, true);
  }

  return { element, show };
}

/** The search by part of a name: within the chosen division, or the whole country for 3 characters or more;
 * each hit named with its ancestors. A village is a link to its board; a division above it is chosen in the
 * pickers (`onDivision(path)`). */
function divisionFinder({ onDivision }) {
  const input = h("input", {
    id: "b-find", name: "q", type: "search", required: true, maxlength: "50", minlength: String(NATIONWIDE_FIND),
    autocomplete: "off", "aria-describedby": "b-find-hint",
  });
  const hint = h("p", { id: "b-find-hint", class: "muted hint" });
  const hits = h("div", { id: "b-hits" });
  let scope = null;
  const form = h("form", { id: "b-find-form", class: "filters", role: "search", "aria-label": t("board.find") },
    h("label", { for: "b-find", text: t("board.find_label") }), input,
    h("button", { type: "submit", text: t("board.find_submit") }), hint);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const q = input.value.trim();
    const params = new URLSearchParams({ q, limit: String(FIND_LIMIT) });
    if (scope) params.set("within", scope.code);
    hits.replaceChildren(loading());
    try {
      const found = await api(`${PUBLIC_DIVISIONS}/search?${params}`, { auth: false });
      hits.replaceChildren(hitList(found, q, onDivision));
    } catch (error) {
      hits.replaceChildren(problemBox(error, { fields: { q: t("board.find_label"), within: t("board.pick_legend") } }));
    }
  });
  function setScope(path) {
    scope = findScope(path);
    input.minLength = scope ? 1 : NATIONWIDE_FIND;
    hint.textContent = scope ? t("board.find_within", { place: placeOf(path.slice(0, path.indexOf(scope) + 1)) }) : t("board.find_nationwide");
  }
  setScope([]);
  return { element: h("div", { class: "finder" }, form, hits), setScope };
}

function hitList(found, q, onDivision) {
  const count = found.items.length;
  const said = count ? t("board.find_found", { n: count }) : t("board.find_none", { q });
  return h("section", { "aria-label": t("board.find_results") },
    h("p", { role: "status", text: said }),
    count ? h("ul", { class: "division-hits" }, found.items.map((hit) => hitItem(hit, onDivision))) : null,
    found.truncated ? h("p", { class: "muted", text: t("board.find_truncated", { n: count }) }) : null);
}

function hitItem(hit, onDivision) {
  const path = pickedPath(hit);
  if (hit.level === "village") return h("li", {}, h("a", { href: `#/board?division=${hit.code}`, text: placeOf(path) }));
  return h("li", {},
    h("button", { type: "button", class: "link", text: placeOf(path), onclick: () => onDivision(path) }),
    h("span", { class: "muted small-text", text: aside(t(`levels.${hit.level}`)) }));
}

async function boardView(seq, _params, query) {
  const division = query.get("division") || session.profile?.division || "";
  const input = h("input", {
    id: "b-division", name: "division", value: division, inputmode: "numeric", pattern: "\\d{12}", dataset: { patternSays: "validation.pattern_division" },
    maxlength: "12", required: true, placeholder: "520102016001", "aria-describedby": "b-hint",
  });
  const form = h("form", { class: "filters", role: "search", "aria-label": t("board.search") },
    h("label", { for: "b-division", text: t("board.division") }), input,
    h("button", { type: "submit", class: "primary", text: t("board.search") }),
    h("p", { id: "b-hint", class: "muted hint", text: t("board.hint") }));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    location.hash = `#/board?division=${encodeURIComponent(input.value.trim())}`;
  });
  const finder = divisionFinder({ onDivision: (path) => picker.show(path).then(() => focusLevel(path.length)) });
  const picker = divisionPicker({
    onVillage: (code, control) => {
      boardFocus = control;
      location.hash = `#/board?division=${code}`;
    },
    onPath: (path) => {
      boardPicks = { division, path };
      finder.setScope(path);
    },
  });
  // What was chosen on this very board before it was drawn again (another language): chosen again.
  const picked = boardPicks?.division === division ? boardPicks.path : null;
  const results = h("div", { class: "notices" });
  if (CODE.test(division)) {
    const [node] = await Promise.all([
      api(`${PUBLIC_DIVISIONS}/${division}`, { auth: false }).catch((error) => error),
      boardNotices(division, query, results),
    ]);
    results.append(...await Promise.all([boardInspections(division), boardDivisionExits(division)]));
    if (node instanceof Error) {
      results.prepend(problemBox(node));
      await picker.show(picked ?? []);
    } else {
      await picker.show(picked ?? pickedPath(node));
      results.prepend(h("h2", {}, t("board.chosen"), h("span", { id: "b-place", text: placeOf(pickedPath(node)) })));
    }
  } else {
    await picker.show(picked ?? []);
    if (division) results.append(h("p", { class: "problem", role: "alert", text: t("board.bad_code") }));
  }
  if (boardFocus) {
    const control = boardFocus;
    boardFocus = null;
    // After route() has put the page in and focused its title: the chooser stays where the villager was.
    window.setTimeout(() => document.getElementById(control)?.focus(), 0);
  }
  return h("section", {}, pageHeader(t("board.title")), h("p", { class: "muted", text: t("board.intro") }),
    picker.element, finder.element, form, results);
}

function focusLevel(depth) {
  document.getElementById(`b-level-${depth}`)?.focus();
}

/** The notices posted for a division (a township's or county's: its villages'), appended to `results`. */
async function boardNotices(division, query, results) {
  const list = h("ul", { class: "notice-list" });
  const errorSlot = h("div");
  let shown = 0;
  // The board pages like the other lists (`Next-Cursor`): a county's notices of many years, all of them.
  const { more, load } = pagedList(t("households.load_more"), (after) => {
    const page = new URLSearchParams({ division, limit: String(pageSize(query)) });
    if (after) page.set("after", after);
    return apiPage(`${ID}/public/notices?${page}`, { auth: false });
  }, (page) => {
    list.append(...page.items.map((n) => h("li", { class: `notice-item notice-${n.status}` },
      // A township's or county's board lists many villages' notices: each says whose it is.
      h("a", { href: `#/board/${n.id}` }, h("strong", { text: t(`notice_kinds.${n.kind}`) }), " · ",
        h("span", { class: "notice-place", text: n.place || n.village_name || n.division }), " · ",
        t("board.entries", { n: n.entries.length })),
      h("p", { class: "muted", text: noticeWhen(n) }),
      h("span", { class: `badge badge-${n.status === "open" ? "open" : "neutral"}`, text: t(`notice_status.${n.status}`) }))));
    shown += page.items.length;
    if (!shown) list.replaceWith(h("p", { role: "status", text: t("board.none") }));
  }, errorSlot);
  results.append(errorSlot, list, more);
  await load();
}

/** An announcement (公告) publishes a result on a day; a notice (公示) runs for a period. */
function isAnnouncement(notice) {
  return notice.kind === "announcement" || notice.kind === "exit_announcement";
}

function noticeWhen(notice) {
  return isAnnouncement(notice)
    ? formatDateTime(notice.starts_at)
    : `${formatDateTime(notice.starts_at)} – ${formatDateTime(notice.ends_at)}`;
}

/** A line's status: a household still listed is 公示中 while the notice runs and 已公示 once it has ended (the
 * API says `listed` either way), and 已公告 on an announcement, which has no period to end; one taken off
 * says why. */
function lineStatus(entry, notice) {
  const status = entry.status ?? "listed";
  if (status !== "listed") return t(`board.line_${status}`);
  if (isAnnouncement(notice)) return t("board.line_announced");
  return t(notice.status === "open" ? "board.line_listed" : "board.line_listed_closed");
}

async function noticeView(seq, [id]) {
  const notice = await api(`${ID}/public/notices/${id}`, { auth: false });
  const open = notice.status === "open";
  // A notice stays as it was posted: a household taken off it (an upheld objection, a withdrawal) keeps its
  // line, with its status, and can no longer be objected to.
  const listed = (e) => (e.status ?? "listed") === "listed";
  // Receipts of objections filed from this browser tab, newest first: kept across a language switch or a
  // reload, since a filer who is not signed in has no other record of the ticket (QA10 CON-1).
  const receipt = h("div", { class: "objection-receipts" },
    ...keptReceipts(notice.id).map((kept) => objectionReceipt({ head_name: kept.head_name }, kept)));
  const rows = notice.entries.map((e) => h("tr", { dataset: { status: e.status ?? "listed" } },
    td(h("span", { title: e.village, dataset: { division: e.village } }, e.village_name || e.village), { header: true }), td(e.head_name), td(h("code", { text: e.head_id || "—" })),
    td(formatNumber(e.member_count), { numeric: true }), td(t(`kinds.${e.kind}`)),
    td(lineStatus(e, notice)),
    open ? td(listed(e) ? h("button", { type: "button", class: "small", text: t("board.object"), onclick: () => openObjection(notice, e, receipt) }) : null) : null));
  const headers = ["village", "head", "head_id", "members", "kind", "status"].map((k) => t(`board.col_${k}`));
  if (open) headers.push(t("board.col_object"));
  return h("section", {},
    pageHeader(t(`notice_kinds.${notice.kind}`), h("span", { class: `badge badge-${open ? "open" : "neutral"}`, text: t(`notice_status.${notice.status}`) })),
    h("p", {}, h("a", { href: `#/board?division=${notice.division}`, text: t("board.back") })),
    dl([
      [t("board.division"), [notice.place || notice.village_name || "", " ", h("code", { text: notice.division })]],
      isAnnouncement(notice)
        ? [t("board.published_on"), noticeWhen(notice)]
        : [t("board.period"), noticeWhen(notice)],
    ]),
    receipt,
    h("p", { class: "actions" },
      h("a", { class: "button", href: `${ID}/public/notices/${id}/document`, target: "_blank", rel: "noopener", text: t("board.document") }),
      h("a", { class: "button", href: `${ID}/public/notices/${id}/document.pdf`, target: "_blank", rel: "noopener", text: t("board.pdf") })),
    table(t("board.caption", { n: notice.entries.length }), headers, rows, { numeric: [3] }),
    open ? h("p", { class: "muted", text: t("board.object_hint") }) : null);
}

const RECEIPTS_KEY = "fupin.objection_receipts";

/** The receipts kept for a notice in this tab's sessionStorage ({id, due_at, head_name} each). */
function keptReceipts(noticeId) {
  try {
    const all = JSON.parse(sessionStorage.getItem(RECEIPTS_KEY) || "{}");
    return Array.isArray(all[noticeId]) ? all[noticeId] : [];
  } catch {
    return [];
  }
}

function keepReceipt(noticeId, entry, ticket) {
  try {
    const all = JSON.parse(sessionStorage.getItem(RECEIPTS_KEY) || "{}");
    const kept = { id: ticket.id, due_at: ticket.due_at, head_name: entry.head_name };
    all[noticeId] = [kept, ...(Array.isArray(all[noticeId]) ? all[noticeId] : [])];
    sessionStorage.setItem(RECEIPTS_KEY, JSON.stringify(all));
  } catch {
    // Storage refused (private mode, full): the receipt is still shown until the page is left.
  }
}

/** What the filer keeps of an objection: its ticket number and the date the township must settle it by,
 * shown on the page (not only to screen readers), so it can be followed up and is not filed twice. */
function objectionReceipt(entry, ticket) {
  return h("div", { class: "notice-success", role: "status", tabindex: "-1", dataset: { ticket: ticket.id } },
    h("strong", { text: t("board.object_received", { name: entry.head_name }) }),
    dl([
      [t("board.object_ticket"), h("code", { class: "ticket-id", text: ticket.id })],
      [t("board.object_due"), h("time", { class: "ticket-due", datetime: ticket.due_at, text: formatDateTime(ticket.due_at) })],
    ]),
    h("p", { class: "muted", text: t("board.object_keep") }));
}

function openObjection(notice, entry, receipt) {
  const error = h("div", { class: "form-error" });
  const text = h("textarea", { id: "o-text", rows: "4", minlength: "2", maxlength: "4000", required: true });
  const contact = h("input", { id: "o-contact", maxlength: "100", autocomplete: "tel" });
  const submit = h("button", { type: "submit", class: "primary", say: () => t("board.object_submit") });
  const cancel = cancelButton();
  const dialog = h("dialog", { class: "step-dialog", "aria-labelledby": "o-title" },
    h("form", {}, dialogHeader(h("h2", { id: "o-title", say: () => t("board.object_title", { name: entry.head_name }) })),
      field("o-text", () => t("board.object_text"), text), field("o-contact", () => t("board.object_contact"), contact),
      error, h("div", { class: "dialog-buttons" }, cancel, submit)));
  showFormDialog(dialog, { cancel, submit, error }, async () => {
    const body = { case_id: entry.case_id, text: text.value.trim() };
    if (contact.value.trim()) body.contact = contact.value.trim();
    const ticket = await api(`${ID}/public/notices/${notice.id}/objections`, { method: "POST", json: body, auth: false, idempotent: true });
    dialog.close();
    keepReceipt(notice.id, entry, ticket);
    const box = objectionReceipt(entry, ticket);
    // The page drawn anew in another language while the dialog was open has receipts of its own.
    const shown = receipt.isConnected ? receipt : main().querySelector(".objection-receipts") ?? receipt;
    shown.prepend(box);
    box.scrollIntoView({ block: "nearest" });
    box.focus({ preventScroll: true });
    announce(t("board.object_done", { ticket: ticket.id, due: formatDateTime(ticket.due_at) }));
  });
}

// ---- live feed -------------------------------------------------------------------------------------

// The feed page keeps this many events, and a first connection starts with the feed's last ones (`tail`):
// a province's feed holds every event since the platform began, which were replayed one by one.
const FEED_KEPT = 200;
// Additions are announced once they slow down: the backlog a connection starts with is not read out item
// by item (aria-busy holds a live region's announcements).
const FEED_QUIET_MS = 600;

async function feedView(seq) {
  const list = h("ol", { class: "feed", "aria-live": "polite", "aria-relevant": "additions", "aria-busy": "true" });
  let quiet = null;
  const settleLater = () => {
    list.setAttribute("aria-busy", "true");
    window.clearTimeout(quiet);
    quiet = window.setTimeout(() => list.setAttribute("aria-busy", "false"), FEED_QUIET_MS);
  };
  const status = h("p", { class: "feed-status", role: "status", dataset: { state: "connecting" }, text: t("feed.connecting") });
  const errorSlot = h("div");
  const toggle = h("button", { type: "button", text: t("feed.stop") });
  let controller = null;
  let lastId = null;
  let running = true;
  let count = 0;
  const setStatus = (state) => { status.dataset.state = state; status.textContent = t(`feed.${state}`, { n: count }); };
  async function run() {
    while (running && live(seq)) {
      controller = new AbortController();
      setStatus("connecting");
      try {
        // A reconnection resumes from the last event shown (Last-Event-ID), the first starts with the tail.
        await streamEvents(lastId ? "/feeds/stream" : `/feeds/stream?tail=${FEED_KEPT}`, {
          signal: controller.signal,
          lastEventId: lastId,
          onOpen: () => { errorSlot.replaceChildren(); setStatus("live"); settleLater(); },
          onEvent: (message) => {
            lastId = message.id;
            count += 1;
            let data = {};
            try { data = JSON.parse(message.data); } catch { /* shown raw */ }
            settleLater();
            list.prepend(feedItem(message, data));
            while (list.children.length > FEED_KEPT) list.lastElementChild.remove();
            setStatus("live");
          },
        });
      } catch (error) {
        if (error?.name === "AbortError") return;
        errorSlot.replaceChildren(problemBox(error));
        if (error instanceof ApiError && error.status < 500 && error.status !== 429) {
          running = false;
          setStatus("stopped");
          toggle.textContent = t("feed.resume");
          return;
        }
      }
      if (!running || !live(seq)) return;
      setStatus("reconnecting");
      await new Promise((resolve) => window.setTimeout(resolve, 2000));
    }
  }
  toggle.addEventListener("click", () => {
    if (running) {
      running = false;
      controller?.abort();
      setStatus("stopped");
      toggle.textContent = t("feed.resume");
    } else {
      running = true;
      toggle.textContent = t("feed.stop");
      run();
    }
  });
  leaveView = () => { running = false; controller?.abort(); window.clearTimeout(quiet); };
  run();
  return h("section", {}, pageHeader(t("feed.title"), toggle),
    h("p", { class: "muted", text: t("feed.intro", { n: String(FEED_KEPT) }) }),
    status, errorSlot, list);
}

function feedItem(message, event) {
  const type = event.type || message.event;
  let label = labelIn("feed.types", type) ?? type;
  // A village's or county's exit progressed: the step it took (县级审核, 市级初审, …), as its page names it.
  const step = event.data?.action;
  if (/^fupin\.identification\.division_exit\.progressed\./.test(type || "") && labelIn("division_exits.actions", step)) {
    label = t("feed.division_exit_step", { step: exitLabel("actions", step) });
  }
  return h("li", { class: "feed-item", dataset: { seq: message.id || "", type: type || "" } },
    h("time", { datetime: event.time || "", text: formatDateTime(event.time) }),
    h("strong", { text: label }),
    feedDivision(event.division, event),
    feedSubject(event));
}

/** The event's division by its name (the code until the name is in, and as the tooltip); at the county a
 * poor village's or its exit's village with its township (exitNames). */
function feedDivision(code, event) {
  if (!code) return null;
  const element = h("span", { class: "feed-division", title: code, dataset: { division: code }, text: code });
  const aggregate = String(event?.subject || "").split("/")[0];
  const village = ["division-exit", "poor-division"].includes(aggregate) && event?.data?.level === "village";
  const named = village && namesTownships() ? townshipPlace(code).then((place) => place || divisionName(code)) : null;
  if (CODE.test(code)) (named || divisionName(code)).then((name) => { element.textContent = name; });
  return element;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * What the event is about, readably: the CloudEvents subject is "<aggregate>/<id>" (household/…, case/…,
 * standard/…, quota/<division>/<year>). A household is named by its head when the event lists its members (names are masked
 * above the county, as the feed policy has them) and links to its page; a case by its kind and year.
 */
function feedSubject(event) {
  const subject = String(event.subject || "");
  if (!subject) return null;
  const slash = subject.indexOf("/");
  const aggregate = slash < 0 ? subject : subject.slice(0, slash);
  const id = slash < 0 ? "" : subject.slice(slash + 1);
  const data = event.data && typeof event.data === "object" ? event.data : {};
  const kind = labelIn("feed.subjects", aggregate);
  let text = kind ? `${kind} ${id.slice(0, 8)}` : subject;
  let household = null;
  if (aggregate === "household") {
    const head = Array.isArray(data.members) ? data.members.find((m) => m && m.relation === "head") : null;
    if (head?.name) session.householdHeads.set(id, head.name);
    // An event naming no member (an income, a status change): the head as the console last read it, else
    // "a household" — an id fragment is no name.
    const name = head?.name || session.householdHeads.get(id);
    text = name ? t("feed.subject_household", { name }) : t("feed.subject_household_unnamed");
    household = id;
  } else if (aggregate === "case" && data.kind) {
    const caseKind = has(`kinds.${data.kind}`) ? t(`kinds.${data.kind}`) : data.kind;
    text = t("feed.subject_case", { kind: caseKind, year: String(data.year ?? "") });
    household = data.household_id;
  } else if (aggregate === "standard" && data.year) {
    text = t("feed.subject_standard", { year: String(data.year) });
  } else if (aggregate === "quota") {
    // quota/<division>/<year>: the division is the event's own, shown beside it.
    const year = id.split("/").pop();
    text = /^\d{4}$/.test(year) ? t("feed.subject_quota", { year }) : text;
  }
  let href = UUID.test(household || "") ? `#/households/${household}` : null;
  if (aggregate === "division-exit" && data.level && data.year) {
    // A village's or county's exit procedure: its level and year, a link to its page.
    text = t("feed.subject_division_exit", { level: exitLabel("levels", data.level), year: String(data.year) });
    href = UUID.test(id) ? `#/division-exits/${id}` : null;
  } else if (aggregate === "poor-division" && data.level) {
    text = t("feed.subject_poor_division", { level: exitLabel("levels", data.level), year: String(data.designated_year ?? "") });
  }
  if (aggregate === "rectification" && UUID.test(id)) return rectificationSubject(event, id, data, subject);
  const content = href ? h("a", { href, text }) : text;
  return h("span", { class: "feed-subject", title: subject, dataset: { subject } }, content);
}

/** A rectification task's kind: its event's (an opening carries it), else as the feed or its page named it
 * before, else read once from the evaluation service; null when none can be had. */
function rectificationKind(id, kind) {
  if (kind) session.rectificationKinds.set(id, Promise.resolve(kind));
  let pending = session.rectificationKinds.get(id);
  if (!pending) {
    pending = api(`${EV}/rectifications/${id}`).then((task) => task.kind).catch(() => null);
    session.rectificationKinds.set(id, pending);
  }
  return pending;
}

/** A rectification task (rectification.* and the assignee's assignment.*, both `rectification/<id>`) by its
 * kind, a link to the 第三方评估 page's tasks of the event's division (the task's, or its assignee's: the list
 * holds the tasks of a division and those assigned to it). */
function rectificationSubject(event, id, data, subject) {
  const href = CODE.test(event.division || "") ? `#/evaluations?division=${event.division}` : "#/evaluations";
  const link = h("a", { href, dataset: { rectification: id }, text: t("feed.subject_rectification_unnamed") });
  session.feedEvaluationCodes ||= evaluationCodes().catch(() => null);
  Promise.all([rectificationKind(id, data.kind), session.feedEvaluationCodes]).then(([kind]) => {
    // A kind with no words (the code lists unreadable, no English name) leaves "a rectification task".
    const label = kind ? evaluationLabel("rectification_kind", kind) : null;
    if (label && label !== kind) link.textContent = t("feed.subject_rectification", { kind: label });
  });
  return h("span", { class: "feed-subject", title: subject, dataset: { subject } }, link);
}

// ---- start -----------------------------------------------------------------------------------------

/** Where a field of the view's forms is found again once the view is built anew: by its id, else by its
 * name (a checkbox by its name and value). */
function fieldKey(input) {
  if (input.id) return `#${input.id}`;
  return input.type === "checkbox" || input.type === "radio" ? `${input.name}=${input.value}` : input.name;
}

/** What is typed into the view's forms now. A password is kept only in this variable, for the moment the
 * view takes to be built anew: the cadre did not ask for the form to be emptied. */
function typedValues(root) {
  const values = new Map();
  for (const input of root.querySelectorAll("form input, form textarea, form select")) {
    if (input.type === "submit" || !fieldKey(input)) continue;
    values.set(fieldKey(input), input.type === "checkbox" || input.type === "radio" ? input.checked : input.value);
  }
  return values;
}

function restoreTyped(root, values) {
  for (const input of root.querySelectorAll("form input, form textarea, form select")) {
    const key = fieldKey(input);
    if (!key || !values.has(key)) continue;
    if (input.type === "checkbox" || input.type === "radio") input.checked = values.get(key);
    else input.value = values.get(key);
  }
}

// Language switches run one after another. Run at once, a switch pressed before the previous one's labels
// were in was taken for the language already shown and dropped (中文 pressed again while English loaded:
// English), and one pressed while the previous one's page was still being built read the loading
// placeholder as the form, so what was typed in a filter was lost.
let languageSwitches = Promise.resolve();

/** The view is built anew in the other language; what the cadre typed and did not submit yet (a username
 * on the sign-in page, a filter) stays (QA8 CC-2). */
function switchLanguage(next) {
  const switched = languageSwitches.then(() => applyLanguage(next));
  languageSwitches = switched.catch(() => {});
  return switched;
}

async function applyLanguage(next) {
  if (next === currentLanguage()) return;
  try {
    await loadLanguage(next);
  } finally {
    markLanguage();
  }
  applyLabels();
  // An open dialog is relabelled in place: its typed values and focus stay (QA10 CON-3).
  for (const dialog of document.querySelectorAll("dialog")) sayAgain(dialog);
  sayValidityAgain();
  announce(t("common.language_changed"));
  // Taken once the labels are in, not when the button was pressed: the cadre may have gone on to another
  // page and typed there while they loaded, and that form is the one built anew (CI stop 21).
  const typed = typedValues(main());
  const redraw = renderSeq + 1;
  redrawingForLanguage = true;
  try {
    await route();
  } finally {
    redrawingForLanguage = false;
  }
  // A page opened while the redraw was under way is not this form: nothing is put into it.
  if (live(redraw)) restoreTyped(main(), typed);
}

// ---- field validation in the console's language ------------------------------------------------------
// The browser's own messages (required, min/max, pattern…) are in the browser's language, not the one chosen
// here: every form's fields are given the console's words instead (setCustomValidity), said again as the
// field changes and when the language does.

const CHOICES = new Set(["radio", "checkbox", "select-one", "select-multiple"]);

/** Why `input` is refused, in the console's language; "" when it is not. */
function validityText(input) {
  input.setCustomValidity("");
  const validity = input.validity;
  if (validity.valid) return "";
  if (validity.valueMissing) return t(CHOICES.has(input.type) ? "validation.required_choice" : "validation.required");
  if (validity.badInput) return t("validation.bad_input");
  // A date's bounds as the console writes dates, not as the attribute holds them (2026-03-01).
  const bound = (value) => (input.type === "date" ? formatDate(value) : value);
  if (validity.rangeUnderflow) return t("validation.min", { min: bound(input.min) });
  if (validity.rangeOverflow) return t("validation.max", { max: bound(input.max) });
  if (validity.stepMismatch) return t("validation.step");
  if (validity.tooShort) return t("validation.too_short", { min: input.minLength, length: input.value.length });
  if (validity.tooLong) return t("validation.too_long", { max: input.maxLength, length: input.value.length });
  if (validity.patternMismatch) return t(input.dataset.patternSays || "validation.pattern");
  if (validity.typeMismatch) return t("validation.type");
  return input.validationMessage;
}

function sayValidity(input) {
  if (!input?.willValidate) return;
  input.setCustomValidity(validityText(input));
}

/** The field that changed, and the rest of its radio group (checking one answers them all). */
function sayGroupValidity(input) {
  if (input?.type === "radio" && input.form && input.name) {
    for (const radio of input.form.querySelectorAll(`input[type=radio][name="${CSS.escape(input.name)}"]`)) sayValidity(radio);
    return;
  }
  sayValidity(input);
}

function watchValidity() {
  // `invalid` does not bubble: it is caught on its way down.
  document.addEventListener("invalid", (event) => sayValidity(event.target), true);
  document.addEventListener("input", (event) => sayGroupValidity(event.target), true);
  document.addEventListener("change", (event) => sayGroupValidity(event.target), true);
}

/** Fields already refused are refused again in the language just chosen. */
function sayValidityAgain() {
  for (const input of document.querySelectorAll("input, select, textarea")) {
    if (input.validity.customError) sayValidity(input);
  }
}

async function boot() {
  await loadLanguage(storedLanguage());
  applyLabels();
  watchValidity();
  for (const button of document.querySelectorAll("[data-lang]")) {
    button.addEventListener("click", () => switchLanguage(button.dataset.lang));
  }
  document.getElementById("logout").addEventListener("click", () => signOut());
  window.addEventListener("fupin:unauthorized", () => {
    if (session.profile) signOut("expired");
  });
  window.addEventListener("hashchange", route);
  codeLists().catch(() => null);
  if (getToken()) {
    try {
      await loadProfile();
    } catch {
      clearToken();
      session.profile = null;
    }
  }
  await route();
  document.body.dataset.ready = "true";
}

boot().catch((error) => {
  main().replaceChildren(problemBox(error));
});
