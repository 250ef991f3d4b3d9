//! The app's one loop, against the demo's sandbox: what an Accept costs in
//! frames, and an outbox that loses nothing while nobody empties it.

use std::sync::Arc;
use std::time::Duration;

use ilert_app::actions::AlertAction;
use ilert_app::engine::EngineConfig;
use ilert_app::notify::{Notice, NoticeKind};
use ilert_app::view::Snapshot;
use ilert_app::{App, Intent};

mod apps;
use apps::{any_port, app, approving_browser};

/// No round of its own during a test: every snapshot is one the test caused.
fn still() -> EngineConfig {
    let hour = Duration::from_secs(3600);
    EngineConfig { interval: hour, on_call_interval: hour, ..Default::default() }
}

/// Signed in to the demo with `alert:w`, the loop running, the alerts read.
async fn running(dir: &tempfile::TempDir) -> Arc<App> {
    let c = Arc::new(app(dir, any_port()).with_engine(still()));
    c.sign_in(true, Some("alert:w"), |_| {}, approving_browser).await.unwrap();
    let looped = c.clone();
    tokio::spawn(async move { looped.run().await });
    let mut frames = c.frames();
    tokio::time::timeout(Duration::from_secs(30), frames.wait_for(|f| alerts_of(&f.window.snapshot).is_some())).await.unwrap().unwrap();
    c
}

fn alerts_of(s: &Option<Arc<Snapshot>>) -> Option<&ilert_app::view::OpenAlerts> {
    s.as_ref()?.alerts.data()
}

/// Waits until the loop has nothing left to do: no frame built for 300 ms.
async fn settled(c: &App) -> (u64, u64) {
    let mut last = c.frame_counts();
    loop {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let now = c.frame_counts();
        if now == last {
            return now;
        }
        last = now;
    }
}

/// An Accept shows at once and is confirmed by ilert's answer: two
/// snapshots, two frames, and the notifier reads each once. (Before the
/// loop, one Accept published four snapshots, each re-running the
/// notifier, the tray and the window: amended, refreshing, confirmed, refreshed.)
#[tokio::test]
async fn one_accept_is_two_frames() {
    let dir = tempfile::tempdir().unwrap();
    let c = running(&dir).await;
    let id = alerts_of(&c.snapshot()).and_then(|a| a.alerts.iter().find(|r| r.status == "PENDING").map(|r| r.id)).expect("a pending alert");
    let mut snapshots = c.snapshots();
    snapshots.borrow_and_update();
    let (_, published) = settled(&c).await;
    let counting = tokio::spawn(async move {
        let mut n = 0;
        while tokio::time::timeout(Duration::from_secs(2), snapshots.changed()).await.is_ok_and(|r| r.is_ok()) {
            n += 1;
        }
        n
    });
    let out = c.act(id, AlertAction::Accept).await.unwrap();
    assert_eq!(out.status, "ACCEPTED");
    let (_, after) = settled(&c).await;
    assert_eq!(counting.await.unwrap(), 2, "amended, then confirmed");
    assert_eq!(after - published, 2, "one frame each");
    let shown = c.frames().borrow().window.snapshot.clone();
    assert_eq!(alerts_of(&shown).and_then(|a| a.get(id)).map(|r| r.status.as_str()), Some("ACCEPTED"));
}

/// Nobody empties the outbox for a while (a notification service that
/// hangs): the loop still publishes every snapshot and an intent still
/// runs at once; afterwards every new alert is in the outbox, one notice
/// each or counted in a summary, none lost.
#[tokio::test]
async fn a_slow_consumer_stalls_nothing_and_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let c = running(&dir).await;
    let mut outbox = c.take_outbox().expect("the one receiver");
    assert!(c.take_outbox().is_none(), "taken once");
    settled(&c).await;
    // What the first snapshot told (the demo's alerts, new to this profile) is not this test's.
    while outbox.try_recv().is_ok() {}
    let known: Vec<i64> = alerts_of(&c.snapshot()).map(|a| a.alerts.iter().map(|r| r.id).collect()).unwrap();
    let before = known.len();
    const RAISED: usize = 8;
    for _ in 0..RAISED {
        c.demo_incident().await.unwrap();
    }
    c.refresh().await.unwrap();
    let mut frames = c.frames();
    let all = frames.wait_for(|f| alerts_of(&f.window.snapshot).is_some_and(|a| a.alerts.len() >= before + RAISED));
    tokio::time::timeout(Duration::from_secs(30), all).await.expect("frames keep coming").unwrap();
    let paused = tokio::time::timeout(Duration::from_secs(5), c.handle(Intent::Pause(ilert_app::notify::PauseFor::Minutes15))).await;
    assert_eq!(paused.expect("an intent runs while the outbox is full"), None);
    c.handle(Intent::Resume).await;
    settled(&c).await;
    let mut told = Vec::new();
    while let Ok(n) = outbox.try_recv() {
        told.push(n);
    }
    let counted: usize = told.iter().map(|n| new_alerts_told(n, &known)).sum();
    assert_eq!(counted, RAISED, "each raised alert told once: {told:#?}");
}

/// How many new alerts a notice tells of: one for a new alert's own, N for "N new alerts".
fn new_alerts_told(n: &Notice, known: &[i64]) -> usize {
    match n.kind {
        NoticeKind::Alert { id, .. } if !known.contains(&id) && !n.title.contains("escalates to you") => 1,
        NoticeKind::Alerts { count } if n.title.contains("new alert") => count,
        _ => 0,
    }
}
