//! What the app costs while it waits, beside the bare Tauri window in one
//! run: signed in to a sandbox (the session in the real keyring, made by the
//! app's own `login`), the window open and idle with its data; closed to the
//! tray (the webview torn down); reopened from the tray's menu until the new
//! window holds its data; then, started hidden, CPU time, wake-ups and
//! requests in the tray over a long idle, and the same with ilert gone.

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use ilert_sandbox::{browser, Config, Sandbox};

use crate::common::{tray, x11};
use crate::startup::{kill_group, launch, memory, tree};
use crate::{median, ms, SCOPES};

const CLIENT: &str = "bench-desktop";

/// The app with a private home and the sandbox as ilert.
struct Profile {
    home: std::path::PathBuf,
    sandbox_url: String,
    redirect: String,
}

impl Profile {
    fn command(&self, binary: &Path, args: &[&str]) -> Command {
        let mut c = Command::new(binary);
        c.args(args)
            .env("ILERT_BENCH", "1")
            .env("XDG_CONFIG_HOME", self.home.join("config"))
            .env("XDG_DATA_HOME", self.home.join("data"))
            .env("XDG_CACHE_HOME", self.home.join("cache"))
            .env("ILERT_PROFILE", "bench-resident")
            .env("ILERT_CLIENT_ID", CLIENT)
            .env("ILERT_AUTH_URL", &self.sandbox_url)
            .env("ILERT_API_URL", &self.sandbox_url)
            .env("ILERT_REDIRECT_URI", &self.redirect)
            .env("ILERT_SCOPES", SCOPES)
            .env("ILERT_LOG", "warn")
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0);
        c
    }
}

/// The app running, its stdout lines on a channel.
struct Running {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl Running {
    fn start(mut command: Command) -> Running {
        let mut child = command.stdout(Stdio::piped()).spawn().expect("the app starts");
        let out = BufReader::new(child.stdout.take().unwrap());
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || out.lines().map_while(Result::ok).try_for_each(|l| tx.send(l)));
        Running { child, lines }
    }

    /// Waits for `line` on stdout (after what came before), at most 60 s.
    fn wait_line(&self, line: &str) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(l) if l.trim() == line => return,
                Ok(_) => {}
                Err(e) => panic!("no {line:?} from the app: {e}"),
            }
        }
    }

    fn drain(&self) {
        while self.lines.try_recv().is_ok() {}
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        kill_group(self.child.id());
        let _ = self.child.wait();
    }
}

fn wait_until<T>(what: &str, mut probe: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(v) = probe() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// (RSS, PSS) in MB summed over the app and every process it started.
fn tree_memory(pid: u32) -> (f64, f64) {
    let (r, p) = tree(pid).iter().map(|p| memory(*p)).fold((0, 0), |(r, p), (r2, p2)| (r + r2, p + p2));
    (r as f64 / 1024.0, p as f64 / 1024.0)
}

/// Where the memory is: (command name, RSS MB, PSS MB) per process.
fn per_process(pid: u32) -> Vec<(String, f64, f64)> {
    tree(pid)
        .into_iter()
        .map(|p| {
            let (r, s) = memory(p);
            let name = std::fs::read_to_string(format!("/proc/{p}/comm")).unwrap_or_default().trim().to_string();
            (name, (r as f64 / 102.4).round() / 10.0, (s as f64 / 102.4).round() / 10.0)
        })
        .collect()
}

fn has_web_process(pid: u32) -> bool {
    crate::common::process_tree(pid).iter().any(|(_, c)| c.starts_with("WebKitWebProces"))
}

/// Starts the app and finds its tray item (the one that was not there before).
fn in_tray(command: Command) -> (Running, String) {
    let before = tray::items();
    let app = Running::start(command);
    let owner = wait_until("the tray item", || tray::items().into_iter().find(|i| !before.contains(i)));
    (app, owner)
}

/// CPU time (s) and context switches (wake-ups) of the whole tree so far.
fn cpu_and_wakeups(pid: u32) -> (f64, u64) {
    let ticks = 100.0; // USER_HZ on Linux
    let mut cpu = 0.0;
    let mut switches = 0;
    for p in tree(pid) {
        if let Ok(stat) = std::fs::read_to_string(format!("/proc/{p}/stat")) {
            let f: Vec<&str> = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or_default().split_whitespace().collect();
            // After the ')': state is field 3 of stat(5), utime 14, stime 15.
            cpu += (f.get(11).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0)
                + f.get(12).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0))
                / ticks;
        }
        for task in std::fs::read_dir(format!("/proc/{p}/task")).into_iter().flatten().flatten() {
            let status = std::fs::read_to_string(task.path().join("status")).unwrap_or_default();
            switches += status
                .lines()
                .filter(|l| l.starts_with("voluntary_ctxt_switches:") || l.starts_with("nonvoluntary_ctxt_switches:"))
                .filter_map(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
                .sum::<u64>();
        }
    }
    (cpu, switches)
}

struct Round {
    bare_start_ms: f64,
    bare: (f64, f64),
    open: (f64, f64),
    resident: (f64, f64),
    reopen_ms: f64,
}

pub fn run(app: &Path, bare: &Path, runs: usize, idle: Duration, cpu_window: Duration) {
    assert!(std::env::var_os("DISPLAY").is_some(), "no DISPLAY: run through scripts/bench, which starts Xvfb");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sandbox = rt.block_on(Sandbox::start(Config::default())).unwrap();
    let home = std::env::temp_dir().join(format!("ilert-bench-resident-{}", std::process::id()));
    let profile = Profile { home: home.clone(), sandbox_url: sandbox.url(), redirect: crate::common::free_redirect() };
    sandbox.knobs().register_client(CLIENT, &profile.redirect);
    login(&rt, &profile, app);

    let mut rounds = Vec::new();
    for _ in 0..runs {
        let b = launch(bare, &home, idle);
        let bare_mem = (b.rss_mb, b.pss_mb);
        let (running, owner) = in_tray(profile.command(app, &[]));
        running.wait_line("bench: snapshot served");
        std::thread::sleep(idle);
        let open = tree_memory(running.pid());
        assert_eq!(x11::close(running.pid()), 1, "one window to close");
        wait_until("the web process to end", || (!has_web_process(running.pid())).then_some(()));
        std::thread::sleep(idle);
        let resident = tree_memory(running.pid());
        if rounds.is_empty() {
            println!("closed to the tray, per process (RSS, PSS MB): {:?}", per_process(running.pid()));
        }
        running.drain();
        let t = Instant::now();
        tray::click(&owner, "Open ilert Desktop");
        running.wait_line("bench: snapshot served");
        let reopen_ms = ms(t.elapsed());
        rounds.push(Round { bare_start_ms: b.start_ms, bare: bare_mem, open, resident, reopen_ms });
    }

    let col = |f: &dyn Fn(&Round) -> f64| {
        let v: Vec<f64> = rounds.iter().map(f).collect();
        (median(v.clone()), v.iter().map(|x| (x * 10.0).round() / 10.0).collect::<Vec<_>>())
    };
    let (bare_pss, s1) = col(&|r| r.bare.1);
    let (bare_rss, _) = col(&|r| r.bare.0);
    let (open_pss, s2) = col(&|r| r.open.1);
    let (open_rss, _) = col(&|r| r.open.0);
    let (res_pss, s3) = col(&|r| r.resident.1);
    let (res_rss, _) = col(&|r| r.resident.0);
    let (bare_start, s4) = col(&|r| r.bare_start_ms);
    let (reopen, s5) = col(&|r| r.reopen_ms);
    let verdict = |ok: bool| if ok { "met" } else { "missed" };
    println!(
        "bare Tauri window, idle: PSS median {bare_pss:.1} MB {s1:?} (RSS {bare_rss:.1} MB); cold start median {bare_start:.0} ms {s4:?}"
    );
    println!(
        "window open, signed in, idle: PSS median {open_pss:.1} MB {s2:?} (RSS {open_rss:.1} MB): bare + {:.1} MB PSS, + {:.1} MB RSS (goal <= +20: {})",
        open_pss - bare_pss,
        open_rss - bare_rss,
        verdict(open_pss - bare_pss <= 20.0 && open_rss - bare_rss <= 20.0)
    );
    println!(
        "closed to the tray: PSS median {res_pss:.1} MB {s3:?} (RSS {res_rss:.1} MB): {:.0}% of the bare window's PSS (goal <= 30%: {})",
        100.0 * res_pss / bare_pss,
        verdict(res_pss <= 0.3 * bare_pss)
    );
    println!(
        "reopen from the tray to its data: median {reopen:.0} ms {s5:?}: {:.2}x the bare window's cold start (goal <= 1.2x: {})",
        reopen / bare_start,
        verdict(reopen <= 1.2 * bare_start)
    );

    // Resting in the tray, as after a login: started hidden, no window.
    let (running, owner) = in_tray(profile.command(app, &["--hidden"]));
    wait_until("the session in the tray", || tray::menu(&owner).iter().any(|(_, l, _)| l == "Sign out").then_some(()));
    std::thread::sleep(Duration::from_secs(5));
    let on_call = tray::menu(&owner).get(1).is_some_and(|(_, l, _)| l.starts_with("On call"));
    let (rss, pss) = tree_memory(running.pid());
    println!(
        "started hidden (at login), never opened: PSS {pss:.1} MB (RSS {rss:.1} MB), {:.0}% of the bare window's PSS; per process {:?}",
        100.0 * pss / bare_pss,
        per_process(running.pid())
    );
    let knobs = sandbox.knobs().clone();
    let requests = || knobs.requests_by_path().values().sum::<u64>();
    let rate = |window: Duration| {
        let (c0, r0) = (cpu_and_wakeups(running.pid()), requests());
        std::thread::sleep(window);
        let c1 = cpu_and_wakeups(running.pid());
        let secs = window.as_secs_f64();
        (100.0 * (c1.0 - c0.0) / secs, (c1.1 - c0.1) as f64 / secs, (requests() - r0) as f64 * 60.0 / secs)
    };
    let (cpu, wakeups, per_minute) = rate(cpu_window);
    println!(
        "in the tray, hidden, {} (polling every {} s), over {:.0} s: CPU {cpu:.3}% of one core (goal <= 0.5%: {}); {wakeups:.1} wake-ups/s (context switches of every thread); {per_minute:.2} ilert requests/min",
        if on_call { "on call" } else { "not on call" },
        if on_call { 15 } else { 60 },
        cpu_window.as_secs_f64(),
        verdict(cpu <= 0.5)
    );
    // ilert out of reach: the engine backs off instead of spinning.
    rt.block_on(async { tokio::time::timeout(Duration::from_secs(10), sandbox.stop()).await }).ok();
    let offline = cpu_window.min(Duration::from_secs(120));
    let (cpu, wakeups, _) = rate(offline);
    println!("in the tray, ilert unreachable, over {:.0} s: CPU {cpu:.3}% of one core; {wakeups:.1} wake-ups/s", offline.as_secs_f64());
    drop(running);
    let _ = std::fs::remove_dir_all(&home);
}

/// `login --no-browser`, approved as a browser would: the session the app then restores.
fn login(rt: &tokio::runtime::Runtime, profile: &Profile, app: &Path) {
    let mut child = profile.command(app, &["login", "--no-browser"]).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut url = String::new();
    stderr.read_line(&mut url).unwrap();
    let outcome = rt.block_on(browser::consent_with(reqwest::Client::builder(), url.trim(), "approve")).unwrap();
    let browser::Outcome::Redirect(loc) = outcome else { panic!("no redirect: {outcome:?}") };
    rt.block_on(reqwest::get(&loc)).unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "login: {status:?}");
}
