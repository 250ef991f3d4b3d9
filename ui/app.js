// The UI's state machine: starting → signed out ⇄ waiting for the browser →
// dashboard (→ expired → signed out). Data comes only from Tauri commands.

import * as ipc from "./ipc.js";
import { $, h } from "./dom.js";
import { clock } from "./format.js";
import { renderPanel, loading, onCallView, sourcesView, sessionView } from "./panels.js";

/** Background refresh: ilert allows 120 requests a minute per user key; a dashboard load is ~6. */
const REFRESH_MS = 60_000;

/** @type {import("./ipc.js").AppInfo} */
let info;
/** @type {import("./ipc.js").SessionInfo|null} */
let session = null;
/** The last good data of each panel, kept to show while stale. */
let last = { onCall: null, sources: null, fetchedAt: null };
let timer = null;
let refreshing = false;
let nextRefreshMs = REFRESH_MS;

function status(text, kind = "info") {
  const s = $("status");
  s.textContent = text;
  s.dataset.kind = kind;
}

function show(view) {
  document.body.dataset.view = view;
  for (const v of document.querySelectorAll(".view")) v.hidden = v.id !== `view-${view}`;
  const signedIn = view === "dashboard";
  $("refresh").hidden = !signedIn;
  $("who").hidden = !signedIn;
  if (!signedIn) $("updated").textContent = "";
  // Move focus to the new view's heading, for keyboard and screen-reader users.
  document.querySelector(`#view-${view} h2`)?.focus({ preventScroll: true });
}

function message(el, text) {
  el.textContent = text ?? "";
  el.hidden = !text;
}

// ---- signed out -------------------------------------------------------------

/** The header badge: always what is true now (signed in, demo, or what a sign-in would use). */
function badge() {
  $("mode").textContent = session
    ? (session.demo ? "Demo" : `Tenant ${session.tenant}`)
    : info.mode === "demo" ? "Demo available" : info.tenant ? `Tenant ${info.tenant}` : "ilert";
}

async function showSignedOut(note = null, isError = false) {
  session = null;
  stopTimer();
  last = { onCall: null, sources: null, fetchedAt: null };
  info = await ipc.appInfo();
  badge();
  const demoOnly = info.mode === "demo";
  $("try-demo").hidden = !demoOnly;
  $("no-client").hidden = !demoOnly;
  $("hint-redirect").textContent = info.redirectUri;
  const err = $("signed-out-error");
  message(err, note);
  err.classList.toggle("error", isError);
  err.classList.toggle("note", !isError);
  await loadSettings();
  show("signed-out");
  status(demoOnly ? "Signed out · no client ID configured" : `Signed out · ${info.authorizeHost}`);
}

async function loadSettings() {
  const s = await ipc.getSettings();
  const form = $("settings-form");
  for (const name of ["clientId", "tenant", "redirectUri", "scopes", "authUrl", "apiUrl"]) {
    const input = form.elements.namedItem(name);
    input.value = s.file[name] ?? "";
    input.placeholder = name === "redirectUri" ? s.defaultRedirectUri : name === "scopes" ? s.defaultScopes : input.placeholder;
    input.disabled = s.fromEnvironment.includes(name);
    if (input.disabled) input.value = s.effective[name] ?? "";
  }
  $("settings-file").textContent = s.settingsFile;
  message($("settings-env"), s.fromEnvironment.length ? `Set by environment variables, which win over this form: ${s.fromEnvironment.join(", ")}.` : null);
}

async function saveSettings(ev) {
  ev.preventDefault();
  const form = $("settings-form");
  const data = Object.fromEntries(["clientId", "tenant", "redirectUri", "scopes", "authUrl", "apiUrl"].map((n) => [n, form.elements.namedItem(n).value || null]));
  const result = $("settings-result");
  try {
    await ipc.setSettings(data);
    result.textContent = "Saved.";
    result.dataset.kind = "ok";
    await showSignedOut();
    $("settings").open = true;
  } catch (e) {
    result.textContent = e.message ?? String(e);
    result.dataset.kind = "error";
  }
}

// ---- signing in -------------------------------------------------------------

async function signIn(demo, addScope = null) {
  const wasSignedIn = session != null;
  if (!demo && info.mode === "demo") {
    // No client ID: say so at once instead of flashing the waiting screen.
    await showSignedOut("Enter the client ID of your ilert app in the settings below first, or try the demo.", true);
    $("settings").open = true;
    $("settings-form").elements.namedItem("clientId").focus();
    return;
  }
  $("authorize-url").value = "";
  $("waiting-text").textContent = "Preparing the sign-in…";
  $("waiting-title").textContent = demo ? "Waiting for you in the browser (demo)…" : "Waiting for you in the browser…";
  show("waiting");
  status("Waiting for the sign-in in the browser…");
  try {
    session = await ipc.signIn(demo, addScope);
    await enterDashboard();
  } catch (e) {
    if (e.kind === "cancelled") {
      if (wasSignedIn) return enterDashboard();
      return showSignedOut("Sign-in cancelled.");
    }
    if (e.kind === "noClientId") $("settings").open = true;
    if (wasSignedIn) {
      await enterDashboard();
      message($("dashboard-error"), `Sign-in failed: ${e.message}`);
      return;
    }
    await showSignedOut(`Sign-in failed: ${e.message ?? e}`, true);
  }
}

function onProgress(p) {
  if (p.step === "waitingForBrowser") {
    $("authorize-url").value = p.authorizeUrl;
    $("waiting-text").textContent = p.browserOpened
      ? "Approve ilert Desktop on ilert's page in your browser. This window comes back by itself."
      : "No browser opened. Copy the link below into your browser and approve ilert Desktop there.";
  } else if (p.step === "signedIn") {
    status("Signed in. Loading…");
  } else if (p.step === "refreshingSession") {
    status("Renewing the session…");
  }
}

async function copyLink() {
  const input = $("authorize-url");
  try {
    await navigator.clipboard.writeText(input.value);
  } catch {
    input.select();
    document.execCommand("copy");
  }
  status("Link copied.");
}

// ---- dashboard --------------------------------------------------------------

async function enterDashboard() {
  message($("dashboard-error"), null);
  $("who").textContent = session.demo ? `${session.username} · demo` : `${session.username} · ${session.tenant}`;
  badge();
  $("panel-session").querySelector(".body").replaceChildren(sessionView(session));
  if (!last.fetchedAt) {
    loading($("panel-on-call"));
    loading($("panel-sources"));
    $("source-count").textContent = "";
  }
  show("dashboard");
  await refresh();
  startTimer();
}

/** The on-call panel joins two core panels: on-calls and schedules. */
function joinOnCall(onCall, schedules) {
  if (onCall.state === "ready" || schedules.state === "ready") {
    // One half ready: show it, and say why the other half is missing.
    const failed = [onCall, schedules].find((p) => p.state === "error");
    return {
      state: "ready",
      data: { onCall: onCall.state === "ready" ? onCall.data : null, schedules: schedules.state === "ready" ? schedules.data : null },
      unreadable: (onCall.unreadable ?? 0) + (schedules.unreadable ?? 0),
      partialError: failed?.message,
    };
  }
  if (onCall.state === "error") return onCall;
  if (schedules.state === "error") return schedules;
  return onCall;
}

async function refresh() {
  if (refreshing || !session) return;
  refreshing = true;
  $("refresh").disabled = true;
  $("updated").textContent = "Refreshing…";
  try {
    const d = await ipc.dashboard();
    nextRefreshMs = (d.nextRefreshSecs ?? REFRESH_MS / 1000) * 1000;
    const panels = [d.user, d.onCall, d.schedules, d.alertSources];
    if (panels.some((p) => p.state === "error" && p.kind === "sessionExpired")) return expired();
    message($("dashboard-error"), null);
    const onCall = joinOnCall(d.onCall, d.schedules);
    renderPanel($("panel-on-call"), onCall, {
      render: (data) => onCallView(data.onCall, data.schedules),
      isEmpty: (data) => !(data.onCall?.policies.length || data.onCall?.myShifts.length || data.schedules?.length),
      empty: "No escalation policies or schedules yet.",
      last: last.onCall, fetchedAt: last.fetchedAt, onGrant: grant, onRetry: refresh,
    });
    renderPanel($("panel-sources"), d.alertSources, {
      render: (data) => sourcesView(data, $("source-filter").value),
      isEmpty: (data) => data.length === 0,
      empty: "No alert sources yet.",
      last: last.sources, fetchedAt: last.fetchedAt, onGrant: grant, onRetry: refresh,
    });
    const sources = d.alertSources.state === "ready" ? d.alertSources.data : last.sources;
    $("source-count").textContent = sources ? `(${sources.length})` : "";
    if (onCall.state === "ready") last.onCall = onCall.data;
    if (d.alertSources.state === "ready") last.sources = d.alertSources.data;
    const failed = panels.filter((p) => p.state === "error");
    if (!failed.length) last.fetchedAt = d.fetchedAt;
    $("updated").textContent = `Updated ${clock(new Date(d.fetchedAt))}`;
    status(failed.length ? `Some data could not be loaded: ${failed[0].message}` : `Signed in as ${session.username}`, failed.length ? "error" : "info");
    // Token expiry and scopes, for the Session panel.
    session = (await ipc.sessionInfo().catch(() => session)) ?? session;
    $("panel-session").querySelector(".body").replaceChildren(sessionView(session));
  } catch (e) {
    if (e.kind === "notSignedIn" || e.kind === "sessionExpired") return expired();
    message($("dashboard-error"), `Could not load the dashboard: ${e.message ?? e}`);
    $("updated").textContent = "";
    status(e.message ?? String(e), "error");
  } finally {
    refreshing = false;
    $("refresh").disabled = false;
  }
}

async function expired() {
  await showSignedOut("Your ilert session has expired or was revoked. Sign in again.", true);
}

async function grant(scope) {
  await signIn(session?.demo ?? false, scope);
}

async function signOut() {
  $("sign-out").disabled = true;
  try {
    const r = await ipc.signOut();
    await showSignedOut(r.message, !r.revoked);
  } catch (e) {
    status(`Sign-out failed: ${e.message ?? e}`, "error");
  } finally {
    $("sign-out").disabled = false;
  }
}

/** The next background refresh, as far off as the core says (longer after ilert rate-limited us). */
function startTimer() {
  stopTimer();
  timer = setTimeout(async () => {
    timer = null;
    if (!document.hidden) await refresh();
    if (session) startTimer();
  }, nextRefreshMs);
}

function stopTimer() {
  if (timer) clearTimeout(timer);
  timer = null;
}

// ---- start ------------------------------------------------------------------

async function start() {
  $("sign-in").addEventListener("click", () => signIn(false));
  $("try-demo").addEventListener("click", () => signIn(true));
  $("cancel-sign-in").addEventListener("click", () => ipc.cancelSignIn());
  $("copy-link").addEventListener("click", copyLink);
  $("settings-form").addEventListener("submit", saveSettings);
  $("refresh").addEventListener("click", refresh);
  $("sign-out").addEventListener("click", signOut);
  $("source-filter").addEventListener("input", () => {
    if (last.sources) $("panel-sources").querySelector(".body").replaceChildren(sourcesView(last.sources, $("source-filter").value));
  });
  document.addEventListener("keydown", (e) => {
    if ((e.key === "F5" || (e.key === "r" && (e.ctrlKey || e.metaKey))) && session) {
      e.preventDefault();
      refresh();
    }
  });
  await ipc.onProgress(onProgress);
  try {
    info = await ipc.appInfo();
    badge();
    status("Checking for a saved sign-in…");
    session = await ipc.sessionInfo();
  } catch (e) {
    if (e.kind === "sessionExpired") return expired();
    if (!info) return status(`Could not start: ${e.message ?? e}`, "error");
    return showSignedOut(`Could not restore your sign-in: ${e.message ?? e}`, true);
  }
  if (session) await enterDashboard();
  else await showSignedOut();
}

start();
