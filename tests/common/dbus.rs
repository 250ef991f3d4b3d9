//! `dbus-send`, as the tests call D-Bus (package dbus).

/// A D-Bus call with `dbus-send` (package dbus) on `bus` (`--session` or
/// `--bus=ADDRESS`); its printed reply, `None` when the call failed.
pub fn dbus_send(bus: &str, args: &[&str]) -> Option<String> {
    dbus_call(bus, args).ok()
}

/// The reply, or dbus-send's error message.
pub fn dbus_call(bus: &str, args: &[&str]) -> Result<String, String> {
    let out = std::process::Command::new("dbus-send").arg(bus).arg("--print-reply").args(args).output().expect("dbus-send (package dbus)");
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
    }
}
