//! The app's Tauri commands: thin wrappers over the core crates. They return
//! data, never tokens.

use serde::Serialize;
use tauri::State;

use crate::error::IpcError;
use crate::state::AppState;

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

pub fn app_info_of(state: &AppState) -> Result<AppInfo, IpcError> {
    let settings = state.settings.read().map_err(|_| IpcError::internal("settings lock"))?.clone();
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
        settings_file: state.settings_path.display().to_string(),
    })
}

#[tauri::command]
pub fn app_info(state: State<'_, AppState>) -> Result<AppInfo, IpcError> {
    app_info_of(&state)
}
