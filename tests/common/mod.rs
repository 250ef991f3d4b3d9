//! Helpers shared by the tests across layers (`app_flow`, `cli`, `e2e`).
#![allow(dead_code)] // each test binary uses its own part

use std::path::{Path, PathBuf};

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
