//! What the window shows before anything else: version and configuration.

use serde::Serialize;

use crate::error::AppError;
use crate::settings::Settings;
use crate::updates::SelfUpdate;

/// Which ilert a sign-in goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub enum Mode {
    /// No client id is configured: only the demo can sign in.
    Demo,
    Ilert,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    pub version: &'static str,
    pub mode: Mode,
    pub client_id: Option<String>,
    pub tenant: Option<String>,
    pub authorize_host: String,
    pub api_base: String,
    pub redirect_uri: String,
    pub scopes: String,
    pub settings_file: String,
    /// The client ID is the one this release carries: the first screen
    /// offers the sign-in (and the demo), with nothing to fill in first.
    pub built_in_client: bool,
    /// Whether this build looks for updates, and why not: a release without
    /// an update key must say so where people look, not only in the log.
    pub self_update: SelfUpdate,
}

impl AppInfo {
    pub fn of(
        settings: &Settings,
        settings_file: &std::path::Path,
        version: &'static str,
        built_in_client: bool,
        self_update: SelfUpdate,
    ) -> Result<AppInfo, AppError> {
        let endpoints = settings.endpoints()?;
        Ok(AppInfo {
            version,
            mode: if settings.client_id().is_some() { Mode::Ilert } else { Mode::Demo },
            client_id: settings.client_id().map(str::to_string),
            tenant: settings.tenant.clone(),
            authorize_host: endpoints.authorize.host_str().unwrap_or_default().to_string(),
            api_base: endpoints.api.to_string(),
            redirect_uri: settings.redirect_uri().to_string(),
            scopes: settings.scopes().to_string(),
            settings_file: settings_file.display().to_string(),
            built_in_client,
            self_update,
        })
    }
}
