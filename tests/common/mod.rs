//! Helpers shared by the tests across layers (`cli`, `tray`, `e2e`) and
//! the bench, one file per subject: a keyring of a test's own, the
//! notification server and a monitor of its calls, the tray read through
//! the StatusNotifier host, the sound recorded from PulseAudio, the X11
//! windows; here what every one of them uses.
#![allow(dead_code)] // each test binary uses its own part

mod dbus;
pub mod keyring;
pub mod notifications;
pub mod sound;
pub mod tray;
pub mod x11;

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
