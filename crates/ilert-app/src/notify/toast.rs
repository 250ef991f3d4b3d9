//! A [`Notice`] as a desktop's notification service can show it. The three
//! services differ in what they offer (freedesktop servers say so in their
//! capabilities; Windows toasts always take buttons; macOS's notification
//! takes one button with a menu), so what is shown, which presses are
//! accepted and what the body says when there are no buttons is decided
//! here once, and each platform's backend in the glue only draws it.

use crate::actions::AlertAction;
use crate::notify::text;
use crate::notify::{Notice, NoticeKind};

/// What the desktop's notification service can do, as far as a notice needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Service {
    /// Buttons on a notification, and a press reported back to the app.
    pub buttons: bool,
    /// The body is read as markup (freedesktop `body-markup`).
    pub markup: bool,
}

/// What a press on a shown notification asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Press {
    /// The notification itself: the window, at the alert if it is about one.
    Open(Option<i64>),
    /// A button: the action, on that alert.
    Act(i64, AlertAction),
    /// The test page answered (its button, or the notification itself).
    Acknowledged,
    /// The hand-over's "Reassign to ‹who›": my open alerts to this user.
    HandOver(i64),
    /// The hand-over's "Keep them".
    Keep,
}

/// One notification, ready for a backend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Toast {
    pub title: String,
    pub body: String,
    /// `(id, label)` of each button, in order; the ids are what a service
    /// reports back, and [`Toast::pressed`] takes no other.
    pub buttons: Vec<(&'static str, String)>,
    /// A page: urgent, and it stays until answered where the service allows.
    pub page: bool,
    /// The alert a click opens, when the notice is about one.
    pub alert: Option<i64>,
    /// The check's test page: any press of it answers the check, nothing else.
    pub test: bool,
    /// A hand-over, and the user its "Reassign to" names (`None`: nobody).
    pub handover: Option<Option<i64>>,
}

/// The id a click on the notification itself is reported with (freedesktop's
/// `default` action; Windows reports a click without arguments).
pub const OPEN: &str = "default";

/// The one button of "Will it ring?"'s test page.
pub const ACKNOWLEDGE: (&str, &str) = ("acknowledge", "Acknowledge");

/// The hand-over's buttons' ids.
pub const HAND_OVER: &str = "hand-over";
pub const KEEP: &str = "keep";

/// The line a notice with actions gets where no button can carry them.
pub const ACT_ELSEWHERE: &str = "Accept or resolve it from the tray menu or the window.";

impl AlertAction {
    /// The id and label of this action's button on a notification.
    pub fn button(self) -> (&'static str, &'static str) {
        match self {
            AlertAction::Accept => ("accept", "Accept"),
            AlertAction::Resolve => ("resolve", "Resolve"),
        }
    }
}

impl Toast {
    pub fn new(notice: &Notice, service: Service) -> Toast {
        let (title, body) = text::for_server(&notice.title, &notice.body, service.markup);
        let (alert, actions) = match &notice.kind {
            NoticeKind::Alert { id, actions } => (Some(*id), actions.as_slice()),
            NoticeKind::Test => {
                let buttons = if service.buttons { vec![(ACKNOWLEDGE.0, ACKNOWLEDGE.1.to_string())] } else { Vec::new() };
                return Toast { title, body, buttons, page: notice.page, alert: None, test: true, handover: None };
            }
            NoticeKind::Handover { to } => {
                // Without buttons the window shows the same choice.
                let buttons = match to {
                    Some((_, name)) if service.buttons => vec![(HAND_OVER, format!("Reassign to {name}")), (KEEP, "Keep them".to_string())],
                    _ => Vec::new(),
                };
                let handover = Some(to.as_ref().map(|(id, _)| *id));
                return Toast { title, body, buttons, page: false, alert: None, test: false, handover };
            }
            _ => (None, &[][..]),
        };
        let (buttons, body) = if actions.is_empty() {
            (Vec::new(), body)
        } else if service.buttons {
            (actions.iter().map(|a| a.button()).map(|(id, label)| (id, label.to_string())).collect(), body)
        } else {
            (Vec::new(), format!("{body}\n{ACT_ELSEWHERE}"))
        };
        Toast { title, body, buttons, page: notice.page, alert, test: false, handover: None }
    }

    /// What a press reported by the service means; `None` for an id this
    /// notification never offered (another program may send any).
    pub fn pressed(&self, id: Option<&str>) -> Option<Press> {
        if self.test {
            let offered = |id: &str| id == OPEN || self.buttons.iter().any(|(b, _)| *b == id);
            return id.is_none_or(offered).then_some(Press::Acknowledged);
        }
        let offered = |id: &str| self.buttons.iter().any(|(b, _)| *b == id);
        if let Some(to) = self.handover {
            return match id {
                None | Some(OPEN) => Some(Press::Open(None)),
                Some(HAND_OVER) if offered(HAND_OVER) => to.map(Press::HandOver),
                Some(KEEP) if offered(KEEP) => Some(Press::Keep),
                Some(_) => None,
            };
        }
        match id {
            None | Some(OPEN) => Some(Press::Open(self.alert)),
            Some(id) => {
                let alert = self.alert?;
                let offered = self.buttons.iter().any(|(b, _)| *b == id);
                [AlertAction::Accept, AlertAction::Resolve]
                    .into_iter()
                    .find(|a| offered && a.button().0 == id)
                    .map(|a| Press::Act(alert, a))
            }
        }
    }
}

/// The application id Windows credits a toast to: the bundle identifier that
/// the installers register with the Start menu shortcut. A build run from
/// cargo's `target/debug` or `target/release` has no such shortcut, and a
/// toast under an unregistered id is never shown, so it borrows PowerShell's
/// (`None`), as tauri-plugin-notification does.
pub fn windows_app_id<'a>(identifier: &'a str, exe_dir: &std::path::Path) -> Option<&'a str> {
    let names: Vec<String> = exe_dir.components().rev().take(3).map(|c| c.as_os_str().to_string_lossy().to_ascii_lowercase()).collect();
    let profile = matches!(names.first().map(String::as_str), Some("debug" | "release"));
    // target/debug, or target/<triple>/debug when cross-built.
    let from_cargo = profile && names[1..].iter().any(|n| n == "target");
    (!from_cargo).then_some(identifier)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alert(actions: Vec<AlertAction>, page: bool) -> Notice {
        Notice { kind: NoticeKind::Alert { id: 7, actions }, title: "Checkout <down>".into(), body: "API & db".into(), page }
    }

    const FREEDESKTOP: Service = Service { buttons: true, markup: true };
    const NO_BUTTONS: Service = Service { buttons: false, markup: false };

    #[test]
    fn buttons_where_the_service_takes_them_else_the_body_says_where_to_act() {
        let t = Toast::new(&alert(vec![AlertAction::Accept, AlertAction::Resolve], true), FREEDESKTOP);
        assert_eq!(t.buttons, vec![("accept", "Accept".to_string()), ("resolve", "Resolve".to_string())]);
        assert_eq!(t.body, "API &amp; db", "markup escaped, nothing added");
        assert!(t.page);

        let t = Toast::new(&alert(vec![AlertAction::Accept], false), NO_BUTTONS);
        assert!(t.buttons.is_empty());
        assert_eq!(t.body, format!("API & db\n{ACT_ELSEWHERE}"));

        let t = Toast::new(&alert(vec![], false), NO_BUTTONS);
        assert_eq!(t.body, "API & db", "no actions granted: no line about them");
    }

    #[test]
    fn a_press_is_taken_only_for_what_this_notification_offered() {
        let t = Toast::new(&alert(vec![AlertAction::Accept], true), FREEDESKTOP);
        assert_eq!(t.pressed(None), Some(Press::Open(Some(7))), "Windows: a click has no argument");
        assert_eq!(t.pressed(Some(OPEN)), Some(Press::Open(Some(7))));
        assert_eq!(t.pressed(Some("accept")), Some(Press::Act(7, AlertAction::Accept)));
        assert_eq!(t.pressed(Some("resolve")), None, "not offered on this one");
        assert_eq!(t.pressed(Some("delete-everything")), None);

        let info = Notice { kind: NoticeKind::Info, title: "t".into(), body: "b".into(), page: false };
        let t = Toast::new(&info, FREEDESKTOP);
        assert_eq!(t.pressed(None), Some(Press::Open(None)));
        assert_eq!(t.pressed(Some("accept")), None, "no alert, no action");
    }

    #[test]
    fn a_hand_over_offers_to_reassign_or_keep_and_takes_only_those() {
        let h = Notice {
            kind: NoticeKind::Handover { to: Some((2, "Grace Hopper".into())) },
            title: "t".into(),
            body: "b".into(),
            page: false,
        };
        let t = Toast::new(&h, FREEDESKTOP);
        assert_eq!(t.buttons, vec![(HAND_OVER, "Reassign to Grace Hopper".to_string()), (KEEP, "Keep them".to_string())]);
        assert_eq!(t.pressed(Some(HAND_OVER)), Some(Press::HandOver(2)));
        assert_eq!(t.pressed(Some(KEEP)), Some(Press::Keep));
        assert_eq!(t.pressed(None), Some(Press::Open(None)), "a click opens the window, which shows the same");
        assert_eq!(t.pressed(Some("accept")), None);
        let nobody = Notice { kind: NoticeKind::Handover { to: None }, ..h.clone() };
        let t = Toast::new(&nobody, FREEDESKTOP);
        assert!(t.buttons.is_empty(), "nobody to hand over to: no buttons");
        assert_eq!(t.pressed(Some(HAND_OVER)), None, "not offered");
        assert!(Toast::new(&h, NO_BUTTONS).buttons.is_empty());
    }

    #[test]
    fn the_test_page_is_a_page_with_one_button_and_any_press_of_it_acknowledges() {
        let test = Notice { kind: NoticeKind::Test, title: "Test page".into(), body: "b".into(), page: true };
        let t = Toast::new(&test, FREEDESKTOP);
        assert!(t.page && t.alert.is_none());
        assert_eq!(t.buttons, vec![("acknowledge", "Acknowledge".to_string())]);
        assert_eq!(t.pressed(Some("acknowledge")), Some(Press::Acknowledged));
        assert_eq!(t.pressed(Some(OPEN)), Some(Press::Acknowledged), "a click on it answers too");
        assert_eq!(t.pressed(None), Some(Press::Acknowledged));
        assert_eq!(t.pressed(Some("accept")), None, "never offered");
        let t = Toast::new(&test, NO_BUTTONS);
        assert!(t.buttons.is_empty() && t.pressed(Some(OPEN)) == Some(Press::Acknowledged), "no buttons: a click answers");
    }

    #[test]
    fn windows_credits_installed_builds_to_the_identifier_and_cargo_builds_to_powershell() {
        use std::path::Path;
        let id = "com.ilert.desktop";
        assert_eq!(windows_app_id(id, Path::new(r"C:\Program Files\ilert Desktop")), Some(id));
        assert_eq!(windows_app_id(id, Path::new("/home/a/ilert-desktop/target/debug")), None);
        assert_eq!(windows_app_id(id, Path::new("/home/a/ilert-desktop/target/release")), None);
        assert_eq!(windows_app_id(id, Path::new("/c/x/target/x86_64-pc-windows-gnu/debug")), None);
        assert_eq!(windows_app_id(id, Path::new("/opt/debug")), Some(id), "a folder named debug alone is not cargo's");
    }
}
