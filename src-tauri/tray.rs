//! The tray icon, drawn from the frame's [`TrayFrame`]: its badge, label,
//! tooltip and its menu, whose entries the core made
//! (`ilert_app::surface::menu`). A press sends the item's id to the
//! dispatcher. On Linux the AppIndicator tray sends no clicks, so
//! everything is in the menu.

use ilert_app::surface::tray_icon::Picture;
use ilert_app::surface::{Entry, TrayFrame, TrayState};
use ilert_app::{App, Intent};
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

pub fn create<R: Runtime>(handle: &AppHandle<R>) -> tauri::Result<TrayIcon<R>> {
    let frame = handle.state::<App>().frames().borrow().tray.clone();
    let tray = TrayIconBuilder::with_id(tray_id())
        .icon(icon(handle, &frame.state))
        .tooltip(&frame.tooltip)
        .menu(&menu(handle, &frame.menu)?)
        .icon_as_template(cfg!(target_os = "macos"))
        // Windows: a left click opens the window, the right one the menu (as
        // Windows tray apps do); macOS: the menu, as menu-bar extras do;
        // Linux's AppIndicator sends no clicks at all.
        .show_menu_on_left_click(!cfg!(windows))
        .on_tray_icon_event(|tray, event| {
            if cfg!(windows) {
                if let TrayIconEvent::Click { button: MouseButton::Left, button_state: MouseButtonState::Up, .. } = event {
                    crate::dispatch::intent_from(tray.app_handle(), Intent::Open, "tray icon");
                }
            }
        })
        .on_menu_event(|handle, event| crate::dispatch::id(handle, event.id().as_ref(), "tray"))
        .build(handle)?;
    draw(handle, &frame);
    Ok(tray)
}

/// Shows `frame` (the subscriber calls it only when the tray's part changed).
pub fn draw<R: Runtime>(handle: &AppHandle<R>, frame: &TrayFrame) {
    let Some(tray) = handle.tray_by_id(&tray_id()) else { return };
    let label = Some(frame.label.as_str()).filter(|l| !l.is_empty());
    let result = menu(handle, &frame.menu)
        .and_then(|m| tray.set_menu(Some(m)))
        .and_then(|()| tray.set_icon(Some(icon(handle, &frame.state))))
        .and_then(|()| tray.set_icon_as_template(cfg!(target_os = "macos")));
    let _ = tray.set_title(label);
    let _ = tray.set_tooltip(Some(&frame.tooltip));
    if let Err(e) = result {
        tracing::warn!(error = %e, "the tray could not be updated");
    }
}

fn menu<R: Runtime>(handle: &AppHandle<R>, entries: &[Entry]) -> tauri::Result<Menu<R>> {
    let items = items(handle, entries)?;
    let refs: Vec<&dyn IsMenuItem<R>> = items.iter().map(|i| i.as_ref()).collect();
    Menu::with_items(handle, &refs)
}

/// The platform's items for the core's entries; an item's id is its intent's.
fn items<R: Runtime>(handle: &AppHandle<R>, entries: &[Entry]) -> tauri::Result<Vec<Box<dyn IsMenuItem<R>>>> {
    entries
        .iter()
        .map(|e| -> tauri::Result<Box<dyn IsMenuItem<R>>> {
            Ok(match e {
                Entry::Line { id, text } => Box::new(MenuItem::with_id(handle, id, text, false, None::<&str>)?),
                Entry::Item { intent, text, enabled } => Box::new(MenuItem::with_id(handle, intent.id(), text, *enabled, None::<&str>)?),
                Entry::Submenu { id, text, entries } => {
                    let children = items(handle, entries)?;
                    let refs: Vec<&dyn IsMenuItem<R>> = children.iter().map(|i| i.as_ref()).collect();
                    Box::new(Submenu::with_id_and_items(handle, id, text, true, &refs)?)
                }
                Entry::Separator => Box::new(PredefinedMenuItem::separator(handle)?),
            })
        })
        .collect()
}

/// The app icon with the state's badge; in a macOS menu bar a template
/// image (`ilert_app::surface::tray_icon`), which macOS tints itself.
fn icon<R: Runtime>(handle: &AppHandle<R>, state: &TrayState) -> Image<'static> {
    let base = handle.default_window_icon().cloned().expect("the app has an icon").to_owned();
    let picture = Picture { rgba: base.rgba().to_vec(), width: base.width(), height: base.height() };
    let drawn = if cfg!(target_os = "macos") { picture.template(state) } else { picture.badged(state) };
    Image::new_owned(drawn.rgba, drawn.width, drawn.height)
}
