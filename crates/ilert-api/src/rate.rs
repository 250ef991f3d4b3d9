//! Gentle with ilert's rate limits.
//!
//! ilert counts requests in fixed one-minute windows and answers 429 without
//! `Retry-After` (its CLI backs off 5, 10, 20 s for that reason). After a
//! 429 every request of this client waits: `Retry-After` when ilert sends
//! one, otherwise at least 5 s with jitter, doubling with each further 429
//! within a minute. The gate is shared by every clone of a [`crate::Client`],
//! so concurrent panels do not each hit the limit again.
//!
//! A write (Accept, Resolve) waits for the gate within its own budget rather
//! than failing at once (a 429 means ilert did not process the request), and
//! while one waits the reads of the background refresh wait behind it, so
//! the person's Accept is the first request when the gate opens.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::Rng;
use tokio::time::Instant;

/// The wait after a first 429 without `Retry-After`.
pub const FIRST_WAIT: Duration = Duration::from_secs(5);
/// No wait is longer: by then ilert's window has turned.
const MAX_WAIT: Duration = Duration::from_secs(60);
/// A 429 within this long of the last one counts as a repeat (ilert's window).
pub const WINDOW: Duration = Duration::from_secs(60);

struct State {
    until: Option<Instant>,
    strikes: u32,
    last: Option<Instant>,
    first_wait: Duration,
}

/// When this client may ask ilert again.
#[derive(Clone)]
pub struct RateGate(Arc<Mutex<State>>, Arc<Writes>);

/// The writes waiting for the gate, and a bell for the reads behind them.
#[derive(Default)]
struct Writes {
    waiting: AtomicUsize,
    done: tokio::sync::Notify,
}

/// Held by a write while it waits for the gate and is sent.
pub struct WriteTurn(Arc<Writes>);

impl Drop for WriteTurn {
    fn drop(&mut self) {
        self.0.waiting.fetch_sub(1, Ordering::SeqCst);
        self.0.done.notify_waiters();
    }
}

impl Default for RateGate {
    fn default() -> RateGate {
        RateGate::with_first_wait(FIRST_WAIT)
    }
}

impl RateGate {
    /// A gate whose first wait is `first` (tests shorten it).
    pub fn with_first_wait(first: Duration) -> RateGate {
        RateGate(Arc::new(Mutex::new(State { until: None, strikes: 0, last: None, first_wait: first })), Arc::default())
    }

    /// A write is about to wait for the gate: reads yield until it is sent.
    pub fn write_turn(&self) -> WriteTurn {
        self.1.waiting.fetch_add(1, Ordering::SeqCst);
        WriteTurn(self.1.clone())
    }

    /// Waits while a write waits, but not past `deadline` (the read then
    /// goes anyway and the gate decides).
    pub async fn yield_to_writes(&self, deadline: Instant) {
        while self.1.waiting.load(Ordering::SeqCst) > 0 {
            let done = self.1.done.notified();
            if self.1.waiting.load(Ordering::SeqCst) == 0 || tokio::time::timeout_at(deadline, done).await.is_err() {
                return;
            }
        }
    }

    /// Records a 429 and returns how long to wait before the next request.
    pub fn hit(&self, retry_after: Option<Duration>) -> Duration {
        let now = Instant::now();
        let mut st = self.0.lock().unwrap_or_else(|e| e.into_inner());
        st.strikes = if st.last.is_some_and(|l| now.duration_since(l) < WINDOW) { st.strikes + 1 } else { 0 };
        st.last = Some(now);
        let wait = retry_after.unwrap_or_else(|| {
            let base = st.first_wait.saturating_mul(1 << st.strikes.min(4)).min(MAX_WAIT);
            base + rand::rng().random_range(Duration::ZERO..=base / 2)
        });
        st.until = Some(now + wait);
        wait
    }

    /// Whether a 429 arrived at `t` or later.
    pub fn hit_since(&self, t: Instant) -> bool {
        let st = self.0.lock().unwrap_or_else(|e| e.into_inner());
        st.last.is_some_and(|l| l >= t)
    }

    /// How long until requests may go again (`None`: now).
    pub fn closed_for(&self) -> Option<Duration> {
        let st = self.0.lock().unwrap_or_else(|e| e.into_inner());
        st.until.and_then(|u| u.checked_duration_since(Instant::now())).filter(|d| !d.is_zero())
    }

    /// Whether ilert answered 429 within the last minute: the background
    /// refresh slows down until a minute passes without one.
    pub fn cooling(&self) -> bool {
        let st = self.0.lock().unwrap_or_else(|e| e.into_inner());
        st.last.is_some_and(|l| l.elapsed() < WINDOW)
    }
}

impl RateGate {
    /// When a background refresh should next ask, given its usual
    /// `interval`: twice as far apart while a 429 is less than a minute old,
    /// and never before the gate opens.
    pub fn next_refresh(&self, interval: Duration) -> Duration {
        let slowed = if self.cooling() { interval * 2 } else { interval };
        slowed.max(self.closed_for().unwrap_or_default())
    }
}

/// ilert's `Retry-After`, in seconds (the HTTP-date form is not used by ilert).
pub fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let v = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    v.trim().parse::<u64>().ok().map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn waits_start_at_five_seconds_grow_and_honour_retry_after() {
        let g = RateGate::default();
        assert!(g.closed_for().is_none() && !g.cooling());
        let first = g.hit(None);
        assert!(first >= FIRST_WAIT && first <= FIRST_WAIT * 3 / 2, "{first:?}");
        let second = g.hit(None);
        assert!(second >= FIRST_WAIT * 2, "grows: {second:?}");
        assert_eq!(g.hit(Some(Duration::from_secs(42))), Duration::from_secs(42));
        assert!(g.closed_for().unwrap() > Duration::from_secs(40));
        assert!(g.cooling());
        assert_eq!(g.next_refresh(Duration::from_secs(60)), Duration::from_secs(120), "slowed while cooling");
        assert_eq!(RateGate::default().next_refresh(Duration::from_secs(60)), Duration::from_secs(60));
    }

    #[tokio::test]
    async fn reads_wait_behind_a_waiting_write() {
        let g = RateGate::default();
        let turn = g.write_turn();
        let waiting = tokio::spawn({
            let g = g.clone();
            async move { g.yield_to_writes(Instant::now() + Duration::from_secs(5)).await }
        });
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(!waiting.is_finished(), "the read waits while the write does");
        drop(turn);
        tokio::time::timeout(Duration::from_secs(1), waiting).await.expect("released when the write goes").unwrap();
        // No write: nothing to wait for; a deadline ends a wait.
        tokio::time::timeout(Duration::from_millis(50), g.yield_to_writes(Instant::now() + Duration::from_secs(5))).await.unwrap();
        let _turn = g.write_turn();
        let t = Instant::now();
        g.yield_to_writes(t + Duration::from_millis(100)).await;
        assert!(t.elapsed() >= Duration::from_millis(100));
    }
}
