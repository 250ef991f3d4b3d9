//! Start at login (the `startAtLogin` setting, off by default): the app
//! starts hidden in the tray. Kept in step with the setting at start and
//! whenever the settings are saved; written again each time it is on, so a
//! moved AppImage or a new install path is followed.
//!
//! Linux and Windows entries are written here, quoted as each platform
//! reads them (`ilert_app::autostart` says why the plugin's are not used);
//! macOS keeps tauri-plugin-autostart's LaunchAgent.

use tauri::{AppHandle, Manager, Runtime};

/// The flag the entry starts the app with.
pub const HIDDEN_FLAG: &str = "--hidden";

/// What the entry is called and what it runs: one per profile, each starting its own profile.
pub struct Entry {
    pub name: String,
    pub args: Vec<String>,
}

impl Entry {
    pub fn for_profile(profile: Option<&str>) -> Entry {
        let mut args = vec![HIDDEN_FLAG.to_string()];
        let name = match profile {
            Some(p) => {
                args.extend(["--profile".to_string(), p.to_string()]);
                format!("ilert-desktop-{p}")
            }
            None => "ilert-desktop".to_string(),
        };
        Entry { name, args }
    }
}

/// macOS: the plugin, which writes a LaunchAgent (an argument array, nothing to quote).
#[cfg(target_os = "macos")]
pub fn plugin<R: Runtime>(profile: Option<&str>) -> tauri::plugin::TauriPlugin<R> {
    let entry = Entry::for_profile(profile);
    tauri_plugin_autostart::Builder::new().app_name(entry.name).args(entry.args).build()
}

/// The profile whose entry this process keeps.
pub struct Profile(pub Option<String>);

/// Writes or removes the entry as the frame says (the setting).
pub fn apply<R: Runtime>(handle: &AppHandle<R>, want: bool) {
    let profile = handle.try_state::<Profile>().and_then(|p| p.0.clone());
    let entry = Entry::for_profile(profile.as_deref());
    match platform::set(handle, &entry, want) {
        Ok(()) => tracing::debug!(enabled = want, "start at login"),
        Err(e) => tracing::warn!(error = %e, "start at login could not be changed"),
    }
}

/// The program the entry starts: the AppImage when run from one (not its
/// mount, which is gone after a reboot), else this executable.
#[cfg(not(target_os = "macos"))]
pub(crate) fn program() -> std::io::Result<String> {
    if let Some(appimage) = std::env::var_os("APPIMAGE").filter(|a| !a.is_empty()) {
        return Ok(appimage.to_string_lossy().into_owned());
    }
    Ok(std::env::current_exe()?.to_string_lossy().into_owned())
}

#[cfg(all(unix, not(target_os = "macos")))]
mod platform {
    use super::{program, Entry};
    use tauri::{AppHandle, Manager, Runtime};

    /// `$XDG_CONFIG_HOME/autostart/NAME.desktop`.
    pub fn set<R: Runtime>(handle: &AppHandle<R>, entry: &Entry, on: bool) -> std::io::Result<()> {
        let dir = handle.path().config_dir().map_err(std::io::Error::other)?.join("autostart");
        let path = dir.join(format!("{}.desktop", entry.name));
        if !on {
            return match std::fs::remove_file(&path) {
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                other => other,
            };
        }
        let text = ilert_app::autostart::xdg_entry(&entry.name, &program()?, &entry.args);
        if std::fs::read_to_string(&path).is_ok_and(|t| t == text) {
            return Ok(());
        }
        std::fs::create_dir_all(&dir)?;
        // Whole or not at all: a session starting mid-write reads the old entry.
        let tmp = path.with_extension("desktop.tmp");
        std::fs::write(&tmp, text)?;
        std::fs::rename(&tmp, &path)
    }
}

#[cfg(windows)]
mod platform {
    use super::{program, Entry};
    use tauri::{AppHandle, Runtime};

    const RUN: &str = r"Software\Microsoft\Windows\CurrentVersion\Run";

    /// `HKCU\…\Run\NAME`, the program quoted (`"C:\Program Files\…" --hidden`).
    pub fn set<R: Runtime>(_handle: &AppHandle<R>, entry: &Entry, on: bool) -> std::io::Result<()> {
        let key = windows_registry::CURRENT_USER.create(RUN).map_err(std::io::Error::from)?;
        if on {
            let line = ilert_app::autostart::windows_command_line(&program()?, &entry.args);
            key.set_string(&entry.name, line).map_err(std::io::Error::from)
        } else {
            match key.remove_value(&entry.name) {
                Ok(()) => Ok(()),
                Err(e) if e.code() == windows_result::HRESULT::from_win32(2) => Ok(()),
                Err(e) => Err(std::io::Error::from(e)),
            }
        }
    }
}

#[cfg(target_os = "macos")]
mod platform {
    use super::Entry;
    use tauri::{AppHandle, Manager, Runtime};
    use tauri_plugin_autostart::AutoLaunchManager;

    pub fn set<R: Runtime>(handle: &AppHandle<R>, _entry: &Entry, on: bool) -> std::io::Result<()> {
        let Some(manager) = handle.try_state::<AutoLaunchManager>() else { return Ok(()) };
        let result = match (on, manager.is_enabled()) {
            (true, _) => manager.enable(),
            (false, Ok(true)) => manager.disable(),
            (false, _) => Ok(()),
        };
        result.map_err(|e| std::io::Error::other(e.to_string()))
    }
}
