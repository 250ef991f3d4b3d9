//! ilert's rate limits as its CLI and notes describe them: requests counted
//! in fixed windows on the wall clock (the minute), per client address (700
//! a minute) and per token, a 429 without `Retry-After` once a count is
//! spent, and a new count when the window turns. Off unless a test or the
//! command line turns it on: the other tests must not trip over it.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;

use crate::state::Knobs;

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
    fn admit(&mut self, index: u128, keys: &[(String, u32)]) -> bool {
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

pub(crate) async fn rate_limit(State(knobs): State<Arc<Knobs>>, req: Request, next: Next) -> Response {
    let Some(limit) = knobs.lock().config.rate_limit else { return next.run(req).await };
    if !req.uri().path().starts_with("/api/") {
        return next.run(req).await;
    }
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    let window = limit.window.as_nanos().max(1);
    let index = now.as_nanos() / window;
    let ip = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string()).unwrap_or_else(|| "127.0.0.1".into());
    let mut keys = vec![(format!("ip {ip}"), limit.per_ip)];
    if let (Some(per_token), Some(token)) = (limit.per_token, req.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok())) {
        keys.push((format!("token {token}"), per_token));
    }
    if knobs.lock().limits.admit(index, &keys) {
        return next.run(req).await;
    }
    let body = Json(serde_json::json!({"status": 429, "message": "Too many requests"}));
    if limit.retry_after {
        let left = Duration::from_nanos((window - now.as_nanos() % window) as u64).as_secs_f64().ceil() as u64;
        (StatusCode::TOO_MANY_REQUESTS, [(header::RETRY_AFTER, left.to_string())], body).into_response()
    } else {
        (StatusCode::TOO_MANY_REQUESTS, body).into_response()
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
