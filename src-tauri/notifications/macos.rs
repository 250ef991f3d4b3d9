//! A macOS user notification, through mac-notification-sys (notify-rust's
//! macOS backend drops buttons and clicks). An app without the critical-alert
//! entitlement cannot make a banner stay or break through Focus; a page is
//! as loud as the person's notification style for the app allows, and the
//! app's own alarm rings it. The actions go in the one button macOS gives an
//! unentitled notification, as a menu; the call waits for the press.

use ilert_app::notify::toast::{Press, Service, Toast};
use mac_notification_sys::{MainButton, Notification, NotificationResponse};

pub fn service() -> Service {
    Service { buttons: true, markup: false }
}

/// Shows `toast` and waits on this thread for a press or its closing.
pub fn show(toast: &Toast, identifier: &str, on_press: impl FnOnce(Press)) {
    // Inside an .app bundle the notification is credited to the app; run
    // from cargo, macOS would refuse an identifier no bundle carries.
    let bundled = std::env::current_exe().is_ok_and(|p| p.to_string_lossy().contains(".app/Contents/MacOS/"));
    if bundled {
        let _ = mac_notification_sys::set_application(identifier);
    }
    let labels: Vec<&str> = toast.buttons.iter().map(|(_, label)| label.as_str()).collect();
    let mut n = Notification::new();
    n.title(&toast.title).message(&toast.body).wait_for_click(true);
    match labels.as_slice() {
        [] => {}
        [one] => {
            n.main_button(MainButton::SingleAction(one));
        }
        many => {
            n.main_button(MainButton::DropdownActions("Act", many));
        }
    }
    if !labels.is_empty() {
        n.close_button("Dismiss");
    }
    let response = match n.send() {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!(error = %e, "the notification could not be shown");
            return;
        }
    };
    tracing::info!("notified");
    let press = match response {
        NotificationResponse::Click => toast.pressed(None),
        NotificationResponse::ActionButton(label) => {
            toast.buttons.iter().find(|(_, l)| *l == label).and_then(|(id, _)| toast.pressed(Some(id)))
        }
        _ => None,
    };
    if let Some(press) = press {
        on_press(press);
    }
}
