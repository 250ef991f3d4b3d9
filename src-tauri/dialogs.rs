//! The native dialogs the app opens from Rust (the page may not: it has no
//! dialog or filesystem permission). tauri-plugin-dialog draws each with
//! the platform's own chooser (GTK on Linux, NSSavePanel, IFileSaveDialog).

use std::path::PathBuf;

use tauri::{AppHandle, Runtime};
use tauri_plugin_dialog::DialogExt;

/// The file name offered for "Add to calendar".
pub const CALENDAR_FILE: &str = "ilert-shifts.ics";

/// Where "Add to calendar" saves: asked in a save dialog, in the Downloads
/// folder (else home) by default. `None`: cancelled.
pub async fn save_calendar<R: Runtime>(handle: &AppHandle<R>) -> Option<PathBuf> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let mut dialog =
        handle.dialog().file().set_title("Add my shifts to a calendar").set_file_name(CALENDAR_FILE).add_filter("iCalendar", &["ics"]);
    if let Some(dir) = dirs_for_saving() {
        dialog = dialog.set_directory(dir);
    }
    dialog.save_file(move |path| {
        let _ = tx.send(path.and_then(|p| p.into_path().ok()));
    });
    rx.await.ok().flatten()
}

fn dirs_for_saving() -> Option<PathBuf> {
    let home = std::env::var_os(if cfg!(windows) { "USERPROFILE" } else { "HOME" }).map(PathBuf::from)?;
    let downloads = home.join("Downloads");
    Some(if downloads.is_dir() { downloads } else { home })
}
