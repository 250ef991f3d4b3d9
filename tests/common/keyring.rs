//! A Secret Service of a test's own.

use super::dbus::dbus_send;

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
