//! When to try again. ilert sends no `Retry-After` on 429 and its fixed
//! one-minute windows mean many clients retry together, so the waits grow
//! exponentially with random jitter to spread them out.

use std::time::Duration;

use rand::Rng;

/// How often and how patiently to retry 429 and 502/503/504.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub retries: u32,
    /// The wait before the first retry, doubled for each further one.
    pub base: Duration,
    /// No single wait is longer than this.
    pub cap: Duration,
}

impl Default for RetryPolicy {
    /// Three retries within roughly 0.5 + 1 + 2 s: a dashboard should say
    /// "ilert is busy" within seconds, and the background refresh tries
    /// again later anyway.
    fn default() -> RetryPolicy {
        RetryPolicy { retries: 3, base: Duration::from_millis(500), cap: Duration::from_secs(8) }
    }
}

impl RetryPolicy {
    /// The wait before retry number `n` (0-based): "equal jitter", half
    /// fixed and half random, so a retry never comes immediately.
    pub fn delay(&self, n: u32) -> Duration {
        let full = self.base.saturating_mul(1u32 << n.min(16)).min(self.cap);
        let half = full / 2;
        half + rand::rng().random_range(Duration::ZERO..=half)
    }
}

/// Whether an HTTP status is worth another try for an idempotent GET.
pub fn is_retryable(status: u16) -> bool {
    matches!(status, 429 | 502 | 503 | 504)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_stay_jittered_and_capped() {
        let p = RetryPolicy { retries: 5, base: Duration::from_millis(100), cap: Duration::from_millis(700) };
        for n in 0..6 {
            let full = Duration::from_millis(100 * (1 << n)).min(Duration::from_millis(700));
            let seen: Vec<_> = (0..200).map(|_| p.delay(n)).collect();
            assert!(seen.iter().all(|d| *d >= full / 2 && *d <= full), "retry {n}: {seen:?}");
            assert!(seen.iter().any(|d| *d != seen[0]), "retry {n} is jittered");
        }
    }

    #[test]
    fn only_rate_limits_and_gateway_errors_are_retried() {
        for s in [429, 502, 503, 504] {
            assert!(is_retryable(s));
        }
        for s in [200, 400, 401, 403, 404, 500, 501] {
            assert!(!is_retryable(s), "{s}");
        }
    }
}
