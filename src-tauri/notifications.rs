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
    let capabilities = server_capabilities();
    let offers = |c: &str| capabilities.as_ref().is_none_or(|all| all.iter().any(|x| x == c));
    let (title, body) = ilert_app::notify::text::for_server(&notice.title, &notice.body, offers("body-markup"));
    let mut n = notify_rust::Notification::new();
    n.appname("ilert Desktop").summary(&title).action("default", "Open");
    let actions = match &notice.kind {
        NoticeKind::Alert { actions, .. } => actions.as_slice(),
        _ => &[],
    };
    let buttons = !actions.is_empty() && offers("actions");
    if buttons {
        n.body(&body);
        for a in actions {
            let (id, label) = action_button(*a);
            n.action(id, label);
        }
    } else if !actions.is_empty() {
        // No buttons on this desktop: say where the actions are.
        n.body(&format!("{body}\nAccept or resolve it from the tray menu or the window."));
    } else {
        n.body(&body);
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
    // Listening starts before the notification is shown, so no press is missed.
    #[cfg(all(unix, not(target_os = "macos")))]
    let listener = match server::Listener::start() {
        Ok(l) => Some(l),
        Err(e) => {
            tracing::warn!(error = %e, "cannot listen for the notification's buttons");
            None
        }
    };
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
            if let Some(listener) = listener {
                let offered: Vec<&str> =
                    std::iter::once("default").chain(actions.iter().filter(|_| buttons).map(|a| action_button(*a).0)).collect();
                listener.wait(_handle.id(), &offered, |action| match (action, &notice.kind) {
                    ("default", kind) => clicked(handle, kind),
                    (button, NoticeKind::Alert { id, .. }) => {
                        if let Some(a) = [AlertAction::Accept, AlertAction::Resolve].into_iter().find(|a| action_button(*a).0 == button) {
                            act(handle, *id, a);
                        }
                    }
                    _ => {}
                });
            }
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

/// What the notification server supports (`actions`, `body-markup`, …);
/// `None` where the platform has no such question (every capability assumed).
fn server_capabilities() -> Option<Vec<String>> {
    #[cfg(all(unix, not(target_os = "macos")))]
    return Some(notify_rust::get_capabilities().unwrap_or_default());
    #[cfg(not(all(unix, not(target_os = "macos"))))]
    None
}

/// The buttons' signals, heard from the notification server alone.
///
/// `ActionInvoked` is a broadcast signal: any process on the session bus can
/// emit one with any id and action, and notify-rust's `wait_for_action`
/// matches the signal's name, not who sent it. Here the match rule names the
/// server's unique bus name (its owner when the notification is shown), and
/// only an action offered on that notification's id is taken.
#[cfg(all(unix, not(target_os = "macos")))]
mod server {
    use zbus::blocking::{fdo::DBusProxy, Connection, MessageIterator};
    use zbus::message::Type;
    use zbus::MatchRule;

    const NAME: &str = "org.freedesktop.Notifications";
    const PATH: &str = "/org/freedesktop/Notifications";

    pub struct Listener {
        messages: MessageIterator,
    }

    impl Listener {
        pub fn start() -> zbus::Result<Listener> {
            let conn = Connection::session()?;
            let owner = DBusProxy::new(&conn)?.get_name_owner(NAME.try_into()?)?;
            let rule = MatchRule::builder().msg_type(Type::Signal).sender(owner.into_inner())?.interface(NAME)?.path(PATH)?.build();
            Ok(Listener { messages: MessageIterator::for_match_rule(rule, &conn, Some(64))? })
        }

        /// Until notification `id` is closed or one of `offered` pressed on it.
        pub fn wait(self, id: u32, offered: &[&str], mut pressed: impl FnMut(&str)) {
            for msg in self.messages {
                let Ok(msg) = msg else { return };
                let header = msg.header();
                match header.member().map(|m| m.as_str()) {
                    Some("ActionInvoked") => match msg.body().deserialize::<(u32, String)>() {
                        Ok((on, action)) if on == id && offered.contains(&action.as_str()) => {
                            pressed(&action);
                            return;
                        }
                        Ok((on, action)) if on == id => tracing::warn!(%action, "an action never offered on this notification; ignored"),
                        _ => {}
                    },
                    Some("NotificationClosed") if msg.body().deserialize::<(u32, u32)>().is_ok_and(|(on, _)| on == id) => return,
                    _ => {}
                }
            }
        }
    }
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
