//! A local ilert: the OAuth2 authorization server and the REST subset that
//! ilert-desktop uses, with seeded data, served over real HTTP on loopback.
//!
//! It answers with ilert's wire formats (paths, parameters, JSON fields, error
//! bodies, status codes, lifetimes) as documented in `shared/ilert/`, so that a
//! client that works here works against app.ilert.com / api.ilert.com unchanged.
//! The tests start it in-process on an ephemeral port; the app's demo mode
//! starts it the same way; `cargo run -p ilert-sandbox --features admin` runs it alone.
//!
//! # Layout
//! - [`seed`]: the deterministic tenant (users, teams, schedules, policies,
//!   alert sources, alerts) with times relative to the server's clock.
//! - [`scope`]: ilert's scope grammar and what each level grants.
//! - `oauth`: authorize + consent page, token, token_info, revoke.
//! - `rest`: `/api/...` endpoints, bearer-token and scope checks, paging.
//! - `events`: `POST /api/events`, how monitoring tools raise, accept and
//!   resolve alerts with an alert source's integration key.
//! - `knobs`: what tests can turn: lifetimes, rotation, latency, faults,
//!   rate limits, and the log of OAuth requests (the turning and reading
//!   need `admin`); `fault`: a fault and an OAuth log entry, as data;
//!   `limits`: ilert's rate-limit counting; `state`: the tenant and its
//!   tokens behind one lock.
//! - `admin`: the same knobs over HTTP under `/__sandbox/`, a path ilert
//!   does not use (feature `admin`).
//!
//! # Features
//! - `admin`: the test controls. Off by default, and only tests and the
//!   bench (a workspace of its own) turn it on, so no build of the app has
//!   `/__sandbox/` routes (`scripts/check-supply-chain` checks).
//! - `browser`: a scripted person in the browser, for tests.
//! - `tls`: serving over HTTPS with a test certificate.
//!
//! # No key in the binary, no secret in the seed
//! The RS256 key that signs access tokens is generated when the first
//! sandbox of a process starts; sandbox tokens protect nothing. The alert
//! sources' integration keys are drawn anew at each start (the rest of the
//! tenant is seeded), so a key seen once does not drive another run's demo.

#[cfg(feature = "admin")]
mod admin;
#[cfg(feature = "browser")]
pub mod browser;
mod events;
mod fault;
pub mod knobs;
pub mod limits;
mod nulls;
mod oauth;
mod responders;
mod rest;
pub mod scope;
pub mod seed;
mod state;
#[cfg(feature = "tls")]
mod tls;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::response::IntoResponse;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

pub use events::{EventAnswers, UnknownKey};
pub use knobs::{Fault, FaultKind, OAuthEvent};
pub use limits::RateLimit;
pub use state::Knobs;

/// The client id of the demo app registered by default.
pub const DEMO_CLIENT_ID: &str = "ilert-desktop-demo";
/// The redirect URIs registered for the demo client by default.
pub const DEMO_REDIRECT_URIS: &[&str] = &["http://localhost:4598/callback", "http://127.0.0.1:4598/callback"];

/// An OAuth2 app registered at the sandbox, like an app in ilert's
/// developer settings. Public clients (PKCE only) have no secret.
#[derive(Debug, Clone)]
pub struct ClientApp {
    pub client_id: String,
    /// Matched exactly, port and path included, as ilert does.
    pub redirect_uris: Vec<String>,
    /// ilert's numeric app id (`app_id` in token_info, `il_a` in tokens).
    pub app_id: i64,
}

impl ClientApp {
    pub fn new(client_id: impl Into<String>, redirect_uris: impl IntoIterator<Item = impl Into<String>>) -> Self {
        ClientApp { client_id: client_id.into(), redirect_uris: redirect_uris.into_iter().map(Into::into).collect(), app_id: 250 }
    }
}

/// How a sandbox starts. Every field can be changed later through [`Knobs`]
/// except the seed and the clients' ids.
#[derive(Debug, Clone)]
pub struct Config {
    pub seed: u64,
    pub clients: Vec<ClientApp>,
    /// ilert: 1 h.
    pub access_token_lifetime: Duration,
    /// ilert: 1 year.
    pub refresh_token_lifetime: Duration,
    /// ilert: 2 minutes.
    pub code_lifetime: Duration,
    /// ilert does not say whether a refresh returns a new refresh token;
    /// the default keeps the old one (rotates with `ILERT_SANDBOX_ROTATE=1`),
    /// `true` rotates it.
    pub rotate_refresh_tokens: bool,
    /// Added to every request (except `/__sandbox/`).
    pub latency: Duration,
    /// The user who approves the consent page.
    pub consent_username: String,
    /// How token_info and revoke answer (ilert documents neither error shape).
    pub introspection: Introspection,
    /// Answer every optional REST field with an explicit `null` (and add an
    /// on-call without a user and a policy rule naming a user directly).
    pub nulls: bool,
    /// Answer an expired or revoked access token with 403 `KEY_ERROR` (as
    /// ilert does for an unknown API key) instead of 401.
    pub expired_as_key_error: bool,
    /// Send an `ETag` on `GET /api/alerts` and answer a matching
    /// `If-None-Match` with 304 (ilert's Chrome extension relies on both;
    /// whether every ilert endpoint does is undocumented, so it can be off).
    pub etags: bool,
    /// Refuse at authorize a scope list that names one resource twice
    /// (`alert alert:w`): ilert documents one scope per resource and its
    /// own clients send them so; whether it tolerates the pair is not said.
    pub strict_scopes: bool,
    /// The order of `GET /api/alerts`, which ilert does not document.
    pub alert_order: AlertOrder,
    /// How a write to an alert that is resolved already is answered
    /// (accept or resolve again): ilert does not say.
    pub changed_alert_writes: ChangedAlertWrite,
    /// The largest page `GET /api/alerts` serves when `include` is asked
    /// for; beyond it a 400 (ilert's notes: `include` may lower a list's
    /// maximum). `None`: the usual 100.
    pub include_cap: Option<usize>,
    /// How the Events API answers (its body, unknown keys, no open alert).
    pub events: EventAnswers,
    /// How `GET /api/alerts/count` answers where ilert's description is
    /// silent or may be read otherwise.
    pub count: CountAnswers,
    /// ilert's fixed-window rate limits (`None`: every request answered).
    pub rate_limit: Option<RateLimit>,
    /// The large tenant ([`seed::World::large`]) instead of the small one.
    pub large: bool,
    /// Lists filtered by the user's selected team unless the request's
    /// `team-context` header says all (`0`): ilert documents this for basic
    /// auth, not for OAuth tokens, and names the header two ways.
    pub team_context: bool,
    /// An alert's `responders` hold only the people first notified, not
    /// those its escalation reached since (ilert's description does not say
    /// which; its web app shows both).
    pub initial_responders_only: bool,
    /// Which names `PUT /api/alerts/{id}/assign` reads for whom to assign.
    pub assign_names: AssignNames,
    /// How far the sandbox's clock is ahead of the client's where ilert
    /// checks a time against its own ("an override must not start in the
    /// past"): a client's "now" may already be ilert's past.
    pub clock_ahead: Duration,
}

/// ilert's description names the assign parameters `user`, `policy` and
/// `schedule`; its own text and every official client send `user-id`,
/// `policy-id` and `schedule-id`. A server may read either set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize, clap::ValueEnum)]
#[serde(rename_all = "camelCase")]
pub enum AssignNames {
    /// Both sets (the sandbox's choice).
    #[default]
    Both,
    /// `user`, `policy`, `schedule` only.
    Spec,
    /// `user-id`, `policy-id`, `schedule-id` only.
    Legacy,
}

/// `GET /api/alerts/count`'s readings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CountAnswers {
    /// `{"totalCount": n}` instead of `{"count": n}`.
    pub total_count: bool,
    /// The `policies` filter ignored (ilert's description does not list it).
    pub ignore_policies: bool,
}

/// The answers ilert's description allows to a write on an alert that
/// changed already (accepting a resolved one, resolving it again).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize, clap::ValueEnum)]
#[serde(rename_all = "camelCase")]
pub enum ChangedAlertWrite {
    /// 200 with the alert as it is (the sandbox's choice).
    #[default]
    Ok,
    /// 400 `{status, message, code}`.
    BadRequest,
    /// 409 `{status, message, code}`.
    Conflict,
}

/// The orders `GET /api/alerts` may come in (ilert promises none).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize, clap::ValueEnum)]
#[serde(rename_all = "camelCase")]
pub enum AlertOrder {
    /// Newest report first (the sandbox's choice).
    #[default]
    Newest,
    Oldest,
    /// By id, ascending.
    Id,
}

/// The readings of token_info and revoke that ilert's documentation allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize, clap::ValueEnum)]
#[serde(rename_all = "camelCase")]
pub enum Introspection {
    /// As ilert documents them: `token` alone; ilert's `{code, error}` errors;
    /// `{"active": false}` for an inactive token (the sandbox's choice).
    #[default]
    Ilert,
    /// RFC 7662 / RFC 7009 to the letter: `client_id` required, errors as
    /// RFC 6749 `{error, error_description}` with HTTP 400.
    Rfc,
    /// token_info does not exist (404); revoke as ilert documents it.
    Absent,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            seed: 42,
            clients: vec![ClientApp::new(DEMO_CLIENT_ID, DEMO_REDIRECT_URIS.iter().copied())],
            access_token_lifetime: Duration::from_secs(3600),
            refresh_token_lifetime: Duration::from_secs(31_536_000),
            code_lifetime: Duration::from_secs(120),
            // ilert does not say whether it rotates; `scripts/test` runs a
            // second lane of the whole suite with rotation on.
            rotate_refresh_tokens: std::env::var_os("ILERT_SANDBOX_ROTATE").is_some_and(|v| v == "1"),
            latency: Duration::ZERO,
            consent_username: seed::DEMO_USERNAME.to_string(),
            introspection: Introspection::Ilert,
            nulls: false,
            expired_as_key_error: false,
            etags: true,
            strict_scopes: false,
            alert_order: AlertOrder::Newest,
            changed_alert_writes: ChangedAlertWrite::Ok,
            include_cap: None,
            events: EventAnswers::default(),
            count: CountAnswers::default(),
            rate_limit: None,
            large: false,
            team_context: false,
            initial_responders_only: false,
            assign_names: AssignNames::Both,
            clock_ahead: Duration::ZERO,
        }
    }
}

impl Config {
    /// Registers one more client (or more redirect URIs for an existing one).
    pub fn with_client(mut self, client_id: &str, redirect_uri: &str) -> Self {
        self.add_client(client_id, redirect_uri);
        self
    }

    /// Registers a client, or adds a redirect URI to an existing one.
    pub fn add_client(&mut self, client_id: &str, redirect_uri: &str) {
        match self.clients.iter_mut().find(|c| c.client_id == client_id) {
            Some(c) if c.redirect_uris.iter().any(|u| u == redirect_uri) => {}
            Some(c) => c.redirect_uris.push(redirect_uri.to_string()),
            None => self.clients.push(ClientApp::new(client_id, [redirect_uri])),
        }
    }
}

/// A running sandbox. Dropping it stops the server.
pub struct Sandbox {
    addr: SocketAddr,
    knobs: Knobs,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
    tls: bool,
}

impl Sandbox {
    /// Starts a sandbox on `127.0.0.1` at an ephemeral port.
    pub async fn start(config: Config) -> std::io::Result<Sandbox> {
        Self::bind(config, 0).await
    }

    /// Starts a sandbox on `127.0.0.1:port` (0 picks a free port).
    /// It never listens beyond loopback.
    pub async fn bind(config: Config, port: u16) -> std::io::Result<Sandbox> {
        let listener = TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, port)).await?;
        let addr = listener.local_addr()?;
        let knobs = Knobs::new(config);
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(serve(listener, knobs.clone(), async {
            let _ = rx.await;
        }));
        Ok(Sandbox { addr, knobs, shutdown: Some(tx), task: Some(task), tls: false })
    }

    /// Starts a sandbox on `127.0.0.1` at an ephemeral port that speaks
    /// HTTPS only, with the certificate chain and key given (PEM). Its
    /// [`Sandbox::url`] is `https://localhost:PORT`.
    #[cfg(feature = "tls")]
    pub async fn start_tls(config: Config, cert_chain_pem: &str, key_pem: &str) -> std::io::Result<Sandbox> {
        let listener = TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        let knobs = Knobs::new(config);
        let acceptor = tls::acceptor(cert_chain_pem, key_pem)?;
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(tls::serve(listener, acceptor, router(knobs.clone(), addr.port()), async {
            let _ = rx.await;
        }));
        Ok(Sandbox { addr, knobs, shutdown: Some(tx), task: Some(task), tls: true })
    }

    /// `http://127.0.0.1:PORT` (or `https://localhost:PORT` over TLS): the
    /// base of every path, OAuth and REST alike.
    pub fn url(&self) -> String {
        if self.tls {
            format!("https://localhost:{}", self.addr.port())
        } else {
            format!("http://{}", self.addr)
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The test controls of this sandbox.
    pub fn knobs(&self) -> &Knobs {
        &self.knobs
    }

    /// Stops the server and waits until it has stopped.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Serves the sandbox on `listener` until `shutdown` completes.
pub async fn serve(listener: TcpListener, knobs: Knobs, shutdown: impl std::future::Future<Output = ()> + Send + 'static) {
    let port = listener.local_addr().map(|a| a.port()).unwrap_or_default();
    let app = router(knobs, port);
    // The peer's address: the rate limiter counts per client address.
    let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
    if let Err(e) = axum::serve(listener, app).with_graceful_shutdown(shutdown).await {
        tracing::error!(error = %e, "sandbox server stopped");
    }
}

fn router(knobs: Knobs, port: u16) -> axum::Router {
    let state = Arc::new(knobs);
    let app = axum::Router::new()
        .merge(oauth::routes())
        .merge(rest::routes())
        .merge(responders::routes())
        .merge(events::routes())
        .fallback(rest::not_found)
        .layer(axum::middleware::from_fn_with_state(state.clone(), knobs::nulls_mode))
        .layer(axum::middleware::from_fn_with_state(state.clone(), knobs::team_context))
        .layer(axum::middleware::from_fn_with_state(state.clone(), knobs::faults_and_latency))
        .layer(axum::middleware::from_fn_with_state(state.clone(), knobs::rate_limit));
    #[cfg(feature = "admin")]
    let app = app.merge(admin::routes());
    app.layer(axum::middleware::from_fn_with_state(Arc::new(port), host_guard)).with_state(state)
}

/// Only requests addressed to this sandbox by name: `Host` must be
/// `127.0.0.1:PORT` or `localhost:PORT`. A web page in the user's browser
/// that points a name of its own at 127.0.0.1 (DNS rebinding) reaches the
/// port, but its requests carry its own name and get 421, so it can neither
/// read the consent page nor drive the demo's Events API.
async fn host_guard(
    axum::extract::State(port): axum::extract::State<Arc<u16>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let host = request.headers().get(axum::http::header::HOST).and_then(|h| h.to_str().ok()).unwrap_or_default();
    let ours = [format!("127.0.0.1:{port}"), format!("localhost:{port}")];
    if ours.iter().any(|o| o.eq_ignore_ascii_case(host)) {
        return next.run(request).await;
    }
    (axum::http::StatusCode::MISDIRECTED_REQUEST, "This server answers only requests addressed to it by its own address.\n").into_response()
}
