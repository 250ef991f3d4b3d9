import { appInfo } from "./ipc.js";

const $ = (id) => document.getElementById(id);

function status(text, kind = "info") {
  const s = $("status");
  s.textContent = text;
  s.dataset.kind = kind;
}

async function start() {
  try {
    const info = await appInfo();
    $("version").textContent = info.version;
    $("authorize-host").textContent = info.authorizeHost;
    $("api-base").textContent = info.apiBase;
    $("redirect-uri").textContent = info.redirectUri;
    $("scopes").textContent = info.scopes;
    $("settings-file").textContent = info.settingsFile;
    $("mode").textContent = info.mode === "demo" ? "Demo mode" : info.tenant ? `Tenant ${info.tenant}` : "ilert";
    $("config").setAttribute("aria-busy", "false");
    status(`Ready · ilert Desktop ${info.version}`);
  } catch (e) {
    status(`Could not read the configuration: ${e?.message ?? e}`, "error");
  }
}

start();
