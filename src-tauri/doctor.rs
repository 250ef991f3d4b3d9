//! "Will it ring?" (`ilert-desktop doctor`, and the window's check): gathers
//! the facts with this platform's own means (the session, the notification
//! server, the sound output, Do Not Disturb, the login entry, the tray host,
//! and on request a test page); the judgement is the core's
//! (`ilert_app::doctor`). Every question has a time limit: a desktop service
//! that hangs is a failed line, not a hung command.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use ilert_app::doctor::{next_shift, Facts, Notifications, Refresh, Signed, Sound, TestPage, TEST_ALARM};
use ilert_app::notify::alarm::AlarmRamp;
use ilert_app::settings::Settings;
use ilert_app::view::dashboard::on_call_now;
use ilert_app::App;
use ilert_oauth::Session;

/// The longest any one question may take.
const ASK_TIMEOUT: Duration = Duration::from_secs(5);

/// How long the test page waits for the person's press unless told otherwise.
pub const PRESS_WAIT: Duration = Duration::from_secs(60);

/// The app's identifier (`tauri.conf.json`), for the command line's test
/// page, which has no Tauri context to read it from.
pub const IDENTIFIER: &str = "com.ilert.desktop";

/// What only the running app knows: its snooze and its engine.
pub struct Running {
    pub paused_until: Option<DateTime<Utc>>,
    pub refresh: Refresh,
}

/// `test_page`: show a test page and wait this long for the press.
pub async fn facts(
    settings: &Settings,
    session: Result<Option<Signed>, String>,
    profile: Option<&str>,
    running: Option<Running>,
    test_page: Option<(String, Duration)>,
) -> Facts {
    let alarm = settings.alarm.unwrap_or_default();
    // Started first: the person reads and presses while the rest is asked.
    let test = test_page.map(|(identifier, wait)| tokio::spawn(test(identifier, alarm, wait)));
    let notifications = blocking(platform::notifications).await.unwrap_or(Notifications::Missing("it did not answer within 5 s".into()));
    let sound = blocking(platform::sound).await.unwrap_or(Sound::Unknown);
    let dnd = blocking(crate::dnd::read_once).await.unwrap_or(ilert_app::surface::Dnd::Unknown);
    let tray_host = blocking(platform::tray_host).await.flatten();
    let entry = crate::autostart::Entry::for_profile(profile);
    let start_at_login = settings.start_at_login.unwrap_or(false).then(|| platform::login_entry(&entry));
    let test_page = match test {
        Some(t) => t.await.ok().map(|(acknowledged, played)| TestPage {
            acknowledged,
            sound: played.map(|()| match &sound {
                Sound::Output { name, .. } => name.clone(),
                _ => "the default output".into(),
            }),
        }),
        None => None,
    };
    Facts {
        session,
        notifications,
        sound,
        alarm,
        dnd,
        quiet_hours: settings.quiet_hours(),
        quiet_holds_pages: settings.quiet_holds_pages.unwrap_or(false),
        start_at_login,
        tray_host,
        other_alerts: settings.other_alerts.unwrap_or_default(),
        paused_until: running.as_ref().map(|r| r.paused_until),
        refresh: running.map(|r| r.refresh),
        test_page,
    }
}

/// The test page and the alarm's few seconds, at once: whether (and
/// after how long) it was pressed, and whether the sound played.
async fn test(identifier: String, alarm: AlarmRamp, wait: Duration) -> (Result<Duration, String>, Result<(), String>) {
    let pressed = tokio::task::spawn_blocking(move || crate::notifications::test_page(identifier, wait));
    let played = tokio::task::spawn_blocking(move || crate::alarm::try_out(alarm, TEST_ALARM));
    let (pressed, played) = tokio::join!(pressed, played);
    (joined(pressed), joined(played))
}

fn joined<T>(r: Result<Result<T, String>, tokio::task::JoinError>) -> Result<T, String> {
    r.unwrap_or_else(|e| Err(format!("the check's thread failed: {e}")))
}

/// The running app's account, as the check needs it: the scope, my next
/// shift from the latest snapshot, and what only it knows.
pub async fn in_app(app: &App) -> (Result<Option<Signed>, String>, Option<Running>) {
    let signed = match app.current_or_restore().await {
        Ok(Some(c)) => match c.session().granted_scope().await {
            Ok(scope) => {
                let snapshot = c.engine.latest();
                let now = Utc::now();
                let next_shift = snapshot.on_call.data().and_then(|b| b.on_call.as_ref()).and_then(|o| next_shift(&o.my_shifts, now));
                let account = c.session().account();
                Ok(Some(Signed { username: account.username.clone(), tenant: account.tenant.clone(), scope, next_shift }))
            }
            Err(e) => Err(e.to_string()),
        },
        Ok(None) => Ok(None),
        Err(e) => Err(e.to_string()),
    };
    let running = app.snapshot().map(|s| {
        let config = app.engine_config();
        Running {
            paused_until: match app.quiet() {
                Some(ilert_app::notify::Quiet::Snoozed { until }) => Some(until),
                _ => None,
            },
            refresh: Refresh {
                fresh_at: s.fresh_at,
                problem: s.problem.clone(),
                every: config.interval,
                on_call_every: config.interval(true),
            },
        }
    });
    (signed, running)
}

/// The session used for real: a token (refreshed if needed), the scope, my next shift.
pub async fn signed(session: Session) -> Result<Signed, String> {
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
            // My shifts as the window has them: from schedules only.
            .and_then(|l| next_shift(&on_call_now(&l.items, None, Some(me.id), now).my_shifts, now)),
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

#[cfg(test)]
mod tests {
    /// The command line's copy of the identifier is the bundle's.
    #[test]
    fn the_identifier_is_tauri_conf_s() {
        let conf: serde_json::Value = serde_json::from_str(include_str!("../tauri.conf.json")).unwrap();
        assert_eq!(conf["identifier"], super::IDENTIFIER);
    }
}
