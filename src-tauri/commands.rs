//! The `#[tauri::command]`s the UI may call: thin translations to the
//! [`Controller`]. They return data, never tokens; long work reports its
//! steps as `progress` events to the main window.

use ilert_api::Dashboard;
use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager, Runtime, State};

use crate::controller::{Controller, Progress, SessionInfo, SettingsState, SettingsView, SignedOut};
use crate::error::IpcError;

/// The event that carries [`Progress`].
pub const PROGRESS_EVENT: &str = "progress";

/// What the UI shows before anything else: version and configuration.
#[derive(Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    pub version: &'static str,
    /// `demo` when no client id is configured, else `ilert`.
    pub mode: &'static str,
    pub client_id: Option<String>,
    pub tenant: Option<String>,
    pub authorize_host: String,
    pub api_base: String,
    pub redirect_uri: String,
    pub scopes: String,
    pub settings_file: String,
}

pub fn app_info_of(c: &Controller) -> Result<AppInfo, IpcError> {
    let settings = c.settings();
    let endpoints = settings.endpoints()?;
    Ok(AppInfo {
        version: env!("CARGO_PKG_VERSION"),
        mode: if settings.client_id().is_some() { "ilert" } else { "demo" },
        client_id: settings.client_id().map(str::to_string),
        tenant: settings.tenant.clone(),
        authorize_host: endpoints.authorize.host_str().unwrap_or_default().to_string(),
        api_base: endpoints.api.to_string(),
        redirect_uri: settings.redirect_uri().to_string(),
        scopes: settings.scopes().to_string(),
        settings_file: c.settings_path().display().to_string(),
    })
}

#[tauri::command]
pub fn app_info(c: State<'_, Controller>) -> Result<AppInfo, IpcError> {
    app_info_of(&c)
}

#[tauri::command]
pub fn get_settings(c: State<'_, Controller>) -> Result<SettingsState, IpcError> {
    Ok(c.settings_state()?)
}

#[tauri::command]
pub fn set_settings(c: State<'_, Controller>, settings: SettingsView) -> Result<SettingsState, IpcError> {
    Ok(c.set_settings(settings)?)
}

/// Signs in through the system browser (or the embedded sandbox when
/// `demo`), then brings the window to the front.
#[tauri::command]
pub async fn sign_in<R: Runtime>(
    app: AppHandle<R>,
    c: State<'_, Controller>,
    demo: bool,
    add_scope: Option<String>,
) -> Result<SessionInfo, IpcError> {
    let progress = |p: Progress| {
        let _ = app.emit_to("main", PROGRESS_EVENT, p);
    };
    let open = |url: &str| tauri_plugin_opener::open_url(url, None::<&str>).map_err(|e| e.to_string());
    let info = c.sign_in(demo, add_scope.as_deref(), progress, open).await?;
    if let Some(w) = app.get_webview_window("main") {
        // The person was in the browser: bring them back.
        let _ = w.unminimize();
        let _ = w.show();
        let _ = w.set_focus();
    }
    Ok(info)
}

#[tauri::command]
pub fn cancel_sign_in(c: State<'_, Controller>) -> bool {
    c.cancel_sign_in()
}

#[tauri::command]
pub async fn session_info(c: State<'_, Controller>) -> Result<Option<SessionInfo>, IpcError> {
    Ok(c.session_info().await?)
}

#[tauri::command]
pub async fn dashboard<R: Runtime>(app: AppHandle<R>, c: State<'_, Controller>) -> Result<Dashboard, IpcError> {
    Ok(c.dashboard(|p| {
        let _ = app.emit_to("main", PROGRESS_EVENT, p);
    })
    .await?)
}

#[tauri::command]
pub async fn sign_out(c: State<'_, Controller>) -> Result<SignedOut, IpcError> {
    Ok(c.sign_out().await?)
}
