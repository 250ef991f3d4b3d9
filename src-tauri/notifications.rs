//! Shows the notifier's notices (`ilert_app::notify`) as native
//! notifications, through notify-rust: it sends the urgency hint and the
//! timeout that make a page critical and keep it on screen until answered
//! (`urgency=2`, `expire_timeout=0`), which tauri-plugin-notification does
//! not. A click ("default" action) brings the window back, at the alert.

use std::time::Duration;

use ilert_app::actions::AlertAction;
use ilert_app::notify::{Notice, NoticeKind};
use tauri::{AppHandle, Manager, Runtime};

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
    n.appname("ilert Desktop").summary(&notice.title).action("default", "Open");
    let actions = match &notice.kind {
        NoticeKind::Alert { actions, .. } => actions.as_slice(),
        _ => &[],
    };
    if !actions.is_empty() && server_has_actions() {
        n.body(&notice.body);
        for a in actions {
            let (id, label) = action_button(*a);
            n.action(id, label);
        }
    } else if !actions.is_empty() {
        // No buttons on this desktop: say where the actions are.
        n.body(&format!("{}\nAccept or resolve it from the tray menu or the window.", notice.body));
    } else {
        n.body(&notice.body);
    }
    #[cfg(all(unix, not(target_os = "macos")))]
    {
        use notify_rust::{Hint, Urgency};
        n.urgency(if notice.page { Urgency::Critical } else { Urgency::Normal });
        n.hint(Hint::DesktopEntry("ilert-desktop".into()));
        n.hint(Hint::Category(
            if matches!(notice.kind, NoticeKind::Alert { .. } | NoticeKind::Alerts { .. }) { "im.received" } else { "presence" }.into(),
        ));
    }
    // A page stays until it is answered or closed; the rest as the server likes.
    n.timeout(if notice.page { notify_rust::Timeout::Never } else { notify_rust::Timeout::Default });
    let _span = tracing::info_span!("notify.show", kind = ?notice.kind, page = notice.page).entered();
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
            _handle.wait_for_action(|action| match (action, &notice.kind) {
                ("default", kind) => clicked(handle, kind),
                (button, NoticeKind::Alert { id, .. }) => {
                    if let Some(a) = [AlertAction::Accept, AlertAction::Resolve].into_iter().find(|a| action_button(*a).0 == button) {
                        act(handle, *id, a);
                    }
                }
                _ => {}
            });
        }
        Ok(Err(e)) => tracing::warn!(error = %e, "the notification could not be shown"),
        Err(_) => tracing::warn!("showing a notification panicked"),
    }
}

fn action_button(a: AlertAction) -> (&'static str, &'static str) {
    match a {
        AlertAction::Accept => ("accept", "Accept"),
        AlertAction::Resolve => ("resolve", "Resolve"),
    }
}

/// Whether the notification server shows action buttons (its `actions` capability).
fn server_has_actions() -> bool {
    #[cfg(all(unix, not(target_os = "macos")))]
    return notify_rust::get_capabilities().is_ok_and(|c| c.iter().any(|c| c == "actions"));
    #[cfg(not(all(unix, not(target_os = "macos"))))]
    true
}

/// A button on a notification: the action, and a notification if it failed.
pub fn act<R: Runtime>(handle: &AppHandle<R>, id: i64, action: AlertAction) {
    let handle = handle.clone();
    tauri::async_runtime::spawn(async move {
        match handle.state::<ilert_app::App>().act(id, action).await {
            Ok(out) => tracing::info!(id, status = %out.status, "{}", out.message),
            Err(e) => {
                tracing::warn!(id, error = %e, "the action failed");
                tell_failure(&handle, action, &ilert_app::IpcError::from(e).message);
            }
        }
    });
}

/// An action ilert refused or did not confirm, told as a notification (the
/// row has changed back already).
pub fn tell_failure<R: Runtime>(handle: &AppHandle<R>, action: AlertAction, why: &str) {
    let what = if action == AlertAction::Accept { "accept" } else { "resolve" };
    let notice = Notice { kind: NoticeKind::Info, title: format!("Could not {what} the alert"), body: why.to_string(), page: false };
    show_all(handle, vec![notice]);
}

fn clicked<R: Runtime>(handle: &AppHandle<R>, kind: &NoticeKind) {
    let alert = if let NoticeKind::Alert { id, .. } = kind { Some(*id) } else { None };
    crate::windows::open(handle, alert);
}
