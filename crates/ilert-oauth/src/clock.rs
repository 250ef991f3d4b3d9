//! Wall-clock time for token expiry.
//!
//! `Instant` stops while a laptop sleeps (Linux, macOS), so an expiry kept
//! as an `Instant` would still look hours away after a night's sleep and the
//! first call after waking would send an expired token. Expiry is kept as a
//! wall-clock time instead, which also means every process reads the same
//! expiry from the keyring entry. Tests move this clock to play a sleep.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

/// The system clock, optionally shifted (tests).
#[derive(Clone, Default)]
pub struct Clock {
    offset_ms: Option<Arc<AtomicI64>>,
}

impl Clock {
    /// A clock that can be moved forward with [`Clock::advance`].
    pub fn adjustable() -> Clock {
        Clock { offset_ms: Some(Arc::new(AtomicI64::new(0))) }
    }

    pub fn now(&self) -> DateTime<Utc> {
        let offset = self.offset_ms.as_ref().map_or(0, |o| o.load(Ordering::Relaxed));
        Utc::now() + chrono::Duration::milliseconds(offset)
    }

    /// Moves an adjustable clock forward (no effect on the system clock).
    pub fn advance(&self, by: Duration) {
        if let Some(o) = &self.offset_ms {
            o.fetch_add(by.as_millis() as i64, Ordering::Relaxed);
        }
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Clock").field("adjustable", &self.offset_ms.is_some()).finish()
    }
}
