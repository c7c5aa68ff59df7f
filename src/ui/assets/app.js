// DevTrace's web timeline: sessions, a session's timeline by prompt turn,
// diffs, a file's line-by-line history. Plain script, no dependencies,
// nothing loaded from elsewhere. Every text from the record goes into the
// page as text (textContent), never as markup; only the server's
// highlighted code (escaped there) is set as HTML.
"use strict";

const S = {
  store: Number(localStorage.getItem("devtrace.store") || 0),
  stores: [],
  source: null, // the open EventSource
  diffView: localStorage.getItem("devtrace.diffView") || "unified",
};

// ---- small helpers -------------------------------------------------------

function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") e.className = v;
    else if (k === "text") e.textContent = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const kid of kids.flat()) {
    if (kid === null || kid === undefined || kid === false) continue;
    e.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
  }
  return e;
}

function html(tag, cls, markup) {
  const e = document.createElement(tag);
  e.className = cls;
  e.innerHTML = markup; // escaped by the server (highlight.rs)
  return e;
}

async function api(path, params) {
  const q = new URLSearchParams({ store: S.store, ...(params || {}) });
  const r = await fetch(`/api/${path}?${q}`, { credentials: "same-origin" });
  const body = await r.json().catch(() => ({ error: `HTTP ${r.status}` }));
  if (!r.ok) throw new Error(body.error || `HTTP ${r.status}`);
  return body;
}

function textOf(t) {
  // The contract's text: a string, or {text, base64} when not UTF-8.
  if (t === null || t === undefined) return "";
  return typeof t === "string" ? t : t.text || "";
}

function fmtDur(ms) {
  if (ms === null || ms === undefined) return "";
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${Math.round(s % 60)}s`;
  return `${Math.floor(m / 60)}h ${m % 60}m`;
}

function fmtTime(ts) {
  const d = new Date(ts);
  return isNaN(d) ? ts : d.toLocaleString();
}

function fmtClock(ts) {
  const d = new Date(ts);
  return isNaN(d) ? ts : d.toLocaleTimeString();
}

function failed(ev) {
  const d = ev.data || {};
  if (ev.type === "run_command") return d.exit_code !== null && d.exit_code !== undefined && d.exit_code !== 0;
  if (ev.type === "tool_call") return d.is_error === true || (d.exit_code !== null && d.exit_code !== undefined && d.exit_code !== 0);
  if (ev.type === "mcp_call") return d.is_error === true;
  return false;
}

function message(text, cls) {
  return el("p", { class: cls || "muted", text });
}

function closeLive() {
  if (S.source) S.source.close();
  S.source = null;
  document.getElementById("live").classList.remove("on");
}

function openLive(params, onData) {
  closeLive();
  const q = new URLSearchParams({ store: S.store, ...params });
  const src = new EventSource(`/api/live?${q}`);
  src.onopen = () => document.getElementById("live").classList.add("on");
  src.onerror = () => document.getElementById("live").classList.remove("on");
  src.onmessage = (m) => onData(JSON.parse(m.data), src);
  S.source = src;
  return src;
}

function copyButton(cmd) {
  const code = el("code", { class: "cmd", text: cmd });
  const btn = el("button", {
    type: "button",
    class: "small",
    text: "Copy",
    "aria-label": `Copy the command ${cmd}`,
    onclick: async () => {
      try {
        await navigator.clipboard.writeText(cmd);
        btn.textContent = "Copied";
      } catch (_) {
        const r = document.createRange();
        r.selectNodeContents(code);
        getSelection().removeAllRanges();
        getSelection().addRange(r);
        btn.textContent = "Selected";
      }
      setTimeout(() => (btn.textContent = "Copy"), 1500);
    },
  });
  return el("span", { class: "copy" }, code, btn);
}

function storePrefix() {
  const st = S.stores[S.store];
  if (!st || S.stores.length < 2) return "";
  if (st.global) return "";
  return `cd '${st.root}' && `;
}

function globalFlag() {
  const st = S.stores[S.store];
  return st && st.global ? " --global" : "";
}

// ---- the router -----------------------------------------------------------

async function route() {
  closeLive();
  const main = document.getElementById("main");
  const hash = decodeURIComponent(location.hash.slice(1) || "/");
  const [path, query] = hash.split("?");
  const params = new URLSearchParams(query || "");
  const parts = path.split("/").filter(Boolean);
  main.replaceChildren(message("Loading…"));
  try {
    if (parts[0] === "session" && parts[1]) await sessionPage(main, parts[1], params.get("e"));
    else if (parts[0] === "event" && parts[1]) await eventPage(parts[1]);
    else if (parts[0] === "file" && parts.length > 1) await filePage(main, parts.slice(1).join("/"));
    else await sessionsPage(main);
  } catch (e) {
    main.replaceChildren(message(`Error: ${e.message}`, "error"));
  }
}

async function eventPage(id) {
  const { event } = await api("event", { id });
  location.replace(`#/session/${event.session}?e=${event.id}`);
}

// ---- sessions ------------------------------------------------------------

const COLUMNS = [
  ["session", "Session"],
  ["started_at", "Started"],
  ["duration_ms", "Duration"],
  ["shell", "Shell"],
  ["agent", "Agent"],
  ["commands", "Cmds"],
  ["failures", "Fail"],
  ["cwd", "Directory"],
];

async function sessionsPage(main) {
  const data = await api("sessions");
  const st = { rows: data.sessions, sort: "started_at", desc: true, match: null };
  const who = el("select", { id: "f-who", "aria-label": "Who" },
    el("option", { value: "", text: "anyone" }),
    el("option", { value: "person", text: "people" }),
    el("option", { value: "agent", text: "agents" }));
  const shells = [...new Set(st.rows.map((r) => r.shell || "?"))].sort();
  const shell = el("select", { id: "f-shell", "aria-label": "Shell" },
    el("option", { value: "", text: "any shell" }),
    shells.map((s) => el("option", { value: s, text: s })));
  const since = el("select", { id: "f-since", "aria-label": "Since" },
    el("option", { value: "", text: "any time" }),
    el("option", { value: "3600", text: "last hour" }),
    el("option", { value: "86400", text: "last day" }),
    el("option", { value: "604800", text: "last week" }));
  const fails = el("input", { type: "checkbox", id: "f-failed" });
  const search = el("input", { type: "search", id: "f-search", placeholder: "commands containing…", "aria-label": "Search commands" });
  const tbody = el("tbody");
  const count = el("span", { class: "muted" });
  const heads = COLUMNS.map(([key, label]) =>
    el("th", {}, el("button", { type: "button", class: "sort", "data-key": key, text: label, onclick: () => {
      st.desc = st.sort === key ? !st.desc : key !== "session" && key !== "cwd" && key !== "shell" && key !== "agent";
      st.sort = key;
      draw();
    } })));
  const draw = () => {
    const now = Date.now();
    let rows = st.rows.filter((r) => {
      if (who.value === "person" && r.agent) return false;
      if (who.value === "agent" && !r.agent) return false;
      if (shell.value && (r.shell || "?") !== shell.value) return false;
      if (since.value && now - Date.parse(r.last_at) > Number(since.value) * 1000) return false;
      if (fails.checked && !r.failures) return false;
      if (st.match && !st.match[r.session]) return false;
      return true;
    });
    rows.sort((a, b) => {
      const x = a[st.sort] ?? "", y = b[st.sort] ?? "";
      const c = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y));
      return st.desc ? -c : c;
    });
    for (const h of heads) {
      const k = h.firstChild.dataset.key;
      h.setAttribute("aria-sort", k === st.sort ? (st.desc ? "descending" : "ascending") : "none");
    }
    tbody.replaceChildren(...rows.map((r) => el("tr", { class: r.failures ? "has-fail" : "" },
      el("td", {}, el("a", { href: `#/session/${r.session}`, class: "sid", text: r.session.slice(0, 12) })),
      el("td", { title: r.started_at, text: fmtTime(r.started_at) }),
      el("td", { text: fmtDur(r.duration_ms) + (r.ended_at ? "" : "+") }),
      el("td", { text: r.shell || "?" }),
      el("td", { text: r.agent || "-" }),
      el("td", { class: "num", text: r.commands }),
      el("td", { class: `num ${r.failures ? "fail" : ""}`, text: r.failures }),
      el("td", { class: "path", text: r.cwd || "" }),
      st.match ? el("td", { class: "num", text: `${st.match[r.session]} match` }) : null)));
    count.textContent = `${rows.length} of ${st.rows.length} sessions`;
  };
  let timer = null;
  search.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const q = search.value.trim();
      st.match = q ? (await api("search", { q }).catch(() => ({ sessions: {} }))).sessions : null;
      draw();
    }, 200);
  });
  for (const f of [who, shell, since, fails]) f.addEventListener("change", draw);
  const table = el("table", { class: "sessions" }, el("thead", {}, el("tr", {}, heads)), tbody);
  main.replaceChildren(
    el("h1", { text: "Sessions" }),
    el("div", { class: "filters" }, who, shell, since,
      el("label", {}, fails, " with failures"), search, count),
    st.rows.length ? table : message("No sessions recorded in this store yet."));
  draw();
  openLive({ after: data.last_n }, async () => {
    const fresh = await api("sessions").catch(() => null);
    if (fresh) { st.rows = fresh.sessions; draw(); }
  });
}

// ---- a session -------------------------------------------------------------

const KINDS = {
  run_command: "command", tool_call: "tool", mcp_call: "tool", prompt: "prompt",
  edit_files: "change", note: "note", git_snapshot: "snapshot", turn_end: "prompt",
  session_start: "session", session_end: "session",
};

async function sessionPage(main, wanted, focus) {
  const first = await api("events", { session: wanted });
  const id = first.id;
  const row = first.session || {};
  const T = { events: [], byId: new Map(), edits: new Map(), after: 0, more: false };
  const list = el("div", { class: "timeline", id: "timeline" });
  const moreBtn = el("button", { type: "button", id: "more", text: "Load more", onclick: () => loadMore() });
  const typeBoxes = ["command", "tool", "prompt", "change", "note", "snapshot", "session"].map((k) =>
    el("label", {}, el("input", { type: "checkbox", checked: true, "data-kind": k, class: "f-type", onchange: () => applyFilters() }), ` ${k}`));
  const status = el("select", { id: "f-status", "aria-label": "Status", onchange: () => applyFilters() },
    el("option", { value: "", text: "any status" }),
    el("option", { value: "failed", text: "only failures" }),
    el("option", { value: "ok", text: "hide failures" }));
  const text = el("input", { type: "search", id: "f-text", placeholder: "filter text…", "aria-label": "Filter by text", oninput: () => applyFilters() });
  const total = el("span", { class: "muted" });

  const ingest = (events) => {
    const fresh = [];
    for (const ev of events) {
      if (T.byId.has(ev.id)) continue;
      T.byId.set(ev.id, ev);
      T.events.push(ev);
      T.after = Math.max(T.after, ev.seq);
      fresh.push(ev);
    }
    return fresh;
  };
  const render = (events) => {
    for (const ev of events) {
      if (ev.type === "edit_files" && ev.data.cause && T.byId.has(ev.data.cause)) {
        const host = list.querySelector(`[data-id="${ev.data.cause}"] .files`);
        if (host) {
          host.append(...fileChips(ev));
          const tools = host.closest(".item").querySelector(".tools");
          tools.querySelector(".copy").replaceWith(copyButton(tools.dataset.diffCmd));
          continue;
        }
      }
      let into = list.lastElementChild;
      if (ev.type === "prompt" || !into || !into.classList.contains("turn")) {
        into = el("section", { class: "turn" }, ev.type === "prompt" ? null : el("h2", { class: "turn-head muted", text: "Before any prompt" }));
        list.append(into);
      }
      into.append(item(ev, T));
    }
    total.textContent = `${T.events.length} of ${Math.max(first.total, T.events.length)} events`;
    moreBtn.hidden = !T.more;
    applyFilters();
  };
  const applyFilters = () => {
    const on = new Set([...document.querySelectorAll(".f-type")].filter((b) => b.checked).map((b) => b.dataset.kind));
    const q = text.value.trim().toLowerCase();
    for (const it of list.querySelectorAll(".item")) {
      const ev = T.byId.get(it.dataset.id);
      let show = on.has(KINDS[ev.type] || "session");
      if (status.value === "failed") show = show && failed(ev);
      if (status.value === "ok") show = show && !failed(ev);
      if (q) show = show && it.textContent.toLowerCase().includes(q);
      it.hidden = !show;
    }
  };
  const loadMore = async () => {
    const page = await api("events", { session: id, after: T.after });
    T.more = page.more;
    render(ingest(page.events));
  };

  T.more = first.more;
  main.replaceChildren(
    el("nav", { class: "crumbs" }, el("a", { href: "#/", text: "Sessions" }), " / ", el("span", { class: "sid", text: id })),
    el("h1", {}, row.agent ? `${row.agent} session` : `${row.shell || "shell"} session`),
    el("p", { class: "muted" },
      `${fmtTime(row.started_at)} · ${row.shell || "?"} · ${row.commands} commands · `,
      el("span", { class: row.failures ? "fail" : "", text: `${row.failures} failed` }),
      ` · ${row.cwd || ""}`),
    el("p", {}, copyButton(`${storePrefix()}devtrace show${globalFlag()} --session ${id.slice(0, 12)} --ids`)),
    el("div", { class: "filters" }, typeBoxes, status, text, total,
      el("span", { class: "seg" },
        el("button", { type: "button", id: "view-unified", "aria-pressed": S.diffView === "unified", text: "Unified", onclick: () => setView("unified") }),
        el("button", { type: "button", id: "view-split", "aria-pressed": S.diffView === "split", text: "Side by side", onclick: () => setView("split") }))),
    list, moreBtn);
  render(ingest(first.events));
  while (focus && !T.byId.has(focus) && T.more) await loadMore();
  if (focus) {
    const it = list.querySelector(`[data-id="${focus}"]`);
    if (it) { it.classList.add("focused"); it.scrollIntoView({ block: "center" }); it.focus(); }
  }
  openLive({ session: id, after: T.after }, (events) => {
    if (T.more) return; // not everything before is shown yet
    render(ingest(events));
  });
}

function setView(v) {
  S.diffView = v;
  localStorage.setItem("devtrace.diffView", v);
  document.getElementById("view-unified").setAttribute("aria-pressed", v === "unified");
  document.getElementById("view-split").setAttribute("aria-pressed", v === "split");
  for (const d of document.querySelectorAll(".diff")) drawDiff(d, d._data);
}

function fileChips(edit) {
  return (edit.data.files || []).map((f) => {
    const path = textOf(f.path);
    return el("a", { class: `chip ${f.change}`, href: `#/file/${encodeURIComponent(path)}`, title: `${f.change}: open its line-by-line history`, text: path });
  });
}

function summary(ev) {
  const d = ev.data || {};
  switch (ev.type) {
    case "run_command": return textOf(d.command);
    case "tool_call": {
      const i = d.input || {};
      const arg = i.command || i.file_path || i.path || i.pattern || i.url || "";
      return `${d.tool}${arg ? " " + arg : ""}`;
    }
    case "mcp_call": return `${d.server || "mcp"} · ${d.tool || "?"}`;
    case "prompt": return d.text || "";
    case "note": return d.text || "";
    case "git_snapshot": return `snapshot ${d.label || ""}${d.files_changed != null ? ` (${d.files_changed} files)` : ""}`;
    case "edit_files": return (d.files || []).map((f) => textOf(f.path)).join(", ");
    case "turn_end": return d.message || "turn ended";
    case "session_start": return `started ${d.shell || ""} on ${d.host || "?"}`;
    case "session_end": return `ended${d.reason ? ` (${d.reason})` : ""}`;
    default: return ev.type;
  }
}

function item(ev, T) {
  const d = ev.data || {};
  const kind = KINDS[ev.type] || "other";
  const bad = failed(ev);
  const head = el("div", { class: "row" },
    el("time", { datetime: ev.ts, title: ev.ts, text: fmtClock(ev.ts) }),
    el("span", { class: `badge k-${kind}`, text: ev.type === "tool_call" ? "tool" : kind }),
    el(kind === "command" || kind === "tool" ? "code" : "span", { class: "what", text: summary(ev) }),
    ev.not_utf8 ? el("span", { class: "badge warn", text: "not UTF-8" }) : null,
    ev.type === "run_command" || ev.type === "tool_call" || ev.type === "mcp_call"
      ? el("span", { class: `status ${bad ? "fail" : "ok"}`, text: bad ? `✗ ${d.exit_code ?? "error"}` : (d.exit_code != null ? `✓ ${d.exit_code}` : "✓") })
      : null,
    d.duration_ms != null ? el("span", { class: "dur muted", text: fmtDur(d.duration_ms) }) : null,
    el("a", { class: "perma", href: `#/event/${ev.id}`, title: "Permalink to this event", text: "#" }));
  const body = el("div", { class: "body" });
  if (ev.type === "tool_call" && (d.reasoning || d.intent)) {
    body.append(el("p", { class: "why" }, el("b", { text: "why: " }), d.intent || d.reasoning));
  }
  const files = el("div", { class: "files" });
  if (ev.type === "edit_files") {
    files.append(...fileChips(ev));
    if (!d.cause && d.causes && d.causes.length) body.append(el("p", { class: "muted", text: `made by one of ${d.causes.length} commands running together` }));
    else if (!d.cause) body.append(el("p", { class: "muted", text: "changed between commands" }));
  }
  if (ev.type === "tool_call" && d.output) {
    body.append(el("details", {}, el("summary", { text: "output" }), el("pre", { class: "out", text: d.output })));
  }
  if (ev.type === "mcp_call") {
    body.append(el("details", {}, el("summary", { text: "arguments and result" }),
      el("pre", { class: "out", text: JSON.stringify({ arguments: d.arguments, result: d.result }, null, 2) })));
  }
  const changes = ["run_command", "tool_call", "edit_files", "git_snapshot"].includes(ev.type);
  const diffBox = el("div", { class: "diffs" });
  const tools = el("div", { class: "tools" });
  if (changes) {
    const btn = el("button", { type: "button", class: "small show-diff", "aria-expanded": "false", text: "Show changes", onclick: () => toggleDiff(ev, btn, diffBox) });
    tools.append(btn);
  }
  // What shows the same in a terminal: its diff once it is known to have
  // changed files, else its session's timeline with ids.
  const diffCmd = `${storePrefix()}devtrace diff${globalFlag()} ${ev.id}`;
  const showCmd = `${storePrefix()}devtrace show${globalFlag()} --session ${ev.session.slice(0, 12)} --ids --output`;
  tools.append(copyButton(ev.type === "edit_files" || ev.type === "git_snapshot" ? diffCmd : showCmd));
  tools.dataset.diffCmd = diffCmd;
  const node = el("article", {
    class: `item k-${kind} ${bad ? "failed" : ""} ${["run_command", "tool_call", "mcp_call", "edit_files", "note", "git_snapshot"].includes(ev.type) ? "nested" : ""}`,
    "data-id": ev.id, "data-type": ev.type, tabindex: "0",
  }, head, body, files, tools, diffBox);
  if (ev.type === "prompt") node.classList.add("prompt");
  return node;
}

async function toggleDiff(ev, btn, box) {
  if (btn.getAttribute("aria-expanded") === "true") {
    box.replaceChildren();
    btn.setAttribute("aria-expanded", "false");
    btn.textContent = "Show changes";
    return;
  }
  btn.setAttribute("aria-expanded", "true");
  btn.textContent = "Hide changes";
  box.replaceChildren(message("Loading…"));
  try {
    const data = await api("diff", { id: ev.id });
    if (!data.files.length) { box.replaceChildren(message("No files changed.")); return; }
    box.replaceChildren(...data.files.map((f) => {
      const d = el("div", { class: "diff" });
      d._data = f;
      drawDiff(d, f);
      return d;
    }));
  } catch (e) {
    box.replaceChildren(message(e.message, "error"));
  }
}

function drawDiff(box, f) {
  const title = el("div", { class: "diff-head" },
    el("a", { href: `#/file/${encodeURIComponent(f.path)}`, text: f.from ? `${f.from} → ${f.path}` : f.path }),
    el("span", { class: `chip ${f.change}`, text: f.change }),
    f.insertions != null ? el("span", { class: "muted", text: ` +${f.insertions} −${f.deletions}` }) : null,
    f.not_utf8 ? el("span", { class: "badge warn", text: "not UTF-8" }) : null);
  if (!f.kept) { box.replaceChildren(title, message("Contents not kept (the file was too large, or its objects are gone).")); return; }
  if (f.binary) { box.replaceChildren(title, message("Binary file: not shown.", "binary")); return; }
  const table = el("table", { class: `code diff-${S.diffView}` });
  const tb = el("tbody");
  if (S.diffView === "split") {
    const rows = f.rows;
    for (let i = 0; i < rows.length;) {
      const r = rows[i];
      if (r.k === "@" || r.k === "\\") { tb.append(el("tr", { class: "hunk" }, html("td", "", r.h))); tb.lastChild.firstChild.colSpan = 4; i++; continue; }
      if (r.k === " ") { tb.append(splitRow(r, r)); i++; continue; }
      const dels = [], adds = [];
      while (i < rows.length && rows[i].k === "-") dels.push(rows[i++]);
      while (i < rows.length && rows[i].k === "+") adds.push(rows[i++]);
      for (let j = 0; j < Math.max(dels.length, adds.length); j++) tb.append(splitRow(dels[j], adds[j]));
    }
  } else {
    for (const r of f.rows) {
      if (r.k === "@" || r.k === "\\") { const tr = el("tr", { class: "hunk" }, html("td", "", r.h)); tr.firstChild.colSpan = 3; tb.append(tr); continue; }
      tb.append(el("tr", { class: r.k === "+" ? "add" : r.k === "-" ? "del" : "ctx" },
        el("td", { class: "ln", text: r.o ?? "" }), el("td", { class: "ln", text: r.n ?? "" }),
        html("td", "src", `<span class="mark">${r.k === " " ? " " : r.k}</span>${r.h}`)));
    }
  }
  table.append(tb);
  box.replaceChildren(...[title, table, f.cut ? message("(cut: the diff is longer than shown)") : null].filter(Boolean));
}

function splitRow(l, r) {
  const side = (x, cls) => x
    ? [el("td", { class: "ln", text: x.k === "+" ? x.n : x.o }), html("td", `src ${cls}`, x.h)]
    : [el("td", { class: "ln" }), el("td", { class: "src none" })];
  return el("tr", { class: "ctx" }, side(l, l && l.k === "-" ? "del" : ""), side(r && r.k === " " ? { ...r, k: "+" } : r, r && r.k === "+" ? "add" : ""));
}

// ---- a file ----------------------------------------------------------------

async function filePage(main, path) {
  const f = await api("file", { path });
  const head = [
    el("nav", { class: "crumbs" }, el("a", { href: "#/", text: "Sessions" }), " / file"),
    el("h1", {}, el("code", { text: f.path })),
    el("p", {}, copyButton(`${storePrefix()}devtrace explain${globalFlag()} ${f.path}:LINE`)),
  ];
  if (f.binary) { main.replaceChildren(...head, message(`Binary file (${f.size} bytes): not shown.`, "binary")); return; }
  const tb = el("tbody");
  let prev;
  f.lines.forEach((l, i) => {
    const n = i + 1;
    const ch = l.c ? f.changes[l.c] : null;
    let note = el("td", { class: "blame" });
    if (l.c !== prev) {
      if (ch) note = el("td", { class: "blame" }, blameNote(ch));
      else note = el("td", { class: "blame muted", text: "not recorded" });
    }
    prev = l.c;
    tb.append(el("tr", { id: `L${n}`, class: l.c !== undefined && l.c === f.lines[i - 1]?.c ? "same" : "first" },
      note, el("td", { class: "ln", text: n }), html("td", "src", l.h)));
  });
  main.replaceChildren(...[...head,
    f.not_utf8 ? el("p", {}, el("span", { class: "badge warn", text: "not UTF-8: shown with \ufffd for the bad bytes" })) : null,
    el("table", { class: "code blame-view" }, tb),
    f.cut ? message("(cut: the file is longer than shown)") : null].filter(Boolean));
}

function blameNote(ch) {
  const who = ch.cause ? [ch.cause] : ch.causes;
  return el("div", {},
    el("a", { href: `#/event/${ch.edit.id}`, class: "muted", title: ch.edit.ts, text: fmtTime(ch.edit.ts) }),
    who.length
      ? who.map((c) => el("div", {}, el("a", { href: `#/event/${c.id}`, class: "by" }, el("code", { text: c.what })), c.agent ? el("span", { class: "muted", text: ` (${c.agent})` }) : null))
      : el("div", { class: "muted", text: "between commands" }),
    ch.causes.length > 1 && !ch.cause ? el("div", { class: "muted", text: "one of these" }) : null,
    ch.prompt ? el("div", { class: "ask", title: ch.prompt.text, text: `“${ch.prompt.text}”` }) : null);
}

// ---- set-up ---------------------------------------------------------------

function setTheme(t) {
  document.documentElement.dataset.theme = t;
  localStorage.setItem("devtrace.theme", t);
}

function keys(e) {
  if (e.target.closest("input, select, textarea")) return;
  if (e.key !== "j" && e.key !== "k") return;
  const items = [...document.querySelectorAll(".item:not([hidden])")];
  if (!items.length) return;
  const at = items.indexOf(document.activeElement.closest(".item"));
  const next = items[Math.min(items.length - 1, Math.max(0, at + (e.key === "j" ? 1 : -1)))];
  next.focus();
  next.scrollIntoView({ block: "nearest" });
}

async function start() {
  const saved = localStorage.getItem("devtrace.theme");
  setTheme(saved || (matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light"));
  document.getElementById("theme").addEventListener("click", () =>
    setTheme(document.documentElement.dataset.theme === "dark" ? "light" : "dark"));
  document.getElementById("fileform").addEventListener("submit", (e) => {
    e.preventDefault();
    const p = document.getElementById("filepath").value.trim().replace(/^\.?\//, "");
    if (p) location.hash = `#/file/${encodeURIComponent(p)}`;
  });
  document.addEventListener("keydown", keys);
  // The token has done its job (the cookie carries it now): keep it out
  // of the address bar and history.
  if (location.search.includes("token=")) history.replaceState(null, "", `/${location.hash}`);
  const info = await api("stores").catch(() => ({ stores: [] }));
  S.stores = info.stores;
  if (S.store >= S.stores.length) S.store = 0;
  const sel = document.getElementById("store");
  if (S.stores.length > 1) {
    sel.hidden = false;
    sel.replaceChildren(...S.stores.map((s) => el("option", { value: s.index, text: s.global ? "global (~/.devtrace)" : s.root })));
    sel.value = S.store;
    sel.addEventListener("change", () => { S.store = Number(sel.value); localStorage.setItem("devtrace.store", S.store); location.hash = "#/"; route(); });
  }
  window.addEventListener("hashchange", route);
  route();
}

start();
