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

/// How often a pause is checked for its end.
const PAUSE_TICK: std::time::Duration = std::time::Duration::from_secs(5);

/// Forwards the engine's snapshots to the tray, the main window and the
/// notifier for as long as the app runs.
fn forward_snapshots<R: Runtime>(handle: &AppHandle<R>) {
    let mut rx = handle.state::<App>().snapshots();
    let h = handle.clone();
    tauri::async_runtime::spawn(async move {
        while rx.changed().await.is_ok() {
            let latest = rx.borrow_and_update().clone();
            crate::tray::show(&h, latest.as_ref());
            if let Some(s) = &latest {
                crate::notifications::show_all(&h, h.state::<App>().notices(s));
            }
            let _ = h.emit_to("main", SNAPSHOT_EVENT, latest);
        }
    });
    let h = handle.clone();
    tauri::async_runtime::spawn(async move {
        loop {
            tokio::time::sleep(PAUSE_TICK).await;
            let app = h.state::<App>();
            let was_paused = app.notifications_paused_until().is_some();
            let held = app.notifier_tick();
            if was_paused && app.notifications_paused_until().is_none() {
                crate::tray::show(&h, app.snapshot().as_ref());
            }
            crate::notifications::show_all(&h, held);
        }
    });
}
