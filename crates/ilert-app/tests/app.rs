//! The app core (what the window's commands call) across every layer:
//! settings file, sign-in through the loopback receiver, the sandbox as
//! ilert (embedded for the demo, or a test's own), the refresh engine's
//! snapshots and sign-out; no window needed. An HTTP client plays the browser.

use std::sync::{Arc, Mutex};

use ilert_app::settings::{self, Settings};
use ilert_app::sign_in::Progress;
use ilert_app::view::Panel;
use ilert_app::{App, AppError, ErrorKind};
use ilert_sandbox::{Config, Sandbox};

mod apps;
use apps::{any_port, app, app_at, approving_browser};

/// A redirect URI on a loopback port that was free a moment ago.
fn free_redirect() -> String {
    format!("http://127.0.0.1:{}/callback", std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port())
}

fn collect() -> (Arc<Mutex<Vec<Progress>>>, impl Fn(Progress)) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    (seen, move |p| sink.lock().unwrap().push(p))
}

/// The settings of a test's own ilert app at `sb`, as the environment gives them.
fn at_sandbox(sb: &Sandbox, redirect: String) -> Settings {
    Settings {
        client_id: Some("app-test".into()),
        auth_url: Some(sb.url()),
        api_url: Some(sb.url()),
        redirect_uri: Some(redirect),
        ..Default::default()
    }
}

#[tokio::test]
async fn the_demo_signs_in_fills_the_dashboard_and_signs_out() {
    let dir = tempfile::tempdir().unwrap();
    let c = app(&dir, any_port());
    assert_eq!(c.session_info().await.unwrap(), None, "signed out at first");
    let (seen, progress) = collect();
    let info = c.sign_in(true, None, progress, approving_browser).await.unwrap();
    assert!(info.demo);
    assert_eq!((info.username.as_str(), info.tenant.as_str()), ("ada", "sandbox"));
    assert!(info.scopes.contains(&"source".to_string()) && info.access_expires_at.is_some());
    let steps = seen.lock().unwrap().clone();
    let Progress::WaitingForBrowser { authorize_url, browser_opened, demo } = &steps[0] else { panic!("{steps:?}") };
    assert!(*browser_opened && *demo);
    assert!(authorize_url.starts_with(&c.demo().url().await.unwrap()));
    assert_eq!(steps.last(), Some(&Progress::SignedIn));

    let d = c.refresh().await.unwrap();
    assert_eq!(d.user.data().unwrap().username.as_deref(), Some("ada"));
    assert_eq!(d.alert_sources.data().unwrap().len(), 60);
    let board = d.on_call.data().unwrap();
    assert_eq!(board.schedules.as_ref().unwrap().len(), 3);
    assert!(!board.on_call.as_ref().unwrap().policies.is_empty());

    // The demo never touches the settings file (its sandbox is gone after a restart).
    assert!(!dir.path().join("settings.json").exists());
    let url = c.demo().url().await.unwrap();
    let out = c.sign_out().await.unwrap();
    assert!(out.revoked, "{}", out.message);
    assert_eq!(c.session_info().await.unwrap(), None);
    // The demo over, its server is gone: nothing listens on loopback for it.
    assert_eq!(c.demo().url().await, None);
    let addr = url.trim_start_matches("http://");
    assert!(tokio::net::TcpStream::connect(addr).await.is_err(), "{addr} still answers after the demo ended");
    assert!(matches!(c.refresh().await, Err(AppError::NotSignedIn)));
    assert!(c.snapshot().is_none(), "signed out: nothing to show");
}

/// The demo's incident rings under either reading of an event's priority:
/// its source is HIGH, and the event says HIGH too.
#[tokio::test]
async fn the_demo_incident_is_high_whichever_priority_wins() {
    let dir = tempfile::tempdir().unwrap();
    let c = app(&dir, any_port());
    c.sign_in(true, None, |_| {}, approving_browser).await.unwrap();
    let knobs = c.demo().knobs().await.unwrap();
    for rule in [false, true] {
        knobs.set_event_answers(ilert_sandbox::EventAnswers { source_priority_rule: rule, ..Default::default() });
        c.demo_incident().await.unwrap();
        assert_eq!(knobs.alert_priority("Demo incident").as_deref(), Some("HIGH"), "source rule wins: {rule}");
    }
    c.sign_out().await.unwrap();
}

#[tokio::test]
async fn without_a_client_id_only_the_demo_signs_in() {
    let dir = tempfile::tempdir().unwrap();
    let c = app(&dir, any_port());
    let err = c.sign_in(false, None, |_| {}, approving_browser).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NoClientId);
}

#[tokio::test]
async fn a_missing_scope_is_not_granted_until_granted() {
    let sb = Sandbox::start(Config::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let redirect = free_redirect();
    sb.knobs().register_client("app-test", &redirect);
    // The scopes come from the settings file, so granting one more can save it there.
    let path = dir.path().join("settings.json");
    settings::save(&path, &Settings { scopes: Some("profile schedule policy offline_access".into()), ..Default::default() }).unwrap();
    let env = at_sandbox(&sb, redirect);
    let c = app_at(path, Some(format!("scope-{}", std::process::id())), env);
    c.sign_in(false, None, |_| {}, approving_browser).await.unwrap();
    let d = c.refresh().await.unwrap();
    assert!(matches!(&d.alert_sources, Panel::NotGranted { scope, .. } if scope == "source"));
    assert!(d.on_call.data().is_some());
    assert!(!d.session.scopes.contains(&"source".to_string()));

    let info = c.sign_in(false, Some("source"), |_| {}, approving_browser).await.unwrap();
    assert!(info.scopes.contains(&"source".to_string()));
    assert_eq!(c.refresh().await.unwrap().alert_sources.data().unwrap().len(), 60);
    let file = settings::load(&dir.path().join("settings.json")).unwrap();
    assert_eq!(file.scopes.as_deref(), Some("profile schedule policy offline_access source"), "remembered");
    assert_eq!(file.account.unwrap().username, "ada", "the account is remembered, shared with the command line");
    assert_eq!(sb.knobs().live_refresh_tokens("ada"), 1, "the replaced sign-in's token was revoked");
    c.sign_out().await.unwrap();
}

#[tokio::test]
async fn cancel_ends_a_waiting_sign_in_and_a_new_one_takes_the_port() {
    let dir = tempfile::tempdir().unwrap();
    let c = Arc::new(app(&dir, Settings { redirect_uri: Some(free_redirect()), ..Default::default() }));
    let waiting = tokio::spawn({
        let c = c.clone();
        async move { c.sign_in(true, None, |_| {}, |_| Ok(())).await }
    });
    while c.demo().url().await.is_none() || !c.cancel_sign_in() {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(waiting.await.unwrap().unwrap_err().kind(), ErrorKind::Cancelled);
    // Starting again while one waits: the old one is ended and its port reused.
    let first = tokio::spawn({
        let c = c.clone();
        async move { c.sign_in(true, None, |_| {}, |_| Ok(())).await }
    });
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let info = c.sign_in(true, None, |_| {}, approving_browser).await.unwrap();
    assert_eq!(info.username, "ada");
    assert_eq!(first.await.unwrap().unwrap_err().kind(), ErrorKind::Cancelled);
}

#[tokio::test]
async fn settings_are_validated_before_anything_is_saved() {
    let dir = tempfile::tempdir().unwrap();
    let c = app(&dir, Settings { tenant: Some("from-env".into()), ..Default::default() });
    let bad = [
        Settings { api_url: Some("http://api.example.com".into()), ..Default::default() },
        Settings { redirect_uri: Some("http://192.0.2.1:4598/callback".into()), ..Default::default() },
        Settings { redirect_uri: Some("https://localhost:4598/callback".into()), ..Default::default() },
        // A page may not send the next sign-in's code and verifier elsewhere.
        Settings { api_url: Some("https://api.evil.example".into()), ..Default::default() },
        Settings { auth_url: Some("https://ilert.com.evil.example".into()), ..Default::default() },
    ];
    for input in bad {
        let err = c.settings().set(input.clone()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config, "{input:?}: {err}");
        assert!(!dir.path().join("settings.json").exists(), "nothing saved for {input:?}");
    }
    let saved = c
        .settings()
        .set(Settings {
            client_id: Some("  abc  ".into()),
            tenant: Some("Acme".into()),
            scopes: Some("profile  source".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(saved.file.client_id.as_deref(), Some("abc"));
    assert_eq!(saved.file.tenant.as_deref(), Some("acme"));
    assert_eq!(saved.file.scopes.as_deref(), Some("profile source"));
    assert_eq!(saved.effective.tenant.as_deref(), Some("from-env"), "the environment wins");
    assert_eq!(saved.from_environment, ["tenant"]);
    assert_eq!(c.settings().current().client_id.as_deref(), Some("abc"));
    // ilert's own hosts and loopback may be set from the window.
    let saved = c
        .settings()
        .set(Settings { api_url: Some("https://api.ilert.com".into()), auth_url: Some("http://127.0.0.1:4599".into()), ..saved.file })
        .unwrap();
    assert_eq!(saved.file.api_url.as_deref(), Some("https://api.ilert.com"));
    // A host set by hand in the file survives a save of another field.
    settings::update(&dir.path().join("settings.json"), |f| f.api_url = Some("https://ilert.corp.example".into())).unwrap();
    let file = c.settings().state().unwrap().file;
    let saved = c.settings().set(Settings { client_id: Some("def".into()), ..file }).unwrap();
    assert_eq!(saved.file.api_url.as_deref(), Some("https://ilert.corp.example"));
}

/// Everything the webview would receive in a full demo session, as JSON,
/// holds none of the tokens or codes the sandbox issued.
#[tokio::test]
async fn nothing_the_ui_receives_holds_a_token() {
    let dir = tempfile::tempdir().unwrap();
    let c = app(&dir, any_port());
    let (seen, progress) = collect();
    let mut sent = vec![serde_json::to_string(&c.sign_in(true, None, progress, approving_browser).await.unwrap()).unwrap()];
    sent.push(serde_json::to_string(&c.session_info().await.unwrap()).unwrap());
    sent.push(serde_json::to_string(&c.refresh().await.unwrap()).unwrap());
    sent.push(serde_json::to_string(&c.settings().state().unwrap()).unwrap());
    // Read before the sign-out, which ends the demo and its server.
    let knobs = c.demo().knobs().await.expect("the demo ran");
    sent.push(serde_json::to_string(&c.sign_out().await.unwrap()).unwrap());
    for p in seen.lock().unwrap().iter() {
        sent.push(serde_json::to_string(p).unwrap());
    }
    let text = sent.join("\n");
    let issued = knobs.issued_secrets();
    assert!(issued.len() >= 3, "an access token, a refresh token and a code were issued");
    for s in &issued {
        assert!(!text.contains(s.as_str()), "a secret reached the UI");
    }
}

/// A restart (a new app core on the same settings file and keyring
/// profile) is signed in again without a browser, with its scopes known.
#[tokio::test]
#[ignore = "needs an unlocked Secret Service; scripts/test runs it"]
async fn a_restart_restores_the_session_from_the_keyring() {
    let sb = Sandbox::start(Config::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let redirect = free_redirect();
    sb.knobs().register_client("app-test", &redirect);
    let env = at_sandbox(&sb, redirect);
    let profile = Some(format!("restart-{}", std::process::id()));
    let first = app_at(dir.path().join("settings.json"), profile.clone(), env.clone());
    assert!(first.sign_in(false, None, |_| {}, approving_browser).await.unwrap().persistent, "kept in the keyring");
    drop(first);

    let second = app_at(dir.path().join("settings.json"), profile, env);
    let info = second.session_info().await.unwrap().expect("restored");
    assert_eq!(info.username, "ada");
    assert!(info.scopes.contains(&"source".to_string()));
    assert_eq!(sb.knobs().token_requests("authorization_code"), 1, "no second browser sign-in");
    assert_eq!(second.refresh().await.unwrap().alert_sources.data().unwrap().len(), 60);
    second.sign_out().await.unwrap();
}

/// A busy redirect port in demo mode names what to close; the advice to
/// register another redirect URI (an ilert app a demo user does not have)
/// is for real mode only.
#[tokio::test]
async fn a_busy_port_in_the_demo_says_what_to_close() {
    let dir = tempfile::tempdir().unwrap();
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = busy.local_addr().unwrap().port();
    let redirect = format!("http://127.0.0.1:{port}/callback");
    let c = app(&dir, Settings { redirect_uri: Some(redirect.clone()), ..Default::default() });
    let err = c.sign_in(true, None, |_| {}, |_| Ok(())).await.unwrap_err();
    let text = err.to_string();
    assert!(text.contains(&port.to_string()) && text.contains("Another sign-in may still be waiting"), "{text}");
    assert!(!text.contains("register"), "no ilert app to change in the demo: {text}");
    let c = app(&dir, Settings { client_id: Some("real".into()), redirect_uri: Some(redirect), ..Default::default() });
    let err = c.sign_in(false, None, |_| {}, |_| Ok(())).await.unwrap_err();
    assert!(err.to_string().contains("register another redirect URI"), "{err}");
    drop(busy);
}

/// The engine refreshes on its own schedule, with nobody asking: each
/// snapshot newer than the last, and each one a round of requests to ilert.
/// A panel that fails keeps its data, marked stale, and the next round
/// recovers it.
#[tokio::test]
async fn the_engine_refreshes_by_itself_and_keeps_stale_data() {
    let dir = tempfile::tempdir().unwrap();
    let fast = ilert_app::engine::EngineConfig {
        interval: std::time::Duration::from_millis(200),
        max_backoff: std::time::Duration::from_millis(400),
        tick: std::time::Duration::from_millis(50),
        on_call_interval: std::time::Duration::from_millis(200),
        // Every list every round: this is about each round and a failing panel.
        slow_lists: std::time::Duration::ZERO,
        ..Default::default()
    };
    let c = app(&dir, any_port()).with_engine(fast);
    c.sign_in(true, None, |_| {}, approving_browser).await.unwrap();
    let knobs = c.demo().knobs().await.unwrap();
    let mut rx = c.snapshots();
    let first = rx.wait_for(|s| s.as_ref().is_some_and(|s| s.seq >= 1)).await.unwrap().clone().unwrap();
    let asked = knobs.requests("/api/alert-sources");
    let token_info = knobs.requests("/api/developers/oauth2/token_info");
    let later =
        tokio::time::timeout(std::time::Duration::from_secs(20), rx.wait_for(|s| s.as_ref().is_some_and(|s| s.seq >= first.seq + 2)))
            .await
            .expect("two more refreshes without being asked")
            .unwrap()
            .clone()
            .unwrap();
    assert!(later.fetched_at > first.fetched_at);
    assert!(knobs.requests("/api/alert-sources") >= asked + 2, "each refresh asked ilert again");
    assert_eq!(knobs.requests("/api/developers/oauth2/token_info"), token_info, "no token_info per refresh");
    assert_eq!(later.alert_sources.data().unwrap().len(), 60);

    // One panel failing: its last data stays, marked stale with its age.
    knobs.add_fault(ilert_sandbox::Fault::status("/api/alert-sources", 500));
    let seq = later.seq;
    let stale = rx.wait_for(|s| s.as_ref().is_some_and(|s| s.seq > seq && s.alert_sources.is_error())).await.unwrap().clone().unwrap();
    let Panel::Error { kind, last: Some(last), .. } = &stale.alert_sources else { panic!("{:?}", stale.alert_sources) };
    assert_eq!(*kind, ErrorKind::Http, "a 500");
    assert_eq!(last.data.len(), 60, "the last good data is kept");
    assert!(stale.fresh_at < stale.fetched_at, "the snapshot says how old its data is");
    assert!(stale.user.data().is_some(), "the other panels are unaffected");
    knobs.clear_faults();
    let seq = stale.seq;
    let back = rx.wait_for(|s| s.as_ref().is_some_and(|s| s.seq > seq && !s.alert_sources.is_error())).await.unwrap().clone().unwrap();
    assert_eq!(back.fresh_at, back.fetched_at);
    c.sign_out().await.unwrap();
    assert!(rx.borrow().is_none(), "signed out: subscribers are told");
}

/// ilert reads a scope's suffix as its level, `wildcard` included: bare
/// `wildcard` only reads, `wildcard:d` may accept. Granting `alert:w` over
/// `alert` replaces it, so a sandbox that refuses a resource named twice
/// (`strict_scopes`, one reading of what ilert leaves unsaid) signs in.
#[tokio::test]
async fn scope_levels_are_read_as_ilert_reads_them() {
    use ilert_app::actions::AlertAction;
    let sb = Sandbox::start(Config { strict_scopes: true, ..Config::default() }).await.unwrap();
    let redirect = free_redirect();
    sb.knobs().register_client("app-test", &redirect);
    let accepts = || sb.knobs().requests_by_path().iter().filter(|(p, _)| p.ends_with("/accept")).map(|(_, n)| *n).sum::<u64>();
    let dirs: Vec<tempfile::TempDir> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let signed_in = |i: usize, scopes: &str| {
        let path = dirs[i].path().join("settings.json");
        settings::save(&path, &Settings { scopes: Some(scopes.into()), ..Default::default() }).unwrap();
        app_at(path, Some(format!("levels-{}-{i}", std::process::id())), at_sandbox(&sb, redirect.clone()))
    };
    async fn pending(c: &App) -> i64 {
        let mut rx = c.snapshots();
        let s = rx.wait_for(|s| s.as_ref().is_some_and(|s| s.alerts.data().is_some())).await.unwrap().clone().unwrap();
        s.alerts.data().and_then(|a| a.alerts.iter().find(|r| r.status == "PENDING").map(|r| r.id)).expect("a pending alert")
    }

    // Bare `alert` reads: Accept is refused here, nothing is sent.
    let c = signed_in(0, "profile alert offline_access");
    assert!(!c.sign_in(false, None, |_| {}, approving_browser).await.unwrap().can_act);
    let id = pending(&c).await;
    assert_eq!(c.act(id, AlertAction::Accept).await.unwrap_err().kind(), ErrorKind::ScopeNotGranted);
    assert_eq!(accepts(), 0);
    // Granting `alert:w` replaces `alert`: ilert is asked for one scope per resource.
    let info = c.sign_in(false, Some("alert:w"), |_| {}, approving_browser).await.unwrap();
    assert!(info.can_act && info.scopes.contains(&"alert:w".to_string()) && !info.scopes.contains(&"alert".to_string()), "{info:?}");
    let file = settings::load(&dirs[0].path().join("settings.json")).unwrap();
    assert_eq!(file.scopes.as_deref(), Some("profile offline_access alert:w"));
    let id = pending(&c).await;
    assert_eq!(c.act(id, AlertAction::Accept).await.unwrap().status, "ACCEPTED");
    assert_eq!(accepts(), 1);
    c.sign_out().await.unwrap();

    // `wildcard:d` (what ilert's CLI asks for) writes alerts.
    let c = signed_in(1, "profile wildcard:d offline_access");
    assert!(c.sign_in(false, None, |_| {}, approving_browser).await.unwrap().can_act);
    let id = pending(&c).await;
    assert_eq!(c.act(id, AlertAction::Accept).await.unwrap().status, "ACCEPTED");
    assert_eq!(accepts(), 2);
    c.sign_out().await.unwrap();

    // Bare `wildcard` reads everything and changes nothing: no button ilert would answer 403.
    let c = signed_in(2, "profile wildcard offline_access");
    assert!(!c.sign_in(false, None, |_| {}, approving_browser).await.unwrap().can_act);
    let id = pending(&c).await;
    assert_eq!(c.act(id, AlertAction::Accept).await.unwrap_err().kind(), ErrorKind::ScopeNotGranted);
    assert_eq!(accepts(), 2, "nothing sent");
    c.sign_out().await.unwrap();
}

/// A write to an alert that changed meanwhile: whatever ilert answers
/// (200, 400 or 409; its description says nothing), the alert is read back
/// and what it is now is said ("Already resolved"), not an HTTP error.
#[tokio::test]
async fn acting_on_an_alert_that_changed_says_what_it_is_now() {
    use ilert_app::actions::AlertAction;
    use ilert_sandbox::ChangedAlertWrite;
    let dir = tempfile::tempdir().unwrap();
    let c = app(&dir, any_port());
    c.sign_in(true, Some("alert:w"), |_| {}, approving_browser).await.unwrap();
    let knobs = c.demo().knobs().await.unwrap();
    let mut rx = c.snapshots();
    let first = rx.wait_for(|s| s.as_ref().is_some_and(|s| s.alerts.data().is_some())).await.unwrap().clone().unwrap();
    let pending: Vec<i64> = first.alerts.data().unwrap().alerts.iter().filter(|r| r.status == "PENDING").map(|r| r.id).collect();
    assert!(pending.len() >= 3, "three pending alerts in the demo: {pending:?}");
    for (answer, id) in [ChangedAlertWrite::Ok, ChangedAlertWrite::BadRequest, ChangedAlertWrite::Conflict].into_iter().zip(pending) {
        knobs.set_changed_alert_writes(answer);
        assert_eq!(c.act(id, AlertAction::Resolve).await.unwrap().status, "RESOLVED");
        // Resolved (here, or by anybody): accepting or resolving it again.
        for action in [AlertAction::Accept, AlertAction::Resolve] {
            let out = c.act(id, action).await.unwrap_or_else(|e| panic!("{answer:?} {action:?}: {e}"));
            assert_eq!(
                (out.status.as_str(), out.message.as_str()),
                (
                    "RESOLVED",
                    if action == AlertAction::Accept || answer != ChangedAlertWrite::Ok { "Already resolved" } else { "Resolved" }
                ),
                "{answer:?} {action:?}"
            );
        }
    }
}

/// Accept and resolve: without `alert:w` the app says which scope it needs;
/// with it the snapshot shows the change before ilert has answered, ilert's
/// answer confirms it; when ilert fails inside (503), the write is not sent
/// again, the alert is read back, and what ilert really has is shown.
#[tokio::test]
async fn acting_on_an_alert_shows_at_once_and_stays_honest() {
    use ilert_app::actions::AlertAction;
    let dir = tempfile::tempdir().unwrap();
    let c = app(&dir, any_port());
    c.sign_in(true, Some("alert"), |_| {}, approving_browser).await.unwrap();
    let mut rx = c.snapshots();
    let pending_id =
        |s: &ilert_app::view::Snapshot| s.alerts.data().and_then(|a| a.alerts.iter().find(|r| r.status == "PENDING").map(|r| r.id));
    let first = rx.wait_for(|s| s.as_ref().is_some_and(|s| s.alerts.data().is_some())).await.unwrap().clone().unwrap();
    let id = pending_id(&first).expect("a pending alert in the demo");
    let err = c.act(id, AlertAction::Accept).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ScopeNotGranted);
    assert!(err.to_string().contains("alert:w"), "{err}");

    c.sign_in(true, Some("alert:w"), |_| {}, approving_browser).await.unwrap();
    let knobs = c.demo().knobs().await.unwrap();
    let mut rx = c.snapshots();
    rx.wait_for(|s| s.as_ref().is_some_and(|s| s.alerts.data().is_some())).await.unwrap();
    knobs.set_latency(std::time::Duration::from_millis(400));
    let acting = async {
        let r = c.act(id, AlertAction::Accept).await;
        (r, std::time::Instant::now())
    };
    let seen_at_once = async {
        rx.wait_for(|s| s.as_ref().and_then(|s| s.alerts.data()?.get(id)).is_some_and(|r| r.status == "ACCEPTED")).await.unwrap();
        std::time::Instant::now()
    };
    let ((outcome, answered), seen) = tokio::join!(acting, seen_at_once);
    let outcome = outcome.unwrap();
    assert_eq!((outcome.status.as_str(), outcome.message.as_str()), ("ACCEPTED", "Accepted"));
    assert!(answered.duration_since(seen) >= std::time::Duration::from_millis(300), "shown before ilert's answer (400 ms away)");
    knobs.set_latency(std::time::Duration::ZERO);

    // ilert fails inside: one PUT only, then the alert is read and shown as
    // ilert has it, at once (ilert is slow, so no refresh has come back by
    // then: the row taken out by the Resolve shown at once is put back).
    knobs.add_fault(ilert_sandbox::Fault { method: Some("PUT".into()), ..ilert_sandbox::Fault::status("/api/alerts/", 503) });
    knobs.set_latency(std::time::Duration::from_millis(300));
    let before = knobs.requests("/api/alerts/");
    let err = c.act(id, AlertAction::Resolve).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable, "{err}");
    assert_eq!(knobs.requests("/api/alerts/") - before, 2, "the PUT once, then the GET of the alert");
    let shown = c.snapshot().unwrap().alerts.data().unwrap().get(id).cloned();
    assert_eq!(shown.map(|r| r.status), Some("ACCEPTED".into()), "the resolve did not happen, and the row says so");
    knobs.set_latency(std::time::Duration::ZERO);
    knobs.clear_faults();
    // Somebody else accepted it already: nothing is sent, and the outcome says who.
    let theirs = c
        .snapshot()
        .unwrap()
        .alerts
        .data()
        .unwrap()
        .alerts
        .iter()
        .find(|r| r.status == "ACCEPTED" && !r.accepted_by.is_empty() && !r.accepted_by.contains(&"Ada Lovelace".to_string()))
        .cloned()
        .expect("an alert accepted by somebody else");
    let before = knobs.requests("/api/alerts/");
    let out = c.act(theirs.id, AlertAction::Accept).await.unwrap();
    assert_eq!(out.message, format!("Already accepted by {}", theirs.accepted_by.join(", ")));
    assert_eq!(knobs.requests("/api/alerts/"), before, "nothing sent");

    let done = c.act(id, AlertAction::Resolve).await.unwrap();
    assert_eq!(done.status, "RESOLVED");
    assert!(c.snapshot().unwrap().alerts.data().unwrap().get(id).is_none(), "resolved: no longer open");
}
