//! The hand-over at my shift's end against the demo's sandbox: my shift
//! ends (somebody covers me from now) while alerts I accepted are open;
//! one notice names who is on call now and the alerts; its "Reassign to"
//! sends exactly one assign per alert of mine, to that person only; the
//! window's frame shows the same choice until it is answered.

use std::sync::Arc;
use std::time::Duration;

use ilert_app::actions::AlertAction;
use ilert_app::engine::EngineConfig;
use ilert_app::intent::Intent;
use ilert_app::notify::NoticeKind;
use ilert_app::App;

mod apps;
use apps::{any_port, app, approving_browser};

/// Grace Hopper, who covers my SRE Primary shift from now.
const GRACE: i64 = 2;
/// The policy my SRE Primary shift is on (alerts of Payments, whose rule
/// names me directly, stay mine).
const SRE_CRITICAL: i64 = 1;

async fn signed_in(dir: &tempfile::TempDir) -> Arc<App> {
    let c = Arc::new(app(dir, any_port()));
    for scope in ["alert", "alert:w"] {
        c.sign_in(true, Some(scope), |_| {}, approving_browser).await.unwrap();
    }
    let looped = c.clone();
    tokio::spawn(async move { looped.run().await });
    let mut rx = c.snapshots();
    let ready =
        rx.wait_for(|s| s.as_ref().is_some_and(|s| s.alerts.data().is_some() && s.on_call.data().is_some() && s.user.data().is_some()));
    tokio::time::timeout(Duration::from_secs(30), ready).await.unwrap().unwrap();
    c
}

/// Grace covers my shift from now, so it ends; the hand-over that tells.
async fn covered_by_grace(
    c: &App,
    knobs: &ilert_sandbox::Knobs,
    outbox: &mut tokio::sync::mpsc::UnboundedReceiver<ilert_app::notify::Notice>,
) -> ilert_app::notify::Notice {
    let now = chrono::Utc::now();
    assert!(knobs.cover(1, "grace", now - chrono::Duration::seconds(1), now + chrono::Duration::hours(2)));
    c.refresh().await.unwrap();
    let told = async {
        loop {
            let n = outbox.recv().await.unwrap();
            if matches!(n.kind, NoticeKind::Handover { .. }) {
                return n;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(10), told).await.expect("the hand-over is told")
}

#[tokio::test]
async fn my_open_alerts_are_handed_over_once_with_one_assign_each() {
    let dir = tempfile::tempdir().unwrap();
    let c = signed_in(&dir).await;
    let mut outbox = c.take_outbox().unwrap();
    let snapshot = c.snapshot().unwrap();
    assert!(snapshot.on_call.data().unwrap().on_call.as_ref().unwrap().my_shifts.iter().any(|m| m.current), "on call for SRE Primary");
    let pending: Vec<i64> = snapshot
        .alerts
        .data()
        .unwrap()
        .alerts
        .iter()
        .filter(|r| r.status == "PENDING" && r.policy_id == Some(SRE_CRITICAL))
        .map(|r| r.id)
        .take(2)
        .collect();
    assert_eq!(pending.len(), 2, "two open alerts to accept");
    for id in &pending {
        c.act(*id, AlertAction::Accept).await.unwrap();
    }
    c.refresh().await.unwrap();
    while outbox.try_recv().is_ok() {}

    let knobs = c.demo().knobs().await.unwrap();
    let told = covered_by_grace(&c, &knobs, &mut outbox).await;
    assert_eq!(told.kind, NoticeKind::Handover { to: Some((GRACE, "Grace Hopper".into())) });
    assert_eq!(told.title, "You hand over 2 open alerts to Grace Hopper (on call now)");
    let waiting = c.frame().window.handover.expect("the window shows the same");
    assert_eq!(waiting.alerts.iter().map(|a| a.id).collect::<Vec<_>>().len(), 2);

    // Said once: the next round tells nothing new.
    c.refresh().await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(std::iter::from_fn(|| outbox.try_recv().ok()).all(|n| !matches!(n.kind, NoticeKind::Handover { .. })), "once");

    // A press naming somebody else sends nothing (an old notification, another program), and the choice stays.
    let assigns = || knobs.requests_by_path().iter().filter(|(p, _)| p.ends_with("/assign")).map(|(_, n)| *n).sum::<u64>();
    let err = c.hand_over(GRACE + 1).await.unwrap_err();
    assert!(err.to_string().contains("names somebody else"), "{err}");
    assert_eq!(assigns(), 0, "nothing sent");
    assert!(c.pending_handover().is_some(), "still waiting for its answer");

    // The notification's "Reassign to Grace Hopper": one assign per alert, to her.
    assert_eq!(c.handle(Intent::HandOver { to: GRACE }).await, None);
    let said = outbox.recv().await.unwrap();
    assert_eq!(said.title, "Reassigned 2 alerts to Grace Hopper", "{said:?}");
    assert_eq!(assigns(), 2, "exactly one assign per alert");
    for id in &pending {
        assert_eq!(knobs.alert_routing(*id).unwrap().0, [GRACE], "alert {id} is Grace's");
    }
    assert!(c.pending_handover().is_none() && c.frame().window.handover.is_none(), "answered: gone from the window");
    let err = c.hand_over(GRACE).await.unwrap_err();
    assert!(err.to_string().contains("answered already"), "{err}");
    assert_eq!(assigns(), 2, "a second press sends nothing");
}

/// Nothing open: nothing said.
#[tokio::test]
async fn a_shift_that_ends_with_nothing_open_says_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let c = signed_in(&dir).await;
    let mut outbox = c.take_outbox().unwrap();
    let knobs = c.demo().knobs().await.unwrap();
    let now = chrono::Utc::now();
    // Nothing accepted by me is open: my shift ends without a word.
    let mine = |c: &App| {
        c.snapshot().unwrap().alerts.data().unwrap().alerts.iter().filter(|r| r.accepted_by.iter().any(|n| n == "Ada Lovelace")).count()
    };
    assert_eq!(mine(&c), 0, "the demo's seeded alerts are accepted by others");
    assert!(knobs.cover(1, "grace", now - chrono::Duration::seconds(1), now + chrono::Duration::hours(2)));
    c.refresh().await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(std::iter::from_fn(|| outbox.try_recv().ok()).all(|n| !matches!(n.kind, NoticeKind::Handover { .. })), "nothing to hand over");
    assert!(c.pending_handover().is_none());
}

/// "Keep them": answered (gone from the window), nothing sent.
#[tokio::test]
async fn keep_them_sends_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let c = signed_in(&dir).await;
    let mut outbox = c.take_outbox().unwrap();
    let id = c
        .snapshot()
        .unwrap()
        .alerts
        .data()
        .unwrap()
        .alerts
        .iter()
        .find(|r| r.status == "PENDING" && r.policy_id == Some(SRE_CRITICAL))
        .unwrap()
        .id;
    c.act(id, AlertAction::Accept).await.unwrap();
    c.refresh().await.unwrap();
    let knobs = c.demo().knobs().await.unwrap();
    let told = covered_by_grace(&c, &knobs, &mut outbox).await;
    assert_eq!(told.title, "You hand over 1 open alert to Grace Hopper (on call now)");
    assert_eq!(c.handle(Intent::KeepAlerts).await, None);
    assert!(c.pending_handover().is_none() && c.frame().window.handover.is_none(), "answered");
    assert!(knobs.requests_by_path().iter().all(|(p, _)| !p.ends_with("/assign")), "nothing sent");
    assert!(knobs.alert_routing(id).unwrap().0.contains(&1), "still mine");
}

/// Somebody covers my shift from now: the next round the engine makes by
/// itself (my shifts kept from an earlier one, not read again) shows me off
/// call at once, not once the kept list is old.
#[tokio::test]
async fn a_cover_of_my_shift_shows_in_the_next_round_not_only_after_a_refresh() {
    let dir = tempfile::tempdir().unwrap();
    let quick = EngineConfig { interval: Duration::from_secs(1), on_call_interval: Duration::from_secs(1), ..EngineConfig::default() };
    let c = app(&dir, any_port()).with_engine(quick);
    c.sign_in(true, None, |_| {}, approving_browser).await.unwrap();
    let mut rx = c.snapshots();
    let on_call =
        |s: &ilert_app::view::Snapshot| s.on_call.data().and_then(|b| b.on_call.as_ref()).map(|o| o.my_shifts.iter().any(|m| m.current));
    tokio::time::timeout(Duration::from_secs(30), rx.wait_for(|s| s.as_ref().and_then(|s| on_call(s)) == Some(true)))
        .await
        .unwrap()
        .unwrap();
    let knobs = c.demo().knobs().await.unwrap();
    let now = chrono::Utc::now();
    assert!(knobs.cover(1, "grace", now - chrono::Duration::seconds(1), now + chrono::Duration::hours(2)));
    let off = rx.wait_for(|s| s.as_ref().and_then(|s| on_call(s)) == Some(false));
    tokio::time::timeout(Duration::from_secs(10), off).await.expect("off call within a few rounds").unwrap();
}
