/* The page of `ragtune serve`: ask every checked variant the same question and see the answers side by side,
   with their sources, timings and tokens. Plain script, no build step, nothing fetched from elsewhere.
   Every piece of data (answers, titles, passages, errors) enters the page as text nodes, never as HTML.
   docs.js adds the documents panel on the shared `RT` object. */
"use strict";

const RT = (window.RT = {});
const KEY_STORE = "ragtune.apiKey";
const $ = (selector, root = document) => root.querySelector(selector);

/** An element with attributes and children; strings become text nodes, so nothing is parsed as HTML. */
RT.el = function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") node.className = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) if (child !== null && child !== undefined) node.append(child);
  return node;
};

/** A message in the live region (read out by screen readers); kind: "", "warn" or "error". */
RT.say = function say(message, kind = "") {
  const status = $("#status");
  status.textContent = message;
  status.className = kind;
};

RT.key = () => sessionStorage.getItem(KEY_STORE) || "";

/** Show the index version the server reports (after every write, the version that holds it). */
RT.setVersion = function setVersion(version) {
  if (version === undefined || version === null) return;
  const out = $("#index-version");
  out.textContent = `index version ${version}`;
  out.dataset.version = String(version);
};

/** Call the server: {ok, status, ms, data, message}; `ms` is measured here, up to the parsed body.
    With a key, every request carries it; a 401 asks for the key again. */
RT.api = async function api(path, { method = "GET", body, json } = {}) {
  const headers = {};
  if (RT.key()) headers.Authorization = `Bearer ${RT.key()}`;
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  }
  const start = performance.now();
  let response, data;
  try {
    response = await fetch(path, { method, headers, body, cache: "no-store" });
    const type = response.headers.get("content-type") || "";
    data = type.includes("json") ? await response.json().catch(() => null) : await response.text();
  } catch (e) {
    return { ok: false, status: 0, ms: performance.now() - start, message: `could not reach the server (${e.message})` };
  }
  const ms = performance.now() - start;
  if (response.ok) return { ok: true, status: response.status, ms, data };
  if (response.status === 401) askForKey("The API key was refused: enter a valid one.");
  return { ok: false, status: response.status, ms, data, message: errorText(response, data) };
};

function errorText(response, data) {
  if (response.status === 429) {
    const wait = response.headers.get("retry-after");
    return wait ? `busy, retry in ${wait} s` : "busy, retry in a moment";
  }
  const error = data && typeof data === "object" ? data.error : null;
  return (error && error.message) || `${response.status} ${response.statusText || "error"}`;
}

function askForKey(message) {
  $("#key-form").hidden = false;
  RT.say(message, "warn");
  $("#api-key").focus();
}

/* ---- start: health, then the key if one is needed, then variants and documents ---- */

async function start() {
  $("#key-form").addEventListener("submit", useKey);
  $("#ask-form").addEventListener("submit", ask);
  $("#question").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) ask(e);
  });
  $("#report-link").addEventListener("click", openReport);
  const health = await RT.api("/health");
  if (!health.ok) return RT.say(`The server did not answer /health: ${health.message}`, "error");
  RT.setVersion(health.data.index_version);
  if (health.data.auth_required) {
    $("#key-form").hidden = false;
    $("#api-key").value = RT.key();
    if (!RT.key()) return askForKey("This server needs an API key: enter it above.");
  }
  await loadAll();
}

async function useKey(event) {
  event.preventDefault();
  const key = $("#api-key").value.trim();
  if (!key) return askForKey("Enter the API key.");
  sessionStorage.setItem(KEY_STORE, key);
  await loadAll();
}

async function loadAll() {
  if (await loadVariants()) await RT.docs.load();
}

async function loadVariants() {
  const r = await RT.api("/v1/models");
  if (!r.ok) {
    if (r.status !== 401) RT.say(`Could not list the variants: ${r.message}`, "error"); // 401: the key prompt says it
    return false;
  }
  const models = (r.data.data || []).filter((m) => !(m.ragtune || {}).weights); // weights-*: for other evaluations, not people
  $("#variants").replaceChildren(...models.map(variantChoice));
  $("#ask").disabled = models.length === 0;
  RT.say(models.length ? `${models.length} variants ready.` : "The server serves no variants.", models.length ? "" : "warn");
  return true;
}

function variantChoice(model) {
  const info = model.ragtune || {};
  const parts = [
    info.generator ? `${info.generator}${info.endpoint ? " (endpoint)" : ""}` : "",
    info.retriever ? `${info.retriever} retrieval${info.top_k ? `, top ${info.top_k}` : ""}` : "no retrieval",
    info.adapter ? "fine-tuned (adapter)" : "no adapter",
  ];
  if (info.shots) parts.push(`${info.shots} examples in the prompt`);
  const title = [info.generator, info.adapter].filter(Boolean).join(" + ");
  return RT.el("label", { class: "variant", title: title || null },
    RT.el("input", { type: "checkbox", value: model.id, checked: true }),
    RT.el("span", { class: "name" }, model.id),
    RT.el("span", { class: "desc" }, parts.filter(Boolean).join(" · ")));
}

/* ---- ask: one request per checked variant, in parallel; one card each ---- */

let asking = false;

async function ask(event) {
  if (event) event.preventDefault();
  if (asking || $("#ask").disabled) return;
  const question = $("#question").value.trim();
  if (!question) return RT.say("Type a question first.", "warn");
  const chosen = [...document.querySelectorAll("#variants input[type=checkbox]:checked")].map((box) => box.value);
  if (!chosen.length) return RT.say("Check at least one variant.", "warn");
  const maxTokens = parseInt($("#max-tokens").value, 10);
  const request = (id) => ({ model: id, messages: [{ role: "user", content: question }],
    ...(maxTokens > 0 ? { max_tokens: maxTokens } : {}) });
  const cards = chosen.map(card);
  $("#answers").replaceChildren(...cards);
  asking = true;
  $("#ask").disabled = true;
  RT.say(`Asking ${chosen.length} variant${chosen.length > 1 ? "s" : ""}…`);
  try {
    const replies = await Promise.all(chosen.map(async (id, i) => {
      const r = await RT.api("/v1/chat/completions", { method: "POST", json: request(id) });
      fill(cards[i], r);
      return r;
    }));
    const failed = replies.filter((r) => !r.ok).length;
    if (replies.some((r) => r.status === 401)) return; // the key prompt is the message
    RT.say(failed ? `${failed} of ${chosen.length} failed; see the cards.` : "Answered.", failed ? "warn" : "");
  } finally {
    asking = false;
    $("#ask").disabled = false;
  }
}

function card(id) {
  return RT.el("article", { class: "answer", "data-variant": id, "aria-busy": "true", "aria-label": `answer of ${id}` },
    RT.el("header", {},
      RT.el("h3", {}, id),
      RT.el("span", { class: "figures" },
        RT.el("span", { class: "latency", title: "measured in this browser" }),
        RT.el("span", { class: "tokens" }))),
    RT.el("p", { class: "loading" }, "answering…"),
    RT.el("p", { class: "error", role: "alert", hidden: true }),
    RT.el("div", { class: "text" }),
    RT.el("dl", { class: "timings", "aria-label": "server timings" }),
    RT.el("div", { class: "citations" }),
    RT.el("details", { class: "passages" }, RT.el("summary", {}, "retrieved passages")));
}

function fill(node, r) {
  node.removeAttribute("aria-busy");
  $(".loading", node).remove();
  $(".latency", node).textContent = `${Math.round(r.ms)} ms`;
  if (!r.ok) {
    const error = $(".error", node);
    error.textContent = r.message;
    error.hidden = false;
    return;
  }
  const choice = (r.data.choices || [])[0] || {};
  const text = $(".text", node);
  text.textContent = (choice.message && choice.message.content) || "";
  if (choice.finish_reason === "length") node.classList.add("cut");
  const usage = r.data.usage || {};
  $(".tokens", node).textContent = `${usage.prompt_tokens ?? "?"} prompt · ${usage.completion_tokens ?? "?"} completion tokens`;
  const extra = r.data.ragtune || {};
  $(".timings", node).replaceChildren(...Object.entries(extra.timings || {}).flatMap(([name, seconds]) => [
    RT.el("dt", {}, name.replace(/_s$/, "").replace(/_/g, " ")),
    RT.el("dd", {}, typeof seconds === "number" ? `${Math.round(seconds * 1000)} ms` : String(seconds)),
  ]));
  const citations = extra.citations || [];
  $(".citations", node).replaceChildren(
    RT.el("h4", {}, citations.length ? "Citations" : "No citations"),
    ...citations.map((c) => source("citation", c)));
  const passages = extra.passages || [];
  const list = $(".passages", node);
  list.replaceChildren(
    RT.el("summary", {}, passages.length ? `${passages.length} retrieved passages` : "no passages retrieved"),
    ...passages.map((p) => source("passage", p)));
}

/** A citation or passage: `[n] title — doc_id`, opening to the passage's text. */
function source(kind, item) {
  const page = item.page !== null && item.page !== undefined ? `, page ${item.page}` : "";
  const label = `[${item.n}] ${item.title || item.doc_id || "?"} — ${item.doc_id || "unknown document"}${page}`;
  return RT.el("details", { class: kind, "data-doc-id": item.doc_id, "data-chunk-id": item.chunk_id },
    RT.el("summary", {}, label),
    RT.el("p", { class: "passage-text" }, item.text || "(the passage is not available)"));
}

/* ---- the latest report: fetched with the key, opened from a blob URL ---- */

async function openReport(event) {
  event.preventDefault();
  const r = await RT.api("/report");
  if (r.status === 404) return RT.say("No report yet: run ragtune eval then ragtune report.", "warn");
  if (!r.ok) return RT.say(`Could not fetch the report: ${r.message}`, "error");
  const url = URL.createObjectURL(new Blob([r.data], { type: "text/html" }));
  const tab = window.open(url, "_blank");
  if (!tab) RT.say("The browser blocked the new tab: allow pop-ups for this page.", "warn");
  else RT.say("The report opened in a new tab.");
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

document.addEventListener("DOMContentLoaded", start);
