//! What the app keeps while it runs.

use std::path::PathBuf;

use ilert_oauth::Settings;

/// Managed by Tauri; read by the commands.
pub struct AppState {
    /// The settings file of the active profile.
    pub settings_path: PathBuf,
    /// File settings with the environment laid over them.
    pub settings: std::sync::RwLock<Settings>,
}
