//! The app running in the tray, as a desktop sees it: its StatusNotifier
//! item and menu read from a real host, notifications read back from a real
//! server over D-Bus, the alarm recorded from a PulseAudio null sink, the
//! start-at-login entry, the window's WebKit processes; the session signed
//! in by the command line (one session per account). The host, the bus, the
//! sound server and xdg-open are Linux's; Windows and macOS start the built
//! app in CI instead.
#![cfg(target_os = "linux")]

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use ilert_sandbox::{Config, Fault};
use tokio::process::Command;

mod common;
mod harness;
use common::wait_for;
use harness::{raise, raise_with, signed_in_beside_a_notification_server, text, unix_now, Cli};
/// A loopback update feed, for the update tests (not in `common`: the bench shares that).
#[path = "common/feed.rs"]
mod feed;

/// One tray test at a time: they share the session's StatusNotifier host,
/// and tell their app's item from the others by what was new after the start.
static ONE_TRAY: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A process running the executable at `path`, if any.
fn running_from(path: &Path) -> Option<u32> {
    std::fs::read_dir("/proc").ok()?.flatten().find_map(|e| {
        let pid: u32 = e.file_name().to_str()?.parse().ok()?;
        (std::fs::read_link(e.path().join("exe")).ok()? == path).then_some(pid)
    })
}

/// Starts the app and waits for its item at the StatusNotifier host: the one
/// that was not there before (so one tray test at a time, [`ONE_TRAY`]).
async fn in_tray(mut app: Command) -> (tokio::process::Child, String) {
    let before = common::tray::items();
    let child = app.stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    let owner = wait_for("the tray item", || common::tray::items().into_iter().find(|i| !before.contains(i))).await;
    (child, owner)
}

/// The app's tray, read from the StatusNotifier host as a desktop reads it:
/// it shows the session the command line signed in (the one session per
/// account), says the on-call state in its menu and label, and its Sign out
/// only asks in the window (nothing is signed out by a press); Quit ends the app.
/// A second launch of the same profile exits 0 and leaves the first running.
#[tokio::test]
#[ignore = "needs a StatusNotifier host, Xvfb and a Secret Service; scripts/test runs it"]
async fn the_tray_tells_the_state_and_signs_out() {
    use common::tray;
    let _one = ONE_TRAY.lock().await;
    let cli = Cli::new("tray").await;
    let (out, stderr) = cli.login("approve").await;
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let refresh = cli.secret_tool_lookup().expect("stored");
    // ilert fails the on-call endpoints at first: the tray says the data is unavailable.
    cli.sandbox.knobs().add_fault(Fault::status("/api/on-calls", 500));
    cli.sandbox.knobs().add_fault(Fault::status("/api/schedules", 500));
    let before = tray::items();
    let (mut app, owner) = in_tray(cli.command(&[])).await;
    let problem =
        wait_for("the problem line", || Some(tray::menu(&owner).get(1)?.1.clone()).filter(|l| l.starts_with("On-call data unavailable")))
            .await;
    assert!(problem.contains("500"), "{problem}");
    assert_eq!(tray::property(&owner, "XAyatanaLabel").as_deref(), Some("!"));
    tray::save_icon(&owner, "tray-problem.png");

    // ilert recovers; Refresh now in the tray asks at once.
    cli.sandbox.knobs().clear_faults();
    tray::click(&owner, "Refresh now");
    let line = wait_for("the on-call line", || {
        let menu = tray::menu(&owner);
        let line = menu.get(1)?.1.clone();
        ["On call", "Next shift", "Not on call"].iter().any(|p| line.starts_with(p)).then_some(line)
    })
    .await;
    let labels: Vec<String> = tray::menu(&owner).into_iter().map(|(_, l, _)| l).collect();
    let policies: Vec<&str> = labels.iter().map(String::as_str).filter(|l| l.contains(": ")).collect();
    assert_eq!(policies.len(), 3, "who is on call, per escalation policy: {labels:?}");
    assert!(policies.iter().any(|p| p.starts_with("SRE Critical: ")), "{policies:?}");
    let mut expected = vec!["Open ilert Desktop", line.as_str(), "Who is on call"];
    expected.extend(&policies);
    expected.extend(["Grant access to alerts…", "Refresh now", "Will it ring?…", "Pause notifications"]);
    expected.extend(["For 15 minutes", "For 1 hour"]);
    // A snooze to the shift's end is offered only while there is a shift to end.
    if line.starts_with("On call") {
        expected.push("Until the end of my shift");
    }
    expected.extend(["Until tomorrow 09:00", "Sign out…", "Quit"]);
    assert_eq!(labels, expected, "without the alert scope, the tray offers it");

    // Pause, from the tray: the menu says until when, and resumes.
    tray::click(&owner, "For 15 minutes");
    let paused = wait_for("the pause line", || {
        tray::menu(&owner).into_iter().map(|(_, l, _)| l).find(|l| l.starts_with("Notifications paused until "))
    })
    .await;
    assert!(tray::menu(&owner).iter().any(|(_, l, _)| l == "Resume notifications"), "{paused}");
    tray::click(&owner, "Resume notifications");
    wait_for("the pause to end", || tray::menu(&owner).iter().any(|(_, l, _)| l == "Pause notifications").then_some(())).await;
    let label = tray::property(&owner, "XAyatanaLabel").unwrap_or_default();
    assert_eq!(label == "on call", line.starts_with("On call"), "label {label:?} for {line:?}");
    tray::save_icon(&owner, if line.starts_with("On call") { "tray-on-call.png" } else { "tray-not-on-call.png" });

    // A second launch of the profile hands over to this one and exits 0.
    let second = tokio::time::timeout(Duration::from_secs(20), cli.command(&[]).stdout(Stdio::null()).stderr(Stdio::null()).status())
        .await
        .expect("the second launch exits at once")
        .unwrap();
    assert!(second.success(), "{second:?}");
    assert!(app.try_wait().unwrap().is_none(), "the first one still runs");
    assert_eq!(tray::items().iter().filter(|i| !before.contains(i)).count(), 1, "one tray icon");

    // Sign out cannot be undone, and any process of the session can press a
    // tray item: it only asks in the window (e2e `signing_out_and_resolving_from_the_tray_ask_in_the_window`
    // answers there). Pressed here, nothing is signed out.
    tray::click(&owner, "Sign out…");
    // Who is on call is read every round (the slow lists are kept between).
    let asked = cli.sandbox.knobs().requests("/api/on-calls");
    wait_for("two refreshes after the press", || (cli.sandbox.knobs().requests("/api/on-calls") >= asked + 2).then_some(())).await;
    assert_ne!(tray::menu(&owner).get(1).map(|(_, l, _)| l.clone()).as_deref(), Some("Signed out"));
    assert!(cli.sandbox.knobs().refresh_token_is_live(&refresh), "not revoked");
    let status = cli.run(&["status"]).await;
    assert!(text(&status.stdout).contains("Signed in: yes"), "the command line is still signed in");

    tray::quit(&owner);
    let exit = tokio::time::timeout(Duration::from_secs(15), app.wait()).await.expect("Quit ends the app").unwrap();
    assert!(exit.success(), "{exit:?}");
}

/// The notifications, through a real notification server on D-Bus (a bus
/// of the test's own, with its own keyring): the alerts open at sign-in come
/// as one summary; each new alert comes once, soon (the latency over 30 is
/// printed); a restart tells nothing again; alerts raised while the app was
/// stopped (as in a sleep) and still open come once on waking, those
/// resolved meanwhile never. `ILERT_LATENCY_PACE` sets the refresh pace
/// while on call (default 2 s; 15 s is the app's own).
#[tokio::test]
#[ignore = "needs Xvfb and D-Bus (python3-dbusmock); scripts/test runs it"]
async fn notifications_come_once_and_soon() {
    let (keyring, server, cli) =
        signed_in_beside_a_notification_server("notify", "profile schedule policy source alert alert:w offline_access").await;
    let pace = std::env::var("ILERT_LATENCY_PACE").unwrap_or_else(|_| "2".into());
    let start_app = || {
        let mut c = cli.command(&[]);
        c.env("ILERT_POLL_SECS", &pace).env("ILERT_POLL_ON_CALL_SECS", &pace).env("ILERT_NOTIFY_ALERTS", "all");
        c.stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap()
    };
    let summaries = || server.received().into_iter().map(|r| r.summary).collect::<Vec<_>>();

    // What is open at sign-in, at once: more than five, so one summary.
    let mut app = start_app();
    let first = wait_for("the first notification", || server.received().into_iter().next()).await;
    assert!(first.summary.ends_with(" new alerts"), "{first:?}");
    assert!(first.body.ends_with(" more"), "the first three are named: {first:?}");

    // New alerts, one at a time, at every phase of the refresh cycle.
    let pace_ms: u64 = pace.parse::<u64>().unwrap() * 1000;
    let mut latencies = Vec::new();
    for i in 0..30u64 {
        tokio::time::sleep(Duration::from_millis((i * 7919) % pace_ms)).await;
        let summary = format!("Latency probe {i}");
        let sent = unix_now();
        raise(&cli, "ALERT", &summary, &format!("probe/{i}")).await;
        let got = tokio::time::timeout(Duration::from_secs(60), async {
            loop {
                if let Some(r) = server.received().into_iter().find(|r| r.summary == summary) {
                    return r;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
        .await
        .unwrap_or_else(|_| panic!("{summary} was never notified: {:?}", summaries()));
        assert!(got.body.starts_with("Checkout API (prod) · high"), "source and priority: {got:?}");
        assert!(got.rest.contains("\"default\""), "a click opens the app: {got:?}");
        assert!(got.rest.contains("\"accept\"") && got.rest.contains("\"resolve\""), "alert:w: Accept and Resolve buttons: {got:?}");
        assert!(got.rest.contains("\"urgency\": 2"), "pending and HIGH: critical: {got:?}");
        latencies.push(got.at - sent);
    }
    latencies.sort_by(f64::total_cmp);
    let p = |q: f64| latencies[((latencies.len() as f64 * q).ceil() as usize).saturating_sub(1)];
    println!(
        "notification latency over {} alerts at a {pace} s pace: p50 {:.2} s, p95 {:.2} s, max {:.2} s",
        latencies.len(),
        p(0.5),
        p(0.95),
        p(1.0)
    );
    let probes = |all: &[String]| all.iter().filter(|s| s.starts_with("Latency probe ")).count();
    assert_eq!(probes(&summaries()), 30, "each exactly once: {:?}", summaries());

    // A restart tells nothing again.
    app.kill().await.unwrap();
    let told = server.received().len();
    let asked = cli.sandbox.knobs().requests("/api/alerts");
    let mut app = start_app();
    wait_for("two refreshes after the restart", || (cli.sandbox.knobs().requests("/api/alerts") >= asked + 2).then_some(())).await;
    assert_eq!(server.received().len(), told, "nothing told twice after a restart: {:?}", &summaries()[told..]);

    // Stopped (as in a sleep): two alerts open, one is resolved; on waking, one notification.
    let pid = app.id().unwrap().to_string();
    assert!(std::process::Command::new("kill").args(["-STOP", &pid]).status().unwrap().success());
    raise(&cli, "ALERT", "Opened while asleep", "sleep/1").await;
    raise(&cli, "ALERT", "Resolved while asleep", "sleep/2").await;
    raise(&cli, "RESOLVE", "fixed", "sleep/2").await;
    tokio::time::sleep(Duration::from_millis(pace_ms + 500)).await;
    assert!(std::process::Command::new("kill").args(["-CONT", &pid]).status().unwrap().success());
    wait_for("the alert still open", || summaries().contains(&"Opened while asleep".to_string()).then_some(())).await;
    let asked = cli.sandbox.knobs().requests("/api/alerts");
    wait_for("two more refreshes", || (cli.sandbox.knobs().requests("/api/alerts") >= asked + 2).then_some(())).await;
    let after = summaries();
    assert_eq!(after.iter().filter(|s| *s == "Opened while asleep").count(), 1, "{after:?}");
    assert!(!after.iter().any(|s| s == "Resolved while asleep"), "resolved while asleep: never told: {after:?}");
    assert_eq!(after.len(), told + 1, "nothing else: {:?}", &after[told..]);

    // Its Accept button, pressed: the server says so with ActionInvoked, and ilert has it accepted.
    let notification_id = after.iter().position(|s| s == "Opened while asleep").unwrap() + 1;
    let accepts = || cli.sandbox.knobs().requests_by_path().iter().filter(|(p, _)| p.ends_with("/accept")).map(|(_, n)| n).sum::<u64>();
    assert_eq!(accepts(), 0);
    // The same signal from another client of the bus (any process of the session): not the server's, ignored.
    server.forge_action(&keyring.address, notification_id as u32, "accept");
    let asked = cli.sandbox.knobs().requests("/api/alerts");
    wait_for("two refreshes after the forged press", || (cli.sandbox.knobs().requests("/api/alerts") >= asked + 2).then_some(())).await;
    assert_eq!(accepts(), 0, "a forged ActionInvoked sends nothing to ilert");
    server.invoke_action(&keyring.address, notification_id as u32, "accept");
    wait_for("the alert accepted at ilert", || {
        (cli.sandbox.knobs().alert_status("Opened while asleep").as_deref() == Some("ACCEPTED")).then_some(())
    })
    .await;
    assert_eq!(accepts(), 1, "exactly one PUT …/accept");
    app.kill().await.unwrap();
}

/// The hand-over at my shift's end, through a real notification server:
/// two alerts I accepted are open when Grace Hopper starts covering my
/// shift; one notification says so with "Reassign to Grace Hopper" and
/// "Keep them"; the same signal forged by another client of the bus sends
/// nothing; the server's press sends exactly one assign per alert, to her.
#[tokio::test]
#[ignore = "needs Xvfb and D-Bus (python3-dbusmock); scripts/test runs it"]
async fn the_hand_over_notification_reassigns_each_open_alert_once() {
    let (keyring, server, cli) =
        signed_in_beside_a_notification_server("handover", "profile schedule policy source alert alert:w offline_access").await;
    let token = text(&cli.run(&["token"]).await.stdout).trim().to_string();
    let http = reqwest::Client::new();
    let mut mine = Vec::new();
    for i in 1..=2 {
        let summary = format!("Handed over {i}");
        raise(&cli, "ALERT", &summary, &format!("handover/{i}")).await;
        let open: serde_json::Value = http
            .get(format!("{}/api/alerts?states=PENDING", cli.sandbox.url()))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = open.as_array().unwrap().iter().find(|a| a["summary"] == summary.as_str()).and_then(|a| a["id"].as_i64()).unwrap();
        let accepted = http.put(format!("{}/api/alerts/{id}/accept", cli.sandbox.url())).bearer_auth(&token).send().await.unwrap();
        assert_eq!(accepted.status(), 200);
        mine.push(id);
    }
    let mut c = cli.command(&[]);
    c.env("ILERT_POLL_SECS", "2").env("ILERT_POLL_ON_CALL_SECS", "2").env("ILERT_NOTIFY_ALERTS", "all");
    let mut app = c.stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    // On call for SRE Primary, seen by the app in two rounds.
    let on_calls = || cli.sandbox.knobs().requests("/api/on-calls");
    wait_for("two rounds of on-call data", || (on_calls() >= 2).then_some(())).await;
    let now = chrono::Utc::now();
    assert!(
        cli.sandbox.knobs().cover(1, "grace", now - chrono::Duration::seconds(1), now + chrono::Duration::hours(2)),
        "Grace covers my shift"
    );
    let title = "You hand over 2 open alerts to Grace Hopper (on call now)";
    let told = wait_for("the hand-over", || server.received().into_iter().position(|r| r.summary == title)).await;
    let notice = &server.received()[told];
    assert!(
        notice.rest.contains("\"hand-over\"") && notice.rest.contains("Reassign to Grace Hopper") && notice.rest.contains("\"keep\""),
        "{notice:?}"
    );
    assert!(notice.body.contains("Handed over 1") && notice.body.contains("Handed over 2"), "{notice:?}");
    let id = told as u32 + 1;
    let assigns = || cli.sandbox.knobs().requests_by_path().iter().filter(|(p, _)| p.ends_with("/assign")).map(|(_, n)| n).sum::<u64>();
    server.forge_action(&keyring.address, id, "hand-over");
    let asked = on_calls();
    wait_for("two rounds after the forged press", || (on_calls() >= asked + 2).then_some(())).await;
    assert_eq!(assigns(), 0, "a forged ActionInvoked sends nothing to ilert");
    server.invoke_action(&keyring.address, id, "hand-over");
    wait_for("both assigns", || (assigns() >= 2).then_some(())).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(assigns(), 2, "exactly one assign per alert");
    for alert in mine {
        assert_eq!(cli.sandbox.knobs().alert_routing(alert).unwrap().0, [2], "alert {alert} is Grace's");
    }
    let done = wait_for("the outcome", || server.received().into_iter().find(|r| r.summary.starts_with("Reassigned "))).await;
    assert_eq!(done.summary, "Reassigned 2 alerts to Grace Hopper");
    assert_eq!(server.received().iter().filter(|r| r.summary == title).count(), 1, "told once");
    app.kill().await.unwrap();
}

/// ilert's text is text: alert summaries come from whoever holds an
/// integration key, so a server that renders body markup gets `<a href=…>`
/// escaped, and a right-to-left override never reaches the screen.
#[tokio::test]
#[ignore = "needs Xvfb and D-Bus (python3-dbusmock); scripts/test runs it"]
async fn hostile_alert_text_reaches_the_notification_server_as_plain_text() {
    let keyring = common::keyring::PrivateKeyring::start(None);
    let server = common::notifications::NotificationServer::start(&keyring.address, "body body-markup actions");
    let mut cli = Cli::new("markup").await;
    cli.bus = Some(keyring.address.clone());
    cli.login_with_scopes("profile schedule policy source alert alert:w offline_access").await;
    // Open at sign-in, the newest: named in the summary notification's body.
    raise(&cli, "ALERT", "Disk <a href=https://evil.example>full</a> & <b>hot</b>", "hostile/1").await;
    let mut c = cli.command(&[]);
    c.env("ILERT_POLL_SECS", "2").env("ILERT_POLL_ON_CALL_SECS", "2").env("ILERT_NOTIFY_ALERTS", "all");
    let mut app = c.stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    let first = wait_for("the summary at sign-in", || server.received().into_iter().next()).await;
    assert!(first.body.contains("Disk &lt;a href=https://evil.example&gt;full&lt;/a&gt; &amp; &lt;b&gt;hot&lt;/b&gt;"), "{first:?}");
    assert!(!first.body.contains("<a"), "{first:?}");
    // A new one with an override in its summary: shown without it (U+202E would make `gnp.exe` read `exe.png`).
    raise(&cli, "ALERT", "Invoice \u{202E}gnp.exe ready", "hostile/2").await;
    let got = wait_for("the alert with an override", || server.received().into_iter().find(|r| r.summary.starts_with("Invoice"))).await;
    assert_eq!(got.summary, "Invoice gnp.exe ready", "{got:?}");
    app.kill().await.unwrap();
}

/// Start at login: the setting on writes the autostart entry, which starts
/// this profile hidden in the tray; run from an AppImage (the binary in the
/// runtime's `$TMPDIR/.mount_…`, `APPIMAGE` naming the image), it points at
/// the AppImage, not at the mount that is gone after a reboot; the setting
/// off removes the entry.
#[tokio::test]
#[ignore = "needs Xvfb and D-Bus; scripts/test runs it"]
async fn start_at_login_writes_the_entry_and_follows_an_appimage() {
    // Its app registers a tray item too.
    let _one = ONE_TRAY.lock().await;
    let cli = Cli::new("autostart").await;
    let home = tempfile::tempdir().unwrap();
    let entry = home.path().join(format!(".config/autostart/ilert-desktop-{}.desktop", cli.profile));
    // The desktop's own places: the entry goes to `$XDG_CONFIG_HOME/autostart/`.
    async fn run_until(mut c: Command, home: &Path, done: impl Fn() -> bool) {
        c.env("HOME", home).env("XDG_CONFIG_HOME", home.join(".config"));
        let mut app = c.stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
        wait_for("the autostart entry to follow the setting", || done().then_some(())).await;
        app.kill().await.unwrap();
    }
    let exec = |entry: &Path| std::fs::read_to_string(entry).ok()?.lines().find_map(|l| l.strip_prefix("Exec=").map(str::to_string));

    let mut on = cli.command(&[]);
    on.env("ILERT_START_AT_LOGIN", "true");
    run_until(on, home.path(), || entry.exists()).await;
    let binary = std::fs::canonicalize(env!("CARGO_BIN_EXE_ilert-desktop")).unwrap();
    assert_eq!(exec(&entry).unwrap(), format!("{} --hidden --profile {}", binary.display(), cli.profile));

    // The same binary as an AppImage runtime runs it.
    let mount = tempfile::Builder::new().prefix(".mount_ilert").tempdir_in(std::env::temp_dir()).unwrap();
    let inside = mount.path().join("ilert-desktop");
    if std::fs::hard_link(&binary, &inside).is_err() {
        std::fs::copy(&binary, &inside).unwrap();
    }
    let appimage = "/opt/Applications/ilert-desktop_0.1.0_amd64.AppImage";
    let mut as_appimage = Command::new(&inside);
    for (k, v) in cli.command(&[]).as_std().get_envs() {
        match v {
            Some(v) => as_appimage.env(k, v),
            None => as_appimage.env_remove(k),
        };
    }
    as_appimage.env("ILERT_START_AT_LOGIN", "true").env("APPIMAGE", appimage).kill_on_drop(true);
    run_until(as_appimage, home.path(), || exec(&entry).is_some_and(|x| x.starts_with(appimage))).await;
    assert_eq!(exec(&entry).unwrap(), format!("{appimage} --hidden --profile {}", cli.profile));

    // An AppImage whose path holds spaces and a quote (the documented name is
    // `ilert Desktop_VERSION_amd64.AppImage`): the entry quotes it, and the
    // command it names, run as a desktop runs it (GLib's `gio launch`), starts the app.
    let odd = tempfile::Builder::new().prefix("it's \"odd\" ").tempdir().unwrap();
    let image = odd.path().join("ilert Desktop_0.1.0_amd64.AppImage");
    if std::fs::hard_link(&binary, &image).is_err() {
        std::fs::copy(&binary, &image).unwrap();
    }
    let image_str = image.to_str().unwrap().to_string();
    let mut from_odd = Command::new(&inside);
    for (k, v) in cli.command(&[]).as_std().get_envs() {
        match v {
            Some(v) => from_odd.env(k, v),
            None => from_odd.env_remove(k),
        };
    }
    from_odd.env("ILERT_START_AT_LOGIN", "true").env("APPIMAGE", &image).kill_on_drop(true);
    run_until(from_odd, home.path(), || exec(&entry).is_some_and(|x| x.contains("odd"))).await;
    let quoted = image_str.replace('"', "\\\\\"");
    assert_eq!(exec(&entry).unwrap(), format!("\"{quoted}\" --hidden --profile {}", cli.profile));
    let mut launch = std::process::Command::new("gio");
    launch.arg("launch").arg(&entry).env("HOME", home.path()).env("XDG_CONFIG_HOME", home.path().join(".config"));
    for (k, v) in cli.command(&[]).as_std().get_envs() {
        if let Some(v) = v {
            launch.env(k, v);
        }
    }
    let launched = launch.status().expect("gio (libglib2.0-bin)");
    assert!(launched.success(), "gio launch {}", entry.display());
    let started = wait_for("the app started from the quoted entry", || running_from(&image)).await;
    let _ = std::process::Command::new("kill").arg(started.to_string()).status();

    let mut off = cli.command(&[]);
    off.env("ILERT_START_AT_LOGIN", "false");
    run_until(off, home.path(), || !entry.exists()).await;
}

/// The tray's other states, photographed from the StatusNotifier host for
/// the README: pending alerts (orange, "N pending"), all accepted (blue),
/// stale (amber, "offline"), and a person not on call (grey).
#[tokio::test]
#[ignore = "needs a StatusNotifier host, Xvfb and a Secret Service; scripts/test runs it"]
async fn the_tray_counts_alerts_goes_stale_and_knows_who_is_not_on_call() {
    use common::tray;
    let _one = ONE_TRAY.lock().await;
    let cli = Cli::new("tray-alerts").await;
    cli.login_with_scopes("profile schedule policy source alert offline_access").await;
    let mut c = cli.command(&[]);
    c.env("ILERT_NOTIFY_ALERTS", "all").env("ILERT_POLL_SECS", "2").env("ILERT_POLL_ON_CALL_SECS", "2");
    let (mut app, owner) = in_tray(c).await;
    let label = || tray::property(&owner, "XAyatanaLabel").unwrap_or_default();
    let pending = wait_for("the pending count", || Some(label()).filter(|l| l.ends_with(" pending"))).await;
    let labels: Vec<String> = tray::menu(&owner).into_iter().map(|(_, l, _)| l).collect();
    assert!(labels.iter().any(|l| l == "My open alerts"), "{labels:?}");
    assert!(labels.iter().any(|l| l == "Allow accepting and resolving alerts…"), "no alert:w: offered, no actions: {labels:?}");
    assert!(!labels.iter().any(|l| l == "Accept" || l == "Resolve…"), "{labels:?}");
    assert!(labels.iter().any(|l| l.starts_with(&pending)), "the alerts line: {pending} in {labels:?}");
    tray::save_icon(&owner, "tray-pending.png");

    cli.sandbox.knobs().accept_all_pending();
    wait_for("all accepted", || Some(label()).filter(|l| l.ends_with(" accepted"))).await;
    tray::save_icon(&owner, "tray-accepted.png");

    cli.sandbox.knobs().add_fault(Fault::status("/api/", 500));
    wait_for("the stale tray", || (label() == "offline").then_some(())).await;
    let line = tray::menu(&owner).get(1).map(|(_, l, _)| l.clone()).unwrap_or_default();
    assert!(line.contains("offline, updated "), "with the data's age: {line}");
    tray::save_icon(&owner, "tray-stale.png");
    tray::quit(&owner);
    tokio::time::timeout(Duration::from_secs(15), app.wait()).await.expect("Quit ends the app").unwrap();

    // Somebody with no shift now and named in no policy rule: not on call.
    let now = chrono::Utc::now();
    let world = ilert_sandbox::seed::World::seeded(Config::default().seed, now);
    let busy: Vec<i64> = world
        .schedules
        .iter()
        .filter_map(|s| s.shift_at(now).map(|sh| sh.user))
        .chain(world.policies.iter().flat_map(|p| p.rules.iter().flat_map(|r| r.users.clone())))
        .collect();
    let idle = world.users.iter().find(|u| !busy.contains(&u.id)).expect("somebody is off duty");
    let off = Cli::new("tray-off").await;
    off.sandbox.knobs().set_consent_username(idle.username);
    let (out, stderr) = off.login("approve").await;
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let (mut app, owner) = in_tray(off.command(&[])).await;
    wait_for("not on call", || {
        let line = tray::menu(&owner).get(1)?.1.clone();
        (line.starts_with("Next shift") || line.starts_with("Not on call")).then_some(())
    })
    .await;
    assert_eq!(tray::property(&owner, "XAyatanaLabel").unwrap_or_default(), "", "no label when not on call");
    tray::save_icon(&owner, "tray-not-on-call.png");
    tray::quit(&owner);
    tokio::time::timeout(Duration::from_secs(15), app.wait()).await.expect("Quit ends the app").unwrap();
}

/// Shift reminders through the real notification server: the tenant's
/// clock is moved (the sandbox's clock knob) so that my next shift starts in
/// 14 minutes, then so that it has just started; each is told once.
#[tokio::test]
#[ignore = "needs Xvfb and D-Bus (python3-dbusmock); scripts/test runs it"]
async fn shift_reminders_come_before_and_at_the_start() {
    let (_keyring, server, cli) = signed_in_beside_a_notification_server("shifts", ilert_app::settings::DEFAULT_SCOPES).await;
    let (start, _) = cli.sandbox.knobs().next_shift_of("ada").expect("ada has a next shift");
    let to_14_min = (start - chrono::Utc::now()) - chrono::Duration::minutes(14);
    cli.sandbox.knobs().move_clock(to_14_min);
    let mut c = cli.command(&[]);
    c.env("ILERT_POLL_SECS", "2").env("ILERT_POLL_ON_CALL_SECS", "2");
    let mut app = c.stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    let titles = || server.received().into_iter().map(|r| r.summary).collect::<Vec<_>>();
    let before = wait_for("the reminder before the shift", || titles().into_iter().find(|t| t.starts_with("Your shift starts in "))).await;
    assert!(before == "Your shift starts in 13 min" || before == "Your shift starts in 14 min", "{before}");

    let asked = cli.sandbox.knobs().requests("/api/on-calls");
    cli.sandbox.knobs().move_clock(chrono::Duration::minutes(15));
    wait_for("the reminder at the start", || titles().contains(&"Your on-call shift has started".to_string()).then_some(())).await;
    wait_for("two more refreshes", || (cli.sandbox.knobs().requests("/api/on-calls") >= asked + 4).then_some(())).await;
    let all = titles();
    assert_eq!(all.iter().filter(|t| t.starts_with("Your shift starts in ")).count(), 1, "once: {all:?}");
    assert_eq!(all.iter().filter(|t| *t == "Your on-call shift has started").count(), 1, "once: {all:?}");
    app.kill().await.unwrap();
}

/// Accept from the tray's menu (a dbusmenu click, as a desktop sends it):
/// exactly one `PUT …/accept`, and the tray's count drops (the time it took
/// is printed; the benchmark owns the figure).
#[tokio::test]
#[ignore = "needs a StatusNotifier host, Xvfb and a Secret Service; scripts/test runs it"]
async fn accept_from_the_tray_menu() {
    use common::tray;
    let _one = ONE_TRAY.lock().await;
    let cli = Cli::new("tray-accept").await;
    cli.login_with_scopes("profile schedule policy source alert alert:w offline_access").await;
    // The system browser, as xdg-open finds it: a script that writes down what it was given.
    let browser = tempfile::tempdir().unwrap();
    let opened = browser.path().join("opened");
    let script = browser.path().join("browser");
    std::fs::write(&script, format!("#!/bin/sh\necho \"$1\" >> '{}'\n", opened.display())).unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let mut c = cli.command(&[]);
    c.env("ILERT_NOTIFY_ALERTS", "all").env("ILERT_POLL_SECS", "60").env("ILERT_POLL_ON_CALL_SECS", "60");
    c.env("BROWSER", &script).env_remove("XDG_CURRENT_DESKTOP");
    let (mut app, owner) = in_tray(c).await;
    let pending = |owner: &str| tray::property(owner, "XAyatanaLabel")?.strip_suffix(" pending")?.parse::<u32>().ok();
    let n = wait_for("the pending count", || pending(&owner)).await;
    let labels: Vec<String> = tray::menu(&owner).into_iter().map(|(_, l, _)| l).collect();
    assert!(labels.iter().any(|l| l == "Accept") && labels.iter().any(|l| l == "Resolve…"), "alert:w: actions in the menu: {labels:?}");

    // Open in ilert: the alert's page in ilert's web app, in the system browser.
    tray::click(&owner, "Open in ilert");
    let url = wait_for("the browser to open", || std::fs::read_to_string(&opened).ok().filter(|t| t.ends_with('\n'))).await;
    let id: i64 = url
        .trim()
        .strip_prefix(&format!("{}/alert/view.jsf?id=", cli.sandbox.url()))
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("the alert's page in ilert: {url}"));
    println!("tray: Open in ilert opened {}", url.trim());
    let status = cli.sandbox.knobs().alert_status_of(id);
    assert!(matches!(status.as_deref(), Some("PENDING" | "ACCEPTED")), "an open alert of the menu: {id} is {status:?}");
    let accepts = || cli.sandbox.knobs().requests_by_path().iter().filter(|(p, _)| p.ends_with("/accept")).map(|(_, n)| n).sum::<u64>();
    let lists = || cli.sandbox.knobs().requests_by_path().get("/api/alerts").copied().unwrap_or(0);
    let listed = lists();
    let clicked = std::time::Instant::now();
    tray::click(&owner, "Accept");
    wait_for("the count to drop", || (pending(&owner).unwrap_or(0) < n).then_some(())).await;
    println!("tray: Accept clicked to the count dropping: {} ms", clicked.elapsed().as_millis());
    // The count drops before the PUT is sent (the snapshot is amended
    // first), so the PUT is awaited, then the refresh that follows it.
    wait_for("the PUT …/accept", || (accepts() >= 1).then_some(())).await;
    wait_for("the refresh after the accept", || (lists() > listed).then_some(())).await;
    assert_eq!(accepts(), 1, "exactly one PUT …/accept");
    tray::quit(&owner);
    tokio::time::timeout(Duration::from_secs(15), app.wait()).await.expect("Quit ends the app").unwrap();
}

/// Bring help and take the pager from the tray's menu (dbusmenu clicks, as
/// a desktop sends them): a fresh page's "Reassign to ‹next on call›" sends
/// exactly one assign, which leaves the alert with that one person;
/// "Take on-call for Payments Static (Donald Knuth)" → "For 30 min" sends
/// one override, and the menu's on-call line then says whom I cover for.
#[tokio::test]
#[ignore = "needs a StatusNotifier host, Xvfb and a Secret Service; scripts/test runs it"]
async fn reassign_and_take_on_call_from_the_tray() {
    use common::tray;
    let _one = ONE_TRAY.lock().await;
    let cli = Cli::new("tray-help").await;
    cli.login_with_scopes("profile schedule:w policy source alert alert:w offline_access").await;
    raise(&cli, "ALERT", "Tray help needed", "tray-help/1").await;
    let mut c = cli.command(&[]);
    c.env("ILERT_NOTIFY_ALERTS", "all").env("ILERT_POLL_SECS", "60").env("ILERT_POLL_ON_CALL_SECS", "60");
    let (mut app, owner) = in_tray(c).await;
    let labels = |owner: &str| tray::menu(owner).into_iter().map(|(_, l, _)| l).collect::<Vec<_>>();
    // The alert's own submenu: its heading, then its items up to the next alert's.
    let (heading, reassign) = wait_for("Reassign to … on the raised alert", || {
        let l = labels(&owner);
        let at = l.iter().position(|x| x.starts_with("● Tray help needed"))?;
        let own = l[at + 1..].iter().take_while(|x| !x.starts_with("● ") && !x.starts_with("✓ "));
        Some((l[at].clone(), own.clone().find(|x| x.starts_with("Reassign to "))?.clone()))
    })
    .await;
    let assigns = || cli.sandbox.knobs().requests_by_path().into_iter().filter(|(p, _)| p.ends_with("/assign")).collect::<Vec<_>>();
    tray::click_after(&owner, &heading, &reassign);
    let sent = wait_for("the assign", || Some(assigns()).filter(|a| !a.is_empty())).await;
    assert_eq!(sent.iter().map(|(_, n)| n).sum::<u64>(), 1, "exactly one assign: {sent:?}");
    let id: i64 = sent[0].0.trim_start_matches("/api/alerts/").trim_end_matches("/assign").parse().unwrap();
    let (responders, _) = cli.sandbox.knobs().alert_routing(id).unwrap();
    assert_eq!(responders.len(), 1, "handed to the one person: {responders:?}");
    println!("tray: {reassign} sent one assign for alert {id}");

    let offer = "Take on-call for Payments Static (Donald Knuth)";
    wait_for("the offer to take on-call", || labels(&owner).iter().any(|l| l == offer).then_some(())).await;
    tray::click_after(&owner, offer, "For 30 min");
    let line = wait_for("the on-call line to say whom I cover for", || {
        labels(&owner).into_iter().find(|l| l.starts_with("On call (covering for Donald Knuth) until "))
    })
    .await;
    println!("tray: {line}");
    assert_eq!(cli.sandbox.knobs().requests_by_path().get("/api/schedules/3/overrides").copied(), Some(1), "one override");
    tray::quit(&owner);
    tokio::time::timeout(Duration::from_secs(15), app.wait()).await.expect("Quit ends the app").unwrap();
}

/// A page cannot be missed, and quiet never swallows one, heard for real:
/// the app plays into a PulseAudio null sink of the test's own, recorded
/// and measured with sox; `dbus-monitor` reads what it asks of the
/// notification server; the tray is clicked through the StatusNotifier host.
/// A snooze from the tray holds a LOW alert and lets a page ring (critical,
/// never expiring), within 2 s of its notification, louder by the third
/// ring; it stops within 1 s of the notification's Accept, and within a
/// refresh of an accept made at ilert; the snooze's end sums up the LOW one.
#[tokio::test]
#[ignore = "needs Xvfb, a StatusNotifier host, D-Bus (python3-dbusmock) and PulseAudio; scripts/test runs it"]
async fn a_page_rings_louder_until_answered_and_a_snooze_holds_only_the_rest() {
    use common::tray;
    let _one = ONE_TRAY.lock().await;
    let bus = std::env::var("DBUS_SESSION_BUS_ADDRESS").expect("scripts/session's bus");
    let server = common::notifications::NotificationServer::start(&bus, "body actions");
    let monitor = common::notifications::NotifyMonitor::start("--session");
    let pulse = common::sound::Pulse::start();
    let cli = Cli::new("pages").await;
    cli.login_with_scopes("profile schedule policy source alert alert:w offline_access").await;
    // Nothing rings at the start: the team has answered what is open.
    cli.sandbox.knobs().accept_all_pending();
    let pace = 2.0;
    let mut app = cli.command(&[]);
    app.env("ILERT_POLL_SECS", "2").env("ILERT_POLL_ON_CALL_SECS", "2").env("PULSE_SERVER", pulse.address());
    let (mut app, owner) = in_tray(app).await;
    let label = |prefix: &str| tray::menu(&owner).into_iter().map(|(_, l, _)| l).find(|l| l.starts_with(prefix));
    let alerts_line =
        || tray::menu(&owner).into_iter().map(|(_, l, _)| l).find(|l| l.ends_with(" accepted") || l == "No open alerts for you");
    wait_for("the alerts line", alerts_line).await;

    // Snoozed from the tray: the tray says so the whole time.
    tray::click(&owner, "For 15 minutes");
    wait_for("the paused line", || label("Notifications paused until ")).await;
    let summaries = || monitor.calls().into_iter().map(|c| c.summary).collect::<Vec<_>>();
    let told_before = monitor.calls().len();
    raise_with(&cli, "ALERT", "Disk 80% on batch-3", "pages/low", "LOW").await;
    let asked = cli.sandbox.knobs().requests("/api/alerts");
    wait_for("two refreshes", || (cli.sandbox.knobs().requests("/api/alerts") >= asked + 2).then_some(())).await;
    assert_eq!(monitor.calls().len(), told_before, "the LOW alert is held by the snooze: {:?}", summaries());
    assert!(pulse.sounds().is_empty(), "and nothing sounds");

    // A page rings through the snooze.
    raise(&cli, "ALERT", "Checkout down", "pages/high-1").await;
    let page = wait_for("the page's notification", || monitor.calls().into_iter().find(|c| c.summary == "Checkout down")).await;
    let notified = server.received().into_iter().find(|r| r.summary == "Checkout down").expect("the server has it too");
    assert_eq!((page.urgency, page.expire_timeout), (Some(2), 0), "critical, never expiring: {page:?}");
    wait_for("three rings", || (pulse.sounds().len() >= 3).then_some(())).await;
    let rings = pulse.sounds();
    let onset = rings[0].0 - notified.at;
    println!("page: sound {onset:.2} s after its notification");
    assert!(onset < 2.0, "sound within 2 s of the page: {onset:.2} s ({rings:?})");
    let (first, third) = (pulse.rms(rings[0]), pulse.rms(rings[2]));
    println!("page: RMS of the first ring {first:.4}, of the third {third:.4} (ratio {:.2})", third / first);
    assert!(third > first * 1.5, "the third ring is louder: {first} then {third}");
    assert!(label("Silence the alarm").is_some(), "the tray offers to silence it");
    assert!(label("Notifications paused until ").is_some(), "still paused");

    // Accepted from the notification: silent within 1 s.
    let id = server.received().iter().position(|r| r.summary == "Checkout down").unwrap() as u32 + 1;
    let pressed = unix_now();
    server.invoke_action(&bus, id, "accept");
    wait_for("the page accepted at ilert", || {
        (cli.sandbox.knobs().alert_status("Checkout down").as_deref() == Some("ACCEPTED")).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let last = pulse.sounds().last().unwrap().1;
    println!("page: silent {:.2} s after Accept", last - pressed);
    assert!(last - pressed < 1.0, "silent within 1 s of Accept: the last sound ended {:.2} s after", last - pressed);

    // Another page, accepted at ilert (by somebody else): silent within one refresh.
    raise(&cli, "ALERT", "Payments down", "pages/high-2").await;
    wait_for("the second page to ring", || pulse.sounds().into_iter().find(|s| s.0 > last)).await;
    raise(&cli, "ACCEPT", "accepted in ilert", "pages/high-2").await;
    let accepted = unix_now();
    tokio::time::sleep(Duration::from_secs_f64(pace + 3.0)).await;
    let last = pulse.sounds().last().unwrap().1;
    println!("page: silent {:.2} s after an accept at ilert (refresh every {pace} s)", last - accepted);
    assert!(last - accepted < pace + 1.0, "silent within a refresh: the last sound ended {:.2} s after", last - accepted);
    assert!(label("Silence the alarm").is_none());

    // The low one comes with the snooze's end, as a summary, quietly.
    tray::click(&owner, "Resume notifications");
    let summary =
        wait_for("the summary", || monitor.calls().into_iter().find(|c| c.summary.starts_with("While notifications were quiet"))).await;
    assert_eq!(summary.summary, "While notifications were quiet: 1 new alert");
    assert_eq!(summary.urgency, Some(1), "a LOW alert is a normal notification: {summary:?}");
    assert!(!summaries().iter().any(|s| s == "Disk 80% on batch-3"), "told once, in the summary");
    app.kill().await.unwrap();
}

/// The desktop's Do Not Disturb, as dunst (a real notification server)
/// has it: the tray says so, and a page still rings through the app; the
/// tray's "Silence the alarm" stops it (the alert stays pending).
#[tokio::test]
#[ignore = "needs Xvfb, a StatusNotifier host, D-Bus, dunst and PulseAudio; scripts/test runs it"]
async fn do_not_disturb_is_told_and_a_page_still_rings_until_silenced() {
    use common::tray;
    let _one = ONE_TRAY.lock().await;
    let _dunst =
        Command::new("dunst").stdout(Stdio::null()).stderr(Stdio::null()).kill_on_drop(true).spawn().expect("dunst (package dunst)");
    let dunstctl = |args: &[&str]| {
        let out = std::process::Command::new("dunstctl").args(args).output().expect("dunstctl (package dunst)");
        out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
    };
    wait_for("dunst on the bus", || dunstctl(&["is-paused"])).await;
    let pulse = common::sound::Pulse::start();
    let cli = Cli::new("dnd").await;
    cli.login_with_scopes("profile schedule policy source alert alert:w offline_access").await;
    cli.sandbox.knobs().accept_all_pending();
    let mut app = cli.command(&[]);
    app.env("ILERT_POLL_SECS", "2").env("ILERT_POLL_ON_CALL_SECS", "2").env("PULSE_SERVER", pulse.address());
    let (mut app, owner) = in_tray(app).await;
    let label = |text: &str| tray::menu(&owner).into_iter().any(|(_, l, _)| l == text);
    const DND: &str = "Do Not Disturb is on · pages still ring";
    wait_for("the menu", || label("Refresh now").then_some(())).await;
    assert!(!label(DND));

    assert_eq!(dunstctl(&["set-paused", "true"]), Some(String::new()));
    wait_for("the Do Not Disturb line", || label(DND).then_some(())).await;
    raise(&cli, "ALERT", "Database primary unreachable", "dnd/1").await;
    let ring = wait_for("the page to ring through Do Not Disturb", || pulse.sounds().into_iter().next()).await;
    let held = dunstctl(&["count", "waiting"]).and_then(|n| n.parse::<u32>().ok()).unwrap_or(0);
    assert!(held >= 1, "dunst holds the notification while paused ({held} waiting); the sound came anyway at {ring:?}");

    wait_for("the tray's Silence", || label("Silence the alarm").then_some(())).await;
    tray::click(&owner, "Silence the alarm");
    let clicked = unix_now();
    wait_for("Silence gone from the menu", || (!label("Silence the alarm")).then_some(())).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let last = pulse.sounds().last().unwrap().1;
    println!("dnd: silent {:.2} s after Silence in the tray", last - clicked);
    assert!(last - clicked < 1.0, "silent within 1 s of Silence: the last sound ended {:.2} s after", last - clicked);
    assert_eq!(cli.sandbox.knobs().alert_status("Database primary unreachable").as_deref(), Some("PENDING"), "silenced, not answered");

    assert_eq!(dunstctl(&["set-paused", "false"]), Some(String::new()));
    wait_for("the Do Not Disturb line gone", || (!label(DND)).then_some(())).await;
    app.kill().await.unwrap();
}

/// The webview's processes of the app (WebKit names them `WebKitWebProcess`
/// and `WebKitNetworkProcess`; `comm` keeps 15 characters).
fn webkit(app: &tokio::process::Child) -> Vec<String> {
    common::process_tree(app.id().unwrap()).into_iter().map(|(_, c)| c).filter(|c| c.starts_with("WebKit")).collect()
}

/// Closed to the tray, the app keeps only its own process (and WebKit's
/// network process, below): the webview and its web process end, the tray
/// and the engine go on; opening it from the tray builds the window again,
/// and started `--hidden` (at login) there is no webview at all until then.
/// Quit still ends it.
#[tokio::test]
#[ignore = "needs a StatusNotifier host, Xvfb and a Secret Service; scripts/test runs it"]
async fn closed_to_the_tray_only_the_app_process_stays_and_opening_builds_the_window_again() {
    use common::{tray, x11};
    let _one = ONE_TRAY.lock().await;
    let cli = Cli::new("lean").await;
    cli.login_with_scopes("profile schedule policy source alert offline_access").await;
    let (mut app, owner) = in_tray(cli.command(&["--hidden"])).await;
    let pid = app.id().unwrap();
    wait_for("the session in the tray", || tray::menu(&owner).iter().any(|(_, l, _)| l == "Sign out…").then_some(())).await;
    assert_eq!(x11::shown(pid), 0, "started hidden: no window");
    assert_eq!(webkit(&app), Vec::<String>::new(), "started hidden: no webview");

    for round in 1..=2 {
        tray::click(&owner, "Open ilert Desktop");
        wait_for("the window", || (x11::shown(pid) == 1).then_some(())).await;
        let procs =
            wait_for("WebKit's web process", || Some(webkit(&app)).filter(|p| p.iter().any(|c| c.starts_with("WebKitWebProces")))).await;
        assert_eq!(x11::close(pid), 1, "round {round}");
        wait_for("the window to go", || (x11::shown(pid) == 0).then_some(())).await;
        wait_for("WebKit's web process to end", || (!webkit(&app).iter().any(|c| c.starts_with("WebKitWebProces"))).then_some(())).await;
        // WebKitGTK has no way to end its network process, and Tauri keeps the
        // web context (so the one process is reused) on Linux: tauri#14626.
        let left = webkit(&app);
        assert!(left.iter().all(|c| c == "WebKitNetworkPr") && left.len() <= 1, "round {round}: {left:?}");
        assert!(app.try_wait().unwrap().is_none(), "round {round}: closing the window left the app running (it had {procs:?})");
    }

    // The engine goes on with no window: Refresh now from the tray reaches ilert.
    let before = cli.sandbox.knobs().requests("/api/alert-sources");
    tray::click(&owner, "Refresh now");
    wait_for("a refresh without a window", || (cli.sandbox.knobs().requests("/api/alert-sources") > before).then_some(())).await;
    // "Will it ring?…" builds the window too (at the check; e2e reads the check itself).
    tray::click(&owner, "Will it ring?…");
    wait_for("the window, at the check", || (x11::shown(pid) == 1).then_some(())).await;

    tray::quit(&owner);
    let status = tokio::time::timeout(Duration::from_secs(20), app.wait()).await.expect("Quit ends the app").unwrap();
    assert!(status.success(), "{status:?}");
}

/// A newer version, in the tray (from a feed of the test's own on
/// loopback, `common::feed`): with the setting off the feed is never asked;
/// on (the default), the offer comes at start with Install and Later and
/// nothing is downloaded; Later puts it away, a restart offers it again;
/// Install… from the tray only asks in the window, so nothing is downloaded
/// by the press (the window's answer, and the tampered download refused,
/// are e2e's).
#[tokio::test]
#[ignore = "needs a StatusNotifier host, Xvfb and D-Bus (python3-dbusmock); scripts/test runs it"]
async fn the_tray_offers_an_update_and_installs_nothing_by_itself() {
    use crate::feed::{artifact_bytes, Feed};
    use common::tray;
    let _one = ONE_TRAY.lock().await;
    let bus = std::env::var("DBUS_SESSION_BUS_ADDRESS").expect("scripts/session's bus");
    let server = common::notifications::NotificationServer::start(&bus, "body actions");
    let cli = Cli::new("update").await;
    let feed = Feed::start().await;
    feed.publish("0.2.0", &artifact_bytes("0.2.0"), "0.2.0");
    feed.replace_artifact(&artifact_bytes("tampered"));
    let launch = || {
        let mut c = cli.command(&[]);
        c.envs(feed.env());
        c
    };
    let labels = |owner: &str| tray::menu(owner).into_iter().map(|(_, l, _)| l).collect::<Vec<_>>();
    let quit = |owner: String, mut app: tokio::process::Child| async move {
        tray::quit(&owner);
        let exit = tokio::time::timeout(Duration::from_secs(15), app.wait()).await.expect("Quit ends the app").unwrap();
        assert!(exit.success(), "{exit:?}");
    };

    // Checks turned off: the feed is never asked. (With them on, the
    // check is made at start, before the tray is up: see below.)
    let mut off = launch();
    off.env("ILERT_CHECK_UPDATES", "false");
    let (app, owner) = in_tray(off).await;
    wait_for("the signed-out tray", || (tray::menu(&owner).get(1)?.1 == "Signed out").then_some(())).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(feed.requests(), Vec::<String>::new(), "checks are off");
    quit(owner, app).await;

    // On: offered at start, nothing downloaded; Later puts it away.
    let (app, owner) = in_tray(launch()).await;
    wait_for("the offer", || labels(&owner).iter().any(|l| l == "Version 0.2.0 is available").then_some(())).await;
    let menu = tray::menu(&owner);
    let tail: Vec<(&str, bool)> = menu[menu.len() - 5..].iter().map(|(_, l, e)| (l.as_str(), *e)).collect();
    assert_eq!(
        tail,
        [("Sign out…", false), ("Version 0.2.0 is available", false), ("Install version 0.2.0…", true), ("Later", true), ("Quit", true)],
        "the offer, after Sign out"
    );
    assert_eq!(feed.requests(), ["/latest.json"], "checked once, nothing downloaded without Install");
    tray::click(&owner, "Later");
    wait_for("the offer put away", || (!labels(&owner).iter().any(|l| l.contains("0.2.0"))).then_some(())).await;
    quit(owner, app).await;

    // A restart offers it again. Install… from the tray (which any process
    // of the session can press) only asks in the window: nothing is
    // downloaded or installed by the press (e2e `irreversible_tray_items_ask_in_the_window`
    // answers the question, and meets the tampered download).
    let (app, owner) = in_tray(launch()).await;
    wait_for("the offer again", || labels(&owner).iter().any(|l| l == "Install version 0.2.0…").then_some(())).await;
    tray::click(&owner, "Install version 0.2.0…");
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(feed.requests().iter().filter(|r| r.starts_with("/download/")).count(), 0, "nothing downloaded: {:?}", feed.requests());
    assert!(labels(&owner).iter().any(|l| l == "Install version 0.2.0…"), "still offered: {:?}", labels(&owner));
    assert!(server.received().iter().all(|r| r.summary != "Update not installed"));
    quit(owner, app).await;
}
