//! Bringing help against the demo's sandbox: whom ilert suggests, a
//! reassign and a responder added shown at once and then as ilert answers,
//! ilert's 405 said plainly, a refusal put back with its reason, a write
//! never sent twice, and the tray's "Reassign to ‹next on call›".

use std::time::Duration;

use ilert_app::help::{BringHelp, Helper, HelperKind};
use ilert_app::intent::Intent;
use ilert_app::view::{AlertRow, Snapshot};
use ilert_app::{App, ErrorKind};
use ilert_sandbox::Fault;

mod apps;
use apps::{any_port, app, approving_browser};

/// Signed in to the demo with `alert` and `alert:w`, a fresh alert raised
/// (the seeded ones have climbed their policies to the top), the alerts read.
async fn signed_in(dir: &tempfile::TempDir) -> App {
    let c = app(dir, any_port());
    for scope in ["alert", "alert:w"] {
        c.sign_in(true, Some(scope), |_| {}, approving_browser).await.unwrap();
    }
    c.demo_incident().await.unwrap();
    let mut rx = c.snapshots();
    let ready = rx.wait_for(|s| {
        s.as_ref().is_some_and(|s| {
            s.alerts.data().is_some_and(|a| a.alerts.iter().any(|r| r.next_escalation_user_id.is_some())) && s.on_call.data().is_some()
        })
    });
    tokio::time::timeout(Duration::from_secs(30), ready).await.unwrap().unwrap();
    c
}

fn row(s: &Snapshot, id: i64) -> Option<AlertRow> {
    s.alerts.data().and_then(|a| a.get(id)).cloned()
}

/// A pending alert that escalates to somebody next.
fn escalating(s: &Snapshot) -> AlertRow {
    s.alerts
        .data()
        .unwrap()
        .alerts
        .iter()
        .find(|r| r.status == "PENDING" && r.next_escalation_user_id.is_some())
        .cloned()
        .expect("a pending alert with a next level")
}

#[tokio::test]
async fn a_reassign_shows_at_once_then_as_ilert_has_it_and_is_sent_once() {
    let dir = tempfile::tempdir().unwrap();
    let c = signed_in(&dir).await;
    let alert = escalating(&c.snapshot().unwrap());
    let helpers = c.helpers(alert.id).await.unwrap();
    let kinds: Vec<HelperKind> = helpers.iter().map(|h| h.kind).collect();
    let first_other = kinds.iter().position(|k| *k != HelperKind::Person).expect("policies and schedules too");
    assert!(kinds[first_other..].iter().all(|k| *k != HelperKind::Person), "people first: {kinds:?}");
    assert!(helpers[0].suggested, "the suggested and on-call people lead: {helpers:?}");
    let who = helpers
        .iter()
        .find(|h| h.kind == HelperKind::Person && !alert.responders.contains(&h.name))
        .cloned()
        .expect("somebody not on it yet");

    let knobs = c.demo().knobs().await.unwrap();
    knobs.set_latency(Duration::from_millis(400));
    let mut rx = c.snapshots();
    let sent = async { c.bring_help(alert.id, BringHelp::Reassign, &who).await };
    let seen_at_once = async {
        rx.wait_for(|s| s.as_ref().and_then(|s| row(s, alert.id)).is_some_and(|r| r.responders == [who.name.clone()])).await.unwrap();
        std::time::Instant::now()
    };
    let (outcome, seen) = tokio::join!(sent, seen_at_once);
    let answered = std::time::Instant::now();
    knobs.set_latency(Duration::ZERO);
    let outcome = outcome.unwrap();
    assert!(answered.duration_since(seen) >= Duration::from_millis(300), "shown before ilert's answer (400 ms away)");
    assert_eq!((outcome.message.clone(), outcome.responders.clone()), (format!("Reassigned to {}", who.name), vec![who.name.clone()]));
    assert_eq!(knobs.alert_routing(alert.id).unwrap().0, [who.id], "ilert has it");
    let assigns = format!("/api/alerts/{}/assign", alert.id);
    assert_eq!(knobs.requests_by_path().get(&assigns).copied(), Some(1), "one PUT");
    let after = c.refresh().await.unwrap();
    assert_eq!(row(&after, alert.id).unwrap().responders, std::slice::from_ref(&who.name), "the next read agrees");

    // Refused by ilert (nobody by that id): the row as it was, the reason said.
    let before = row(&c.snapshot().unwrap(), alert.id).unwrap();
    let nobody = Helper { id: 99_999, name: "Nobody".into(), ..who.clone() };
    let err = c.bring_help(alert.id, BringHelp::Reassign, &nobody).await.unwrap_err();
    assert!(err.to_string().contains("ilert knows no person Nobody"), "{err}");
    assert_eq!(row(&c.snapshot().unwrap(), alert.id).unwrap().responders, before.responders, "put back");

    // ilert fails inside: read back, not sent again, the row as ilert has it.
    knobs.add_fault(Fault { method: Some("PUT".into()), ..Fault::status("/api/alerts/", 503) });
    let policy = helpers.iter().find(|h| h.kind == HelperKind::Policy && Some(h.id) != alert.policy_id).unwrap();
    let err = c.bring_help(alert.id, BringHelp::Reassign, policy).await.unwrap_err();
    knobs.clear_faults();
    assert_eq!(err.kind(), ErrorKind::Unavailable, "{err}");
    assert_eq!(knobs.requests_by_path().get(&assigns).copied(), Some(3), "each write once: the 404 and the 503, no retry");
    assert_eq!(row(&c.snapshot().unwrap(), alert.id).unwrap().responders, before.responders, "not done at ilert: shown as before");
}

#[tokio::test]
async fn a_responder_is_added_once_and_one_already_there_is_said_plainly() {
    let dir = tempfile::tempdir().unwrap();
    let c = signed_in(&dir).await;
    let alert = escalating(&c.snapshot().unwrap());
    let helpers = c.helpers(alert.id).await.unwrap();
    let who = helpers.iter().find(|h| h.kind == HelperKind::Person && !alert.responders.contains(&h.name)).cloned().unwrap();
    let knobs = c.demo().knobs().await.unwrap();
    let path = format!("/api/alerts/{}/responders", alert.id);
    let posts = || knobs.requests_by_path().get(&path).copied().unwrap_or(0);

    let added = c.bring_help(alert.id, BringHelp::AddResponder, &who).await.unwrap();
    assert_eq!(added.message, format!("{} is now a responder", who.name));
    assert!(row(&c.snapshot().unwrap(), alert.id).unwrap().responders.contains(&who.name));
    let again = c.bring_help(alert.id, BringHelp::AddResponder, &who).await.unwrap();
    assert_eq!(again.message, format!("{} is already a responder", who.name), "ilert's 405, in words");
    assert_eq!(posts(), 2, "one POST each, none repeated");

    let policy = helpers.iter().find(|h| h.kind == HelperKind::Policy).unwrap();
    let err = c.bring_help(alert.id, BringHelp::AddResponder, policy).await.unwrap_err();
    assert!(err.to_string().contains("only a person"), "{err}");
    assert_eq!(posts(), 2, "not sent");
}

/// The tray's item hands the alert to the person its menu named, with one
/// PUT, and a notification says so; an id naming anybody else (an older
/// menu, another program) sends nothing.
#[tokio::test]
async fn the_trays_reassign_to_the_next_on_call_sends_one_assign_to_that_person_only() {
    let dir = tempfile::tempdir().unwrap();
    let c = signed_in(&dir).await;
    let mut outbox = c.take_outbox().unwrap();
    let alert = escalating(&c.snapshot().unwrap());
    let next = alert.next_escalation_user_id.unwrap();
    let knobs = c.demo().knobs().await.unwrap();
    let assigns = format!("/api/alerts/{}/assign", alert.id);

    let forged = Intent::from_id(&format!("reassign-{}-to-{}", alert.id, next + 1000)).unwrap();
    assert_eq!(c.handle(forged).await, None);
    let told = outbox.recv().await.unwrap();
    assert_eq!(told.title, "Not reassigned", "{told:?}");
    assert_eq!(knobs.requests_by_path().get(&assigns), None, "nothing sent");

    assert_eq!(c.handle(Intent::ReassignToNext { alert: alert.id, user: next }).await, None);
    let told = outbox.recv().await.unwrap();
    assert_eq!(told.title, format!("Reassigned to {}", alert.next_escalation_user.clone().unwrap()), "{told:?}");
    assert_eq!(knobs.requests_by_path().get(&assigns).copied(), Some(1), "one PUT");
    assert_eq!(knobs.alert_routing(alert.id).unwrap().0, [next]);
}
