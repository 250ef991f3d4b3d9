//! The tray icon: its badge, label and menu follow every snapshot (see
//! `events`); what they say is `ilert_app::view::TrayView`. On Linux the
//! AppIndicator tray sends no clicks, so everything is in the menu.

use std::sync::{Arc, Mutex};

use ilert_app::view::{Snapshot, TrayView};
use ilert_app::App;
use tauri::image::Image;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::{TrayIcon, TrayIconBuilder};
use tauri::{AppHandle, Manager, Runtime};

const TRAY_ID: &str = "main";

/// The menu's actions, by id.
const OPEN: &str = "open";
const REFRESH: &str = "refresh";
const SIGN_OUT: &str = "sign-out";
const QUIT: &str = "quit";

pub fn create<R: Runtime>(handle: &AppHandle<R>) -> tauri::Result<TrayIcon<R>> {
    handle.manage(Shown::default());
    let view = TrayView::now(None, handle.state::<App>().engine_config().interval);
    let tray = TrayIconBuilder::with_id(TRAY_ID)
        .icon(icon(handle, &view))
        .tooltip(&view.tooltip)
        .menu(&menu(handle, &view)?)
        .show_menu_on_left_click(true)
        .on_menu_event(|handle, event| on_menu(handle, event.id().as_ref()))
        .build(handle)?;
    // Snapshots published before the tray existed: show the latest now.
    show(handle, handle.state::<App>().snapshot().as_ref());
    Ok(tray)
}

/// What the tray shows now: a snapshot that changes nothing there (most
/// do: a refresh starting, the same data again) rebuilds no menu.
#[derive(Default)]
struct Shown(Mutex<Option<TrayView>>);

/// Shows what `snapshot` says (`None`: signed out).
pub fn show<R: Runtime>(handle: &AppHandle<R>, snapshot: Option<&Arc<Snapshot>>) {
    let Some(tray) = handle.tray_by_id(TRAY_ID) else { return };
    let view = TrayView::now(snapshot.map(Arc::as_ref), handle.state::<App>().engine_config().interval);
    {
        let shown = handle.state::<Shown>();
        let mut shown = shown.0.lock().unwrap_or_else(|e| e.into_inner());
        if shown.as_ref() == Some(&view) {
            return;
        }
        *shown = Some(view.clone());
    }
    let label = Some(view.label.as_str()).filter(|l| !l.is_empty());
    let result = menu(handle, &view).and_then(|m| tray.set_menu(Some(m))).and_then(|()| tray.set_icon(Some(icon(handle, &view))));
    let _ = tray.set_title(label);
    let _ = tray.set_tooltip(Some(&view.tooltip));
    if let Err(e) = result {
        tracing::warn!(error = %e, "the tray could not be updated");
    }
}

fn menu<R: Runtime>(handle: &AppHandle<R>, view: &TrayView) -> tauri::Result<Menu<R>> {
    Menu::with_items(
        handle,
        &[
            &MenuItem::with_id(handle, OPEN, "Open ilert Desktop", true, None::<&str>)?,
            &PredefinedMenuItem::separator(handle)?,
            &MenuItem::with_id(handle, "on-call", &view.on_call_line, false, None::<&str>)?,
            &MenuItem::with_id(handle, REFRESH, "Refresh now", view.signed_in, None::<&str>)?,
            &MenuItem::with_id(handle, SIGN_OUT, "Sign out", view.signed_in, None::<&str>)?,
            &PredefinedMenuItem::separator(handle)?,
            &MenuItem::with_id(handle, QUIT, "Quit", true, None::<&str>)?,
        ],
    )
}

fn on_menu<R: Runtime>(handle: &AppHandle<R>, id: &str) {
    match id {
        OPEN => crate::windows::bring_back(handle),
        REFRESH => {
            let handle = handle.clone();
            tauri::async_runtime::spawn(async move {
                if let Err(e) = handle.state::<App>().refresh().await {
                    tracing::warn!(error = %e, "refresh from the tray failed");
                }
            });
        }
        SIGN_OUT => {
            let handle = handle.clone();
            tauri::async_runtime::spawn(async move {
                match handle.state::<App>().sign_out().await {
                    Ok(out) => tracing::info!(revoked = out.revoked, "signed out from the tray"),
                    Err(e) => tracing::warn!(error = %e, "sign-out from the tray failed"),
                }
            });
        }
        QUIT => handle.exit(0),
        _ => {}
    }
}

/// The app's icon with the state's badge in its lower right corner.
fn icon<R: Runtime>(handle: &AppHandle<R>, view: &TrayView) -> Image<'static> {
    let base = handle.default_window_icon().cloned().expect("the app has an icon").to_owned();
    let Some([r, g, b]) = view.state.badge() else { return base };
    let (w, h) = (base.width(), base.height());
    let mut rgba = base.rgba().to_vec();
    let (radius, cx, cy) = (w as f32 * 0.22, w as f32 * 0.74, h as f32 * 0.74);
    for y in 0..h {
        for x in 0..w {
            let d = ((x as f32 - cx).powi(2) + (y as f32 - cy).powi(2)).sqrt();
            let i = ((y * w + x) * 4) as usize;
            if d <= radius {
                rgba[i..i + 4].copy_from_slice(&[r, g, b, 255]);
            } else if d <= radius * 1.18 {
                rgba[i..i + 4].copy_from_slice(&[255, 255, 255, 255]);
            }
        }
    }
    Image::new_owned(rgba, w, h)
}
