//! The only subscriber. The core publishes one frame for every change of
//! what the surfaces show, and one outbox of notices; this draws each frame
//! on the tray, the alarm, the window (whether or not it is visible, so it
//! is current the moment it is shown) and the start-at-login entry, each
//! part only when it changed, and shows each notice.

use std::sync::Arc;

use ilert_app::surface::Frame;
use ilert_app::App;
use tauri::plugin::TauriPlugin;
use tauri::{AppHandle, Emitter, Manager, Runtime};

/// Carries [`ilert_app::surface::WindowFrame`]: the snapshot (`null` when
/// signed out), the pages ringing, the update state. The window's one event
/// about what it shows.
pub const WINDOW_EVENT: &str = "window";

/// Started with the app (a plugin, so it has its own setup hook, also under
/// the tests' mock runtime): runs the core's loop, draws what it publishes,
/// and restores the remembered session without waiting for the page, so
/// the engine runs from the start.
pub fn plugin<R: Runtime>() -> TauriPlugin<R> {
    tauri::plugin::Builder::new("ilert-surfaces")
        .setup(|handle, _| {
            crate::alarm::init(handle);
            let h = handle.clone();
            tauri::async_runtime::spawn(async move { h.state::<App>().run().await });
            follow_frames(handle);
            show_notices(handle);
            let h = handle.clone();
            tauri::async_runtime::spawn(async move {
                if let Err(e) = h.state::<App>().current_or_restore().await {
                    tracing::warn!(error = %e, "the saved sign-in could not be restored");
                }
            });
            Ok(())
        })
        .build()
}

fn follow_frames<R: Runtime>(handle: &AppHandle<R>) {
    let mut rx = handle.state::<App>().frames();
    let h = handle.clone();
    tauri::async_runtime::spawn(async move {
        let mut last: Option<Arc<Frame>> = None;
        loop {
            let frame = rx.borrow_and_update().clone();
            draw(&h, last.as_deref(), &frame);
            last = Some(frame);
            if rx.changed().await.is_err() {
                return;
            }
        }
    });
}

/// Draws what changed since `last` (everything, the first time).
fn draw<R: Runtime>(handle: &AppHandle<R>, last: Option<&Frame>, frame: &Frame) {
    if last.is_none_or(|l| l.tray != frame.tray) {
        crate::tray::draw(handle, &frame.tray);
    }
    if last.is_none_or(|l| l.alarm != frame.alarm) {
        crate::alarm::play(handle, &frame.alarm);
    }
    if last.is_none_or(|l| l.window != frame.window) {
        let _ = handle.emit_to("main", WINDOW_EVENT, &frame.window);
    }
    if last.is_none_or(|l| l.start_at_login != frame.start_at_login) {
        crate::autostart::apply(handle, frame.start_at_login);
    }
}

fn show_notices<R: Runtime>(handle: &AppHandle<R>) {
    let Some(mut outbox) = handle.state::<App>().take_outbox() else {
        tracing::error!("the outbox is taken already; notices are not shown");
        return;
    };
    let h = handle.clone();
    tauri::async_runtime::spawn(async move {
        while let Some(notice) = outbox.recv().await {
            crate::notifications::show(&h, notice);
        }
    });
}
