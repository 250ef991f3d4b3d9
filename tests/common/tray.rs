//! The tray as a desktop sees it: the StatusNotifier items registered with
//! the host `scripts/session` starts, and their dbusmenu, read and clicked
//! with `dbus-send` (package dbus).

fn dbus(args: &[&str]) -> Option<String> {
    super::dbus::dbus_send("--session", args)
}

/// The bus names of the registered items.
pub fn items() -> Vec<String> {
    let reply = dbus(&[
        "--dest=org.kde.StatusNotifierWatcher",
        "/StatusNotifierWatcher",
        "org.freedesktop.DBus.Properties.Get",
        "string:org.kde.StatusNotifierWatcher",
        "string:RegisteredStatusNotifierItems",
    ])
    .unwrap_or_default();
    reply.split('"').skip(1).step_by(2).map(|s| s.split('/').next().unwrap_or(s).to_string()).collect()
}

/// The item's object path (AppIndicator puts it under /org/ayatana/NotificationItem/).
fn item_path(owner: &str) -> Option<String> {
    let reply = dbus(&[&format!("--dest={owner}"), "/org/ayatana/NotificationItem", "org.freedesktop.DBus.Introspectable.Introspect"])?;
    let name = reply.split("node name=\"").nth(1)?.split('"').next()?;
    Some(format!("/org/ayatana/NotificationItem/{name}"))
}

/// A string property of the item (`Title`, `XAyatanaLabel`, `IconName`, `Status`).
pub fn property(owner: &str, name: &str) -> Option<String> {
    let path = item_path(owner)?;
    let reply = dbus(&[
        &format!("--dest={owner}"),
        &path,
        "org.freedesktop.DBus.Properties.Get",
        "string:org.kde.StatusNotifierItem",
        &format!("string:{name}"),
    ])?;
    Some(reply.split('"').nth(1).unwrap_or_default().to_string())
}

/// The menu's items, in order: (id, label, enabled).
pub fn menu(owner: &str) -> Vec<(i32, String, bool)> {
    let Some(path) = item_path(owner) else { return Vec::new() };
    let reply = dbus(&[
        &format!("--dest={owner}"),
        &format!("{path}/Menu"),
        "com.canonical.dbusmenu.GetLayout",
        "int32:0",
        "int32:-1",
        "array:string:",
    ])
    .unwrap_or_default();
    // Each item: `int32 ID` then its properties as dict entries.
    let mut items: Vec<(i32, String, bool)> = Vec::new();
    let lines: Vec<&str> = reply.lines().map(str::trim).collect();
    for (i, line) in lines.iter().enumerate() {
        if let Some(id) = line.strip_prefix("int32 ").and_then(|n| n.parse().ok()) {
            items.push((id, String::new(), true));
        } else if *line == "string \"label\"" {
            let label = lines.get(i + 1).and_then(|l| l.split('"').nth(1)).unwrap_or_default();
            if let Some(last) = items.last_mut() {
                last.1 = label.to_string();
            }
        } else if *line == "string \"enabled\"" {
            if let Some(last) = items.last_mut() {
                last.2 = !lines.get(i + 1).is_some_and(|l| l.ends_with("false"));
            }
        }
    }
    items.retain(|(_, label, _)| !label.is_empty());
    items
}

/// Copies the icon the tray shows now (AppIndicator's `IconName` is a
/// PNG file) to `artifacts/screenshots/` (or `$E2E_ARTIFACTS`): the
/// README's pictures of the tray states.
pub fn save_icon(owner: &str, name: &str) {
    let path = property(owner, "IconName").expect("an icon");
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("the tray's icon {path}: {e}"));
    assert!(bytes.starts_with(b"\x89PNG"), "{path} is a PNG");
    std::fs::write(super::artifact(name), bytes).unwrap();
}

/// Clicks the menu item with this label.
pub fn click(owner: &str, label: &str) {
    if let Err(e) = send_click(owner, label) {
        panic!("the click on {label} is not delivered: {e}");
    }
}

/// Clicks Quit. The app may end before its menu answers the click
/// (dbus-send then says the recipient disconnected without replying);
/// whether it ended well is for the caller to see.
pub fn quit(owner: &str) {
    match send_click(owner, "Quit") {
        Err(e) if !e.contains("disconnected from message bus without replying") && !e.contains("NoReply") => {
            panic!("the click on Quit is not delivered: {e}")
        }
        _ => {}
    }
}

/// Clicks the first item labelled `label` below the one labelled
/// `heading` (a submenu's items follow it): for labels a menu repeats
/// ("For 30 min" under each schedule).
pub fn click_after(owner: &str, heading: &str, label: &str) {
    let pick = |items: Vec<(i32, String, bool)>| {
        let from = items.iter().position(|(_, l, _)| l == heading).unwrap_or_else(|| panic!("no menu item {heading}"));
        items[from..].iter().find(|(_, l, _)| l == label).map(|(id, _, _)| *id).unwrap_or_else(|| panic!("no {label} below {heading}"))
    };
    if let Err(e) = send_click_with(owner, pick) {
        panic!("the click on {label} below {heading} is not delivered: {e}");
    }
}

/// The menu is rebuilt whenever the app's state changes, with new item
/// ids: an id read just before a rebuild is gone by the click, which the
/// menu refuses; the label is then looked up again.
fn send_click(owner: &str, label: &str) -> Result<String, String> {
    send_click_with(owner, |items| {
        items.into_iter().find(|(_, l, _)| l == label).map(|(id, _, _)| id).unwrap_or_else(|| panic!("no menu item {label}"))
    })
}

fn send_click_with(owner: &str, pick: impl Fn(Vec<(i32, String, bool)>) -> i32) -> Result<String, String> {
    let mut tries = 0;
    loop {
        let id = pick(menu(owner));
        let path = item_path(owner).expect("the item");
        let sent = super::dbus::dbus_call(
            "--session",
            &[
                &format!("--dest={owner}"),
                &format!("{path}/Menu"),
                "com.canonical.dbusmenu.Event",
                &format!("int32:{id}"),
                "string:clicked",
                "variant:int32:0",
                "uint32:0",
            ],
        );
        match sent {
            Err(e) if e.contains("does not refer to a menu item") && tries < 10 => {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(200));
            }
            other => return other,
        }
    }
}
