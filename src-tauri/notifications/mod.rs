//! Shows the notifier's notices (`ilert_app::notify`) as native
//! notifications. What a notice shows, which buttons it carries and which
//! presses are taken is decided by the core ([`Toast`]); each platform's
//! backend only draws it with that platform's own means and reports a press:
//! - Linux: a freedesktop notification server over D-Bus (`freedesktop.rs`),
//!   critical urgency and no timeout for a page, buttons where the server
//!   offers `actions`;
//! - Windows: a WinRT toast (`winrt.rs`) credited to the app's identifier, a
//!   page in the reminder scenario (it stays until dismissed), buttons;
//! - macOS: a user notification (`macos.rs`) with one button whose menu holds
//!   the actions, which is what an unentitled app can show.
//!
//! A click on the notification brings the window back, at the alert; a
//! press goes to the dispatcher as an intent.

use std::time::{Duration, Instant};

use ilert_app::actions::AlertAction;
use ilert_app::notify::toast::{Press, Toast};
use ilert_app::notify::Notice;
use ilert_app::Intent;
use tauri::{AppHandle, Runtime};

#[cfg(all(unix, not(target_os = "macos")))]
#[path = "freedesktop.rs"]
mod backend;
#[cfg(target_os = "macos")]
#[path = "macos.rs"]
mod backend;
#[cfg(windows)]
#[path = "winrt.rs"]
mod backend;

/// A notification service that does not answer within this is given up on
/// (macOS's call waits for the press itself, so it has no such limit).
#[cfg(not(target_os = "macos"))]
const SHOW_TIMEOUT: Duration = Duration::from_secs(10);

/// Shows a notice on its own thread: a call to the notification service
/// never blocks the runtime, and the thread stays to hear a press where the
/// service reports it that way.
pub fn show<R: Runtime>(handle: &AppHandle<R>, notice: Notice) {
    let handle = handle.clone();
    let spawned = std::thread::Builder::new().name("notification".into()).spawn(move || show_here(&handle, notice));
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "no thread for a notification");
    }
}

fn show_here<R: Runtime>(handle: &AppHandle<R>, notice: Notice) {
    let toast = Toast::new(&notice, backend::service());
    let _span = tracing::info_span!("notify.show", kind = ?notice.kind, page = notice.page).entered();
    let pressed_on = handle.clone();
    let identifier = handle.config().identifier.clone();
    backend::show(&toast, &identifier, move |press| pressed(&pressed_on, press));
}

/// A press, as the intent it asks for. The buttons' own ids stay the ones
/// the service reports (`accept`, `resolve`: the notification names the
/// alert), checked against what was offered by [`Toast::pressed`].
fn pressed<R: Runtime>(handle: &AppHandle<R>, press: Press) {
    let intent = match press {
        Press::Open(Some(alert)) => Intent::ShowAlert(alert),
        Press::Open(None) => Intent::Open,
        Press::Act(id, AlertAction::Accept) => Intent::Accept(id),
        Press::Act(id, AlertAction::Resolve) => Intent::Resolve(id),
        Press::HandOver(to) => Intent::HandOver { to },
        Press::Keep => Intent::KeepAlerts,
        // Only the check's own test page carries it, and that one is not shown from here.
        Press::Acknowledged => return,
    };
    crate::dispatch::intent_from(handle, intent, "notification");
}

/// "Will it ring?"'s test page: shown as a page is, then waited for until
/// the person presses it, at most `wait`. On Linux and macOS a notification
/// closed unpressed ends the wait at once.
pub fn test_page(identifier: String, wait: Duration) -> Result<Duration, String> {
    let started = Instant::now();
    let (tx, rx) = std::sync::mpsc::channel::<Option<Press>>();
    // Held here, so only a press, a close or the time limit ends the wait
    // (Windows may drop the toast's handler once the toast is up).
    let closed = tx.clone();
    let _held = tx.clone();
    let shown = std::thread::Builder::new().name("notification-test".into()).spawn(move || {
        let toast = Toast::new(&ilert_app::doctor::test_notice(), backend::service());
        let _span = tracing::info_span!("notify.test_page").entered();
        backend::show(&toast, &identifier, move |press| {
            let _ = tx.send(Some(press));
        });
        // Windows returns once the toast is up and reports a press later.
        if !cfg!(windows) {
            let _ = closed.send(None);
        }
    });
    if let Err(e) = shown {
        return Err(format!("no thread to show it: {e}"));
    }
    let secs = wait.as_secs();
    match rx.recv_timeout(wait) {
        Ok(Some(Press::Acknowledged)) => Ok(started.elapsed()),
        Ok(_) => Err("closed without Acknowledge, or it could not be shown (see the log)".into()),
        Err(_) => Err(format!("not acknowledged within {secs} s: it did not show, or nobody pressed it")),
    }
}

/// Runs `f` (a call to the notification service) on a thread of its own and
/// waits for it at most [`SHOW_TIMEOUT`]: a service that hangs costs a
/// dropped notice and a log line, never a stuck notifier.
#[cfg(not(target_os = "macos"))]
fn within<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    let (tx, rx) = std::sync::mpsc::channel();
    let spawned = std::thread::Builder::new().name("notification-call".into()).spawn(move || {
        let _ = tx.send(f());
    });
    if spawned.is_err() {
        tracing::warn!("no thread to call the notification service");
        return None;
    }
    let got = rx.recv_timeout(SHOW_TIMEOUT).ok();
    if got.is_none() {
        tracing::warn!(secs = SHOW_TIMEOUT.as_secs(), "the notification service did not answer; notice dropped");
    }
    got
}
