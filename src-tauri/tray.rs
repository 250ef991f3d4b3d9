//! The tray icon: its badge, label and menu follow every snapshot (see
//! `events`); what they say is `ilert_app::view::TrayView`. On Linux the
//! AppIndicator tray sends no clicks, so everything is in the menu.

use std::sync::{Arc, Mutex};

use ilert_app::notify::PauseFor;
use ilert_app::updates::UpdateView;
use ilert_app::view::tray_icon::Picture;
use ilert_app::view::{Ask, Quietness, Snapshot, TrayView};
use ilert_app::App;
use tauri::image::Image;
use tauri::menu::{IsMenuItem, Menu, MenuItem, PredefinedMenuItem, Submenu};
use tauri::tray::{MouseButton, MouseButtonState, TrayIcon, TrayIconBuilder, TrayIconEvent};
use tauri::{AppHandle, Manager, Runtime};

/// The tray's id, one per process: on Linux the icon is a file named after
/// it in `$XDG_RUNTIME_DIR/tray-icon/`, so two running profiles with one
/// id would overwrite (and delete) each other's icon.
fn tray_id() -> String {
    format!("ilert-desktop-{}", std::process::id())
}

/// The menu's actions, by id. Any process of the session can press an item
/// (the menu is a D-Bus protocol), so the items that cannot be undone —
/// Resolve, Sign out, Install — only ask in the window.
const OPEN: &str = "open";
const REFRESH: &str = "refresh";
const CHECK: &str = "will-it-ring";
const SIGN_OUT: &str = "sign-out";
const QUIT: &str = "quit";
const GRANT_ALERTS: &str = "grant-alerts";
const GRANT_ALERT_WRITE: &str = "grant-alert-write";
/// `accept-ID`, `resolve-ID`, `show-ID`: an alert's actions.
const ACCEPT: &str = "accept-";
const RESOLVE: &str = "resolve-";
const SHOW: &str = "show-";
const RESUME: &str = "resume";
const SILENCE: &str = "silence";
/// `pause-0`, `pause-1`, …: the index into [`PauseFor::ALL`].
const PAUSE: &str = "pause-";
const INSTALL_UPDATE: &str = "update-install";
const LATER: &str = "update-later";
const RESTART: &str = "update-restart";

pub fn create<R: Runtime>(handle: &AppHandle<R>) -> tauri::Result<TrayIcon<R>> {
    handle.manage(Shown::default());
    let view = view_of(handle, None);
    let tray = TrayIconBuilder::with_id(tray_id())
        .icon(icon(handle, &view))
        .tooltip(&view.tooltip)
        .menu(&menu(handle, &view, &UpdateView::None)?)
        .icon_as_template(cfg!(target_os = "macos"))
        // Windows: a left click opens the window, the right one the menu (as
        // Windows tray apps do); macOS: the menu, as menu-bar extras do;
        // Linux's AppIndicator sends no clicks at all.
        .show_menu_on_left_click(!cfg!(windows))
        .on_tray_icon_event(|tray, event| {
            if cfg!(windows) {
                if let TrayIconEvent::Click { button: MouseButton::Left, button_state: MouseButtonState::Up, .. } = event {
                    crate::windows::open(tray.app_handle(), None);
                }
            }
        })
        .on_menu_event(|handle, event| on_menu(handle, event.id().as_ref()))
        .build(handle)?;
    // Snapshots published before the tray existed: show the latest now.
    show(handle, handle.state::<App>().snapshot().as_ref());
    Ok(tray)
}

/// What the tray shows now: a snapshot that changes nothing there (most
/// do: a refresh starting, the same data again) rebuilds no menu.
#[derive(Default)]
struct Shown(Mutex<Option<(TrayView, UpdateView)>>);

/// Shows what `snapshot` says (`None`: signed out).
pub fn show<R: Runtime>(handle: &AppHandle<R>, snapshot: Option<&Arc<Snapshot>>) {
    let Some(tray) = handle.tray_by_id(&tray_id()) else { return };
    let view = view_of(handle, snapshot);
    let update = handle.state::<App>().updates().view();
    {
        let shown = handle.state::<Shown>();
        let mut shown = shown.0.lock().unwrap_or_else(|e| e.into_inner());
        let now = (view.clone(), update.clone());
        if shown.as_ref() == Some(&now) {
            return;
        }
        *shown = Some(now);
    }
    let label = Some(view.label.as_str()).filter(|l| !l.is_empty());
    let result = menu(handle, &view, &update)
        .and_then(|m| tray.set_menu(Some(m)))
        .and_then(|()| tray.set_icon(Some(icon(handle, &view))))
        .and_then(|()| tray.set_icon_as_template(cfg!(target_os = "macos")));
    let _ = tray.set_title(label);
    let _ = tray.set_tooltip(Some(&view.tooltip));
    if let Err(e) = result {
        tracing::warn!(error = %e, "the tray could not be updated");
    }
}

fn view_of<R: Runtime>(handle: &AppHandle<R>, snapshot: Option<&Arc<Snapshot>>) -> TrayView {
    let app = handle.state::<App>();
    let q = Quietness { quiet: app.quiet(), ringing: !app.ringing().is_empty(), dnd: crate::dnd::now() };
    TrayView::now(snapshot.map(Arc::as_ref), app.engine_config().interval, q)
}

/// Silence the alarm (while a page rings); Open; the on-call line, who is
/// on call (submenu), the alerts line or the offer to grant them; Refresh
/// now; Do Not Disturb; Pause (or Resume); Sign out; a newer version and
/// what to do about it; Quit.
fn menu<R: Runtime>(handle: &AppHandle<R>, view: &TrayView, update: &UpdateView) -> tauri::Result<Menu<R>> {
    let item = |id: &str, text: &str, enabled: bool| MenuItem::with_id(handle, id, text, enabled, None::<&str>);
    let mut items: Vec<Box<dyn IsMenuItem<R>>> = Vec::new();
    if view.ringing {
        items.push(Box::new(item(SILENCE, "Silence the alarm", true)?));
    }
    items.extend([
        Box::new(item(OPEN, "Open ilert Desktop", true)?) as Box<dyn IsMenuItem<R>>,
        Box::new(PredefinedMenuItem::separator(handle)?),
        Box::new(item("on-call", &view.on_call_line, false)?),
    ]);
    if !view.policies.is_empty() {
        let lines: Vec<MenuItem<R>> =
            view.policies.iter().enumerate().map(|(i, l)| item(&format!("policy-{i}"), l, false)).collect::<tauri::Result<_>>()?;
        let refs: Vec<&dyn IsMenuItem<R>> = lines.iter().map(|l| l as &dyn IsMenuItem<R>).collect();
        items.push(Box::new(Submenu::with_id_and_items(handle, "who", "Who is on call", true, &refs)?));
    }
    if let Some(line) = &view.alerts_line {
        items.push(Box::new(item("alerts", line, false)?));
    }
    if view.grant_alerts {
        items.push(Box::new(item(GRANT_ALERTS, "Grant access to alerts…", true)?));
    }
    if !view.alerts.is_empty() {
        let mut subs = Vec::new();
        for a in &view.alerts {
            let mut actions = vec![item(&format!("{SHOW}{}", a.id), "Show in ilert Desktop", true)?];
            if view.can_act && a.pending {
                actions.push(item(&format!("{ACCEPT}{}", a.id), "Accept", true)?);
            }
            if view.can_act {
                actions.push(item(&format!("{RESOLVE}{}", a.id), "Resolve…", true)?);
            }
            let refs: Vec<&dyn IsMenuItem<R>> = actions.iter().map(|i| i as &dyn IsMenuItem<R>).collect();
            let mark = if a.pending { "● " } else { "✓ " };
            subs.push(Submenu::with_id_and_items(handle, format!("alert-{}", a.id), format!("{mark}{}", a.line), true, &refs)?);
        }
        let refs: Vec<&dyn IsMenuItem<R>> = subs.iter().map(|i| i as &dyn IsMenuItem<R>).collect();
        items.push(Box::new(Submenu::with_id_and_items(handle, "my-alerts", "My open alerts", true, &refs)?));
        if !view.can_act {
            items.push(Box::new(item(GRANT_ALERT_WRITE, "Allow accepting and resolving alerts…", true)?));
        }
    }
    items.push(Box::new(PredefinedMenuItem::separator(handle)?));
    items.push(Box::new(item(REFRESH, "Refresh now", view.signed_in)?));
    items.push(Box::new(item(CHECK, "Will it ring?…", true)?));
    if let Some(line) = &view.dnd_line {
        items.push(Box::new(item("dnd", line, false)?));
    }
    match &view.paused_line {
        Some(line) => {
            items.push(Box::new(item("paused", line, false)?));
            items.push(Box::new(item(RESUME, "Resume notifications", true)?));
        }
        None if view.signed_in => {
            let choices: Vec<MenuItem<R>> = PauseFor::ALL
                .iter()
                .enumerate()
                .filter(|(_, p)| view.shift_snooze || **p != PauseFor::EndOfShift)
                .map(|(i, p)| item(&format!("{PAUSE}{i}"), p.label(), true))
                .collect::<tauri::Result<_>>()?;
            let refs: Vec<&dyn IsMenuItem<R>> = choices.iter().map(|c| c as &dyn IsMenuItem<R>).collect();
            items.push(Box::new(Submenu::with_id_and_items(handle, "pause", "Pause notifications", true, &refs)?));
        }
        None => {}
    }
    items.push(Box::new(item(SIGN_OUT, "Sign out…", view.signed_in)?));
    if let Some(line) = update.tray_line() {
        items.push(Box::new(PredefinedMenuItem::separator(handle)?));
        items.push(Box::new(item("update", &line, false)?));
        match update {
            UpdateView::Available { version, .. } => {
                items.push(Box::new(item(INSTALL_UPDATE, &format!("Install version {version}…"), true)?))
            }
            UpdateView::Failed { .. } => items.push(Box::new(item(INSTALL_UPDATE, "Try again…", true)?)),
            UpdateView::Installed { .. } => items.push(Box::new(item(RESTART, "Restart to use it", true)?)),
            UpdateView::Installing { .. } | UpdateView::None => {}
        }
        if matches!(update, UpdateView::Available { .. } | UpdateView::Failed { .. }) {
            items.push(Box::new(item(LATER, "Later", true)?));
        }
    }
    items.push(Box::new(PredefinedMenuItem::separator(handle)?));
    items.push(Box::new(item(QUIT, "Quit", true)?));
    let refs: Vec<&dyn IsMenuItem<R>> = items.iter().map(|i| i.as_ref()).collect();
    Menu::with_items(handle, &refs)
}

/// A sign-in that adds `scope`, through the system browser (the demo's own when in the demo).
fn grant<R: Runtime>(handle: &AppHandle<R>, scope: &'static str) {
    let handle = handle.clone();
    tauri::async_runtime::spawn(async move {
        let demo = handle.state::<App>().snapshot().is_some_and(|s| s.session.demo);
        match crate::commands::sign_in(handle.clone(), handle.state::<App>(), demo, Some(scope.into())).await {
            Ok(_) => tracing::info!(scope, "granted from the tray"),
            Err(e) => tracing::warn!(scope, error = %e.message, "granting from the tray failed"),
        }
    });
}

fn alert_item<R: Runtime>(handle: &AppHandle<R>, id: &str) {
    let parse = |p: &str| id.strip_prefix(p).and_then(|n| n.parse::<i64>().ok());
    if let Some(n) = parse(SHOW) {
        crate::windows::open(handle, Some(n));
    } else if let Some(n) = parse(ACCEPT) {
        crate::notifications::act(handle, n, ilert_app::actions::AlertAction::Accept);
    } else if let Some(n) = parse(RESOLVE) {
        let summary = handle.state::<App>().snapshot().and_then(|s| s.alerts.data().and_then(|a| a.get(n)).map(|r| r.summary.clone()));
        crate::windows::ask(handle, Ask::Resolve { id: n, summary: summary.unwrap_or_else(|| format!("alert {n}")) });
    }
}

/// Pauses (`Some`) or resumes notifications; the tray shows which.
fn pause<R: Runtime>(handle: &AppHandle<R>, choice: Option<PauseFor>) {
    let app = handle.state::<App>();
    let held = app.pause_notifications(choice);
    tracing::info!(quiet = ?app.quiet(), "notifications paused or resumed from the tray");
    crate::notifications::show_all(handle, held);
    crate::alarm::follow(handle);
    show(handle, app.snapshot().as_ref());
}

fn on_menu<R: Runtime>(handle: &AppHandle<R>, id: &str) {
    match id {
        OPEN => crate::windows::bring_back(handle),
        // Only opens the window; the test page is the person's own press there.
        CHECK => crate::windows::open_check(handle),
        REFRESH => {
            let handle = handle.clone();
            tauri::async_runtime::spawn(async move {
                if let Err(e) = handle.state::<App>().refresh().await {
                    tracing::warn!(error = %e, "refresh from the tray failed");
                }
            });
        }
        // Irreversible: asked in the window (`ilert_app::view::ask` says why).
        SIGN_OUT => crate::windows::ask(handle, Ask::SignOut),
        GRANT_ALERTS => grant(handle, "alert"),
        GRANT_ALERT_WRITE => grant(handle, ilert_app::actions::WRITE_SCOPE),
        RESUME => pause(handle, None),
        SILENCE => crate::alarm::silence(handle),
        INSTALL_UPDATE => {
            if let Some(version) = handle.state::<App>().updates().view().version() {
                crate::windows::ask(handle, Ask::InstallUpdate { version: version.to_string() });
            }
        }
        LATER => handle.state::<App>().updates().later(),
        RESTART => handle.restart(),
        QUIT => handle.exit(0),
        other if other.starts_with(SHOW) || other.starts_with(ACCEPT) || other.starts_with(RESOLVE) => alert_item(handle, other),
        other => {
            if let Some(choice) = other.strip_prefix(PAUSE).and_then(|i| i.parse::<usize>().ok()).and_then(|i| PauseFor::ALL.get(i)) {
                pause(handle, Some(*choice));
            }
        }
    }
}

/// The app's icon with the state's badge in its lower right corner.
/// The app icon with the state's badge; in a macOS menu bar a template
/// image (`ilert_app::view::tray_icon`), which macOS tints itself.
fn icon<R: Runtime>(handle: &AppHandle<R>, view: &TrayView) -> Image<'static> {
    let base = handle.default_window_icon().cloned().expect("the app has an icon").to_owned();
    let picture = Picture { rgba: base.rgba().to_vec(), width: base.width(), height: base.height() };
    let drawn = if cfg!(target_os = "macos") { picture.template(&view.state) } else { picture.badged(&view.state) };
    Image::new_owned(drawn.rgba, drawn.width, drawn.height)
}
