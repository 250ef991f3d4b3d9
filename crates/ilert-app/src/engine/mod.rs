//! The refresh engine: one task per signed-in account owns when ilert is
//! asked again, keeps the latest [`Snapshot`] and publishes it to every
//! subscriber (the window now; the tray and the notifier next). It runs
//! whether or not a window is open.
//!
//! The schedule: every `interval`; slower after failures (doubling up to
//! `max_backoff`) and after a 429 (ilert's rate gate decides); at once when
//! asked (Refresh now) or when the wall clock jumped ahead of the monotonic
//! one, which is what a laptop waking from sleep looks like.

pub mod fetch;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use ilert_api::Client;
use tokio::sync::{watch, Notify};

use crate::view::{NotifyAlerts, SessionInfo, Snapshot};

/// When the engine asks ilert, and what of it concerns the person. ilert
/// counts requests per account and per address in one-minute windows; a
/// round reads the alerts and who is on call (four requests on a large
/// tenant), the slow lists every five minutes, so the on-call pace stays
/// under 20 a minute (`ilert-bench budget`).
#[derive(Debug, Clone, Copy)]
pub struct EngineConfig {
    /// While not on call.
    pub interval: Duration,
    /// While on call: a new alert should be on screen within 20 s.
    pub on_call_interval: Duration,
    pub max_backoff: Duration,
    /// How often a wait looks at the wall clock, to notice a wake from sleep.
    pub tick: Duration,
    pub notify_alerts: NotifyAlerts,
    /// How long who I am, the policies, the schedules and the alert sources
    /// are reused before they are read again ([`fetch::SlowLists`]); the
    /// alerts and who is on call are read every round. Refresh now reads all.
    pub slow_lists: Duration,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            interval: Duration::from_secs(60),
            on_call_interval: Duration::from_secs(15),
            max_backoff: Duration::from_secs(300),
            tick: Duration::from_secs(15),
            notify_alerts: NotifyAlerts::OnCall,
            slow_lists: Duration::from_secs(300),
        }
    }
}

impl EngineConfig {
    pub fn interval(&self, on_call: bool) -> Duration {
        if on_call {
            self.on_call_interval.min(self.interval)
        } else {
            self.interval
        }
    }

    /// How long to wait after a refresh: the interval, doubled per failure
    /// in a row up to `max_backoff`, and never before ilert's rate gate
    /// (`gate`, what [`ilert_api::rate::RateGate::next_refresh`] says) opens.
    pub fn next_wait(&self, on_call: bool, failures: u32, gate: Duration) -> Duration {
        let interval = self.interval(on_call);
        let backoff = interval.saturating_mul(1 << failures.min(8)).min(self.max_backoff.max(interval));
        backoff.max(gate)
    }
}

/// Why a wait ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Woke {
    Due,
    Asked,
    /// The wall clock moved much further than the wait: the machine slept.
    Resumed,
}

/// A wall-clock jump larger than this during one tick counts as a wake from sleep.
const JUMP: Duration = Duration::from_secs(30);

/// Waits `wait` (monotonic), in ticks, ending early when `wake` is notified
/// or the wall clock (`wall`) jumps.
pub async fn wait(wait: Duration, tick: Duration, wake: &Notify, wall: &(dyn Fn() -> SystemTime + Sync)) -> Woke {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let now = tokio::time::Instant::now();
        if now >= deadline {
            return Woke::Due;
        }
        let step = tick.min(deadline - now);
        let before = wall();
        tokio::select! {
            _ = tokio::time::sleep(step) => {}
            _ = wake.notified() => return Woke::Asked,
        }
        if wall().duration_since(before).unwrap_or_default() > step + JUMP {
            return Woke::Resumed;
        }
    }
}

/// What wakes the engine's task early.
struct Wake {
    asked: Arc<Notify>,
    quiet_start: Arc<AtomicBool>,
}

/// The handle on one account's engine; dropping it stops the task.
pub struct Engine {
    tx: Arc<watch::Sender<Arc<Snapshot>>>,
    latest: watch::Receiver<Arc<Snapshot>>,
    wake: Arc<Notify>,
    /// The next round's start is not published ([`Engine::confirm`]).
    quiet_start: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<()>,
}

impl Engine {
    /// Starts refreshing at once. `asked`: the scopes asked for, shown when
    /// ilert never said which it granted.
    pub fn spawn(client: Client, demo: bool, asked: String, config: EngineConfig, first: SessionInfo) -> Engine {
        let account = client.session().account().key();
        let (tx, latest) = watch::channel(Arc::new(Snapshot::loading(account, first)));
        let tx = Arc::new(tx);
        let wake = Arc::new(Notify::new());
        let quiet_start = Arc::new(AtomicBool::new(false));
        let task =
            tokio::spawn(run(client, demo, asked, config, tx.clone(), Wake { asked: wake.clone(), quiet_start: quiet_start.clone() }));
        Engine { tx, latest, wake, quiet_start, task }
    }

    pub fn latest(&self) -> Arc<Snapshot> {
        self.latest.borrow().clone()
    }

    pub fn subscribe(&self) -> watch::Receiver<Arc<Snapshot>> {
        self.latest.clone()
    }

    /// Changes the latest snapshot and publishes it, without asking ilert:
    /// an action's result shown at once, everywhere (the next refresh
    /// replaces it with what ilert says).
    pub fn amend(&self, f: impl FnOnce(&mut Snapshot)) {
        self.tx.send_modify(|s| {
            let mut next = Snapshot::clone(s);
            f(&mut next);
            *s = Arc::new(next);
        });
    }

    /// Refresh now (the person asked); a refresh under way is not doubled.
    pub fn refresh_now(&self) {
        self.wake.notify_one();
    }

    /// ilert confirmed an action: `f` puts its answer into the latest
    /// snapshot without publishing it, and a round starts at once without
    /// saying so; its result, which carries both, is the one publication.
    /// So an action costs every surface two snapshots: shown at once
    /// ([`Engine::amend`]), then as ilert has it.
    pub fn confirm(&self, f: impl FnOnce(&mut Snapshot)) {
        self.tx.send_if_modified(|s| {
            let mut next = Snapshot::clone(s);
            f(&mut next);
            *s = Arc::new(next);
            false
        });
        self.quiet_start.store(true, Ordering::SeqCst);
        self.wake.notify_one();
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[tracing::instrument(name = "app.engine", skip_all, fields(account = %client.session().account().key()))]
async fn run(client: Client, demo: bool, asked: String, config: EngineConfig, tx: Arc<watch::Sender<Arc<Snapshot>>>, wake: Wake) {
    let mut failures = 0u32;
    let mut slow = fetch::SlowLists::new(config.slow_lists);
    loop {
        let said = !wake.quiet_start.swap(false, Ordering::SeqCst);
        tx.send_if_modified(|s| {
            if s.refreshing {
                return false;
            }
            let mut next = Snapshot::clone(s);
            next.refreshing = true;
            *s = Arc::new(next);
            said
        });
        let d = fetch::fetch_with(&client, &mut slow).await;
        failures = if d.all_ok() { 0 } else { failures.saturating_add(1) };
        let session = SessionInfo::of(client.session(), demo, &asked).await;
        let mut snapshot = tx.borrow().next(d, session, None, config.notify_alerts);
        let on_call = snapshot.on_call_now();
        let pause = config.next_wait(on_call, failures, client.rate_gate().next_refresh(config.interval(on_call)));
        snapshot.next_refresh_at = chrono::Duration::from_std(pause).ok().map(|p| chrono::Utc::now() + p);
        let ended = snapshot.session_ended;
        tracing::debug!(seq = snapshot.seq, failures, next_in_secs = pause.as_secs(), "refreshed");
        tx.send_replace(Arc::new(snapshot));
        if ended {
            tracing::info!("the session ended; the engine stops");
            return;
        }
        let woke = wait(pause, config.tick, &wake.asked, &SystemTime::now).await;
        match woke {
            Woke::Due => {}
            // The person asked, or hours passed asleep: everything afresh.
            Woke::Asked => slow.forget(),
            Woke::Resumed => {
                tracing::info!("the machine woke from sleep; refreshing");
                slow.forget();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn failures_back_off_and_the_rate_gate_wins() {
        let c = EngineConfig::default();
        let waits: Vec<u64> = (0..5).map(|f| c.next_wait(false, f, Duration::ZERO).as_secs()).collect();
        assert_eq!(waits, [60, 120, 240, 300, 300]);
        let on_call: Vec<u64> = (0..6).map(|f| c.next_wait(true, f, Duration::ZERO).as_secs()).collect();
        assert_eq!(on_call, [15, 30, 60, 120, 240, 300], "on call: four times as often, the same ceiling");
        assert_eq!(c.next_wait(true, 0, Duration::from_secs(120)).as_secs(), 120, "ilert rate-limited us: its wait wins");
    }

    #[tokio::test]
    async fn a_wall_clock_jump_ends_the_wait() {
        // The wall clock leaps an hour after the first tick, as after a sleep.
        let calls = Mutex::new(0u32);
        let start = SystemTime::now();
        let wall = move || {
            let mut n = calls.lock().unwrap();
            *n += 1;
            if *n > 1 {
                start + Duration::from_secs(3600)
            } else {
                start
            }
        };
        let t = std::time::Instant::now();
        let woke = wait(Duration::from_secs(60), Duration::from_millis(20), &Notify::new(), &wall).await;
        assert_eq!(woke, Woke::Resumed);
        assert!(t.elapsed() < Duration::from_secs(5));
    }

    #[tokio::test]
    async fn asking_ends_the_wait_and_otherwise_it_runs_out() {
        let wake = Arc::new(Notify::new());
        wake.notify_one();
        assert_eq!(wait(Duration::from_secs(60), Duration::from_millis(20), &wake, &SystemTime::now).await, Woke::Asked);
        assert_eq!(wait(Duration::from_millis(50), Duration::from_millis(20), &wake, &SystemTime::now).await, Woke::Due);
    }
}
