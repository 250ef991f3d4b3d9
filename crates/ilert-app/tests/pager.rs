//! "Take the pager" against the demo's sandbox: the scope it needs, me on
//! call at once and then as ilert has it, the tray's "covering for", a
//! clock behind ilert's, and each refusal put back with its reason.

use std::time::Duration;

use ilert_app::intent::Intent;
use ilert_app::pager::{self, TakeFor};
use ilert_app::view::Snapshot;
use ilert_app::{App, ErrorKind};
use ilert_sandbox::Fault;

mod apps;
use apps::{any_port, app, approving_browser};

/// Payments Static: Donald Knuth is on call there now, and I am in it.
const PAYMENTS: i64 = 3;
/// Platform Weekly: I am not in it.
const PLATFORM: i64 = 2;

async fn signed_in(dir: &tempfile::TempDir, scopes: &[&str]) -> App {
    let c = app(dir, any_port());
    for scope in scopes {
        c.sign_in(true, Some(scope), |_| {}, approving_browser).await.unwrap();
    }
    let mut rx = c.snapshots();
    let ready = rx.wait_for(|s| s.as_ref().is_some_and(|s| pager::schedule_of(s, PAYMENTS).is_some() && s.user.data().is_some()));
    tokio::time::timeout(Duration::from_secs(30), ready).await.unwrap().unwrap();
    c
}

fn on_call_there(s: &Snapshot, id: i64) -> Option<(String, bool)> {
    pager::schedule_of(s, id).and_then(|x| x.current.as_ref()).map(|c| (c.name.clone(), c.mine))
}

/// Requests to the schedule's overrides (PUTs, and a GET that reads them back).
fn puts(knobs: &ilert_sandbox::Knobs, id: i64) -> u64 {
    knobs.requests_by_path().get(&format!("/api/schedules/{id}/overrides")).copied().unwrap_or(0)
}

#[tokio::test]
async fn the_pager_is_taken_at_once_then_as_ilert_has_it() {
    let dir = tempfile::tempdir().unwrap();
    let c = signed_in(&dir, &["schedule"]).await;
    assert_eq!(on_call_there(&c.snapshot().unwrap(), PAYMENTS), Some(("Donald Knuth".into(), false)));
    let err = c.take_pager(PAYMENTS, TakeFor::HalfHour).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ScopeNotGranted, "read-only schedules are not enough: {err}");
    assert!(err.to_string().contains("schedule:w"), "{err}");

    c.sign_in(true, Some("schedule:w"), |_| {}, approving_browser).await.unwrap();
    let mut rx = c.snapshots();
    rx.wait_for(|s| s.as_ref().is_some_and(|s| s.session.can_cover && pager::schedule_of(s, PAYMENTS).is_some())).await.unwrap();
    let knobs = c.demo().knobs().await.unwrap();
    knobs.set_latency(Duration::from_millis(400));
    let taken = async { c.take_pager(PAYMENTS, TakeFor::HalfHour).await };
    let seen_at_once = async {
        rx.wait_for(|s| s.as_ref().is_some_and(|s| on_call_there(s, PAYMENTS).is_some_and(|(_, mine)| mine))).await.unwrap();
        std::time::Instant::now()
    };
    let (outcome, seen) = tokio::join!(taken, seen_at_once);
    let answered = std::time::Instant::now();
    knobs.set_latency(Duration::ZERO);
    let outcome = outcome.unwrap();
    assert!(answered.duration_since(seen) >= Duration::from_millis(300), "shown before ilert's answer (400 ms away)");
    assert!(outcome.message.starts_with("You are on call for Payments Static, covering for Donald Knuth until "), "{}", outcome.message);
    let minutes = (outcome.until - chrono::Utc::now()).num_minutes();
    assert!((29..=30).contains(&minutes), "half an hour: {minutes} min");
    assert_eq!(puts(&knobs, PAYMENTS), 1, "one PUT");

    // The tray says whom I cover for.
    let tray = c.frame().tray;
    assert!(tray.tooltip.contains("On call (covering for Donald Knuth) until "), "{}", tray.tooltip);
    // ilert has me on call there once the cover starts (5 s ahead of this clock).
    tokio::time::sleep(Duration::from_secs(6)).await;
    let after = c.refresh().await.unwrap();
    assert_eq!(on_call_there(&after, PAYMENTS).map(|(_, mine)| mine), Some(true), "as ilert has it");

    // Not in the schedule: ilert's 400, once more further ahead (a 400 made nothing), then said; shown as before.
    let err = c.take_pager(PLATFORM, TakeFor::HalfHour).await.unwrap_err();
    assert!(err.to_string().contains("not a member of this schedule"), "{err}");
    assert_eq!(puts(&knobs, PLATFORM), 2, "the first try and the one further ahead");
    assert_eq!(on_call_there(&c.snapshot().unwrap(), PLATFORM).map(|(_, mine)| mine), Some(false), "put back");
}

/// This machine's clock a minute behind ilert's: the first start is in
/// ilert's past (400, nothing made), the second, further ahead, is taken.
/// ilert failing inside: read back, not sent again.
#[tokio::test]
async fn a_clock_behind_ilerts_is_tried_once_further_ahead_and_a_lost_answer_is_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let c = signed_in(&dir, &["schedule:w"]).await;
    let knobs = c.demo().knobs().await.unwrap();

    knobs.add_fault(Fault { method: Some("PUT".into()), ..Fault::status("/api/schedules/", 503) });
    let err = c.take_pager(PAYMENTS, TakeFor::Hour).await.unwrap_err();
    knobs.clear_faults();
    assert_eq!(err.kind(), ErrorKind::Unavailable, "{err}");
    assert_eq!(puts(&knobs, PAYMENTS), 2, "one PUT, not sent again, and the GET that read the overrides back");
    assert_eq!(on_call_there(&c.snapshot().unwrap(), PAYMENTS), Some(("Donald Knuth".into(), false)), "read back: not made");

    knobs.set_clock_ahead(Duration::from_secs(60));
    let outcome = c.take_pager(PAYMENTS, TakeFor::Hour).await.unwrap();
    assert_eq!(puts(&knobs, PAYMENTS), 4, "refused once as in the past, then made");
    assert!(outcome.message.contains("covering for Donald Knuth"), "{}", outcome.message);
}

/// The tray's item takes the pager and a notification says so.
#[tokio::test]
async fn the_trays_take_on_call_says_how_it_went() {
    let dir = tempfile::tempdir().unwrap();
    let c = signed_in(&dir, &["schedule:w"]).await;
    let mut outbox = c.take_outbox().unwrap();
    let knobs = c.demo().knobs().await.unwrap();
    assert_eq!(c.handle(Intent::TakePager { schedule: PAYMENTS, length: TakeFor::HalfHour }).await, None);
    let told = outbox.recv().await.unwrap();
    assert_eq!(told.title, "On call now", "{told:?}");
    assert!(told.body.contains("covering for Donald Knuth"), "{}", told.body);
    assert_eq!(puts(&knobs, PAYMENTS), 1);
    assert_eq!(c.covering().map(|x| x.covering_for), Some("Donald Knuth".into()));
}
