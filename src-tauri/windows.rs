//! The main window. With a tray, closing it destroys the webview (WebKit's
//! processes end, which is most of the app's memory) while the engine, the
//! tray and the notifications go on in this process; opening it again builds
//! a new one, which paints from the snapshot Rust already holds. Quit in the
//! tray's menu ends the app.

use ilert_app::App;
use tauri::{AppHandle, Emitter, Manager, RunEvent, Runtime, WebviewUrl, WebviewWindowBuilder, Window, WindowEvent};

/// Managed when the tray exists: only then may closing the window leave the app running.
pub struct CloseToTray;

const MAIN: &str = "main";

/// Carries the alert id the window is opened at (a notification was clicked).
pub const OPEN_ALERT_EVENT: &str = "open-alert";

/// Shows the main window, building it if it was closed, in front; with
/// `alert`, opened at that alert. A window that already runs is told by an
/// event; a new one reads the alert from its URL (`#alert=ID`), since it
/// listens for nothing yet.
pub fn open<R: Runtime>(handle: &AppHandle<R>, alert: Option<i64>) {
    if raise(handle) {
        if let Some(id) = alert {
            let _ = handle.emit_to(MAIN, OPEN_ALERT_EVENT, id);
        }
        return;
    }
    let _span = tracing::info_span!("window.open", alert).entered();
    build(handle, alert.map(|id| format!("alert={id}")));
}

/// Carries nothing: the window runs "Will it ring?".
pub const OPEN_CHECK_EVENT: &str = "open-check";

/// Shows the window at "Will it ring?", which runs at once.
pub fn open_check<R: Runtime>(handle: &AppHandle<R>) {
    if raise(handle) {
        let _ = handle.emit_to(MAIN, OPEN_CHECK_EVENT, ());
        return;
    }
    let _span = tracing::info_span!("window.open", at = "check").entered();
    build(handle, Some("check".into()));
}

/// The window that runs, shown and in front; `false` when it was closed.
fn raise<R: Runtime>(handle: &AppHandle<R>) -> bool {
    let Some(w) = handle.get_webview_window(MAIN) else { return false };
    let _ = w.unminimize();
    let _ = w.show();
    let _ = w.set_focus();
    true
}

/// Builds the main window from its config, at `fragment` of its page.
fn build<R: Runtime>(handle: &AppHandle<R>, fragment: Option<String>) {
    let Some(mut config) = handle.config().app.windows.iter().find(|w| w.label == MAIN).cloned() else {
        tracing::error!("tauri.conf.json has no main window");
        return;
    };
    if let Some(f) = fragment {
        config.url = WebviewUrl::App(format!("index.html#{f}").into());
    }
    match WebviewWindowBuilder::from_config(handle, &config).and_then(|b| b.build()) {
        Ok(w) => {
            let _ = w.set_focus();
        }
        Err(e) => tracing::error!(error = %e, "cannot open the window"),
    }
}

/// Carries nothing: a question waits (`asked`), the window takes it.
pub const ASK_EVENT: &str = "ask";

/// A step chosen elsewhere that cannot be undone waits in the core
/// (`App::take_question`): the window opens and asks; nothing happens until
/// the person says yes there.
pub fn ask<R: Runtime>(handle: &AppHandle<R>) {
    tracing::info!("asking in the window");
    open(handle, None);
    let _ = handle.emit_to(MAIN, ASK_EVENT, ());
}

pub fn on_event<R: Runtime>(window: &Window<R>, event: &WindowEvent) {
    if matches!(event, WindowEvent::Destroyed) && window.label() == MAIN {
        return trim_heap_soon();
    }
    let WindowEvent::CloseRequested { .. } = event else { return };
    let handle = window.app_handle();
    if window.label() != MAIN || handle.try_state::<CloseToTray>().is_none() {
        return;
    }
    // The window closes for real; `on_run_event` keeps the app running.
    tracing::info!("window closed: ilert Desktop goes on in the tray");
    handle.state::<App>().window_closed_to_tray();
}

/// The last window closed asks the app to exit (with no code); with a
/// tray it stays. Quit (`exit(0)`) carries a code and is let through.
pub fn on_run_event<R: Runtime>(handle: &AppHandle<R>, event: RunEvent) {
    if let RunEvent::ExitRequested { code: None, api, .. } = event {
        if handle.try_state::<CloseToTray>().is_some() {
            api.prevent_exit();
        }
    }
}

/// The closed web view leaves tens of MB of freed heap in this process that
/// glibc keeps for reuse; a tray app waits for hours, so give it back. Later,
/// not at once: WebKit releases its last objects after the window is gone.
fn trim_heap_soon() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    std::thread::spawn(|| {
        std::thread::sleep(std::time::Duration::from_secs(2));
        // SAFETY: malloc_trim only walks glibc's own arenas, under their locks.
        #[allow(unsafe_code)]
        let released = unsafe { libc::malloc_trim(0) };
        tracing::debug!(released, "heap trimmed after the window closed");
    });
}
