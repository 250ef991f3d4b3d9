//! Shows the notifier's notices (`ilert_app::notify`) as native
//! notifications, through notify-rust: it sends the urgency hint that makes
//! a pending HIGH alert critical where the desktop honours it, which
//! tauri-plugin-notification does not. A click ("default" action) brings
//! the window back, at the alert.

use std::time::Duration;

use ilert_app::notify::{Notice, NoticeKind};
use tauri::{AppHandle, Emitter, Runtime};

/// Carries the alert id a notification was clicked for.
pub const OPEN_ALERT_EVENT: &str = "open-alert";

/// A notification server that does not answer within this is given up on.
const SHOW_TIMEOUT: Duration = Duration::from_secs(10);

/// Shows each notice on its own thread: a D-Bus call never blocks the
/// runtime, and the thread stays to hear the click until the notice closes.
pub fn show_all<R: Runtime>(handle: &AppHandle<R>, notices: Vec<Notice>) {
    for notice in notices {
        let handle = handle.clone();
        let spawned = std::thread::Builder::new().name("notification".into()).spawn(move || show(&handle, notice));
        if let Err(e) = spawned {
            tracing::warn!(error = %e, "no thread for a notification");
        }
    }
}

fn show<R: Runtime>(handle: &AppHandle<R>, notice: Notice) {
    let mut n = notify_rust::Notification::new();
    n.appname("ilert Desktop").summary(&notice.title).body(&notice.body).action("default", "Open");
    #[cfg(all(unix, not(target_os = "macos")))]
    {
        use notify_rust::{Hint, Urgency};
        n.urgency(if notice.urgent { Urgency::Critical } else { Urgency::Normal });
        n.hint(Hint::DesktopEntry("ilert-desktop".into()));
        n.hint(Hint::Category(
            if matches!(notice.kind, NoticeKind::Alert { .. } | NoticeKind::Alerts { .. }) { "im.received" } else { "presence" }.into(),
        ));
    }
    let _span = tracing::info_span!("notify.show", kind = ?notice.kind).entered();
    let (tx, rx) = std::sync::mpsc::channel();
    let shown = std::thread::spawn(move || {
        let r = n.show();
        let _ = tx.send(());
        r
    });
    if rx.recv_timeout(SHOW_TIMEOUT).is_err() {
        tracing::warn!(secs = SHOW_TIMEOUT.as_secs(), "the notification server did not answer; notice dropped");
        return;
    }
    match shown.join() {
        Ok(Ok(_handle)) => {
            tracing::info!("notified");
            #[cfg(all(unix, not(target_os = "macos")))]
            _handle.wait_for_action(|action| {
                if action == "default" {
                    clicked(handle, &notice.kind);
                }
            });
        }
        Ok(Err(e)) => tracing::warn!(error = %e, "the notification could not be shown"),
        Err(_) => tracing::warn!("showing a notification panicked"),
    }
}

fn clicked<R: Runtime>(handle: &AppHandle<R>, kind: &NoticeKind) {
    crate::windows::bring_back(handle);
    if let NoticeKind::Alert { id } = kind {
        let _ = handle.emit_to("main", OPEN_ALERT_EVENT, id);
    }
}
