//! What tests turn: lifetimes, refresh rotation, latency, injected faults,
//! and the log of OAuth requests. In-process through [`Knobs`], over HTTP
//! through `admin`; both with the `admin` feature only. What is here
//! without it is what a running sandbox needs: the middleware that applies
//! them, and client registration (the demo registers its receiver).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;

pub use crate::fault::{Fault, FaultKind, OAuthEvent};
pub use crate::state::Knobs;

impl Knobs {
    /// The integration key of an alert source, which `POST /api/events`
    /// takes (the demo's "demo incident" raises its alert with it).
    pub fn integration_key(&self, source: i64) -> Option<String> {
        self.lock().world.source(source).map(|s| s.integration_key.clone())
    }

    /// Registers a client, or adds a redirect URI to an existing one.
    pub fn register_client(&self, client_id: &str, redirect_uri: &str) {
        self.lock().config.add_client(client_id, redirect_uri);
    }
}

/// What tests turn and read; compiled with the `admin` feature only, so a
/// shipped app's demo has none of it.
#[cfg(feature = "admin")]
impl Knobs {
    /// The public key that verifies access tokens (SPKI PEM).
    pub fn access_public_key_pem(&self) -> String {
        crate::state::access_public_key_pem()
    }
    pub fn set_latency(&self, latency: Duration) {
        self.lock().config.latency = latency;
    }
    pub fn set_access_token_lifetime(&self, d: Duration) {
        self.lock().config.access_token_lifetime = d;
    }
    pub fn set_code_lifetime(&self, d: Duration) {
        self.lock().config.code_lifetime = d;
    }
    pub fn set_rotate_refresh_tokens(&self, on: bool) {
        self.lock().config.rotate_refresh_tokens = on;
    }
    pub fn set_consent_username(&self, username: &str) {
        self.lock().config.consent_username = username.to_string();
    }
    pub fn set_introspection(&self, mode: crate::Introspection) {
        self.lock().config.introspection = mode;
    }
    pub fn set_nulls(&self, on: bool) {
        self.lock().config.nulls = on;
    }
    pub fn set_expired_as_key_error(&self, on: bool) {
        self.lock().config.expired_as_key_error = on;
    }
    pub fn set_etags(&self, on: bool) {
        self.lock().config.etags = on;
    }
    pub fn set_strict_scopes(&self, on: bool) {
        self.lock().config.strict_scopes = on;
    }
    pub fn set_alert_order(&self, order: crate::AlertOrder) {
        self.lock().config.alert_order = order;
    }
    pub fn set_count_answers(&self, answers: crate::CountAnswers) {
        self.lock().config.count = answers;
    }
    pub fn set_event_answers(&self, answers: crate::EventAnswers) {
        self.lock().config.events = answers;
    }
    pub fn set_include_cap(&self, cap: Option<usize>) {
        self.lock().config.include_cap = cap;
    }
    pub fn set_changed_alert_writes(&self, answer: crate::ChangedAlertWrite) {
        self.lock().config.changed_alert_writes = answer;
    }
    pub fn set_initial_responders_only(&self, on: bool) {
        self.lock().config.initial_responders_only = on;
    }
    pub fn set_assign_names(&self, names: crate::AssignNames) {
        self.lock().config.assign_names = names;
    }
    pub fn set_clock_ahead(&self, by: Duration) {
        self.lock().config.clock_ahead = by;
    }
    pub fn set_team_context(&self, on: bool) {
        self.lock().config.team_context = on;
    }
    pub fn set_rate_limit(&self, limit: Option<crate::RateLimit>) {
        self.lock().config.rate_limit = limit;
    }
    /// The window index (time since the epoch over the window) of each 429
    /// the rate limiter sent, oldest first.
    pub fn rate_limited(&self) -> Vec<u128> {
        self.lock().limits.refused.clone()
    }
    pub fn add_fault(&self, fault: Fault) {
        self.lock().faults.push(fault);
    }
    pub fn clear_faults(&self) {
        self.lock().faults.clear();
    }
    /// Makes every access token issued so far invalid (ilert answers 401),
    /// as if they had expired early; refresh tokens are untouched.
    pub fn expire_access_tokens(&self) {
        for g in self.lock().access.values_mut() {
            g.revoked = true;
        }
    }
    /// Every OAuth request so far, oldest first.
    pub fn oauth_log(&self) -> Vec<OAuthEvent> {
        self.lock().log.clone()
    }
    /// How many token requests of `grant_type` the sandbox answered.
    pub fn token_requests(&self, grant_type: &str) -> usize {
        self.lock().log.iter().filter(|e| e.endpoint == "token" && e.grant_type.as_deref() == Some(grant_type)).count()
    }
    /// How many requests whose path starts with `prefix` arrived (faulted ones included).
    pub fn requests(&self, prefix: &str) -> usize {
        self.lock().requests.iter().filter(|p| p.starts_with(prefix)).count()
    }
    /// Every request's path, in the order they came.
    pub fn request_log(&self) -> Vec<String> {
        self.lock().requests.clone()
    }
    /// How many requests each path received since the start (faulted ones
    /// included): the request budget of a client, per endpoint.
    pub fn requests_by_path(&self) -> std::collections::BTreeMap<String, u64> {
        self.lock().per_path.clone()
    }
    /// The status of alert `id`, if it exists.
    pub fn alert_status_of(&self, id: i64) -> Option<String> {
        self.lock().world.alerts.iter().find(|a| a.id == id).map(|a| a.status.to_string())
    }
    /// The user ids alert `id` was sent to (as raised, assigned or added;
    /// not those its escalation reached since), and its policy.
    pub fn alert_routing(&self, id: i64) -> Option<(Vec<i64>, i64)> {
        self.lock().world.alerts.iter().find(|a| a.id == id).map(|a| (a.responders.iter().map(|r| r.user).collect(), a.policy))
    }
    /// The priority of the newest alert whose summary starts with `prefix`.
    pub fn alert_priority(&self, prefix: &str) -> Option<String> {
        let inner = self.lock();
        inner.world.alerts.iter().filter(|a| a.summary.starts_with(prefix)).max_by_key(|a| a.id).map(|a| a.priority.to_string())
    }
    /// The status of the newest alert with this summary (what an action changed).
    pub fn alert_status(&self, summary: &str) -> Option<String> {
        let inner = self.lock();
        inner.world.alerts.iter().filter(|a| a.summary == summary).max_by_key(|a| a.id).map(|a| a.status.to_string())
    }
    /// Moves the tenant's clock: every shift and alert time moves back by
    /// `by`, so the tenant is as it will be `by` from now (a shift that
    /// starts in an hour starts now after `move_clock(1 h)`), while the
    /// app's own clock goes on. For shift reminders.
    pub fn move_clock(&self, by: chrono::Duration) {
        let mut inner = self.lock();
        let w = &mut inner.world;
        for s in w.schedules.iter_mut().flat_map(|s| s.shifts.iter_mut().chain(s.overrides.iter_mut())) {
            s.start -= by;
            s.end -= by;
        }
        for a in w.alerts.iter_mut() {
            a.report_time -= by;
            a.resolved_on = a.resolved_on.map(|t| t - by);
            for r in a.responders.iter_mut() {
                r.accepted_at = r.accepted_at.map(|t| t - by);
            }
        }
    }

    /// `username` covers `start..end` on schedule `schedule` (an override,
    /// as `PUT /api/schedules/{id}/overrides` makes one). `false`: no such
    /// user or schedule.
    pub fn cover(&self, schedule: i64, username: &str, start: chrono::DateTime<chrono::Utc>, end: chrono::DateTime<chrono::Utc>) -> bool {
        let mut inner = self.lock();
        let w = &mut inner.world;
        let Some(user) = w.user_by_name(username).map(|u| u.id) else { return false };
        let Some(s) = w.schedules.iter_mut().find(|s| s.id == schedule) else { return false };
        s.cover(user, start, end);
        true
    }

    /// Each of `username`'s shifts from now on in schedule `schedule`, with
    /// who is on call just before and just after it (`None`: nobody).
    #[allow(clippy::type_complexity)]
    pub fn hand_overs_of(&self, schedule: i64, username: &str) -> Vec<(chrono::DateTime<chrono::Utc>, Option<String>, Option<String>)> {
        let inner = self.lock();
        let w = &inner.world;
        let (Some(me), Some(s)) = (w.user_by_name(username).map(|u| u.id), w.schedule(schedule)) else { return Vec::new() };
        let now = chrono::Utc::now();
        let name = |id: i64| w.user(id).map(|u| format!("{} {}", u.first_name, u.last_name));
        let other = |t: Option<&crate::seed::Shift>| t.filter(|t| t.user != me).and_then(|t| name(t.user));
        s.shifts
            .iter()
            .filter(|t| t.user == me && t.end > now)
            .map(|t| (t.start, other(s.shifts.iter().find(|b| b.end == t.start)), other(s.shifts.iter().find(|a| a.start == t.end))))
            .collect()
    }

    /// When `username`'s next shift (after now) starts and ends, in any schedule.
    pub fn next_shift_of(&self, username: &str) -> Option<(chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>)> {
        let inner = self.lock();
        let w = &inner.world;
        let user = w.user_by_name(username)?.id;
        let now = chrono::Utc::now();
        w.schedules.iter().flat_map(|s| s.shifts.iter()).filter(|s| s.user == user && s.start > now).map(|s| (s.start, s.end)).min()
    }

    /// Marks every pending alert accepted (by nobody in particular), as if
    /// the whole team had answered.
    pub fn accept_all_pending(&self) {
        for a in self.lock().world.alerts.iter_mut().filter(|a| a.status == "PENDING") {
            a.status = "ACCEPTED";
        }
    }
    /// How many requests were answered 304 Not Modified.
    pub fn not_modified(&self) -> u64 {
        self.lock().not_modified
    }
    /// The most requests the sandbox was handling at the same time since
    /// the last call (which resets it): how concurrent a client really is.
    pub fn take_peak_concurrency(&self) -> usize {
        let mut inner = self.lock();
        let now = inner.in_flight;
        std::mem::replace(&mut inner.peak_in_flight, now)
    }
    /// Every access token, refresh token and authorization code the sandbox
    /// ever issued: what a leak scan looks for.
    pub fn issued_secrets(&self) -> Vec<String> {
        let inner = self.lock();
        inner
            .access
            .keys()
            .cloned()
            .chain(inner.refresh.values().map(|g| g.token.clone()))
            .chain(inner.issued_codes.iter().cloned())
            .collect()
    }
    /// The time spent handling requests since the last call (which resets it).
    pub fn take_busy_time(&self) -> Duration {
        std::mem::take(&mut self.lock().busy)
    }
    /// How many refresh tokens of `username` are live (not revoked, not expired).
    pub fn live_refresh_tokens(&self, username: &str) -> usize {
        let now = chrono::Utc::now();
        self.lock().refresh.values().filter(|g| g.username == username && !g.revoked && g.expires > now).count()
    }
    /// Whether this refresh token is live at the sandbox.
    pub fn refresh_token_is_live(&self, token: &str) -> bool {
        let now = chrono::Utc::now();
        self.lock().refresh.values().any(|g| g.token == token && !g.revoked && g.expires > now)
    }
}

/// Applies latency and the first matching fault before the request is handled.
pub(crate) async fn faults_and_latency(State(knobs): State<Arc<Knobs>>, req: Request, next: Next) -> Response {
    let _in_flight = InFlight::enter(&knobs);
    let latency = knobs.latency();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let fault = {
        let mut inner = knobs.lock();
        let path = req.uri().path();
        if inner.requests.len() >= 100_000 {
            inner.requests.drain(..50_000); // a long demo run stays bounded
        }
        inner.requests.push(path.to_string());
        if inner.per_path.len() < 10_000 || inner.per_path.contains_key(path) {
            *inner.per_path.entry(path.to_string()).or_default() += 1;
        }
        let method = req.method().as_str();
        let hit = inner
            .faults
            .iter()
            .position(|f| path.starts_with(&f.path) && f.method.as_deref().is_none_or(|m| m.eq_ignore_ascii_case(method)));
        hit.map(|i| {
            let fault = inner.faults[i].clone();
            if let Some(n) = inner.faults[i].times.as_mut() {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    inner.faults.remove(i);
                }
            }
            fault.kind
        })
    };
    match fault {
        None => {
            let started = std::time::Instant::now();
            let res = next.run(req).await;
            knobs.lock().busy += started.elapsed();
            res
        }
        Some(FaultKind::Delay { millis }) => {
            tokio::time::sleep(Duration::from_millis(millis)).await;
            next.run(req).await
        }
        Some(FaultKind::Status { status }) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let body = serde_json::json!({
                "status": status.as_u16(),
                "message": status.canonical_reason().unwrap_or("Error"),
            });
            (status, Json(body)).into_response()
        }
        Some(FaultKind::Drop) => {
            // Promise a body, then fail the stream: hyper closes the connection.
            let mut res = Response::new(Body::from_stream(FailingBody(false)));
            res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            res.headers_mut().insert(header::CONTENT_LENGTH, HeaderValue::from_static("64"));
            res
        }
        Some(FaultKind::Garbled) => ([(header::CONTENT_TYPE, "application/json")], "{\"id\": 1, \"name\": \"trunc").into_response(),
        Some(FaultKind::WrongContentType) => {
            ([(header::CONTENT_TYPE, "text/html")], "<html><body>Service temporarily unavailable</body></html>").into_response()
        }
        Some(FaultKind::RetryAfter { secs }) => (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, secs.to_string())],
            Json(serde_json::json!({"status": 429, "message": "Too many requests"})),
        )
            .into_response(),
        Some(FaultKind::Json { status, body }) => {
            (StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), Json(body)).into_response()
        }
    }
}

/// The team-context reading (`Config::team_context`): the lists of
/// sources, schedules and policies shown to an OAuth token hold only the
/// "selected" team's entries (team 1) unless the request's `team-context` or
/// `x-team-context` header is `0` (all teams).
pub(crate) async fn team_context(State(knobs): State<Arc<Knobs>>, req: Request, next: Next) -> Response {
    const LISTS: [&str; 3] = ["/api/alert-sources", "/api/schedules", "/api/escalation-policies"];
    let path = req.uri().path().to_string();
    let all = ["team-context", "x-team-context"].iter().any(|h| req.headers().get(*h).is_some_and(|v| v.as_bytes() == b"0"));
    let resp = next.run(req).await;
    if all || !LISTS.contains(&path.as_str()) || !knobs.lock().config.team_context || resp.status() != StatusCode::OK {
        return resp;
    }
    rewrite_json(resp, |v| match v {
        serde_json::Value::Array(items) => {
            let selected = |item: &serde_json::Value| item["teams"].as_array().is_some_and(|t| t.iter().any(|t| t["id"] == 1));
            Some(serde_json::Value::Array(items.into_iter().filter(selected).collect()))
        }
        _ => None,
    })
    .await
}

/// The `nulls` mode's rewrite of REST answers (see [`crate::nulls`]).
pub(crate) async fn nulls_mode(State(knobs): State<Arc<Knobs>>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let resp = next.run(req).await;
    let rest = path.starts_with("/api/") && !path.starts_with("/api/developers/");
    if !rest || !knobs.lock().config.nulls || resp.status() != StatusCode::OK {
        return resp;
    }
    rewrite_json(resp, |v| Some(crate::nulls::rewrite(&path, v))).await
}

/// A JSON answer rewritten by `f` (`None`: left as it was); a body that is
/// not JSON passes unchanged.
async fn rewrite_json(resp: Response, f: impl FnOnce(serde_json::Value) -> Option<serde_json::Value>) -> Response {
    let (mut parts, body) = resp.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 16 * 1024 * 1024).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    match serde_json::from_slice::<serde_json::Value>(&bytes).ok().and_then(f) {
        Some(v) => {
            parts.headers.remove(header::CONTENT_LENGTH);
            Response::from_parts(parts, Body::from(serde_json::to_vec(&v).expect("JSON serializes")))
        }
        None => Response::from_parts(parts, Body::from(bytes)),
    }
}

/// Counts a request as in flight until it is answered or abandoned.
struct InFlight<'a>(&'a Knobs);

impl<'a> InFlight<'a> {
    fn enter(knobs: &'a Knobs) -> InFlight<'a> {
        let mut inner = knobs.lock();
        inner.in_flight += 1;
        inner.peak_in_flight = inner.peak_in_flight.max(inner.in_flight);
        InFlight(knobs)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.lock().in_flight -= 1;
    }
}

/// A body stream whose only item is an I/O error: hyper then aborts the
/// response, which the client sees as a dropped connection.
struct FailingBody(bool);

impl futures_core::Stream for FailingBody {
    type Item = Result<bytes::Bytes, std::io::Error>;
    fn poll_next(mut self: std::pin::Pin<&mut Self>, _: &mut std::task::Context<'_>) -> std::task::Poll<Option<Self::Item>> {
        if std::mem::replace(&mut self.0, true) {
            return std::task::Poll::Ready(None);
        }
        std::task::Poll::Ready(Some(Err(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "injected drop"))))
    }
}

/// ilert's rate limits ([`crate::limits`]), when a test turned them on.
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
