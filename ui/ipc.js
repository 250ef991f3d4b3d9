// The only door to the Rust core: Tauri commands. Errors arrive as {kind, message}.

const core = window.__TAURI__?.core;

/** @template T @param {string} cmd @param {object} [args] @returns {Promise<T>} */
export async function invoke(cmd, args) {
  if (!core) throw { kind: "noIpc", message: "Not running inside ilert Desktop." };
  return core.invoke(cmd, args);
}

/**
 * @typedef {object} AppInfo
 * @property {string} version
 * @property {"demo"|"ilert"} mode
 * @property {string|null} clientId
 * @property {string|null} tenant
 * @property {string} authorizeHost
 * @property {string} apiBase
 * @property {string} redirectUri
 * @property {string} scopes
 * @property {string} settingsFile
 */

/** @returns {Promise<AppInfo>} */
export const appInfo = () => invoke("app_info");
