//! The HTTP side of every call: the bearer token from the session, one
//! refresh on a 401, retries with backoff on 429/502/503/504, a time budget
//! per call, ilert's error bodies, and offset paging.

use std::sync::Arc;
use std::time::Duration;

use futures_util::future::join_all;
use ilert_oauth::Session;
use serde::de::DeserializeOwned;
use tracing::Instrument;
use url::Url;

use crate::error::{ApiError, RestError};
use crate::rate::{self, Pace, RateGate};
use crate::retry::{is_retryable, RetryPolicy};

/// The most pages one list is followed through, so a server that never
/// returns a short page cannot keep the client busy forever.
const MAX_PAGES: usize = 100;

/// A list as read: the items that could be read, and how many could not.
/// An entry ilert sends in a shape we cannot read is skipped (and logged),
/// so one odd entry never turns a whole panel into an error.
#[derive(Debug, Clone, PartialEq)]
pub struct Listed<T> {
    pub items: Vec<T>,
    pub unreadable: usize,
}

impl<T> Listed<T> {
    pub fn into_inner(self) -> Vec<T> {
        self.items
    }

    pub fn map<U>(self, f: impl FnOnce(Vec<T>) -> Vec<U>) -> Listed<U> {
        Listed { items: f(self.items), unreadable: self.unreadable }
    }
}

impl<T> std::ops::Deref for Listed<T> {
    type Target = Vec<T>;
    fn deref(&self) -> &Vec<T> {
        &self.items
    }
}

/// The most answers kept for `If-None-Match`; beyond it the cache starts over.
const MAX_ETAGS: usize = 256;

/// The last body each URL answered with an `ETag`, so the next request can
/// say `If-None-Match` and a 304 costs neither ilert nor us a body.
#[derive(Default)]
struct Etags(std::sync::Mutex<std::collections::HashMap<String, (reqwest::header::HeaderValue, bytes::Bytes)>>);

impl Etags {
    fn get(&self, url: &str) -> Option<(reqwest::header::HeaderValue, bytes::Bytes)> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).get(url).cloned()
    }

    fn put(&self, url: String, etag: reqwest::header::HeaderValue, body: bytes::Bytes) {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= MAX_ETAGS && !map.contains_key(&url) {
            map.clear();
        }
        map.insert(url, (etag, body));
    }
}

/// A query: repeatable keys allowed (`include=a&include=b`).
pub type Query<'a> = &'a [(&'a str, &'a str)];

/// The ilert REST API as the signed-in user. Cheap to clone.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    session: Arc<Session>,
    base: Url,
    retry: RetryPolicy,
    timeout: Duration,
    concurrent_pages: usize,
    rate: RateGate,
    /// The signed-in user's id once known: "my shifts" then need not wait for `/users/current`.
    me: Arc<std::sync::OnceLock<i64>>,
    etags: Arc<Etags>,
    /// Page sizes a list sent with `include=` was found to take, by path
    /// (ilert's notes: `include` may lower a list's maximum, and an
    /// overshoot is a 400).
    page_caps: Arc<std::sync::Mutex<std::collections::HashMap<String, usize>>>,
}

impl Client {
    /// The API of the session's own issuer: the base URL comes from the
    /// session, so its tokens are never sent to another host.
    pub fn new(session: Arc<Session>, http: reqwest::Client) -> Client {
        let base = session.endpoint().endpoints().api.clone();
        Client {
            http,
            session,
            base,
            retry: RetryPolicy::default(),
            timeout: Duration::from_secs(20),
            concurrent_pages: 1,
            rate: RateGate::default(),
            me: Default::default(),
            etags: Default::default(),
            page_caps: Default::default(),
        }
    }

    pub fn with_retry(mut self, retry: RetryPolicy) -> Client {
        self.retry = retry;
        self
    }

    /// The time budget of one call, retries and refresh included.
    pub fn with_timeout(mut self, timeout: Duration) -> Client {
        self.timeout = timeout;
        self
    }

    /// How many pages of a long list (alert sources) are asked for at once
    /// (default 1: no speculative requests). ilert gives no total count, so
    /// pages past the end come back empty; asking for a few at a time saves
    /// round trips at the cost of requests that count against ilert's limit.
    pub fn with_concurrent_pages(mut self, n: usize) -> Client {
        self.concurrent_pages = n.max(1);
        self
    }

    pub fn session(&self) -> &Arc<Session> {
        &self.session
    }

    /// The wait after a first 429 without `Retry-After`, not aligned on a
    /// window (tests shorten it; the default is [`Pace::default`]).
    pub fn with_rate_limit_wait(self, first: Duration) -> Client {
        self.with_rate_pace(Pace { first_wait: first, window: Duration::ZERO })
    }

    /// How 429s without `Retry-After` are waited out (tests pair a short
    /// window with the sandbox's limiter).
    pub fn with_rate_pace(mut self, pace: Pace) -> Client {
        self.rate = RateGate::with_pace(pace);
        self
    }

    /// The signed-in user's id, once a `/users/current` answered.
    pub fn known_user_id(&self) -> Option<i64> {
        self.me.get().copied()
    }

    pub fn remember_user_id(&self, id: i64) {
        let _ = self.me.set(id);
    }

    /// ilert's rate limit as this client has met it.
    pub fn rate_gate(&self) -> &RateGate {
        &self.rate
    }

    /// GET `path` (relative to `…/api/`) and decode the JSON body. `Ok(None)`
    /// is a 204 (ilert's "nobody" for user-on-call).
    pub async fn get_opt<T: DeserializeOwned>(&self, path: &str, query: Query<'_>) -> Result<Option<T>, ApiError> {
        let span = tracing::info_span!("api.get", path);
        let started = tokio::time::Instant::now();
        let deadline = started + self.timeout;
        tokio::time::timeout(self.timeout, self.get_inner(path, query, deadline).instrument(span))
            .await
            .unwrap_or_else(|_| Err(self.read_out_of_time(started)))
    }

    /// A read that started at `started` ran out of its time. After a 429 in
    /// that time it was ilert's rate limit that held it up (a retry that
    /// fitted the budget, then a slow answer), and the person is told that
    /// rather than "did not answer". Writes never say this: a write that
    /// timed out may have been done, which only `Timeout` tells the caller.
    fn read_out_of_time(&self, started: tokio::time::Instant) -> ApiError {
        if self.rate.hit_since(started) {
            return ApiError::rate_limited(self.rate.closed_for().unwrap_or_default());
        }
        self.timed_out()
    }

    fn timed_out(&self) -> ApiError {
        // Rounded up: a budget under a second is not "0 s".
        ApiError::Timeout { secs: self.timeout.as_secs_f64().ceil() as u64 }
    }

    pub async fn get<T: DeserializeOwned>(&self, path: &str, query: Query<'_>) -> Result<T, ApiError> {
        self.get_opt(path, query).await?.ok_or_else(|| ApiError::UnexpectedResponse(format!("{path}: empty answer")))
    }

    /// Every item of a list, page by page with `start-index`/`max-results`
    /// (`page_size` must be within the endpoint's maximum: ilert answers 400
    /// beyond it rather than clamping).
    pub async fn get_all<T: DeserializeOwned + Send>(&self, path: &str, query: Query<'_>, page_size: usize) -> Result<Listed<T>, ApiError> {
        self.get_pages(path, query, page_size, 1).await
    }

    /// [`Client::get_all`] asking for the configured number of pages at once,
    /// for lists that are usually longer than a page.
    pub async fn get_all_prefetched<T: DeserializeOwned + Send>(
        &self,
        path: &str,
        query: Query<'_>,
        page_size: usize,
    ) -> Result<Listed<T>, ApiError> {
        self.get_pages(path, query, page_size, self.concurrent_pages).await
    }

    /// Every page, at `page_size` or the smaller size this path was found
    /// to take: a 400 for a list sent with `include=` is tried again with
    /// pages of 50, then 25, and what worked is remembered, unsaid.
    async fn get_pages<T: DeserializeOwned + Send>(
        &self,
        path: &str,
        query: Query<'_>,
        page_size: usize,
        at_once: usize,
    ) -> Result<Listed<T>, ApiError> {
        let with_include = query.iter().any(|(k, _)| *k == "include");
        let caps = || self.page_caps.lock().unwrap_or_else(|e| e.into_inner());
        let mut size = caps().get(path).copied().unwrap_or(page_size).min(page_size);
        loop {
            match self.get_pages_of(path, query, size, at_once).await {
                Err(ApiError::Http { status: 400, .. }) if with_include && size > 25 => {
                    size = if size > 50 { 50 } else { 25 };
                    tracing::info!(path, size, "a 400 for a list with include=: asking with smaller pages");
                }
                Ok(all) => {
                    if size < page_size {
                        caps().insert(path.to_string(), size);
                    }
                    return Ok(all);
                }
                Err(e) => return Err(e),
            }
        }
    }

    async fn get_pages_of<T: DeserializeOwned + Send>(
        &self,
        path: &str,
        query: Query<'_>,
        page_size: usize,
        at_once: usize,
    ) -> Result<Listed<T>, ApiError> {
        let size = page_size.to_string();
        let mut all = Listed { items: Vec::new(), unreadable: 0 };
        let mut start = 0;
        for _ in 0..MAX_PAGES.div_ceil(at_once) {
            let starts: Vec<String> = (0..at_once).map(|i| (start + i * page_size).to_string()).collect();
            let pages = starts.iter().map(|s| {
                let mut q: Vec<(&str, &str)> = query.to_vec();
                q.push(("start-index", s));
                q.push(("max-results", &size));
                async move { self.get::<Vec<serde_json::Value>>(path, &q).await }
            });
            let pages = join_all(pages).await;
            for page in pages {
                let page = page?;
                let short = page.len() < page_size;
                for item in page {
                    match T::deserialize(item) {
                        Ok(t) => all.items.push(t),
                        Err(e) => {
                            // serde's message names the field, never a value.
                            tracing::warn!(path, error = %e, "an entry could not be read; skipped");
                            all.unreadable += 1;
                        }
                    }
                }
                if short {
                    return Ok(all);
                }
            }
            start += at_once * page_size;
        }
        Err(ApiError::UnexpectedResponse(format!("{path}: more than {MAX_PAGES} pages")))
    }

    /// PUT `path` with no body (ilert's accept and resolve) and decode the
    /// answer. A write is sent again only when it provably never reached
    /// ilert (the connection was refused before anything was sent) or ilert
    /// refused the token before acting (401: one refresh). After a timeout,
    /// a dropped connection or a 5xx it is not repeated: the caller reads
    /// the real state instead ([`ApiError::is_uncertain`]).
    pub async fn put_empty<T: DeserializeOwned>(&self, path: &str) -> Result<T, ApiError> {
        let span = tracing::info_span!("api.put", path);
        let write = self.write(reqwest::Method::PUT, path, None).instrument(span);
        let body = tokio::time::timeout(self.timeout, write).await.unwrap_or_else(|_| Err(self.timed_out()))?;
        serde_json::from_slice(&body).map_err(|e| ApiError::UnexpectedResponse(format!("{path}: {e}")))
    }

    /// POST `body` as JSON to `path`, as [`Client::put_empty`] writes (never
    /// repeated once it may have reached ilert). The answer's body, if it
    /// has one: `None` for a 2xx with an empty or `null` body (ilert
    /// documents a body; a `201` with only a `Location` is a reading its
    /// description does not rule out).
    pub async fn post_json<B: serde::Serialize, T: DeserializeOwned>(&self, path: &str, body: &B) -> Result<Option<T>, ApiError> {
        self.send_json(reqwest::Method::POST, path, body).await
    }

    /// PUT `body` as JSON to `path`, as [`Client::post_json`] posts.
    pub async fn put_json<B: serde::Serialize, T: DeserializeOwned>(&self, path: &str, body: &B) -> Result<Option<T>, ApiError> {
        self.send_json(reqwest::Method::PUT, path, body).await
    }

    async fn send_json<B: serde::Serialize, T: DeserializeOwned>(
        &self,
        method: reqwest::Method,
        path: &str,
        body: &B,
    ) -> Result<Option<T>, ApiError> {
        let span = tracing::info_span!("api.write", %method, path);
        let json = serde_json::to_vec(body).map_err(|e| ApiError::UnexpectedResponse(format!("{path}: {e}")))?;
        let write = self.write(method, path, Some(json)).instrument(span);
        let answer = tokio::time::timeout(self.timeout, write).await.unwrap_or_else(|_| Err(self.timed_out()))?;
        if answer.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        serde_json::from_slice::<Option<T>>(&answer).map_err(|e| ApiError::UnexpectedResponse(format!("{path}: {e}")))
    }

    /// One write (`PUT` or `POST`, with an optional JSON body): the answer's
    /// bytes on a 2xx.
    async fn write(&self, method: reqwest::Method, path: &str, json: Option<Vec<u8>>) -> Result<Vec<u8>, ApiError> {
        let url = self.base.join(path).map_err(|e| ApiError::UnexpectedResponse(format!("{path}: {e}")))?;
        let resource = path.split('/').next().unwrap_or(path);
        let mut token = self.session.access_token().await?;
        let mut refreshed = false;
        let mut attempt = 0;
        let mut rate_limited = 0;
        // The whole write, waits included, fits in `self.timeout` (put_empty's own limit).
        let deadline = tokio::time::Instant::now() + self.timeout;
        // Held until the write is answered: the background reads wait behind it.
        let _turn = self.rate.write_turn();
        loop {
            // A 429 means ilert did not process the request: wait for the
            // gate if that fits this write's budget (with a second to send),
            // and let the background reads wait behind it meanwhile.
            if let Some(wait) = self.rate.closed_for() {
                if tokio::time::Instant::now() + wait + Duration::from_secs(1) >= deadline {
                    return Err(ApiError::rate_limited(wait));
                }
                tracing::info!(path, wait_ms = wait.as_millis() as u64, "the write waits for ilert's rate limit");
                tokio::time::sleep(wait).await;
            }
            let request = self.http.request(method.clone(), url.clone()).bearer_auth(token.expose()).header("accept", "application/json");
            let request = match &json {
                Some(body) => request.header("content-type", "application/json").body(body.clone()),
                None => request.header("content-length", "0"),
            };
            let sent = request.send().await;
            let resp = match sent {
                Ok(r) => r,
                Err(e) if e.is_connect() && attempt < self.retry.retries => {
                    // Refused before sending: ilert never saw it.
                    tracing::debug!(attempt, "connection refused before sending; trying again");
                    tokio::time::sleep(self.retry.delay(attempt)).await;
                    attempt += 1;
                    continue;
                }
                Err(e) => {
                    let e = e.without_url();
                    if e.is_timeout() {
                        return Err(self.timed_out());
                    }
                    return Err(ApiError::Unavailable { message: ilert_oauth::error::describe_transport(&e) });
                }
            };
            let status = resp.status().as_u16();
            if status == 429 {
                self.rate.hit(rate::retry_after(resp.headers()));
                if rate_limited < 2 {
                    rate_limited += 1;
                    continue;
                }
            }
            let body = resp.bytes().await.unwrap_or_default();
            let error = || serde_json::from_slice::<RestError>(&body).unwrap_or_default();
            let unauthorized = status == 401 || (status == 403 && error().is_key_error());
            if unauthorized && !refreshed {
                token = self.session.unauthorized(&token).await?;
                refreshed = true;
                continue;
            }
            if unauthorized {
                return Err(ApiError::SessionExpired);
            }
            return match status {
                200..=299 => Ok(body.to_vec()),
                429 => Err(ApiError::rate_limited(self.rate.closed_for().unwrap_or_default())),
                500..=599 => Err(ApiError::Unavailable { message: format!("HTTP {status}") }),
                _ => Err(error().into_error(status, resource)),
            };
        }
    }

    async fn get_inner<T: DeserializeOwned>(
        &self,
        path: &str,
        query: Query<'_>,
        deadline: tokio::time::Instant,
    ) -> Result<Option<T>, ApiError> {
        let mut url = self.base.join(path).map_err(|e| ApiError::UnexpectedResponse(format!("{path}: {e}")))?;
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        let cached = self.etags.get(url.as_str());
        let resource = path.split('/').next().unwrap_or(path);
        let mut token = self.session.access_token().await?;
        let mut refreshed = false;
        let mut attempt = 0;
        loop {
            // A write waiting for the gate goes first (for at most half of
            // what is left of this read's budget).
            let now = tokio::time::Instant::now();
            self.rate.yield_to_writes(now + deadline.saturating_duration_since(now) / 2).await;
            // After a 429 nobody asks before the gate opens; a wait that
            // would not fit this call's budget is reported instead.
            if let Some(wait) = self.rate.closed_for() {
                if tokio::time::Instant::now() + wait >= deadline {
                    return Err(ApiError::rate_limited(wait));
                }
                tokio::time::sleep(wait).await;
            }
            let mut req = self
                .http
                .get(url.clone())
                .bearer_auth(token.expose())
                .header("accept", "application/json")
                // Every team the person may see, whatever team is selected in
                // ilert's web app: ilert filters lists by that selection for
                // some credentials and documents the header as `team-context`,
                // its CLI sends `x-team-context`; `0` means all teams.
                .header("team-context", "0")
                .header("x-team-context", "0");
            if let Some((etag, _)) = &cached {
                req = req.header(reqwest::header::IF_NONE_MATCH, etag.clone());
            }
            let sent = req.send().await;
            let resp = match sent {
                Ok(r) => r,
                Err(e) => {
                    let e = e.without_url();
                    if e.is_timeout() {
                        return Err(self.read_out_of_time(deadline - self.timeout));
                    }
                    // A dropped connection: the GET is idempotent, so retry it too.
                    if attempt < self.retry.retries {
                        tracing::debug!(attempt, error = %e, "connection failed; retrying");
                        tokio::time::sleep(self.retry.delay(attempt)).await;
                        attempt += 1;
                        continue;
                    }
                    return Err(ApiError::Unavailable { message: ilert_oauth::error::describe_transport(&e) });
                }
            };
            let status = resp.status().as_u16();
            if status == 429 {
                let wait = self.rate.hit(rate::retry_after(resp.headers()));
                tracing::warn!(path, wait_ms = wait.as_millis() as u64, "429: ilert is rate-limiting");
                if attempt < self.retry.retries && tokio::time::Instant::now() + wait < deadline {
                    attempt += 1;
                    continue;
                }
                return Err(ApiError::rate_limited(wait));
            }
            // ilert answers an unknown or revoked key with 403 KEY_ERROR.
            let (resp, body) = if status == 403 {
                let body = resp.bytes().await.unwrap_or_default();
                (None, Some(serde_json::from_slice::<RestError>(&body).unwrap_or_default()))
            } else {
                (Some(resp), None)
            };
            let unauthorized = status == 401 || body.as_ref().is_some_and(RestError::is_key_error);
            if unauthorized && !refreshed {
                // Expired or revoked: one refresh through the session's single flight.
                tracing::debug!(status, "access token refused: refreshing it");
                token = self.session.unauthorized(&token).await?;
                refreshed = true;
                continue;
            }
            if unauthorized {
                return Err(ApiError::SessionExpired);
            }
            if let Some(body) = body {
                return Err(body.into_error(status, resource));
            }
            let resp = resp.expect("kept for every status but 403");
            if is_retryable(status) && attempt < self.retry.retries {
                let wait = self.retry.delay(attempt);
                tracing::debug!(status, attempt, wait_ms = wait.as_millis() as u64, "retrying");
                tokio::time::sleep(wait).await;
                attempt += 1;
                continue;
            }
            if status == 204 {
                return Ok(None);
            }
            if status == 304 {
                // Only ever asked with a cached body, so one is at hand.
                let Some((_, body)) = &cached else {
                    return Err(ApiError::UnexpectedResponse(format!("{path}: 304 to a request without If-None-Match")));
                };
                tracing::debug!(path, "304: unchanged");
                return serde_json::from_slice(body).map(Some).map_err(|e| ApiError::UnexpectedResponse(format!("{path}: {e}")));
            }
            if !(200..300).contains(&status) {
                return Err(match status {
                    502..=504 => ApiError::Unavailable { message: format!("HTTP {status} after {} tries", attempt + 1) },
                    _ => {
                        let body = resp.bytes().await.unwrap_or_default();
                        serde_json::from_slice::<RestError>(&body).unwrap_or_default().into_error(status, resource)
                    }
                });
            }
            let json = resp.headers().get("content-type").and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("application/json"));
            if !json {
                return Err(ApiError::UnexpectedResponse(format!("{path}: not JSON")));
            }
            let etag = resp.headers().get(reqwest::header::ETAG).cloned();
            let body = resp.bytes().await.map_err(|e| ApiError::Unavailable { message: e.without_url().to_string() })?;
            let decoded = serde_json::from_slice(&body).map(Some).map_err(|e| ApiError::UnexpectedResponse(format!("{path}: {e}")));
            if let (Some(etag), Ok(_)) = (etag, &decoded) {
                self.etags.put(url.to_string(), etag, body);
            }
            return decoded;
        }
    }
}
