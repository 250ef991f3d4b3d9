// The UI's state machine: starting → signed out ⇄ waiting for the browser →
// dashboard (→ expired → signed out). Data comes only from the Rust core:
// commands, and the `snapshot` events of its refresh engine, rendered as
// they arrive. No timer, no cache and no joining of panels here.

import * as ipc from "./ipc.js";
import { $, h } from "./dom.js";
import { askedAlert, clock } from "./format.js";
import { renderPanel, latest, onCallView, sourcesView, alertsView, alertDetailView, helpersView, sessionView, checkView, timelineView } from "./panels.js";

/** @type {import("./ipc.js").AppInfo} */
let info;
/** @type {import("./ipc.js").SessionInfo|null} */
let session = null;
/** The snapshot on screen: what the source filter re-renders. */
/** @type {import("./ipc.js").Snapshot|null} */
let shown = null;
let signingOut = false;
/** An alert asked for (a link, a notification) while signed out: opened once signed in. */
let alertAfterSignIn = null;

function status(text, kind = "info") {
  const s = $("status");
  s.textContent = text;
  s.dataset.kind = kind;
}

function show(view) {
  document.body.dataset.view = view;
  for (const v of document.querySelectorAll("section.view")) /** @type {HTMLElement} */ (v).hidden = v.id !== `view-${view}`;
  const signedIn = view === "dashboard";
  $("refresh").hidden = !signedIn;
  $("demo-incident").hidden = !(signedIn && session?.demo);
  $("who").hidden = !signedIn;
  if (!signedIn) $("updated").textContent = "";
  // Move focus to the new view's heading, for keyboard and screen-reader users.
  /** @type {HTMLElement|null} */ (document.querySelector(`#view-${view} h2`))?.focus({ preventScroll: true });
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
  shown = null;
  info = await ipc.appInfo();
  badge();
  const demoOnly = info.mode === "demo";
  // A release with its client ID built in: sign in at once, or try the demo.
  $("try-demo").hidden = !(demoOnly || info.builtInClient);
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

/**
 * The form's setting fields: each named as its Rust field (camelCase), so
 * the list is the form's own and a new setting is one more input.
 * @param {HTMLFormElement} form @returns {HTMLInputElement[]}
 */
function settingInputs(form) {
  return /** @type {HTMLInputElement[]} */ ([...form.elements]).filter((e) => e.name);
}

async function loadSettings() {
  const s = await ipc.getSettings();
  const form = $("settings-form");
  for (const input of settingInputs(form)) {
    const name = input.name;
    // A checkbox left at its default saves nothing (`data-default`: default on).
    if (input.type === "checkbox") input.checked = s.file[name] ?? input.dataset.default === "true";
    else input.value = s.file[name] ?? "";
    input.placeholder =
      name === "redirectUri" ? s.defaultRedirectUri
      : name === "scopes" ? s.defaultScopes
      : name === "clientId" && s.builtInClientId ? `built in: ${s.builtInClientId}`
      : input.placeholder;
    input.disabled = s.fromEnvironment.includes(name);
    if (input.disabled && input.type === "checkbox") input.checked = s.effective[name] === true;
    else if (input.disabled) input.value = s.effective[name] ?? "";
  }
  $("settings-file").textContent = s.settingsFile;
  // A build that does not update itself says so beside the setting that would have no effect.
  message($("self-update"), info?.selfUpdate.whyNot ?? null);
  message($("settings-env"), s.fromEnvironment.length ? `Set by environment variables, which win over this form: ${s.fromEnvironment.join(", ")}.` : null);
}

async function saveSettings(ev) {
  ev.preventDefault();
  const form = $("settings-form");
  const value = (/** @type {HTMLInputElement} */ i) =>
    i.type === "checkbox" ? (i.checked === (i.dataset.default === "true") ? null : i.checked) : i.value === "" ? null : i.type === "number" ? Number(i.value) : i.value;
  const data = /** @type {ipc.Settings} */ (Object.fromEntries(settingInputs(form).map((i) => [i.name, value(i)])));
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
    // The first screen after a sign-in says whether a page would reach this person.
    if (!wasSignedIn) openCheck();
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
  shown = null; // a new sign-in has a new engine, counting from 0
  message($("dashboard-error"), null);
  $("who").textContent = session.demo ? `${session.username} · demo` : `${session.username} · ${session.tenant}`;
  badge();
  $("panel-session").querySelector(".body").replaceChildren(sessionView(session));
  // About this build, where a signed-in person looks: whether it updates itself.
  message($("session-updates"), info?.selfUpdate.whyNot ?? null);
  show("dashboard");
  const now = await ipc.windowFrame();
  if (now.snapshot) render(now.snapshot);
  if (alertAfterSignIn !== null) {
    const id = alertAfterSignIn;
    alertAfterSignIn = null;
    openAlert(id);
  }
}

/** Renders one snapshot of the engine, whether or not this window is visible. */
function render(snap) {
  if (document.body.dataset.view !== "dashboard") return;
  // No account any more; our own sign-out says how it went itself. A frame
  // from before this sign-in's first snapshot (none shown yet) tells nothing.
  if (!snap) return signingOut || !shown ? undefined : showSignedOut("You were signed out.");
  if (snap.sessionEnded) return expired();
  // An answer to `snapshot` may arrive after a newer event: never go back.
  if (shown && snap.account === shown.account && snap.seq < shown.seq) return;
  shown = snap;
  session = snap.session;
  $("refresh").disabled = snap.refreshing;
  renderPanel($("panel-on-call"), snap.onCall, {
    render: (data) => onCallView(data.onCall, data.schedules, snap.session.canCover ? takePager : null),
    isEmpty: (data) => data.empty,
    empty: "No escalation policies or schedules yet.",
    onGrant: grant, onRetry: refresh,
  });
  renderAlerts(snap);
  renderPanel($("panel-sources"), snap.alertSources, {
    render: (data) => sourcesView(data, $("source-filter").value, snap.session.canMaintain ? maintain : null),
    isEmpty: (data) => data.length === 0,
    empty: "No alert sources yet.",
    onGrant: grant, onRetry: refresh,
  });
  const sources = latest(snap.alertSources);
  $("source-count").textContent = sources ? `(${sources.length})` : "";
  $("sources-grant-maintenance").hidden = !(snap.alertSources.state === "ready" && !snap.session.canMaintain);
  const schedules = latest(snap.onCall)?.schedules ?? [];
  $("on-call-grant-cover").hidden = snap.session.canCover || !schedules.some((s) => s.current && !s.current.mine && s.current.userId != null);
  $("updated").textContent = snap.refreshing && !snap.fetchedAt ? "Loading…" : snap.refreshing ? "Refreshing…" : snap.fetchedAt ? `Updated ${clock(new Date(snap.fetchedAt))}` : "";
  if (snap.fetchedAt) {
    status(snap.problem ? `Some data could not be loaded: ${snap.problem}` : `Signed in as ${session.username}`, snap.problem ? "error" : "info");
  }
  $("panel-session").querySelector(".body").replaceChildren(sessionView(session));
  // About this build, where a signed-in person looks: whether it updates itself.
  message($("session-updates"), info?.selfUpdate.whyNot ?? null);
}

/** @param {ipc.Snapshot} snap */
function renderAlerts(snap) {
  renderPanel($("panel-alerts"), snap.alerts, {
    render: (data) => alertsView(data, /** @type {HTMLInputElement} */ ($("alerts-all")).checked, canAct(snap) ? act : null, showAlert),
    isEmpty: (data) => data.alerts.length === 0,
    empty: "No open alerts.",
    onGrant: grant, onRetry: refresh,
  });
  $("alerts-grant-write").hidden = !(snap.alerts.state === "ready" && !canAct(snap));
  const open = latest(snap.alerts);
  const all = /** @type {HTMLInputElement} */ ($("alerts-all")).checked;
  $("alert-count").textContent = open ? `(${all ? open.countedAll : open.countedResponder})` : "";
}

/** Whether the sign-in may change alerts: the core decides (ilert's scope levels), the window follows. @param {ipc.Snapshot} snap */
function canAct(snap) {
  return snap.session.canAct;
}

/** Accept or resolve: every surface changes at once; the answer says how it went. @param {number} id @param {ipc.AlertAction} action */
async function act(id, action) {
  const result = $("alerts-result");
  try {
    const r = await ipc.actOnAlert(id, action);
    result.textContent = r.message;
    result.dataset.kind = "ok";
    // The detail shown is of this alert: show it as it is now.
    if ($("alert-detail").querySelector(`.alert-detail[data-id="${id}"]`)) showAlert(id);
  } catch (e) {
    if (e.kind === "scopeNotGranted") return grant("alert:w");
    result.textContent = `Could not ${action} the alert: ${e.message ?? e}`;
    result.dataset.kind = "error";
  }
}

/** The hand-over at my shift's end, as the notification offers it. @param {ipc.Handover|null} ho */
function renderHandover(ho) {
  $("handover").hidden = !ho;
  if (!ho) return;
  $("handover-title").textContent = ho.title;
  $("handover-alerts").replaceChildren(...ho.alerts.map((a) => h("li", null, a.summary)));
  const reassign = $("handover-reassign");
  reassign.hidden = !ho.to;
  reassign.textContent = ho.to ? `Reassign to ${ho.to.name}` : "";
  reassign.dataset.to = ho.to ? String(ho.to.id) : "";
}

/** Takes on-call on a schedule for a while: every surface shows me on call at once; ilert's answer says until when. @param {number} id @param {ipc.TakeFor} length */
async function takePager(id, length) {
  const result = $("on-call-result");
  try {
    const r = await ipc.takePager(id, length);
    result.textContent = r.message;
    result.dataset.kind = "ok";
  } catch (e) {
    if (e.kind === "scopeNotGranted") return grant("schedule:w");
    result.textContent = `Could not take on-call: ${e.message ?? e}`;
    result.dataset.kind = "error";
  }
}

/** Quiets a source for a deploy: every surface shows it in maintenance at once; the answer says until when. A page of mine pending on it: the window asks first. @param {number} id @param {ipc.MaintainFor} length */
async function maintain(id, length, confirmed = false, resultLine = "sources-result") {
  const result = $(resultLine);
  try {
    const r = await ipc.maintainSource(id, length, confirmed);
    if (!r) return takeQuestion();
    result.textContent = r.message;
    result.dataset.kind = "ok";
  } catch (e) {
    if (e.kind === "scopeNotGranted") return grant("maintenance:w");
    result.textContent = `Could not start maintenance: ${e.message ?? e}`;
    result.dataset.kind = "error";
  }
}

/** Whom to bring in: ilert's suggestions to search, below the alert's facts. @param {number} id @param {ipc.BringHelp} how */
async function openHelpers(id, how) {
  const box = $("alert-detail").querySelector(".detail-help");
  if (!box) return;
  box.replaceChildren(h("p", { class: "muted small" }, "Asking ilert whom it suggests…"));
  let helpers;
  try {
    helpers = await ipc.helpers(id);
  } catch (e) {
    box.replaceChildren(h("p", { class: "error" }, `Could not ask ilert whom it suggests: ${e.message ?? e}`));
    return;
  }
  // Only a person can be added beside the responders; a policy or a schedule takes the alert over.
  if (how === "addResponder") helpers = helpers.filter((x) => x.kind === "person");
  const label = how === "addResponder" ? "Add as a responder" : "Reassign to";
  const search = /** @type {HTMLInputElement} */ (h("input", { type: "search", id: "help-search", placeholder: "Search by name", "aria-label": `${label}: search by name` }));
  const list = h("div", { class: "helper-list" });
  const draw = () => list.replaceChildren(helpersView(helpers, search.value, (who) => bringHelp(id, how, who)));
  search.addEventListener("input", draw);
  draw();
  box.replaceChildren(h("p", { class: "small" }, h("strong", null, label), " ", h("button", { type: "button", class: "link", onclick: () => box.replaceChildren() }, "Cancel")), search, list);
  search.focus();
}

/** Adds a responder or reassigns: every surface changes at once; ilert's answer says how it went. @param {number} id @param {ipc.BringHelp} how @param {ipc.Helper} who */
async function bringHelp(id, how, who) {
  const result = $("alerts-result");
  result.textContent = how === "addResponder" ? `Adding ${who.name}…` : `Reassigning to ${who.name}…`;
  result.dataset.kind = "";
  try {
    const r = await ipc.bringHelp(id, how, who);
    result.textContent = r.message;
    result.dataset.kind = "ok";
  } catch (e) {
    if (e.kind === "scopeNotGranted") return grant("alert:w");
    result.textContent = `${how === "addResponder" ? `Could not add ${who.name}` : `Could not reassign to ${who.name}`}: ${e.message ?? e}`;
    result.dataset.kind = "error";
  }
  // The detail as ilert has it now.
  if ($("alert-detail").querySelector(`.alert-detail[data-id="${id}"]`)) showAlert(id);
}

/** One alert in full, below the list. @param {number} id */
async function showAlert(id) {
  const box = $("alert-detail");
  box.hidden = false;
  box.replaceChildren(h("p", { class: "muted" }, "Loading the alert…"));
  try {
    const d = await ipc.alertDetail(id);
    const help = shown && canAct(shown) ? (/** @type {ipc.BringHelp} */ how) => openHelpers(id, how) : null;
    const quiet = shown?.session.canMaintain && d.sourceId != null && d.status !== "RESOLVED"
      ? (/** @type {ipc.MaintainFor} */ length) => maintain(/** @type {number} */ (d.sourceId), length, false, "alerts-result")
      : null;
    box.replaceChildren(alertDetailView(d, () => ipc.openAlertInIlert(id).catch((e) => status(e.message ?? String(e), "error")), help, quiet));
  } catch (e) {
    box.replaceChildren(h("p", { class: "error" }, `Could not load the alert: ${e.message ?? e}`));
  }
}

/** A notification was clicked or a link opened: show that alert (after the sign-in, when signed out). @param {number} id */
function openAlert(id) {
  if (!session) {
    alertAfterSignIn = id;
    if (document.body.dataset.view !== "signed-out") return;
    const note = $("signed-out-error");
    message(note, `Sign in to see alert ${id}: it opens once you are signed in.`);
    note.classList.remove("error");
    note.classList.add("note");
    return;
  }
  showAlert(id);
  // Its row, where the list shows it (not when it is only among all alerts).
  const row = document.getElementById(`alert-${id}`);
  if (!row) return;
  row.scrollIntoView({ block: "center" });
  // A CSS animation, restarted: the UI keeps no timers.
  row.classList.remove("flash");
  void row.offsetWidth;
  row.classList.add("flash");
}

/** A link pasted outside the form fields: an alert link opens its alert. @param {ClipboardEvent} e */
async function pasted(e) {
  const target = /** @type {HTMLElement|null} */ (e.target);
  if (!session || target?.closest("input, textarea, [contenteditable]")) return;
  const text = e.clipboardData?.getData("text/plain").trim() ?? "";
  if (!text) return;
  e.preventDefault();
  const id = await ipc.alertInLink(text).catch(() => null);
  if (id !== null) openAlert(id);
  else status("That is not a link to an alert: paste ilert-desktop://alert/ID or the alert's page in ilert.", "error");
}

/** Refresh now: the engine asks ilert at once; the result arrives as a snapshot. */
async function refresh() {
  if (!session) return;
  $("refresh").disabled = true;
  try {
    await ipc.refresh();
    message($("dashboard-error"), null);
  } catch (e) {
    if (e.kind === "notSignedIn" || e.kind === "sessionExpired") return expired();
    message($("dashboard-error"), `Could not refresh: ${e.message ?? e}`);
    status(e.message ?? String(e), "error");
  } finally {
    $("refresh").disabled = false;
  }
}

/** Demo mode: an alert arrives through the demo's Events API, then as a notification. */
async function demoIncident() {
  try {
    await ipc.demoIncident();
    status("Demo incident raised: watch for the notification.");
  } catch (e) {
    status(`Could not raise a demo incident: ${e.message ?? e}`, "error");
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
  signingOut = true;
  try {
    const r = await ipc.signOut();
    await showSignedOut(r.message, !r.revoked);
  } catch (e) {
    status(`Sign-out failed: ${e.message ?? e}`, "error");
  } finally {
    signingOut = false;
    $("sign-out").disabled = false;
  }
}

// ---- updates ----------------------------------------------------------------

/** The update bar, in every view: what is known of a newer version. @param {ipc.UpdateView} u */
function renderUpdate(u) {
  const bar = $("update");
  bar.hidden = u.state === "none";
  bar.dataset.state = u.state;
  if (u.state === "none") return;
  $("update-text").textContent =
    u.state === "available" ? `Version ${u.version} is available.`
    : u.state === "installing" ? `Installing version ${u.version}…`
    : u.state === "installed" ? `Version ${u.version} is installed: it runs from the next start.`
    : u.message;
  const notes = $("update-notes");
  notes.hidden = !(u.state === "available" && u.notes);
  notes.querySelector("p").textContent = u.state === "available" ? u.notes ?? "" : "";
  const offered = u.state === "available" || u.state === "failed";
  $("update-install").hidden = !offered;
  $("update-install").textContent = u.state === "failed" ? "Try again" : "Install";
  $("update-later").hidden = !offered;
  $("update-restart").hidden = u.state !== "installed";
}

// ---- asked in the window ----------------------------------------------------

/** @type {ipc.Question|null} */
let question = null;

/** Takes the question the tray left, if any, and shows it; the words are the core's. */
async function takeQuestion() {
  const q = await ipc.asked().catch(() => null);
  if (!q) return;
  question = q;
  $("ask-text").textContent = q.text;
  $("ask-yes").textContent = q.yes;
  $("ask").dataset.alert = q.ask.what === "resolve" ? String(q.ask.id) : "";
  $("ask").hidden = false;
  $("ask-no").focus();
}

function closeQuestion() {
  question = null;
  $("ask").hidden = true;
}

/** Yes: the step the tray chose, done from here. */
async function answerYes() {
  const q = question;
  closeQuestion();
  if (!q) return;
  const a = q.ask;
  if (a.what === "resolve") await act(a.id, "resolve");
  else if (a.what === "signOut") await signOut();
  else if (a.what === "installUpdate") await ipc.installUpdate().catch(() => {});
  else if (a.what === "maintenance") await maintain(a.source, a.length, true);
}

// ---- my shifts ahead ----------------------------------------------------------

/** Shows (or hides again) my next 14 days, read from ilert now. */
async function toggleShiftsAhead() {
  const list = $("shifts-ahead");
  const button = $("shifts-ahead-show");
  if (!list.hidden) {
    list.hidden = true;
    button.setAttribute("aria-expanded", "false");
    return;
  }
  button.disabled = true;
  message($("shifts-ahead-result"), "Reading your shifts from ilert…");
  try {
    list.replaceChildren(...timelineView(await ipc.shiftsAhead()));
    list.hidden = false;
    list.scrollIntoView({ block: "nearest" });
    button.setAttribute("aria-expanded", "true");
    message($("shifts-ahead-result"), null);
  } catch (e) {
    message($("shifts-ahead-result"), `Your shifts could not be read: ${e.message ?? e}`);
  } finally {
    button.disabled = false;
  }
}

async function addToCalendar() {
  $("add-to-calendar").disabled = true;
  try {
    const path = await ipc.saveShiftsCalendar();
    message($("shifts-ahead-result"), path ? `Saved to ${path}: open it with your calendar app to add the shifts.` : null);
  } catch (e) {
    message($("shifts-ahead-result"), `The calendar file could not be saved: ${e.message ?? e}`);
  } finally {
    $("add-to-calendar").disabled = false;
  }
}

// ---- will it ring? -----------------------------------------------------------

let checking = false;

/** Runs the check (with `testPage`, the test page and the alarm too) and shows its lines. */
async function openCheck(testPage = false) {
  const panel = $("check");
  panel.hidden = false;
  if (checking) return;
  checking = true;
  for (const b of ["check-test", "check-again"]) $(b).disabled = true;
  panel.setAttribute("aria-busy", "true");
  $("check-summary").dataset.kind = "";
  $("check-summary").textContent = testPage ? "Press Acknowledge on the test page (you have a minute); the alarm plays for 3 seconds…" : "Checking…";
  $("check-title").focus({ preventScroll: true });
  panel.scrollIntoView({ block: "nearest" });
  try {
    const report = await ipc.willItRing(testPage);
    $("check-lines").replaceChildren(...checkView(report));
    $("check-text").textContent = report.text;
    $("check-summary").dataset.kind = report.rings ? "ok" : "error";
    $("check-summary").textContent = report.rings ? "A page would ring." : "A page would NOT ring: see ✗ below.";
  } catch (e) {
    $("check-summary").dataset.kind = "error";
    $("check-summary").textContent = `The check could not run: ${e.message ?? e}`;
  } finally {
    checking = false;
    for (const b of ["check-test", "check-again"]) $(b).disabled = false;
    panel.removeAttribute("aria-busy");
  }
}

// ---- start ------------------------------------------------------------------

async function start() {
  $("sign-in").addEventListener("click", () => signIn(false));
  $("try-demo").addEventListener("click", () => signIn(true));
  $("cancel-sign-in").addEventListener("click", () => ipc.cancelSignIn());
  $("copy-link").addEventListener("click", copyLink);
  $("settings-form").addEventListener("submit", saveSettings);
  $("refresh").addEventListener("click", refresh);
  $("demo-incident").addEventListener("click", demoIncident);
  $("sign-out").addEventListener("click", signOut);
  $("source-filter").addEventListener("input", () => {
    const data = latest(shown?.alertSources);
    if (data) $("panel-sources").querySelector(".body").replaceChildren(sourcesView(data, $("source-filter").value, shown?.session.canMaintain ? maintain : null));
  });
  document.addEventListener("keydown", (e) => {
    if ((e.key === "F5" || (e.key === "r" && (e.ctrlKey || e.metaKey))) && session) {
      e.preventDefault();
      refresh();
    }
  });
  document.addEventListener("paste", pasted);
  await ipc.onProgress(onProgress);
  // The one event about what the window shows: the snapshot, the alarm's
  // button while a page rings (tray and notification can silence it too), the update bar.
  // A frame sent for the alarm or the update bar carries the same snapshot:
  // the panels are redrawn only for a snapshot they have not shown.
  let drawn = "";
  const frame = (/** @type {ipc.WindowFrame} */ f) => {
    const snapshot = JSON.stringify(f.snapshot);
    if (snapshot !== drawn) {
      drawn = snapshot;
      render(f.snapshot);
    }
    $("silence").hidden = !f.ringing.length;
    renderUpdate(f.update);
    renderHandover(f.handover);
  };
  await ipc.onWindow(frame);
  await ipc.onOpenAlert(openAlert);
  $("silence").addEventListener("click", () => ipc.silenceAlarm().catch(() => {}));
  $("alerts-all").addEventListener("change", () => shown && renderAlerts(shown));
  $("grant-alert-write").addEventListener("click", () => grant("alert:w"));
  $("grant-maintenance").addEventListener("click", () => grant("maintenance:w"));
  $("grant-cover").addEventListener("click", () => grant("schedule:w"));
  $("handover-keep").addEventListener("click", () => ipc.keepAlerts().catch(() => {}));
  $("handover-reassign").addEventListener("click", async (e) => {
    const to = Number(/** @type {HTMLElement} */ (e.currentTarget).dataset.to);
    const result = $("handover-result");
    try {
      result.textContent = await ipc.handOver(to);
      result.dataset.kind = "ok";
    } catch (err) {
      result.textContent = `Not handed over: ${err.message ?? err}`;
      result.dataset.kind = "error";
    }
  });
  $("update-install").addEventListener("click", () => ipc.installUpdate());
  $("update-later").addEventListener("click", () => ipc.dismissUpdate());
  $("update-restart").addEventListener("click", () => ipc.restartApp());
  ipc.windowFrame().then(frame, () => {});
  for (const b of document.querySelectorAll(".open-check")) b.addEventListener("click", () => openCheck());
  $("check-again").addEventListener("click", () => openCheck());
  $("shifts-ahead-show").addEventListener("click", toggleShiftsAhead);
  $("add-to-calendar").addEventListener("click", addToCalendar);
  $("check-test").addEventListener("click", () => openCheck(true));
  $("check-close").addEventListener("click", () => ($("check").hidden = true));
  await ipc.onOpenCheck(() => openCheck());
  $("ask-yes").addEventListener("click", answerYes);
  $("ask-no").addEventListener("click", closeQuestion);
  await ipc.onAsk(takeQuestion);
  takeQuestion();
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
  // A window built to show an alert (a notification, the tray, a link) says which in its URL.
  alertAfterSignIn = askedAlert(location.hash);
  if (location.hash === "#check") openCheck();
  if (session) await enterDashboard();
  else {
    await showSignedOut();
    if (alertAfterSignIn !== null) openAlert(alertAfterSignIn);
  }
}

start();
