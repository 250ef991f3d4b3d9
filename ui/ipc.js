// The only door to the Rust core: Tauri commands and the `progress` event.
// Errors arrive as {kind, message}. No command ever returns a token.

const tauri = window.__TAURI__;

/** @template T @param {string} cmd @param {object} [args] @returns {Promise<T>} */
export async function invoke(cmd, args) {
  if (!tauri?.core) throw { kind: "noIpc", message: "Not running inside ilert Desktop." };
  return tauri.core.invoke(cmd, args);
}

/**
 * @typedef {object} AppInfo
 * @property {string} version
 * @property {"demo"|"ilert"} mode  demo: no client ID is configured
 * @property {string|null} clientId
 * @property {string|null} tenant
 * @property {string} authorizeHost
 * @property {string} apiBase
 * @property {string} redirectUri
 * @property {string} scopes
 * @property {string} settingsFile
 *
 * @typedef {object} SessionInfo
 * @property {string} username
 * @property {string} tenant
 * @property {string} issuer
 * @property {string[]} scopes
 * @property {string|null} accessExpiresAt
 * @property {boolean} persistent  false: the OS keyring was unavailable
 * @property {boolean} demo
 */

/**
 * @template T
 * @typedef {{state: "loading"} | {state: "ready", data: T, unreadable?: number} | {state: "notGranted", scope: string, message: string} | {state: "error", kind: string, message: string, last?: {data: T, fetchedAt: string}}} Panel
 */

/**
 * @typedef {object} Snapshot
 * @property {string} account
 * @property {SessionInfo} session
 * @property {number} seq
 * @property {string|null} fetchedAt
 * @property {string|null} freshAt
 * @property {string|null} nextRefreshAt
 * @property {boolean} refreshing
 * @property {boolean} sessionEnded
 * @property {Panel<any>} user
 * @property {Panel<any>} onCall
 * @property {Panel<any[]>} alertSources
 * @property {string|null} problem
 */

/** @returns {Promise<AppInfo>} */
export const appInfo = () => invoke("app_info");
export const getSettings = () => invoke("get_settings");
export const setSettings = (settings) => invoke("set_settings", { settings });
/** @returns {Promise<SessionInfo>} */
export const signIn = (demo, addScope = null) => invoke("sign_in", { demo, addScope });
export const cancelSignIn = () => invoke("cancel_sign_in");
/** @returns {Promise<SessionInfo|null>} */
export const sessionInfo = () => invoke("session_info");
/** @returns {Promise<Snapshot|null>} */
export const snapshot = () => invoke("snapshot");
/** @returns {Promise<Snapshot>} */
export const refresh = () => invoke("refresh");
export const signOut = () => invoke("sign_out");

/** Calls `handler(payload)` for every `progress` event; returns the unlisten promise. */
export function onProgress(handler) {
  if (!tauri?.event) return Promise.resolve(() => {});
  return tauri.event.listen("progress", (e) => handler(e.payload));
}

/** Calls `handler(snapshot)` for every snapshot the refresh engine publishes (`null`: signed out). */
export function onSnapshot(handler) {
  if (!tauri?.event) return Promise.resolve(() => {});
  return tauri.event.listen("snapshot", (e) => handler(e.payload));
}
