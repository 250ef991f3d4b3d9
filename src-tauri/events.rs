//! What Rust tells without being asked: a sign-in's steps, and every
//! snapshot the refresh engine publishes, to the window (whether or not it
//! is visible, so it is current the moment it is shown), the tray and the
//! notifications.

use ilert_app::App;
use tauri::plugin::TauriPlugin;
use tauri::{AppHandle, Emitter, Manager, Runtime};

/// Carries [`ilert_app::sign_in::Progress`].
pub const PROGRESS_EVENT: &str = "progress";
/// Carries `Option<Snapshot>`: `null` when signed out.
pub const SNAPSHOT_EVENT: &str = "snapshot";

/// Started with the app (a plugin, so it has its own setup hook): forwards
/// the engine's snapshots to the window and restores the remembered
/// session without waiting for the page, so the engine runs from the start.
pub fn plugin<R: Runtime>() -> TauriPlugin<R> {
    tauri::plugin::Builder::new("ilert-engine")
        .setup(|handle, _| {
            forward_snapshots(handle);
            let handle = handle.clone();
            tauri::async_runtime::spawn(async move {
                if let Err(e) = handle.state::<App>().current().await {
                    tracing::warn!(error = %e, "the saved sign-in could not be restored");
                }
            });
            Ok(())
        })
        .build()
}

/// Forwards the engine's snapshots to the tray, the main window and the
/// notifier for as long as the app runs.
fn forward_snapshots<R: Runtime>(handle: &AppHandle<R>) {
    let mut rx = handle.state::<App>().snapshots();
    let h = handle.clone();
    tauri::async_runtime::spawn(async move {
        while rx.changed().await.is_ok() {
            let latest = rx.borrow_and_update().clone();
            match &latest {
                Some(s) => crate::notifications::show_all(&h, h.state::<App>().notices(s)),
                None => h.state::<App>().silence_alarm(),
            }
            crate::alarm::follow(&h);
            crate::tray::show(&h, latest.as_ref());
            let _ = h.emit_to("main", SNAPSHOT_EVENT, latest);
        }
    });
    // Quiet starting or ending by itself: the tray says so, and what it
    // held is summed up (a held page rings now).
    let h = handle.clone();
    tauri::async_runtime::spawn(async move {
        loop {
            let held = h.state::<App>().quiet_changed().await;
            crate::notifications::show_all(&h, held);
            crate::alarm::follow(&h);
            crate::tray::show(&h, h.state::<App>().snapshot().as_ref());
        }
    });
}
