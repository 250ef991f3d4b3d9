//! The only dispatcher. Whatever a person asks from any surface (a tray
//! item, a notification's button, a link, a second launch) arrives here as
//! an [`Intent`], goes to the core ([`App::handle`]), and what the core
//! leaves ([`Effect`]) is done here: the window, the system browser, a
//! sign-in, restart, exit. Ids that another program may have sent are
//! parsed once ([`Intent::parse_logged`]): one that names nothing does nothing.

use ilert_app::sign_in::Progress;
use ilert_app::view::SessionInfo;
use ilert_app::{App, Effect, Intent, IpcError};
use tauri::{AppHandle, Emitter, Manager, Runtime};

/// Carries [`ilert_app::sign_in::Progress`], to the window.
pub const PROGRESS_EVENT: &str = "progress";

/// An item's or a button's id, from `from` (for the log).
pub fn id<R: Runtime>(handle: &AppHandle<R>, id: &str, from: &'static str) {
    if let Some(intent) = Intent::parse_logged(id, from) {
        intent_from(handle, intent, from);
    }
}

/// Runs `intent` off the caller's thread (a menu's or a notification's).
pub fn intent_from<R: Runtime>(handle: &AppHandle<R>, intent: Intent, from: &'static str) {
    tracing::debug!(from, ?intent, "dispatched");
    let handle = handle.clone();
    tauri::async_runtime::spawn(async move {
        if let Some(effect) = handle.state::<App>().handle(intent).await {
            effect_of(&handle, effect).await;
        }
    });
}

/// The window is built and raised on the main thread, as the desktop wants.
fn on_main<R: Runtime>(handle: &AppHandle<R>, f: impl FnOnce(&AppHandle<R>) + Send + 'static) {
    let h = handle.clone();
    if let Err(e) = handle.run_on_main_thread(move || f(&h)) {
        tracing::warn!(error = %e, "the window could not be reached");
    }
}

async fn effect_of<R: Runtime>(handle: &AppHandle<R>, effect: Effect) {
    match effect {
        Effect::ShowWindow(alert) => on_main(handle, move |h| crate::windows::open(h, alert)),
        Effect::ShowCheck => on_main(handle, crate::windows::open_check),
        Effect::Ask => on_main(handle, crate::windows::ask),
        Effect::SignIn { add_scope } => {
            let demo = handle.state::<App>().snapshot().is_some_and(|s| s.session.demo);
            match sign_in(handle, demo, Some(add_scope.to_string())).await {
                Ok(_) => tracing::info!(scope = add_scope, "granted"),
                Err(e) => tracing::warn!(scope = add_scope, error = %e.message, "granting failed"),
            }
        }
        Effect::OpenUrl(url) => {
            if let Err(e) = tauri_plugin_opener::open_url(&url, None::<&str>) {
                tracing::warn!(error = %e, "no browser opened");
            }
        }
        Effect::Restart => handle.restart(),
        Effect::Exit => handle.exit(0),
    }
}

/// Signs in through the system browser (or the embedded sandbox when
/// `demo`), its steps told to the window, then brings the window back to
/// the front (the person was in the browser).
pub async fn sign_in<R: Runtime>(handle: &AppHandle<R>, demo: bool, add_scope: Option<String>) -> Result<SessionInfo, IpcError> {
    let progress = |p: Progress| {
        let _ = handle.emit_to("main", PROGRESS_EVENT, p);
    };
    let open = |url: &str| tauri_plugin_opener::open_url(url, None::<&str>).map_err(|e| e.to_string());
    let info = handle.state::<App>().sign_in(demo, add_scope.as_deref(), progress, open).await?;
    on_main(handle, |h| crate::windows::open(h, None));
    Ok(info)
}
