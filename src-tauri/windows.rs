//! The main window.

use tauri::{AppHandle, Manager, Runtime};

/// The person was in the browser: bring the window back to the front.
pub fn bring_back<R: Runtime>(handle: &AppHandle<R>) {
    if let Some(w) = handle.get_webview_window("main") {
        let _ = w.unminimize();
        let _ = w.show();
        let _ = w.set_focus();
    }
}
