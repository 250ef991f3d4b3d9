//! What the app asks of the notification server, read back: a server of
//! the test's own, and `dbus-monitor` on the bus.

use std::path::PathBuf;

use super::dbus::dbus_send;

/// A notification server on a bus: python3-dbusmock's notification-daemon
/// template, which logs every call it receives with its time; the test reads
/// the `Notify` calls back from that log.
pub struct NotificationServer {
    child: std::process::Child,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

/// One `Notify` call as the server received it.
#[derive(Debug, Clone)]
pub struct Received {
    /// Unix time, seconds.
    pub at: f64,
    pub summary: String,
    pub body: String,
    /// The rest of the call as logged: actions, hints, timeout.
    pub rest: String,
}

impl NotificationServer {
    /// `capabilities`: what it says it supports (`"body actions"`, or
    /// `"body"` for a server without action buttons).
    pub fn start(bus: &str, capabilities: &str) -> NotificationServer {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("notify.log");
        // Debian's python3 (pyenv's, earlier on PATH, has no dbusmock).
        let child = std::process::Command::new("/usr/bin/python3")
            .args(["-m", "dbusmock", "--session", "-t", "notification_daemon", "-p"])
            .arg(format!("{{\"capabilities\": \"{capabilities}\"}}"))
            .arg("-l")
            .arg(&log)
            .env("DBUS_SESSION_BUS_ADDRESS", bus)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("python3-dbusmock");
        let server = NotificationServer { child, log, _dir: dir };
        for _ in 0..100 {
            let owned = dbus_send(
                &format!("--bus={bus}"),
                &["--dest=org.freedesktop.DBus", "/", "org.freedesktop.DBus.NameHasOwner", "string:org.freedesktop.Notifications"],
            );
            if owned.is_some_and(|r| r.contains("true")) {
                return server;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("the mock notification server did not come up");
    }

    /// Every `Notify` call so far, oldest first. A log line reads
    /// `1796234556.245 Notify "app" 0 "icon" "summary" "body" [actions] {hints} -1`.
    pub fn received(&self) -> Vec<Received> {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        // A body's newlines are logged as they are: a line not starting with a time continues the last call.
        let mut calls: Vec<String> = Vec::new();
        for line in text.lines() {
            let starts = line.split_once(' ').is_some_and(|(t, _)| t.contains('.') && t.parse::<f64>().is_ok());
            match calls.last_mut() {
                Some(last) if !starts => {
                    last.push('\n');
                    last.push_str(line);
                }
                _ => calls.push(line.to_string()),
            }
        }
        calls
            .iter()
            .filter_map(|line| {
                let (at, call) = line.split_once(' ')?;
                let args = call.strip_prefix("Notify ")?;
                let quoted: Vec<&str> = args.split('"').collect();
                // app, icon, summary, body sit at the odd positions 1, 3, 5, 7.
                Some(Received {
                    at: at.parse().ok()?,
                    summary: quoted.get(5)?.to_string(),
                    body: quoted.get(7)?.to_string(),
                    rest: quoted.get(8..).map(|r| r.join("\"")).unwrap_or_default(),
                })
            })
            .collect()
    }
}

impl NotificationServer {
    /// What a notification server sends when a button is pressed:
    /// `ActionInvoked(id, action)`, emitted through the mock (dbus-send
    /// cannot pass its variant array, so Debian's python3-dbus does).
    pub fn invoke_action(&self, bus: &str, id: u32, action: &str) {
        let script = format!(
            "import dbus; b = dbus.bus.BusConnection('{bus}'); \
             m = b.get_object('org.freedesktop.Notifications', '/org/freedesktop/Notifications'); \
             m.EmitSignal('org.freedesktop.Notifications', 'ActionInvoked', 'us', [dbus.UInt32({id}), '{action}'], dbus_interface='org.freedesktop.DBus.Mock')"
        );
        let ok = std::process::Command::new("/usr/bin/python3").args(["-c", &script]).status().expect("python3-dbus").success();
        assert!(ok, "ActionInvoked emitted");
    }

    /// The same signal, with the same path and interface, sent by another
    /// client of the bus: what any process of the session can do.
    pub fn forge_action(&self, bus: &str, id: u32, action: &str) {
        let script = format!(
            "import dbus, dbus.lowlevel; b = dbus.bus.BusConnection('{bus}'); \
             m = dbus.lowlevel.SignalMessage('/org/freedesktop/Notifications', 'org.freedesktop.Notifications', 'ActionInvoked'); \
             m.append(dbus.UInt32({id}), '{action}', signature='us'); b.send_message(m); b.flush()"
        );
        let ok = std::process::Command::new("/usr/bin/python3").args(["-c", &script]).status().expect("python3-dbus").success();
        assert!(ok, "forged ActionInvoked sent");
    }
}

impl Drop for NotificationServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `dbus-monitor` on a bus, watching `Notify` calls as they go by: what the
/// app asked of the notification server, hints and timeout included.
pub struct NotifyMonitor {
    child: std::process::Child,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

/// One `Notify` call as `dbus-monitor` printed it.
#[derive(Debug, Clone)]
pub struct NotifyCall {
    pub summary: String,
    pub urgency: Option<u8>,
    pub expire_timeout: i32,
}

impl NotifyMonitor {
    /// `bus`: `--session` or `--address=ADDRESS`.
    pub fn start(bus: &str) -> NotifyMonitor {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("monitor.log");
        let child = std::process::Command::new("dbus-monitor")
            .arg(bus)
            .arg("type='method_call',interface='org.freedesktop.Notifications',member='Notify'")
            .stdout(std::fs::File::create(&log).unwrap())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("dbus-monitor (package dbus)");
        std::thread::sleep(std::time::Duration::from_millis(300));
        NotifyMonitor { child, log, _dir: dir }
    }

    /// The calls so far: app name, id, icon, summary, body, actions, hints, timeout.
    pub fn calls(&self) -> Vec<NotifyCall> {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        text.split("method call ")
            .filter(|b| b.contains("member=Notify"))
            .filter_map(|block| {
                let lines: Vec<&str> = block.lines().map(str::trim).collect();
                let strings: Vec<&str> = lines.iter().filter_map(|l| l.strip_prefix("string \"")).collect();
                let urgency =
                    lines.iter().position(|l| *l == "string \"urgency\"").and_then(|i| lines.get(i + 1)?.rsplit(' ').next()?.parse().ok());
                let expire_timeout = lines.iter().rev().find_map(|l| l.strip_prefix("int32 ")?.parse().ok())?;
                Some(NotifyCall { summary: strings.get(2)?.trim_end_matches('"').to_string(), urgency, expire_timeout })
            })
            .collect()
    }
}

impl Drop for NotifyMonitor {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
