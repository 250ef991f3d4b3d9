//! The main window. With a tray, closing it hides it (the engine and the
//! notifications go on); Quit in the tray's menu ends the app.

use ilert_app::notify::{Notice, NoticeKind};
use ilert_app::App;
use tauri::{AppHandle, Manager, Runtime, Window, WindowEvent};

/// Managed when the tray exists: only then may closing the window hide it.
pub struct CloseToTray;

/// The person was in the browser: bring the window back to the front.
pub fn bring_back<R: Runtime>(handle: &AppHandle<R>) {
    if let Some(w) = handle.get_webview_window("main") {
        let _ = w.unminimize();
        let _ = w.show();
        let _ = w.set_focus();
    }
}

pub fn on_event<R: Runtime>(window: &Window<R>, event: &WindowEvent) {
    let WindowEvent::CloseRequested { api, .. } = event else { return };
    let handle = window.app_handle();
    if window.label() != "main" || handle.try_state::<CloseToTray>().is_none() {
        return;
    }
    api.prevent_close();
    let _ = window.hide();
    tracing::info!("window closed: ilert Desktop goes on in the tray");
    // Said once per profile, ever: a marker beside the settings file.
    let marker = handle.state::<App>().settings().path().with_file_name("told-close-to-tray");
    if !marker.exists() {
        if let Err(e) = ilert_app::settings::write_private(&marker, b"") {
            tracing::warn!(error = %e, "cannot remember having said so");
        }
        let notice = Notice {
            kind: NoticeKind::Info,
            title: "ilert Desktop is still running".into(),
            body: "It keeps watching in the tray. Quit it from the tray's menu.".into(),
            page: false,
        };
        crate::notifications::show_all(handle, vec![notice]);
    }
}
