//! `ilert-desktop doctor`: gathers the facts of "will it ring?" with this
//! platform's own means (the session, the notification server, the sound
//! output, Do Not Disturb, the login entry, the tray host); the judgement is
//! the core's (`ilert_app::doctor`). Every question has a time limit: a
//! desktop service that hangs is a failed line, not a hung command.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use ilert_app::doctor::{Facts, Notifications, Signed, Sound};
use ilert_app::settings::Settings;
use ilert_oauth::Session;

/// The longest any one question may take.
const ASK_TIMEOUT: Duration = Duration::from_secs(5);

pub async fn facts(settings: &Settings, session: Result<Option<Session>, String>, profile: Option<&str>) -> Facts {
    let session = match session {
        Ok(Some(s)) => signed(s).await.map(Some),
        Ok(None) => Ok(None),
        Err(e) => Err(e),
    };
    let notifications = blocking(platform::notifications).await.unwrap_or(Notifications::Missing("it did not answer within 5 s".into()));
    let sound = blocking(platform::sound).await.unwrap_or(Sound::Unknown);
    let dnd = blocking(crate::dnd::read_once).await.unwrap_or(ilert_app::view::Dnd::Unknown);
    let tray_host = blocking(platform::tray_host).await.flatten();
    let entry = crate::autostart::Entry::for_profile(profile);
    let start_at_login = settings.start_at_login.unwrap_or(false).then(|| platform::login_entry(&entry));
    Facts {
        session,
        notifications,
        sound,
        alarm: settings.alarm.unwrap_or_default(),
        dnd,
        quiet_hours: settings.quiet_hours(),
        quiet_holds_pages: settings.quiet_holds_pages.unwrap_or(false),
        start_at_login,
        tray_host,
    }
}

/// The session used for real: a token (refreshed if needed), the scope, my next shift.
async fn signed(session: Session) -> Result<Signed, String> {
    session.access_token().await.map_err(|e| e.to_string())?;
    let scope = session.granted_scope().await.map_err(|e| e.to_string())?;
    let account = session.account().clone();
    let client = ilert_api::Client::new(Arc::new(session), ilert_oauth::endpoint::http_client()).with_timeout(ASK_TIMEOUT * 2);
    let now = Utc::now();
    let next_shift = match client.current_user().await {
        Ok(me) => client
            .on_calls_of(me.id, now + chrono::Duration::days(ilert_app::view::dashboard::MY_SHIFTS_AHEAD_DAYS), false)
            .await
            .ok()
            .and_then(|l| l.items.into_iter().filter(|c| c.end > now).map(|c| (c.start, c.end)).min()),
        Err(_) => None,
    };
    Ok(Signed { username: account.username, tenant: account.tenant, scope, next_shift })
}

/// Runs a blocking question on its own thread, for at most [`ASK_TIMEOUT`].
async fn blocking<T: Send + 'static>(f: fn() -> T) -> Option<T> {
    tokio::time::timeout(ASK_TIMEOUT, tokio::task::spawn_blocking(f)).await.ok().and_then(Result::ok)
}

#[cfg(all(unix, not(target_os = "macos")))]
mod platform {
    use ilert_app::doctor::{Notifications, Sound};

    pub fn notifications() -> Notifications {
        match notify_rust::get_server_information() {
            Ok(info) => Notifications::Server {
                name: format!("{} {}", info.name, info.version),
                capabilities: notify_rust::get_capabilities().unwrap_or_default(),
            },
            Err(e) => Notifications::Missing(e.to_string()),
        }
    }

    /// The default sink through `pactl` (PulseAudio, or PipeWire's pulse).
    pub fn sound() -> Sound {
        let pactl = |args: &[&str]| {
            std::process::Command::new("pactl")
                .args(args)
                .output()
                .ok()
                .filter(|o| o.status.success())
                .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        };
        let Some(name) = pactl(&["get-default-sink"]) else { return Sound::Unknown };
        if name.is_empty() || name == "@DEFAULT_SINK@" {
            return Sound::Missing;
        }
        let muted = pactl(&["get-sink-mute", &name]).is_some_and(|m| m.ends_with("yes"));
        let volume_percent = pactl(&["get-sink-volume", &name])
            .and_then(|v| v.split_whitespace().find(|w| w.ends_with('%')).and_then(|p| p.trim_end_matches('%').parse().ok()));
        Sound::Output { name, muted, volume_percent }
    }

    /// A StatusNotifierWatcher on the session bus.
    pub fn tray_host() -> Option<bool> {
        let conn = zbus::blocking::Connection::session().ok()?;
        let dbus = zbus::blocking::fdo::DBusProxy::new(&conn).ok()?;
        dbus.name_has_owner("org.kde.StatusNotifierWatcher".try_into().ok()?).ok()
    }

    /// The XDG entry exists and starts this program, with its flags.
    pub fn login_entry(entry: &crate::autostart::Entry) -> Result<String, String> {
        let dir = ilert_app::settings::default_config_dir().map_err(|e| e.to_string())?.join("autostart");
        let path = dir.join(format!("{}.desktop", entry.name));
        let program = crate::autostart::program().map_err(|e| e.to_string())?;
        let want = ilert_app::autostart::xdg_entry(&entry.name, &program, &entry.args);
        match std::fs::read_to_string(&path) {
            Ok(text) if text == want => Ok(format!("{} starts {program} --hidden", path.display())),
            Ok(_) => Err(format!("{} starts another program than {program} (moved, or an older install)", path.display())),
            Err(_) => Err(format!("startAtLogin is on but {} is missing", path.display())),
        }
    }
}

#[cfg(not(all(unix, not(target_os = "macos"))))]
mod platform {
    use ilert_app::doctor::{Notifications, Sound};

    pub fn notifications() -> Notifications {
        Notifications::System
    }

    pub fn sound() -> Sound {
        Sound::Unknown
    }

    pub fn tray_host() -> Option<bool> {
        None
    }

    pub fn login_entry(_entry: &crate::autostart::Entry) -> Result<String, String> {
        Ok("on (the entry is the system's: not read back on this platform)".into())
    }
}
