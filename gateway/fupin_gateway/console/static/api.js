// The gateway's API: the bearer token (kept in sessionStorage), RFC 9457 problem documents as errors,
// fetch() streaming for the SSE feed (EventSource cannot send the Authorization header), and blobs.

const TOKEN_KEY = "fupin.token";

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.title = problem.title || `HTTP ${status}`;
    this.detail = problem.detail || "";
    this.errors = Array.isArray(problem.errors) ? problem.errors : [];
    this.problem = problem;
  }
}

export function getToken() {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function setToken(token) {
  sessionStorage.setItem(TOKEN_KEY, token);
}

export function clearToken() {
  try {
    sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    /* nothing stored */
  }
}

/** The token's claims, unverified (the gateway and every service verify it; this is only for display). */
export function claims(token = getToken()) {
  if (!token) return null;
  try {
    const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const json = decodeURIComponent(
      Array.from(atob(part), (c) => `%${c.charCodeAt(0).toString(16).padStart(2, "0")}`).join(""),
    );
    return JSON.parse(json);
  } catch {
    return null;
  }
}

async function problemOf(response) {
  const type = response.headers.get("content-type") || "";
  try {
    if (type.includes("json")) {
      const body = await response.json();
      if (body && typeof body === "object") {
        // OAuth errors (RFC 6749) carry error / error_description instead of title / detail.
        return {
          ...body,
          title: body.title || body.error || response.statusText,
          detail: body.detail || body.error_description || "",
        };
      }
    }
    const text = await response.text();
    return { title: response.statusText || `HTTP ${response.status}`, detail: text.slice(0, 300) };
  } catch {
    return { title: response.statusText || `HTTP ${response.status}`, detail: "" };
  }
}

function unauthorized() {
  window.dispatchEvent(new CustomEvent("fupin:unauthorized"));
}

function newKey() {
  if (globalThis.crypto && typeof crypto.randomUUID === "function") return crypto.randomUUID();
  return `${Date.now()}-${Math.random().toString(16).slice(2)}`;
}

/**
 * Call the API. `auth` (default true) sends the bearer token; `json` is a JSON body; `form` a
 * x-www-form-urlencoded one; `idempotent` adds an Idempotency-Key so a retried step is not done twice.
 */
export async function api(path, options = {}) {
  const response = await send(path, options);
  if (response.status === 204) return null;
  const text = await response.text();
  return text ? JSON.parse(text) : null;
}

/**
 * One page of a list the API pages with a `Next-Cursor` header (notices, objections, batches, the public
 * board): `{items, next_cursor}`, the cursor null on the last page.
 */
export async function apiPage(path, options = {}) {
  const response = await send(path, options);
  const text = await response.text();
  return { items: text ? JSON.parse(text) : [], next_cursor: response.headers.get("Next-Cursor") };
}

/** The answer to a call, or the ApiError of a refusal (a 401 with a token ends the session). */
async function send(path, { method = "GET", json, form, auth = true, signal, idempotent = false } = {}) {
  const headers = { Accept: "application/json, application/problem+json" };
  let body;
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  } else if (form !== undefined) {
    headers["Content-Type"] = "application/x-www-form-urlencoded";
    body = new URLSearchParams(form).toString();
  }
  const token = auth ? getToken() : null;
  if (token) headers.Authorization = `Bearer ${token}`;
  if (idempotent) headers["Idempotency-Key"] = newKey();
  const response = await fetch(path, { method, headers, body, signal, credentials: "omit" });
  if (!response.ok) {
    const problem = await problemOf(response);
    if (response.status === 401 && token) unauthorized();
    const error = new ApiError(response.status, problem);
    error.retryAfter = response.headers.get("Retry-After");
    throw error;
  }
  return response;
}

export async function login(username, password) {
  const issued = await api("/oauth/token", {
    method: "POST",
    form: { grant_type: "password", username, password },
    auth: false,
  });
  setToken(issued.access_token);
  return issued;
}

/** A file the API serves to an authorised caller (the household card PDF), as a blob. */
export async function fetchBlob(path) {
  const token = getToken();
  const response = await fetch(path, {
    headers: token ? { Authorization: `Bearer ${token}` } : {},
    credentials: "omit",
  });
  if (!response.ok) {
    const problem = await problemOf(response);
    if (response.status === 401 && token) unauthorized();
    throw new ApiError(response.status, problem);
  }
  return response.blob();
}

/**
 * Server-sent events over fetch() with the Authorization header. Calls onEvent({id, event, data}) for
 * each event; resolves when the server ends the stream; rejects with ApiError on a refused request.
 */
export async function streamEvents(path, { signal, lastEventId, onEvent, onOpen }) {
  const token = getToken();
  const headers = { Accept: "text/event-stream" };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (lastEventId) headers["Last-Event-ID"] = String(lastEventId);
  const response = await fetch(path, { headers, signal, credentials: "omit", cache: "no-store" });
  if (!response.ok) {
    const problem = await problemOf(response);
    if (response.status === 401 && token) unauthorized();
    throw new ApiError(response.status, problem);
  }
  if (onOpen) onOpen();
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let current = { data: [] };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let newline;
    while ((newline = buffer.search(/\r\n|\r|\n/)) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + (buffer.startsWith("\r\n", newline) ? 2 : 1));
      if (line === "") {
        if (current.data.length) {
          onEvent({ id: current.id, event: current.event || "message", data: current.data.join("\n") });
        }
        current = { data: [] };
        continue;
      }
      if (line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      let data = colon < 0 ? "" : line.slice(colon + 1);
      if (data.startsWith(" ")) data = data.slice(1);
      if (field === "data") current.data.push(data);
      else if (field === "event") current.event = data;
      else if (field === "id") current.id = data;
    }
  }
}
