//! Start at login (the `startAtLogin` setting, off by default): the app
//! starts hidden in the tray. tauri-plugin-autostart writes the entry (on
//! Linux `~/.config/autostart/NAME.desktop`, pointing at the AppImage when
//! run from one, not at its temporary mount); this keeps it in step with
//! the setting, at start and whenever the settings are saved.

use ilert_app::App;
use tauri::plugin::TauriPlugin;
use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_autostart::AutoLaunchManager;

/// The flag the entry starts the app with.
pub const HIDDEN_FLAG: &str = "--hidden";

/// One entry per profile, each starting its own profile.
pub fn plugin<R: Runtime>(profile: Option<&str>) -> TauriPlugin<R> {
    let mut args = vec![HIDDEN_FLAG.to_string()];
    let name = match profile {
        Some(p) => {
            args.extend(["--profile".to_string(), p.to_string()]);
            format!("ilert-desktop-{p}")
        }
        None => "ilert-desktop".to_string(),
    };
    tauri_plugin_autostart::Builder::new().app_name(name).args(args).build()
}

/// Writes or removes the entry as the setting says. Written again each time
/// it is on, so a moved AppImage or a new install path is followed.
pub fn apply<R: Runtime>(handle: &AppHandle<R>) {
    let Some(manager) = handle.try_state::<AutoLaunchManager>() else { return };
    let want = handle.state::<App>().settings().current().start_at_login.unwrap_or(false);
    let result = match (want, manager.is_enabled()) {
        (true, _) => manager.enable(),
        (false, Ok(true)) => manager.disable(),
        (false, _) => Ok(()),
    };
    match result {
        Ok(()) => tracing::debug!(enabled = want, "start at login"),
        Err(e) => tracing::warn!(error = %e, "start at login could not be changed"),
    }
}
