//! "Quiet a source for a deploy" against the demo's sandbox: the scope it
//! needs, the source in maintenance at once and as ilert has it, never sent
//! twice, and a pending page of mine asked about first.

use std::time::Duration;

use ilert_app::maintenance::MaintainFor;
use ilert_app::surface::Ask;
use ilert_app::view::Snapshot;
use ilert_app::{App, ErrorKind};
use ilert_sandbox::Fault;

mod apps;
use apps::{any_port, app, approving_browser};

/// Signed in to the demo with the alerts and `scopes` granted on top of the defaults.
async fn signed_in(dir: &tempfile::TempDir, scopes: &[&str]) -> App {
    let c = app(dir, any_port());
    for scope in std::iter::once(&"alert").chain(scopes) {
        c.sign_in(true, Some(scope), |_| {}, approving_browser).await.unwrap();
    }
    let mut rx = c.snapshots();
    let ready = rx.wait_for(|s| s.as_ref().is_some_and(|s| s.alert_sources.data().is_some() && s.alerts.data().is_some()));
    tokio::time::timeout(Duration::from_secs(30), ready).await.unwrap().unwrap();
    c
}

fn status_of(s: &Snapshot, id: i64) -> Option<String> {
    ilert_app::maintenance::source_of(s, id).and_then(|x| x.status.as_ref()).map(|st| st.as_str().to_string())
}

/// A source no page of mine is pending on, not in maintenance yet.
fn quiet_source(s: &Snapshot) -> i64 {
    let sources = s.alert_sources.data().unwrap();
    sources
        .iter()
        .find(|x| status_of(s, x.id).as_deref() != Some("IN_MAINTENANCE") && !ilert_app::maintenance::pages_pending(s, x))
        .map(|x| x.id)
        .expect("a source without a pending page")
}

#[tokio::test]
async fn a_source_is_quieted_at_once_then_as_ilert_has_it() {
    let dir = tempfile::tempdir().unwrap();
    let c = signed_in(&dir, &["maintenance"]).await;
    let id = quiet_source(&c.snapshot().unwrap());
    let err = c.maintain_source(id, MaintainFor::Hour, false).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ScopeNotGranted, "read-only maintenance is not enough: {err}");
    assert!(err.to_string().contains("maintenance:w"), "{err}");

    c.sign_in(true, Some("maintenance:w"), |_| {}, approving_browser).await.unwrap();
    let knobs = c.demo().knobs().await.unwrap();
    let mut rx = c.snapshots();
    rx.wait_for(|s| s.as_ref().is_some_and(|s| s.alert_sources.data().is_some())).await.unwrap();
    assert!(c.snapshot().unwrap().session.can_maintain);
    knobs.set_latency(Duration::from_millis(400));
    let started = async { c.maintain_source(id, MaintainFor::Hour, false).await };
    let seen_at_once = async {
        rx.wait_for(|s| s.as_ref().is_some_and(|s| status_of(s, id).as_deref() == Some("IN_MAINTENANCE"))).await.unwrap();
        std::time::Instant::now()
    };
    let (outcome, seen) = tokio::join!(started, seen_at_once);
    let answered = std::time::Instant::now();
    let outcome = outcome.unwrap().expect("nothing to ask: no page of mine on it");
    assert!(answered.duration_since(seen) >= Duration::from_millis(300), "shown before ilert's answer (400 ms away)");
    assert!(outcome.message.contains("is in maintenance until"), "{outcome:?}");
    let minutes = (outcome.until - chrono::Utc::now()).num_minutes();
    assert!((58..=60).contains(&minutes), "an hour from now: {minutes} min");
    knobs.set_latency(Duration::ZERO);
    assert_eq!(knobs.requests_by_path().get("/api/maintenance-windows").copied(), Some(1), "one POST");
    // The next round reads the sources again: ilert has it in maintenance.
    c.refresh().await.unwrap();
    assert_eq!(status_of(&c.snapshot().unwrap(), id).as_deref(), Some("IN_MAINTENANCE"), "as ilert has it");

    // ilert fails inside: not sent again, and what ilert has is shown.
    let other = quiet_source(&c.snapshot().unwrap());
    knobs.add_fault(Fault { method: Some("POST".into()), ..Fault::status("/api/maintenance-windows", 503) });
    let err = c.maintain_source(other, MaintainFor::HalfHour, false).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable, "{err}");
    assert_eq!(knobs.requests_by_path().get("/api/maintenance-windows").copied(), Some(2), "the failed POST once, not repeated");
    knobs.clear_faults();
    c.refresh().await.unwrap();
    assert_ne!(status_of(&c.snapshot().unwrap(), other).as_deref(), Some("IN_MAINTENANCE"), "read back: not in maintenance");
}

/// A page of mine still pending on the source: nothing is sent, the window
/// asks (the core words the question); the yes sends it.
#[tokio::test]
async fn a_pending_page_of_mine_is_asked_about_first() {
    let dir = tempfile::tempdir().unwrap();
    let c = signed_in(&dir, &["maintenance:w"]).await;
    c.demo_incident().await.unwrap();
    let paging = c.refresh().await.unwrap();
    let source = paging
        .alert_sources
        .data()
        .unwrap()
        .iter()
        .find(|x| ilert_app::maintenance::pages_pending(&paging, x))
        .cloned()
        .expect("the demo incident pages me");
    let knobs = c.demo().knobs().await.unwrap();
    assert_eq!(c.maintain_source(source.id, MaintainFor::TwoHours, false).await.unwrap(), None, "asked, not sent");
    assert_eq!(knobs.requests_by_path().get("/api/maintenance-windows"), None, "nothing sent");
    let q = c.take_question().expect("the question waits for the window");
    assert_eq!(q.ask, Ask::Maintenance { source: source.id, name: source.name.clone(), length: MaintainFor::TwoHours });
    assert!(q.text.contains("still pending") && q.yes == "Start maintenance", "{q:?}");
    let done = c.maintain_source(source.id, MaintainFor::TwoHours, true).await.unwrap().expect("confirmed: sent");
    assert_eq!(done.source, source.id);
    assert_eq!(knobs.requests_by_path().get("/api/maintenance-windows").copied(), Some(1));
}
