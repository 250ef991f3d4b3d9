//! Gentle with ilert's rate limits.
//!
//! ilert counts requests in fixed one-minute windows and answers 429 without
//! `Retry-After` (its CLI backs off 5, 10, 20 s for that reason; its notes
//! suggest waiting 10–30 s). A request before the window turns is refused
//! again, so after a 429 every request of this client waits: `Retry-After`
//! when ilert sends one, otherwise until the next wall-clock minute and at
//! least 10 s, doubling with each further 429 within a minute, plus jitter
//! (clocks differ, and other clients of the account wait for the same
//! minute). The gate is shared by every clone of a [`crate::Client`], so
//! concurrent panels do not each hit the limit again.
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

/// The shortest wait after a first 429 without `Retry-After`.
pub const FIRST_WAIT: Duration = Duration::from_secs(10);
/// No wait is longer: by then ilert's window has turned.
const MAX_WAIT: Duration = Duration::from_secs(60);
/// A 429 within this long of the last one counts as a repeat (ilert's window).
pub const WINDOW: Duration = Duration::from_secs(60);

struct State {
    until: Option<Instant>,
    strikes: u32,
    last: Option<Instant>,
    pace: Pace,
}

/// How a 429 without `Retry-After` is waited out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pace {
    /// The shortest first wait; it doubles with each further 429.
    pub first_wait: Duration,
    /// The server's counting window, aligned on the wall clock (ilert: the
    /// minute); a wait lasts at least until the current one ends. Zero: no
    /// alignment.
    pub window: Duration,
}

impl Default for Pace {
    fn default() -> Pace {
        Pace { first_wait: FIRST_WAIT, window: WINDOW }
    }
}

impl Pace {
    /// The wait after the `strikes`-th repeated 429 (0: the first), `now`
    /// since the Unix epoch, before jitter.
    pub fn wait(&self, strikes: u32, now: Duration) -> Duration {
        let grown = self.first_wait.saturating_mul(1 << strikes.min(4)).min(MAX_WAIT);
        let to_boundary = if self.window.is_zero() {
            Duration::ZERO
        } else {
            let window = self.window.as_nanos();
            Duration::from_nanos((window - now.as_nanos() % window) as u64)
        };
        grown.max(to_boundary)
    }
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
        RateGate::with_pace(Pace::default())
    }
}

impl RateGate {
    pub fn with_pace(pace: Pace) -> RateGate {
        RateGate(Arc::new(Mutex::new(State { until: None, strikes: 0, last: None, pace })), Arc::default())
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
            let epoch = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
            let base = st.pace.wait(st.strikes, epoch);
            base + rand::rng().random_range(Duration::ZERO..=st.pace.first_wait / 4)
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

    #[test]
    fn a_wait_lasts_to_the_next_minute_and_at_least_ten_seconds() {
        let pace = Pace::default();
        let at = |secs: f64| Duration::from_secs_f64(1_765_000_000.0 - 1_765_000_000.0 % 60.0 + secs);
        assert_eq!(pace.wait(0, at(15.0)), Duration::from_secs(45), "to the minute's end");
        assert_eq!(pace.wait(0, at(55.0)), Duration::from_secs(10), "never less than 10 s");
        assert_eq!(pace.wait(0, at(0.0)), Duration::from_secs(60), "a 429 right at the turn: the whole new window");
        assert_eq!(pace.wait(2, at(55.0)), Duration::from_secs(40), "repeats grow");
        assert_eq!(pace.wait(9, at(59.0)), MAX_WAIT, "capped");
        let unaligned = Pace { first_wait: Duration::from_millis(30), window: Duration::ZERO };
        assert_eq!(unaligned.wait(0, at(15.0)), Duration::from_millis(30));
    }

    #[tokio::test]
    async fn waits_grow_and_honour_retry_after() {
        let g = RateGate::default();
        assert!(g.closed_for().is_none() && !g.cooling());
        let first = g.hit(None);
        assert!(first >= FIRST_WAIT && first <= WINDOW + FIRST_WAIT / 4, "{first:?}");
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
