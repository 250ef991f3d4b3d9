//! Cold start and idle memory of a Tauri app's release binary: spawn it,
//! wait for its `bench: page loaded` line (printed from the page-load hook
//! when `ILERT_BENCH=1`), let it idle, then sum the RSS (and PSS) of the
//! app process and every process it started (WebKit's web and network
//! processes). Runs alternate between the two apps.

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::{median, ms};

pub struct Sample {
    pub start_ms: f64,
    pub rss_mb: f64,
    pub pss_mb: f64,
    pub processes: usize,
}

pub fn run(app: &Path, bare: &Path, runs: usize, idle: Duration) {
    assert!(std::env::var_os("DISPLAY").is_some(), "no DISPLAY: run through scripts/bench, which starts Xvfb");
    let home = std::env::temp_dir().join(format!("ilert-bench-{}", std::process::id()));
    // One unmeasured launch each: the first run pays for the disk cache.
    launch(app, &home, idle.min(Duration::from_secs(1)));
    launch(bare, &home, idle.min(Duration::from_secs(1)));
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        a.push(launch(app, &home, idle));
        b.push(launch(bare, &home, idle));
    }
    let _ = std::fs::remove_dir_all(&home);
    let report = |name: &str, v: &[Sample]| {
        let start = median(v.iter().map(|s| s.start_ms).collect());
        let rss = median(v.iter().map(|s| s.rss_mb).collect());
        let pss = median(v.iter().map(|s| s.pss_mb).collect());
        println!(
            "{name}: start to page load median {start:.0} ms {:?}; idle RSS median {rss:.1} MB (PSS {pss:.1} MB) over {} processes",
            v.iter().map(|s| s.start_ms.round()).collect::<Vec<_>>(),
            v[0].processes
        );
        (start, rss)
    };
    let (sa, ra) = report("ilert Desktop", &a);
    let (sb, rb) = report("bare Tauri", &b);
    println!("start-up: {:.2}x the bare app; idle RSS: bare + {:.1} MB", sa / sb, ra - rb);
}

pub fn launch(binary: &Path, home: &Path, idle: Duration) -> Sample {
    let t = Instant::now();
    let mut child = Command::new(binary)
        .env("ILERT_BENCH", "1")
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("ILERT_PROFILE", "bench")
        .env("ILERT_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .unwrap_or_else(|e| panic!("{}: {e}", binary.display()));
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    loop {
        line.clear();
        assert!(out.read_line(&mut line).unwrap() > 0, "{} exited before its page loaded", binary.display());
        if line.trim() == "bench: page loaded" {
            break;
        }
    }
    let start_ms = ms(t.elapsed());
    std::thread::sleep(idle);
    let pids = tree(child.id());
    let (rss, pss) = pids.iter().map(|p| memory(*p)).fold((0, 0), |(r, p), (r2, p2)| (r + r2, p + p2));
    // The whole process group: the app and the WebKit processes it started.
    kill_group(child.id());
    let _ = child.wait();
    Sample { start_ms, rss_mb: rss as f64 / 1024.0, pss_mb: pss as f64 / 1024.0, processes: pids.len() }
}

/// `pid` and all its descendants, from /proc.
pub fn tree(pid: u32) -> Vec<u32> {
    std::iter::once(pid).chain(crate::common::process_tree(pid).into_iter().map(|(p, _)| p)).collect()
}

/// (RSS, PSS) in KiB.
pub fn memory(pid: u32) -> (u64, u64) {
    let field = |text: &str, name: &str| {
        text.lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).unwrap_or_default();
    (field(&rollup, "Rss:"), field(&rollup, "Pss:"))
}

pub fn kill_group(pid: u32) {
    let _ = Command::new("kill").args(["-TERM", "--", &format!("-{pid}")]).status();
    std::thread::sleep(Duration::from_millis(300));
    let _ = Command::new("kill").args(["-KILL", "--", &format!("-{pid}")]).status();
}
