//! Helpers shared by the tests across layers (`cli`, `e2e`).
#![allow(dead_code)] // each test binary uses its own part

use std::path::{Path, PathBuf};

/// Polls `probe` until it yields, at most 30 s.
pub async fn wait_for<T>(what: &str, mut probe: impl FnMut() -> Option<T>) -> T {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        if let Some(v) = probe() {
            return v;
        }
        assert!(std::time::Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

/// Where screenshots go: `$E2E_ARTIFACTS`, else `artifacts/screenshots/`.
pub fn artifact(name: &str) -> PathBuf {
    let dir = std::env::var_os("E2E_ARTIFACTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("artifacts/screenshots"));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// A loopback port that was free a moment ago (bound, then released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A redirect URI on a free loopback port.
pub fn free_redirect() -> String {
    format!("http://127.0.0.1:{}/callback", free_port())
}

/// Every file under `dir` with its bytes: what a secret scan reads.
pub fn files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(bytes) = std::fs::read(&p) {
                out.push((p, bytes));
            }
        }
    }
    out
}

/// The paths of those `files` that contain `needle`.
pub fn containing<'a>(files: &'a [(PathBuf, Vec<u8>)], needle: &str) -> Vec<&'a Path> {
    files.iter().filter(|(_, b)| b.windows(needle.len()).any(|w| w == needle.as_bytes())).map(|(p, _)| p.as_path()).collect()
}

/// A D-Bus session bus of a test's own with a real gnome-keyring on it, so
/// a test can lock the keyring or freeze it without touching the keyring
/// every other test uses. With `display`, a locked collection's unlock
/// prompt opens there and nobody answers it; without, the prompt fails.
pub struct PrivateKeyring {
    _dir: tempfile::TempDir,
    bus: std::process::Child,
    keyring: std::process::Child,
    pub address: String,
}

impl PrivateKeyring {
    pub fn start(display: Option<&str>) -> PrivateKeyring {
        use std::io::{BufRead, Write};
        use std::process::{Command, Stdio};
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("bus");
        let mut bus = Command::new("dbus-daemon");
        bus.args(["--session", "--nofork", "--nopidfile", "--print-address=1"])
            .arg(format!("--address=unix:path={}", socket.display()))
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        match display {
            Some(d) => bus.env("DISPLAY", d),
            None => bus.env_remove("DISPLAY"),
        };
        let mut bus = bus.spawn().expect("dbus-daemon (package dbus)");
        let mut line = String::new();
        std::io::BufReader::new(bus.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let address = line.trim().to_string();
        let home = dir.path().join("home");
        std::fs::create_dir_all(&home).unwrap();
        let mut keyring = Command::new("gnome-keyring-daemon")
            .args(["--foreground", "--unlock", "--components=secrets"])
            .arg(format!("--control-directory={}", dir.path().join("control").display()))
            .env("DBUS_SESSION_BUS_ADDRESS", &address)
            .env("HOME", &home)
            .env("XDG_DATA_HOME", home.join("data"))
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("gnome-keyring-daemon (package gnome-keyring)");
        keyring.stdin.take().unwrap().write_all(b"private-keyring-password").unwrap();
        let k = PrivateKeyring { _dir: dir, bus, keyring, address };
        for _ in 0..100 {
            if k.login_locked() == Some(false) {
                return k;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("the private gnome-keyring did not come up");
    }

    /// A call to the Secret Service on this bus.
    fn call(&self, args: &[&str]) -> Option<String> {
        dbus_send(&format!("--bus={}", self.address), &[&["--dest=org.freedesktop.secrets"], args].concat())
    }

    /// Whether the login collection is locked (`None`: no answer yet).
    fn login_locked(&self) -> Option<bool> {
        let reply = self.call(&[
            "/org/freedesktop/secrets/collection/login",
            "org.freedesktop.DBus.Properties.Get",
            "string:org.freedesktop.Secret.Collection",
            "string:Locked",
        ])?;
        Some(reply.contains("boolean true"))
    }

    /// Locks the login collection, as a screen lock or a timeout would.
    pub fn lock(&self) {
        let out = self.call(&[
            "/org/freedesktop/secrets",
            "org.freedesktop.Secret.Service.Lock",
            "array:objpath:/org/freedesktop/secrets/collection/login",
        ]);
        assert!(out.is_some(), "Lock answered");
        assert_eq!(self.login_locked(), Some(true), "the collection is locked");
    }

    /// Stops the keyring process: it keeps its bus name and never answers.
    pub fn freeze(&self) {
        assert!(std::process::Command::new("kill").args(["-STOP", &self.keyring.id().to_string()]).status().unwrap().success());
    }
}

impl Drop for PrivateKeyring {
    fn drop(&mut self) {
        let _ = std::process::Command::new("kill").args(["-CONT", &self.keyring.id().to_string()]).status();
        let _ = self.keyring.kill();
        let _ = self.keyring.wait();
        let _ = self.bus.kill();
        let _ = self.bus.wait();
    }
}

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

/// A D-Bus call with `dbus-send` (package dbus) on `bus` (`--session` or
/// `--bus=ADDRESS`); its printed reply, `None` when the call failed.
fn dbus_send(bus: &str, args: &[&str]) -> Option<String> {
    dbus_call(bus, args).ok()
}

/// The reply, or dbus-send's error message.
fn dbus_call(bus: &str, args: &[&str]) -> Result<String, String> {
    let out = std::process::Command::new("dbus-send").arg(bus).arg("--print-reply").args(args).output().expect("dbus-send (package dbus)");
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
    }
}

/// The tray as a desktop sees it: the StatusNotifier items registered with
/// the host `scripts/session` starts, and their dbusmenu, read and clicked
/// with `dbus-send` (package dbus).
pub mod tray {
    fn dbus(args: &[&str]) -> Option<String> {
        super::dbus_send("--session", args)
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

    /// The menu is rebuilt whenever the app's state changes, with new item
    /// ids: an id read just before a rebuild is gone by the click, which the
    /// menu refuses; the label is then looked up again.
    fn send_click(owner: &str, label: &str) -> Result<String, String> {
        let mut tries = 0;
        loop {
            let (id, _, _) = menu(owner).into_iter().find(|(_, l, _)| l == label).unwrap_or_else(|| panic!("no menu item {label}"));
            let path = item_path(owner).expect("the item");
            let sent = super::dbus_call(
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
}

/// A PulseAudio server of the test's own (its own socket, so nothing else
/// plays into it) with one null sink, recorded from its monitor: what the
/// app sends to "the OS's default output", as samples the test can read.
pub struct Pulse {
    server: std::process::Child,
    recorder: Option<std::process::Child>,
    dir: tempfile::TempDir,
}

/// The recording's rate (mono, signed 16 bit).
pub const PULSE_RATE: u32 = 44_100;

impl Pulse {
    /// `PULSE_SERVER` for the app (ALSA's pulse plugin and libpulse both follow it).
    pub fn address(&self) -> String {
        format!("unix:{}", self.dir.path().join("native").display())
    }

    pub fn start() -> Pulse {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("native");
        let server = std::process::Command::new("pulseaudio")
            .args(["-n", "--daemonize=no", "--exit-idle-time=-1", "--use-pid-file=no", "--disable-shm=yes", "-L"])
            .arg(format!("module-native-protocol-unix socket={} auth-anonymous=1", socket.display()))
            .args(["-L", "module-null-sink sink_name=rec"])
            .env("HOME", dir.path())
            .env("PULSE_RUNTIME_PATH", dir.path())
            // Each server claims org.PulseAudio1 on the session bus, and a
            // second one there exits ("already taken"): two tests that each
            // start one at once (the page, Do Not Disturb, doctor) would race.
            // Clients reach it by its socket; it needs no bus.
            .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/ilert-test-bus")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("pulseaudio (package pulseaudio)");
        let mut pulse = Pulse { server, recorder: None, dir };
        for _ in 0..100 {
            let info = std::process::Command::new("pactl").arg(format!("--server={}", pulse.address())).arg("info").output();
            if info.is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("Default Sink: rec")) {
                pulse.record();
                return pulse;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("pulseaudio did not come up");
    }

    fn record(&mut self) {
        let file = std::fs::File::create(self.dir.path().join("rec.raw")).unwrap();
        let child = std::process::Command::new("parec")
            .arg(format!("--server={}", self.address()))
            .args(["-d", "rec.monitor", "--raw", "--format=s16le", "--channels=1", "--latency-msec=10"])
            .arg(format!("--rate={PULSE_RATE}"))
            .stdout(file)
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("parec (package pulseaudio-utils)");
        self.recorder = Some(child);
    }

    fn raw(&self) -> PathBuf {
        self.dir.path().join("rec.raw")
    }

    /// The recording, and the Unix time of its first sample. The monitor
    /// hands over its buffered past when recording starts, so the time is
    /// counted back from now (samples arrive within parec's 10 ms latency).
    fn samples(&self) -> (Vec<u8>, f64) {
        let bytes = std::fs::read(self.raw()).unwrap_or_default();
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs_f64();
        let start = now - bytes.len() as f64 / 2.0 / f64::from(PULSE_RATE);
        (bytes, start)
    }

    /// The recording so far: the times (Unix seconds) of each sound, as
    /// (start, end), where 10 ms windows louder than silence are; gaps
    /// under 0.3 s (the notes of one ring) are bridged.
    pub fn sounds(&self) -> Vec<(f64, f64)> {
        let (bytes, since) = self.samples();
        let window = (PULSE_RATE / 100) as usize;
        let mut out: Vec<(f64, f64)> = Vec::new();
        for (i, chunk) in bytes.chunks_exact(2 * window).enumerate() {
            let sum: f64 = chunk.chunks_exact(2).map(|s| f64::from(i16::from_le_bytes([s[0], s[1]])).powi(2)).sum();
            let rms = (sum / window as f64).sqrt() / 32768.0;
            if rms < 0.005 {
                continue;
            }
            let (t0, t1) = (since + i as f64 * 0.01, since + (i + 1) as f64 * 0.01);
            match out.last_mut() {
                Some(last) if t0 - last.1 < 0.3 => last.1 = t1,
                _ => out.push((t0, t1)),
            }
        }
        out
    }

    /// The RMS amplitude sox measures (`sox … stat`) over one sound.
    pub fn rms(&self, (start, end): (f64, f64)) -> f64 {
        let since = self.samples().1;
        let out = std::process::Command::new("sox")
            .args(["-t", "raw", "-r", &PULSE_RATE.to_string(), "-e", "signed", "-b", "16", "-c", "1"])
            .arg(self.raw())
            .args(["-n", "trim", &format!("{:.3}", start - since), &format!("{:.3}", end - start), "stat"])
            .output()
            .expect("sox (package sox)");
        let text = String::from_utf8_lossy(&out.stderr);
        let line = text.lines().find(|l| l.starts_with("RMS     amplitude:")).unwrap_or_else(|| panic!("sox stat: {text}"));
        line.split(':').nth(1).unwrap().trim().parse().unwrap()
    }
}

impl Drop for Pulse {
    fn drop(&mut self) {
        if let Some(mut r) = self.recorder.take() {
            let _ = r.kill();
            let _ = r.wait();
        }
        let _ = self.server.kill();
        let _ = self.server.wait();
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

/// The app's processes: it and every process it started (WebKit's web and
/// network processes), as (pid, command name), from `/proc`.
pub fn process_tree(root: u32) -> Vec<(u32, String)> {
    let mut all: Vec<(u32, u32, String)> = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else { continue };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else { continue };
        // `pid (comm) state ppid …`; comm may hold spaces and parentheses.
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else { continue };
        let ppid = stat[close + 1..].split_whitespace().nth(1).and_then(|p| p.parse().ok()).unwrap_or(0);
        all.push((pid, ppid, stat[open + 1..close].to_string()));
    }
    let mut tree = vec![(root, String::new())];
    let mut i = 0;
    while i < tree.len() {
        let parent = tree[i].0;
        tree.extend(all.iter().filter(|(_, pp, _)| *pp == parent).map(|(p, _, c)| (*p, c.clone())));
        i += 1;
    }
    tree.remove(0);
    tree
}

/// The X11 windows of a process as a desktop sees them, through python-xlib
/// (package python3-xlib): there is no window manager under Xvfb, so a
/// close is what a window manager's close button sends, `WM_DELETE_WINDOW`,
/// a resize is a configure request, and what the screen shows is read back
/// from the root window (the framebuffer), not from the page.
pub mod x11 {
    const SCRIPT: &str = r#"
import sys
from Xlib import X, display, error, protocol
d = display.Display()
root = d.screen().root
pid_atom, protocols, delete = (d.intern_atom(n) for n in ("_NET_WM_PID", "WM_PROTOCOLS", "WM_DELETE_WINDOW"))
found = []
for w in root.query_tree().children:
    # A window may be destroyed between the listing and the reading (a
    # closing webview's): it is not shown, whatever it was.
    try:
        pid = w.get_full_property(pid_atom, X.AnyPropertyType)
        if pid and pid.value[0] == int(sys.argv[2]) and w.get_attributes().map_state == X.IsViewable:
            found.append(w)
    except error.BadWindow:
        pass
what = sys.argv[1]
if what == "close":
    for w in found:
        w.send_event(protocol.event.ClientMessage(window=w, client_type=protocols, data=(32, [delete, X.CurrentTime, 0, 0, 0])))
elif what == "resize":
    found[0].configure(width=int(sys.argv[3]), height=int(sys.argv[4]))
elif what == "grab":
    g = found[0].get_geometry()
    at = found[0].translate_coords(root, 0, 0)
    x, y = -at.x, -at.y
    image = root.get_image(x, y, g.width, g.height, X.ZPixmap, 0xffffffff)
    with open(sys.argv[3], "wb") as f:
        f.write(b"%d %d\n" % (g.width, g.height))
        f.write(image.data)
d.flush()
d.sync()
print(len(found))
"#;

    fn run(args: &[&str], pid: u32) -> usize {
        let pid = pid.to_string();
        let mut all = vec!["-c", SCRIPT, args[0], &pid];
        all.extend(&args[1..]);
        let out = std::process::Command::new("/usr/bin/python3").args(all).output().expect("python3 with python3-xlib");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).trim().parse().expect("a count")
    }

    /// Presses `key` (an X keysym name: `Return`, `Escape`) in the shown
    /// window titled `title`, through XTEST, as a person at the keyboard
    /// would (a native dialog: no WebDriver reaches it). `false`: no such window.
    pub fn press_in(title: &str, key: &str) -> bool {
        const PRESS: &str = r#"
import sys
from Xlib import X, XK, display, error
from Xlib.ext import xtest
d = display.Display()
root = d.screen().root
net_name, utf8 = d.intern_atom("_NET_WM_NAME"), d.intern_atom("UTF8_STRING")
for w in root.query_tree().children:
    try:
        if w.get_attributes().map_state != X.IsViewable:
            continue
        n = w.get_full_property(net_name, utf8)
        if (n.value.decode() if n else (w.get_wm_name() or "")) != sys.argv[1]:
            continue
        w.set_input_focus(X.RevertToParent, X.CurrentTime)
        d.sync()
        code = d.keysym_to_keycode(XK.string_to_keysym(sys.argv[2]))
        xtest.fake_input(d, X.KeyPress, code)
        xtest.fake_input(d, X.KeyRelease, code)
        d.sync()
        print(1)
        sys.exit(0)
    except error.BadWindow:
        pass
print(0)
"#;
        let out =
            std::process::Command::new("/usr/bin/python3").args(["-c", PRESS, title, key]).output().expect("python3 with python3-xlib");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).trim() == "1"
    }

    /// How many windows of `pid` are shown.
    pub fn shown(pid: u32) -> usize {
        run(&["list"], pid)
    }

    /// Asks each shown window of `pid` to close, as a window manager does; returns how many.
    pub fn close(pid: u32) -> usize {
        run(&["close"], pid)
    }

    /// Resizes the shown window of `pid`, as a person dragging its edge.
    pub fn resize(pid: u32, width: u32, height: u32) {
        assert_eq!(run(&["resize", &width.to_string(), &height.to_string()], pid), 1, "one window of {pid} shown");
    }

    /// What the screen shows where the window of `pid` is: (width, height, RGB rows).
    pub fn grab(pid: u32) -> (u32, u32, Vec<u8>) {
        let file = tempfile::NamedTempFile::new().unwrap();
        assert_eq!(run(&["grab", file.path().to_str().unwrap()], pid), 1, "one window of {pid} shown");
        let raw = std::fs::read(file.path()).unwrap();
        let header = raw.iter().position(|b| *b == b'\n').unwrap();
        let (w, h) = std::str::from_utf8(&raw[..header]).unwrap().split_once(' ').unwrap();
        let (w, h): (u32, u32) = (w.parse().unwrap(), h.parse().unwrap());
        // ZPixmap at depth 24: B, G, R and a pad byte per pixel.
        let rgb = raw[header + 1..].chunks_exact(4).flat_map(|p| [p[2], p[1], p[0]]).collect::<Vec<u8>>();
        assert_eq!(rgb.len(), (w * h * 3) as usize, "a {w}x{h} image");
        (w, h, rgb)
    }
}
