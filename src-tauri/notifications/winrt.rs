//! A WinRT toast, through tauri-winrt-notification (notify-rust's Windows
//! backend drops buttons and clicks). Credited to the app's identifier, which
//! the installers register with the Start menu shortcut; a page uses the
//! reminder scenario, so it stays on screen until dismissed, and takes no
//! sound of its own (the app's alarm rings it).

use ilert_app::notify::toast::{windows_app_id, Press, Service, Toast};
use tauri_winrt_notification::{Duration, Scenario, Toast as WinToast};

pub fn service() -> Service {
    Service { buttons: true, markup: false }
}

/// Shows `toast`; a press arrives later on a WinRT thread, while the toast
/// lives in the Action Center.
pub fn show(toast: &Toast, identifier: &str, on_press: impl FnOnce(Press) + Send + 'static) {
    let exe_dir = std::env::current_exe().ok().and_then(|p| p.parent().map(ToOwned::to_owned)).unwrap_or_default();
    let app_id = windows_app_id(identifier, &exe_dir).unwrap_or(WinToast::POWERSHELL_APP_ID).to_owned();
    let toast = toast.clone();
    let mut on_press = Some(on_press);
    // A toast holds COM pointers: it is built on the thread that shows it.
    let show = move || {
        let mut w = WinToast::new(&app_id).title(&toast.title).text1(&toast.body);
        if toast.page {
            w = w.scenario(Scenario::Reminder).duration(Duration::Long).sound(None);
        }
        for (id, label) in &toast.buttons {
            w = w.add_button(label, id);
        }
        w = w.on_activated(move |argument| {
            match toast.pressed(argument.as_deref()) {
                Some(press) => {
                    if let Some(f) = on_press.take() {
                        f(press);
                    }
                }
                None => tracing::warn!(?argument, "an action never offered on this toast; ignored"),
            }
            Ok(())
        });
        w.show().map_err(|e| e.to_string())
    };
    match super::within(show) {
        Some(Ok(())) => tracing::info!("notified"),
        Some(Err(e)) => tracing::warn!(error = %e, "the toast could not be shown"),
        None => {}
    }
}
