//! A freedesktop notification server over D-Bus, through notify-rust: the
//! urgency hint and the timeout that make a page critical and keep it on
//! screen until answered (`urgency=2`, `expire_timeout=0`), which
//! tauri-plugin-notification does not send.

use ilert_app::notify::toast::{Press, Service, Toast, OPEN};
use notify_rust::{Hint, Notification, Timeout, Urgency};

pub fn service() -> Service {
    let capabilities = notify_rust::get_capabilities().unwrap_or_default();
    let offers = |c: &str| capabilities.iter().any(|x| x == c);
    Service { buttons: offers("actions"), markup: offers("body-markup") }
}

/// Shows `toast` and waits on this thread, until it is closed, for a press.
pub fn show(toast: &Toast, _identifier: &str, on_press: impl FnOnce(Press)) {
    let mut n = Notification::new();
    n.appname("ilert Desktop").summary(&toast.title).body(&toast.body).action(OPEN, "Open");
    for (id, label) in &toast.buttons {
        n.action(id, label);
    }
    n.urgency(if toast.page { Urgency::Critical } else { Urgency::Normal });
    n.hint(Hint::DesktopEntry("ilert-desktop".into()));
    n.hint(Hint::Category(if toast.alert.is_some() { "im.received" } else { "presence" }.into()));
    // A page stays until it is answered or closed; the rest as the server likes.
    n.timeout(if toast.page { Timeout::Never } else { Timeout::Default });
    // Listening starts before the notification is shown, so no press is missed.
    let listener = match server::Listener::start() {
        Ok(l) => Some(l),
        Err(e) => {
            tracing::warn!(error = %e, "cannot listen for the notification's buttons");
            None
        }
    };
    match super::within(move || n.show().map(|h| h.id())) {
        Some(Ok(id)) => {
            tracing::info!("notified");
            if let Some(listener) = listener {
                if let Some(press) = listener.wait(id, |action| toast.pressed(Some(action))) {
                    on_press(press);
                }
            }
        }
        Some(Err(e)) => tracing::warn!(error = %e, "the notification could not be shown"),
        None => {}
    }
}

/// The buttons' signals, heard from the notification server alone.
///
/// `ActionInvoked` is a broadcast signal: any process on the session bus can
/// emit one with any id and action, and notify-rust's `wait_for_action`
/// matches the signal's name, not who sent it. Here the match rule names the
/// server's unique bus name (its owner when the notification is shown), and
/// only an action offered on that notification's id is taken.
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

        /// Until notification `id` is closed, or an action that `taken`
        /// accepts is invoked on it.
        pub fn wait<P>(self, id: u32, taken: impl Fn(&str) -> Option<P>) -> Option<P> {
            for msg in self.messages {
                let Ok(msg) = msg else { return None };
                let header = msg.header();
                match header.member().map(|m| m.as_str()) {
                    Some("ActionInvoked") => match msg.body().deserialize::<(u32, String)>() {
                        Ok((on, action)) if on == id => match taken(&action) {
                            Some(p) => return Some(p),
                            None => tracing::warn!(%action, "an action never offered on this notification; ignored"),
                        },
                        _ => {}
                    },
                    Some("NotificationClosed") if msg.body().deserialize::<(u32, u32)>().is_ok_and(|(on, _)| on == id) => return None,
                    _ => {}
                }
            }
            None
        }
    }
}
