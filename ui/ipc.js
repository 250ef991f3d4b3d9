// The only door to the Rust core: Tauri commands and the `progress` event.
// Errors arrive as {kind, message}. No command ever returns a token.

const tauri = window.__TAURI__;

/** @template T @param {string} cmd @param {object} [args] @returns {Promise<T>} */
export async function invoke(cmd, args) {
  if (!tauri?.core) throw { kind: "noIpc", message: "Not running inside ilert Desktop." };
  return tauri.core.invoke(cmd, args);
}

// The types are generated from the Rust ones (ts-rs, `cargo test -p ilert-app`)
// into ./bindings; `tsc --checkJs` (scripts/test) checks this UI against them.
/** @typedef {import("./bindings/AppInfo").AppInfo} AppInfo */
/** @typedef {import("./bindings/SessionInfo").SessionInfo} SessionInfo */
/** @typedef {import("./bindings/Settings").Settings} Settings */
/** @typedef {import("./bindings/SettingsState").SettingsState} SettingsState */
/** @typedef {import("./bindings/SignedOut").SignedOut} SignedOut */
/** @typedef {import("./bindings/Snapshot").Snapshot} Snapshot */
/** @typedef {import("./bindings/Progress").Progress} Progress */
/** @typedef {import("./bindings/IpcError").IpcError} IpcError */
/** @template T @typedef {import("./bindings/Panel").Panel<T>} Panel */

/** @returns {Promise<AppInfo>} */
export const appInfo = () => invoke("app_info");
/** @returns {Promise<SettingsState>} */
export const getSettings = () => invoke("get_settings");
/** @param {Settings} settings @returns {Promise<SettingsState>} */
export const setSettings = (settings) => invoke("set_settings", { settings });
/** @param {boolean} demo @param {string|null} [addScope] @returns {Promise<SessionInfo>} */
export const signIn = (demo, addScope = null) => invoke("sign_in", { demo, addScope });
/** @returns {Promise<boolean>} */
export const cancelSignIn = () => invoke("cancel_sign_in");
/** @returns {Promise<SessionInfo|null>} */
export const sessionInfo = () => invoke("session_info");
/** @returns {Promise<Snapshot|null>} */
export const snapshot = () => invoke("snapshot");
/** @returns {Promise<Snapshot>} */
export const refresh = () => invoke("refresh");
/** @returns {Promise<SignedOut>} */
export const signOut = () => invoke("sign_out");
/** Demo mode: raises an alert through the demo's Events API. @returns {Promise<null>} */
export const demoIncident = () => invoke("demo_incident");
/** @typedef {import("./bindings/ActionOutcome").ActionOutcome} ActionOutcome */
/** @typedef {import("./bindings/AlertAction").AlertAction} AlertAction */
/** @param {number} id @param {AlertAction} action @returns {Promise<ActionOutcome>} */
export const actOnAlert = (id, action) => invoke("act_on_alert", { id, action });
/** @typedef {import("./bindings/Helper").Helper} Helper */
/** @typedef {import("./bindings/BringHelp").BringHelp} BringHelp */
/** @typedef {import("./bindings/HelpOutcome").HelpOutcome} HelpOutcome */
/** Whom alert `id` can be handed to or get help from. @param {number} id @returns {Promise<Helper[]>} */
export const helpers = (id) => invoke("helpers", { id });
/** @param {number} id @param {BringHelp} how @param {Helper} who @returns {Promise<HelpOutcome>} */
export const bringHelp = (id, how, who) => invoke("bring_help", { id, how, who });
/** @typedef {import("./bindings/TakeFor").TakeFor} TakeFor */
/** @typedef {import("./bindings/PagerOutcome").PagerOutcome} PagerOutcome */
/** Take on-call on schedule `id` for `length`, covering for whoever is on call there. @param {number} id @param {TakeFor} length @returns {Promise<PagerOutcome>} */
export const takePager = (id, length) => invoke("take_pager", { id, length });
/** @typedef {import("./bindings/Handover").Handover} Handover */
/** The hand-over's "Reassign to": my open alerts to `to`. @param {number} to @returns {Promise<string>} */
export const handOver = (to) => invoke("hand_over", { to });
/** The hand-over's "Keep them". @returns {Promise<null>} */
export const keepAlerts = () => invoke("keep_alerts");
/** @typedef {import("./bindings/AlertDetail").AlertDetail} AlertDetail */
/** @param {number} id @returns {Promise<AlertDetail>} */
export const alertDetail = (id) => invoke("alert_detail", { id });
/** @param {number} id @returns {Promise<null>} */
export const openAlertInIlert = (id) => invoke("open_alert_in_ilert", { id });
/** The alert a pasted link names, if any. @param {string} link @returns {Promise<number|null>} */
export const alertInLink = (link) => invoke("alert_in_link", { link });

/** Calls `handler(payload)` for every `progress` event; returns the unlisten promise. @param {(p: Progress) => void} handler */
export function onProgress(handler) {
  if (!tauri?.event) return Promise.resolve(() => {});
  return tauri.event.listen("progress", (e) => handler(e.payload));
}

/** @typedef {import("./bindings/WindowFrame").WindowFrame} WindowFrame */
/** What the window shows now: the snapshot (`null`: signed out), the pages ringing, the update state. @returns {Promise<WindowFrame>} */
export const windowFrame = () => invoke("window_frame");
/** Calls `handler(frame)` whenever any of it changes: the window's one event about what it shows. @param {(f: WindowFrame) => void} handler */
export function onWindow(handler) {
  if (!tauri?.event) return Promise.resolve(() => {});
  return tauri.event.listen("window", (e) => handler(e.payload));
}

/** @returns {Promise<null>} */
export const silenceAlarm = () => invoke("silence_alarm");

/** @typedef {import("./bindings/MaintainFor").MaintainFor} MaintainFor */
/** @typedef {import("./bindings/MaintenanceOutcome").MaintenanceOutcome} MaintenanceOutcome */
/** Quiets an alert source for a deploy (a maintenance window from now); `null`: a page of mine is pending on it and the window asks first (`asked`). @param {number} id @param {MaintainFor} length @param {boolean} confirmed @returns {Promise<MaintenanceOutcome|null>} */
export const maintainSource = (id, length, confirmed) => invoke("maintain_source", { id, length, confirmed });

/** Calls `handler(alertId)` when a notification about that alert is clicked. @param {(id: number) => void} handler */
export function onOpenAlert(handler) {
  if (!tauri?.event) return Promise.resolve(() => {});
  return tauri.event.listen("open-alert", (e) => handler(e.payload));
}

/** @typedef {import("./bindings/UpdateView").UpdateView} UpdateView */
/** Install the version offered (download, verify, install); the outcome comes as `window` events. @returns {Promise<null>} */
export const installUpdate = () => invoke("install_update");
/** Later: out of sight until the next check. @returns {Promise<null>} */
export const dismissUpdate = () => invoke("dismiss_update");
/** The installed version starts in place of this one. @returns {Promise<null>} */
export const restartApp = () => invoke("restart_app");

/** @typedef {import("./bindings/Question").Question} Question */
/** The question a step chosen in the tray left for the window (taken: asked once). @returns {Promise<Question|null>} */
export const asked = () => invoke("asked");
/** Calls `handler()` when the tray leaves a question for the window. @param {() => void} handler */
export function onAsk(handler) {
  if (!tauri?.event) return Promise.resolve(() => {});
  return tauri.event.listen("ask", () => handler());
}

/** @typedef {import("./bindings/ShiftAhead").ShiftAhead} ShiftAhead */
/** My shifts in the next 14 days with their hand-overs (read from ilert now). @returns {Promise<ShiftAhead[]>} */
export const shiftsAhead = () => invoke("shifts_ahead");
/** "Add to calendar": saves my shifts ahead as an .ics file where the person says (null: cancelled). @returns {Promise<string|null>} */
export const saveShiftsCalendar = () => invoke("save_shifts_calendar");

/** @typedef {import("./bindings/Report").Report} Report */
/** "Will it ring?": each step a page takes; with `testPage`, a test page to acknowledge (up to a minute) and 3 s of the alarm. @param {boolean} testPage @returns {Promise<Report>} */
export const willItRing = (testPage) => invoke("will_it_ring", { testPage });
/** Calls `handler()` when the tray asks for the check. @param {() => void} handler */
export function onOpenCheck(handler) {
  if (!tauri?.event) return Promise.resolve(() => {});
  return tauri.event.listen("open-check", () => handler());
}
