//! ilert Desktop's benchmarks. `scripts/bench` builds the release binaries
//! and runs all of them; each prints medians (and every sample) so the
//! README's figures can be checked.
//!
//! Side by side means alternating within one run, so the machine's noise
//! falls on both equally.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};
use ilert_api::Client;
use ilert_app::engine::fetch::{fetch, fetch_with, SlowLists};
use ilert_oauth::config::Endpoints;
use ilert_oauth::endpoint::http_client;
use ilert_oauth::session::RefreshPolicy;
use ilert_oauth::token_store::MemoryStore;
use ilert_oauth::{OAuthConfig, Session, SignIn};
use ilert_sandbox::{browser, Config, Sandbox};

// The tests' own readers of the tray and the X11 windows, shared rather than
// copied. The window benchmarks read /proc, X11 and the StatusNotifier tray:
// Linux only; the rest measure the plain crates and run everywhere.
#[cfg(target_os = "linux")]
#[path = "../../tests/common/mod.rs"]
mod common;
#[cfg(target_os = "linux")]
mod resident;
#[cfg(target_os = "linux")]
mod startup;

#[derive(Parser)]
#[command(about = "ilert Desktop benchmarks")]
struct Cli {
    #[command(subcommand)]
    what: What,
}

#[derive(Subcommand)]
enum What {
    /// Cold start to the page's load event, and idle RSS, beside the bare app (needs a display).
    Startup {
        #[arg(long)]
        app: PathBuf,
        #[arg(long)]
        bare: PathBuf,
        #[arg(long, default_value_t = 7)]
        runs: usize,
        /// How long the window idles before its memory is read.
        #[arg(long, default_value_t = 5)]
        idle_secs: u64,
    },
    /// The window open and idle, closed to the tray, reopened from it, and
    /// the tray's idle CPU, wake-ups and requests, beside the bare app (needs
    /// a display, a StatusNotifier host and a Secret Service).
    Resident {
        #[arg(long)]
        app: PathBuf,
        #[arg(long)]
        bare: PathBuf,
        #[arg(long, default_value_t = 5)]
        runs: usize,
        #[arg(long, default_value_t = 5)]
        idle_secs: u64,
        /// How long the tray's CPU and wake-ups are averaged over.
        #[arg(long, default_value_t = 600)]
        cpu_secs: u64,
    },
    /// Dashboard load at 200 ms latency, sign-in overhead, refresh single flight.
    Core {
        #[arg(long, default_value_t = 9)]
        runs: usize,
    },
    /// ilert requests per minute per account while the window is open and
    /// idle: the calls of one background refresh, counted per path.
    Budget {
        #[arg(long, default_value_t = 3)]
        cycles: u32,
    },
    /// Accept from the app (shown at once, then ilert's answer shown) beside
    /// the bare PUT round trip, at 50 ms of latency on every request.
    Act {
        #[arg(long, default_value_t = 9)]
        runs: usize,
    },
    /// Sizes of the release binary and the .deb.
    Sizes {
        #[arg(long)]
        binary: PathBuf,
        #[arg(long)]
        deb: Option<PathBuf>,
        #[arg(long)]
        bare: Option<PathBuf>,
    },
}

fn main() {
    match Cli::parse().what {
        #[cfg(target_os = "linux")]
        What::Startup { app, bare, runs, idle_secs } => startup::run(&app, &bare, runs, Duration::from_secs(idle_secs)),
        #[cfg(target_os = "linux")]
        What::Resident { app, bare, runs, idle_secs, cpu_secs } => {
            resident::run(&app, &bare, runs, Duration::from_secs(idle_secs), Duration::from_secs(cpu_secs))
        }
        #[cfg(not(target_os = "linux"))]
        What::Startup { .. } | What::Resident { .. } => {
            eprintln!("ilert-bench: the window benchmarks read /proc, X11 and the StatusNotifier tray, so they run on Linux only");
            std::process::exit(2);
        }
        What::Core { runs } => tokio::runtime::Runtime::new().unwrap().block_on(core(runs)),
        What::Sizes { binary, deb, bare } => sizes(&binary, deb.as_deref(), bare.as_deref()),
        What::Budget { cycles } => tokio::runtime::Runtime::new().unwrap().block_on(budget(cycles)),
        What::Act { runs } => tokio::runtime::Runtime::new().unwrap().block_on(act(runs)),
    }
}

pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

const SCOPES: &str = "profile schedule:w policy source alert alert:w maintenance:w offline_access";

fn settings(sb: &Sandbox) -> OAuthConfig {
    OAuthConfig {
        client_id: "bench".into(),
        endpoints: Endpoints::resolve(Some(&sb.url()), None, Some(&sb.url())).unwrap(),
        redirect_uri: "http://127.0.0.1:0/callback".into(),
        scopes: SCOPES.into(),
        tenant: None,
    }
}

/// One sign-in; returns the session and the core's own time: `start()`
/// (bind, PKCE, URL) plus the time from the callback leaving the "browser"
/// to the session being ready, minus what the sandbox spent handling the
/// token and token_info requests in that span.
async fn timed_sign_in(sb: &Sandbox) -> (Session, Duration) {
    let t0 = Instant::now();
    let s = SignIn::start(&settings(sb), http_client()).await.unwrap();
    let start = t0.elapsed();
    sb.knobs().register_client("bench", s.redirect_uri().as_str());
    let url = s.authorize_url().to_string();
    let knobs = sb.knobs().clone();
    let browser = tokio::spawn(async move {
        let loc = browser::approve(&url).await;
        let _ = knobs.take_busy_time(); // authorize and consent are the browser's part
                                        // The browser's own client is built before the clock starts: making
                                        // one loads the OS certificate store, which is the browser's time.
        let http = reqwest::Client::new();
        let sent = Instant::now();
        http.get(&loc).send().await.unwrap();
        sent
    });
    let session = s.finish(Arc::new(MemoryStore::default())).await.unwrap();
    let done = Instant::now();
    let sent = browser.await.unwrap();
    let server = sb.knobs().take_busy_time();
    (session, (start + done.saturating_duration_since(sent)).saturating_sub(server))
}

async fn core(runs: usize) {
    // Sign-in overhead in the core.
    let sb = Sandbox::start(Config::default()).await.unwrap();
    timed_sign_in(&sb).await; // warm up
    let mut overhead = Vec::new();
    for _ in 0..runs {
        overhead.push(ms(timed_sign_in(&sb).await.1));
    }
    println!("sign-in overhead in the core: median {:.2} ms (samples {:?})", median(overhead.clone()), round(&overhead));

    // Dashboard load at 200 ms latency beside a single request, alternating.
    let sb = Sandbox::start(Config::default()).await.unwrap();
    let (session, _) = timed_sign_in(&sb).await;
    let client = Client::new(Arc::new(session), http_client());
    fetch(&client).await; // warm connections
    sb.knobs().set_latency(Duration::from_millis(200));
    let (mut single, mut full) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let t = Instant::now();
        client.current_user().await.unwrap();
        single.push(ms(t.elapsed()));
        let t = Instant::now();
        let d = fetch(&client).await;
        full.push(ms(t.elapsed()));
        assert!(d.alert_sources.data().is_some() && d.on_call.data().is_some(), "the dashboard loaded");
    }
    let (s, f) = (median(single.clone()), median(full.clone()));
    println!(
        "dashboard at 200 ms latency: median {f:.0} ms vs a single request {s:.0} ms = {:.2}x (dashboard {:?}, single {:?})",
        f / s,
        round(&full),
        round(&single)
    );

    // 100 concurrent calls on an expired token.
    let sb = Sandbox::start(Config::default()).await.unwrap();
    sb.knobs().set_access_token_lifetime(Duration::from_secs(1));
    let (session, _) = timed_sign_in(&sb).await;
    let session = Arc::new(session.with_policy(RefreshPolicy { leeway: Duration::ZERO, ..Default::default() }));
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let before = sb.knobs().token_requests("refresh_token");
    let calls: Vec<_> = (0..100)
        .map(|_| {
            let s = session.clone();
            tokio::spawn(async move { s.access_token().await.map(|_| ()) })
        })
        .collect();
    let mut ok = 0;
    for c in calls {
        ok += c.await.unwrap().is_ok() as usize;
    }
    println!(
        "100 concurrent calls on an expired token: {} token request(s), {ok} of 100 calls served",
        sb.knobs().token_requests("refresh_token") - before
    );
}

/// The refresh engine asks every 60 s, every 15 s while on call
/// (`ilert_app::engine::EngineConfig`): each round reads the alerts and who
/// is on call, and the slow lists (who I am, policies, schedules, sources)
/// once they are older than `slow_lists` (5 min;
/// `ilert_app::engine::fetch::SlowLists`); the session info needs no
/// request. So a minute costs the round's own requests times the rounds per
/// minute, plus the slow lists' requests once per five minutes, plus the
/// access token's refresh once an hour. Counted by the sandbox, per path, on
/// the seeded tenant and on the large one (290 sources, 90 schedules, 80
/// policies, 150 open alerts).
async fn budget(cycles: u32) {
    const IDLE_GOAL: f64 = 8.0;
    const ON_CALL_GOAL: f64 = 20.0;
    let config = ilert_app::engine::EngineConfig::default();
    for (name, large) in
        [("seeded (60 sources, 3 schedules, 3 policies)", false), ("large (290 sources, 90 schedules, 80 policies, 150 open alerts)", true)]
    {
        let sb = Sandbox::start(Config { large, ..Config::default() }).await.unwrap();
        let (session, _) = timed_sign_in(&sb).await;
        let session = Arc::new(session);
        let client = Client::new(session.clone(), http_client());
        let mut slow = SlowLists::new(config.slow_lists);
        let count = || sb.knobs().requests("/api/") as f64;
        let before = count();
        let d = fetch_with(&client, &mut slow).await;
        assert!(d.alert_sources.data().is_some() && d.on_call.data().is_some(), "the dashboard loaded");
        let full = count() - before;
        let before_paths = sb.knobs().requests_by_path();
        let before = count();
        for _ in 0..cycles {
            let d = fetch_with(&client, &mut slow).await;
            assert!(d.alerts.data().is_some() && d.on_call.data().is_some(), "the round loaded");
            session.granted_scope().await.unwrap();
            session.access_expires_in().await;
        }
        let round = (count() - before) / cycles as f64;
        let slow_part = full - round;
        let per_minute = |interval: std::time::Duration| {
            round * 60.0 / interval.as_secs_f64() + slow_part * 60.0 / config.slow_lists.as_secs_f64() + 1.0 / 60.0
        };
        let (idle, on_call) = (per_minute(config.interval), per_minute(config.on_call_interval));
        println!("tenant {name}:");
        println!("  a full round (the first, and Refresh now): {full:.0} requests; a round after it: {round:.1}, per path:");
        for (path, n) in sb.knobs().requests_by_path() {
            let d = (n - before_paths.get(&path).copied().unwrap_or(0)) as f64 / cycles as f64;
            if d > 0.0 {
                println!("    {path}: {d:.1}");
            }
        }
        let verdict = |v: f64, goal: f64| if v <= goal { "met" } else { "missed" };
        println!(
            "  idle (every {} s): {idle:.2} requests/min per account (goal <= {IDLE_GOAL}: {})",
            config.interval.as_secs(),
            verdict(idle, IDLE_GOAL)
        );
        println!(
            "  on call (every {} s): {on_call:.2} requests/min per account (goal <= {ON_CALL_GOAL}: {}); ilert allows 700/min per IP",
            config.on_call_interval.as_secs(),
            verdict(on_call, ON_CALL_GOAL)
        );
        println!("  alert-list reads answered 304: {}", sb.knobs().not_modified());
    }
}

/// A click on Accept (and on Maintenance for a source) until ilert's answer is in the snapshot
/// (`ilert_app::actions::act`: scope check, the optimistic change, the PUT,
/// the confirmed change), against the PUT alone, on fresh alerts raised
/// through the Events API, alternately. Goal: the PUT plus under 50 ms.
async fn act(runs: usize) {
    use ilert_api::api::alerts::AlertFilter;
    use ilert_app::actions::{act, AlertAction};
    use ilert_app::engine::{Engine, EngineConfig};
    let sb = Sandbox::start(Config::default()).await.unwrap();
    let (session, _) = timed_sign_in(&sb).await;
    let client = Client::new(Arc::new(session), http_client());
    let key = sb.knobs().integration_key(1201).unwrap();
    let http = reqwest::Client::new();
    for i in 0..runs * 2 {
        let event = serde_json::json!({"integrationKey": key, "eventType": "ALERT", "summary": format!("bench {i}"), "alertKey": format!("bench/{i}")});
        assert_eq!(http.post(format!("{}/api/events", sb.url())).json(&event).send().await.unwrap().status(), 202);
    }
    let first = ilert_app::view::SessionInfo::of(client.session(), false, SCOPES).await;
    let engine = Engine::spawn(client.clone(), false, SCOPES.into(), EngineConfig::default(), first);
    let mut rx = engine.subscribe();
    rx.wait_for(|s| s.alerts.data().is_some() && s.on_call.data().is_some()).await.unwrap();
    let ids: Vec<i64> = client
        .alerts(&AlertFilter::open())
        .await
        .unwrap()
        .iter()
        .filter(|a| a.summary.as_deref().is_some_and(|s| s.starts_with("bench ")))
        .map(|a| a.id)
        .collect();
    sb.knobs().set_latency(Duration::from_millis(50));
    let (mut bare, mut app) = (Vec::new(), Vec::new());
    for pair in ids.chunks(2).take(runs) {
        let t = Instant::now();
        client.accept_alert(pair[0]).await.unwrap();
        bare.push(ms(t.elapsed()));
        let t = Instant::now();
        let out = act(&client, &engine, pair[1], AlertAction::Accept, None).await.unwrap();
        app.push(ms(t.elapsed()));
        assert_eq!(out.status, "ACCEPTED");
    }
    let (b, a) = (median(bare.clone()), median(app.clone()));
    println!("accept, click to ilert's answer shown (median of {runs}, 50 ms latency per request): {a:.1} ms vs the PUT alone {b:.1} ms = +{:.1} ms (goal < 50 ms over the PUT)", a - b);
    println!("  samples, app: {:?}; PUT: {:?}", round(&app), round(&bare));

    // Maintenance for a source (`ilert_app::maintenance::maintain`: scope
    // check, the source shown in maintenance, the POST, the confirmation)
    // against the POST alone, on two sources alternately.
    use ilert_api::api::maintenance_windows::{NewMaintenanceWindow, SourceRef};
    use ilert_app::maintenance::{maintain, MaintainFor};
    let sources: Vec<_> = engine.latest().alert_sources.data().expect("the sources are read").iter().take(2).cloned().collect();
    let (mut bare, mut app) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let now = chrono::Utc::now();
        let window = NewMaintenanceWindow {
            summary: "bench".into(),
            description: "bench".into(),
            start: now,
            end: now + chrono::Duration::minutes(30),
            timezone: "UTC".into(),
            alert_sources: vec![SourceRef { id: sources[0].id }],
        };
        let t = Instant::now();
        client.create_maintenance_window(&window).await.unwrap();
        bare.push(ms(t.elapsed()));
        let t = Instant::now();
        maintain(&client, &engine, &sources[1], MaintainFor::HalfHour, "bench", chrono::Utc::now()).await.unwrap();
        app.push(ms(t.elapsed()));
    }
    let (b, a) = (median(bare.clone()), median(app.clone()));
    println!("maintenance for a source, click to ilert's answer shown (median of {runs}, 50 ms latency per request): {a:.1} ms vs the POST alone {b:.1} ms = +{:.1} ms (goal < 50 ms over the POST)", a - b);
    println!("  samples, app: {:?}; POST: {:?}", round(&app), round(&bare));

    // Bring help (`ilert_app::help::bring_help`): reassign to a person
    // against the PUT …/assign alone, then add a responder against the
    // POST …/responders alone, on the same pairs of alerts.
    use ilert_api::api::alerts::Assignee;
    use ilert_app::help::{bring_help, BringHelp, Helper, HelperKind};
    let person = |id: i64, name: &str| Helper { kind: HelperKind::Person, id, name: name.into(), suggested: false, disabled: false };
    for (how, who, what) in [
        (BringHelp::Reassign, person(2, "Grace Hopper"), "reassign"),
        (BringHelp::AddResponder, person(3, "Alan Turing"), "add a responder"),
    ] {
        let (mut bare, mut app) = (Vec::new(), Vec::new());
        for pair in ids.chunks(2).take(runs) {
            let t = Instant::now();
            match how {
                BringHelp::Reassign => drop(client.assign_alert(pair[0], Assignee::User(who.id)).await.unwrap()),
                BringHelp::AddResponder => drop(client.add_responder(pair[0], who.id).await.unwrap()),
            }
            bare.push(ms(t.elapsed()));
            let t = Instant::now();
            bring_help(&client, &engine, pair[1], how, &who).await.unwrap();
            app.push(ms(t.elapsed()));
        }
        let (b, a) = (median(bare.clone()), median(app.clone()));
        println!("{what}, click to ilert's answer shown (median of {runs}, 50 ms latency per request): {a:.1} ms vs the write alone {b:.1} ms = +{:.1} ms (goal < 50 ms over the write)", a - b);
        println!("  samples, app: {:?}; write: {:?}", round(&app), round(&bare));
    }

    // Take the pager (`ilert_app::pager::take`): an override on Payments
    // Static, where Donald Knuth is on call, against the PUT …/overrides alone.
    use ilert_api::api::schedules::{NewOverride, UserRef};
    let schedule = ilert_app::pager::schedule_of(&engine.latest(), 3).cloned().expect("Payments Static is read");
    let (mut bare, mut app) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let now = chrono::Utc::now();
        let cover =
            NewOverride { user: UserRef { id: 1 }, start: now + chrono::Duration::seconds(5), end: now + chrono::Duration::minutes(30) };
        let t = Instant::now();
        client.add_override(3, &cover).await.unwrap();
        bare.push(ms(t.elapsed()));
        let t = Instant::now();
        ilert_app::pager::take(&client, &engine, &schedule, 1, "Ada Lovelace", ilert_app::pager::TakeFor::HalfHour, chrono::Utc::now())
            .await
            .unwrap();
        app.push(ms(t.elapsed()));
    }
    let (b, a) = (median(bare.clone()), median(app.clone()));
    println!("take the pager, click to ilert's answer shown (median of {runs}, 50 ms latency per request): {a:.1} ms vs the PUT alone {b:.1} ms = +{:.1} ms (goal < 50 ms over the PUT)", a - b);
    println!("  samples, app: {:?}; PUT: {:?}", round(&app), round(&bare));
}

fn round(v: &[f64]) -> Vec<f64> {
    v.iter().map(|x| (x * 100.0).round() / 100.0).collect()
}

fn sizes(binary: &std::path::Path, deb: Option<&std::path::Path>, bare: Option<&std::path::Path>) {
    let mb =
        |p: &std::path::Path| std::fs::metadata(p).map(|m| m.len() as f64 / 1_000_000.0).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    println!("release binary: {:.1} MB ({})", mb(binary), binary.display());
    if let Some(d) = deb {
        println!(".deb: {:.1} MB ({})", mb(d), d.display());
    }
    if let Some(b) = bare {
        println!("bare Tauri binary (baseline): {:.1} MB", mb(b));
    }
}
