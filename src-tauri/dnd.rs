//! Whether the desktop's Do Not Disturb is on, where the app can tell. Pages
//! ring through it (the app plays the sound itself); the tray says it is on.
//! - Linux: the notification server's paused state (dunst's
//!   `org.dunstproject.cmd0` `paused`, followed by its `PropertiesChanged`,
//!   so nothing polls), or GNOME's `show-banners`, read at each frame.
//! - Windows: the shell's notification state (`SHQueryUserNotificationState`:
//!   Focus assist's quiet time, a presentation, a full-screen app), read at
//!   each frame.
//! - macOS: Focus cannot be read by an app without an entitlement, so it is
//!   [`Dnd::Unknown`], never a guess.

use ilert_app::surface::Dnd;
use tauri::{AppHandle, Runtime};

/// Do Not Disturb now.
pub fn now() -> Dnd {
    platform::now()
}

/// Do Not Disturb asked now, for a process that does not follow it (the
/// command line's `doctor`).
pub fn read_once() -> Dnd {
    platform::read_once()
}

/// Tells the core how to read Do Not Disturb (at each frame), and follows
/// it where the desktop announces its changes: each one is a new frame.
pub fn watch<R: Runtime>(handle: &AppHandle<R>) {
    use tauri::Manager;
    handle.state::<ilert_app::App>().read_dnd_with(now);
    platform::watch(handle);
}

#[cfg(all(unix, not(target_os = "macos")))]
mod platform {
    use std::sync::atomic::{AtomicBool, Ordering};

    use ilert_app::surface::Dnd;
    use tauri::{AppHandle, Manager, Runtime};

    static DUNST_PAUSED: AtomicBool = AtomicBool::new(false);

    pub fn now() -> Dnd {
        if DUNST_PAUSED.load(Ordering::Relaxed) || gnome_banners_off() {
            Dnd::On
        } else {
            Dnd::Off
        }
    }

    pub fn read_once() -> Dnd {
        let paused = || -> zbus::Result<bool> {
            let conn = zbus::blocking::Connection::session()?;
            let props = dunst_properties(&conn)?;
            Ok(bool::try_from(props.get(zbus::names::InterfaceName::from_static_str_unchecked(DUNST), "paused")?).unwrap_or(false))
        };
        if paused().unwrap_or(false) || gnome_banners_off() {
            Dnd::On
        } else {
            Dnd::Off
        }
    }

    const DUNST: &str = "org.dunstproject.cmd0";

    fn dunst_properties(conn: &zbus::blocking::Connection) -> zbus::Result<zbus::blocking::fdo::PropertiesProxy<'static>> {
        zbus::blocking::fdo::PropertiesProxy::builder(conn)
            .destination("org.freedesktop.Notifications")?
            .path("/org/freedesktop/Notifications")?
            .build()
    }

    /// Follows dunst's paused state on its own thread (blocked on the bus
    /// while nothing changes).
    pub fn watch<R: Runtime>(handle: &AppHandle<R>) {
        let handle = handle.clone();
        let spawned = std::thread::Builder::new().name("dnd".into()).spawn(move || {
            if let Err(e) = follow_dunst(&handle) {
                tracing::debug!(error = %e, "no dunst Do Not Disturb to follow");
            }
        });
        if let Err(e) = spawned {
            tracing::warn!(error = %e, "no thread to follow Do Not Disturb");
        }
    }

    fn follow_dunst<R: Runtime>(handle: &AppHandle<R>) -> zbus::Result<()> {
        let conn = zbus::blocking::Connection::session()?;
        let props = dunst_properties(&conn)?;
        let changes = props.receive_properties_changed()?;
        let set = |paused: bool| {
            if DUNST_PAUSED.swap(paused, Ordering::Relaxed) != paused {
                tracing::info!(paused, "Do Not Disturb (dunst)");
                handle.state::<ilert_app::App>().redraw();
            }
        };
        let iface = zbus::names::InterfaceName::from_static_str_unchecked(DUNST);
        if let Ok(v) = props.get(iface.clone(), "paused") {
            set(bool::try_from(v).unwrap_or(false));
        }
        for signal in changes {
            let Ok(args) = signal.args() else { continue };
            if args.interface_name() == &iface {
                if let Some(v) = args.changed_properties().get("paused") {
                    set(bool::try_from(v).unwrap_or(false));
                }
            }
        }
        Ok(())
    }

    /// GNOME's banners turned off (its Do Not Disturb), when the schema is there.
    fn gnome_banners_off() -> bool {
        use gio::prelude::SettingsExt;
        const SCHEMA: &str = "org.gnome.desktop.notifications";
        let gnome = std::env::var("XDG_CURRENT_DESKTOP").is_ok_and(|d| d.to_ascii_uppercase().contains("GNOME"));
        if !gnome || gio::SettingsSchemaSource::default().and_then(|s| s.lookup(SCHEMA, true)).is_none() {
            return false;
        }
        !gio::Settings::new(SCHEMA).boolean("show-banners")
    }
}

#[cfg(windows)]
mod platform {
    use ilert_app::surface::Dnd;
    use tauri::{AppHandle, Runtime};
    use windows_sys::Win32::UI::Shell::{
        SHQueryUserNotificationState, QUNS_BUSY, QUNS_PRESENTATION_MODE, QUNS_QUIET_TIME, QUNS_RUNNING_D3D_FULL_SCREEN,
    };

    /// Toasts are held while the shell says any of these.
    pub fn now() -> Dnd {
        let mut state = 0;
        #[allow(unsafe_code)]
        // SAFETY: the call writes one enum value into `state`, which lives for the call.
        if unsafe { SHQueryUserNotificationState(&mut state) } != 0 {
            return Dnd::Off;
        }
        match state {
            QUNS_BUSY | QUNS_RUNNING_D3D_FULL_SCREEN | QUNS_PRESENTATION_MODE | QUNS_QUIET_TIME => Dnd::On,
            _ => Dnd::Off,
        }
    }

    pub fn read_once() -> Dnd {
        now()
    }

    /// Windows announces no change: the state is read at each frame.
    pub fn watch<R: Runtime>(_handle: &AppHandle<R>) {}
}

#[cfg(target_os = "macos")]
mod platform {
    use ilert_app::surface::Dnd;
    use tauri::{AppHandle, Runtime};

    pub fn now() -> Dnd {
        Dnd::Unknown
    }

    pub fn read_once() -> Dnd {
        Dnd::Unknown
    }

    pub fn watch<R: Runtime>(_handle: &AppHandle<R>) {}
}
