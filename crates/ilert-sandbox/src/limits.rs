//! ilert's rate limits as its CLI and notes describe them: requests counted
//! in fixed windows on the wall clock (the minute), per client address (700
//! a minute) and per token, a 429 without `Retry-After` once a count is
//! spent, and a new count when the window turns. Off unless a test or the
//! command line turns it on: the other tests must not trip over it. The
//! middleware that counts is `knobs::rate_limit`.

use std::collections::HashMap;
use std::time::Duration;

/// One limiter's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests per window from one client address (ilert: 700 a minute).
    pub per_ip: u32,
    /// Requests per window with one access token (ilert says none; a knob).
    pub per_token: Option<u32>,
    /// The window, aligned on the Unix epoch (ilert: a minute).
    pub window: Duration,
    /// Send `Retry-After` (the seconds left in the window); ilert does not.
    pub retry_after: bool,
}

impl Default for RateLimit {
    fn default() -> RateLimit {
        RateLimit { per_ip: 700, per_token: None, window: Duration::from_secs(60), retry_after: false }
    }
}

/// The counts of the current windows, and every refusal's window.
#[derive(Debug, Default)]
pub struct Counts {
    counts: HashMap<String, (u128, u32)>,
    /// The window index of each 429, oldest first.
    pub refused: Vec<u128>,
}

impl Counts {
    /// Counts one request under `keys` in window `index`; `false` when any
    /// count was spent already (the request is refused and not counted).
    pub(crate) fn admit(&mut self, index: u128, keys: &[(String, u32)]) -> bool {
        let spent = keys.iter().any(|(k, limit)| self.counts.get(k).is_some_and(|&(w, n)| w == index && n >= *limit));
        if spent {
            self.refused.push(index);
            return false;
        }
        for (k, _) in keys {
            let entry = self.counts.entry(k.clone()).or_insert((index, 0));
            if entry.0 != index {
                *entry = (index, 0);
            }
            entry.1 += 1;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_count_spent_refuses_until_the_window_turns() {
        let mut c = Counts::default();
        let keys = [("ip a".to_string(), 2), ("token t".to_string(), 3)];
        assert!(c.admit(7, &keys) && c.admit(7, &keys));
        assert!(!c.admit(7, &keys), "the address's two are spent");
        assert!(c.admit(7, &[("ip b".to_string(), 2)]), "another address has its own count");
        assert!(c.admit(8, &keys), "a new window, a new count");
        assert_eq!(c.refused, vec![7]);
    }
}
