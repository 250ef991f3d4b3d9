//! The temporary loopback redirect receiver of RFC 8252 §7.3.
//!
//! It is bound *before* the browser opens, so a busy port fails fast. It
//! listens on loopback only: `127.0.0.1`, `[::1]`, or both on one port when
//! the redirect host is `localhost` (the browser may resolve either). Port and
//! path come from the configured redirect URI, because ilert matches it exactly.
//!
//! It accepts exactly one valid callback: the configured path with a `state`
//! equal to ours (compared in constant time). Anything else, such as a favicon, a
//! preconnect, a wrong path, junk bytes, a wrong state or a second callback, gets a
//! harmless answer and the receiver keeps waiting. HTTP parsing is hyper's;
//! each connection has a header deadline, a size cap and an overall deadline,
//! and at most [`MAX_CONNECTIONS`] are open at once: a new connection over the
//! limit closes the oldest one, so a flood of idle (slowloris) connections
//! can neither grow memory without bound nor lock the real callback out.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use hyper::body::Incoming;
use hyper::header::{HeaderValue, CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinSet;
use url::Url;

use crate::error::Error;
use crate::secret::Secret;

type Full = http_body_util::Full<hyper::body::Bytes>;

/// Connections open at once; a new one over the limit closes the oldest.
pub const MAX_CONNECTIONS: usize = 64;
/// How long a client may take to send its request headers.
const HEADER_TIMEOUT: Duration = Duration::from_secs(5);
/// How long one connection may live.
const CONNECTION_TIMEOUT: Duration = Duration::from_secs(10);
/// How long the answering connections may take to finish after the wait ends.
const DRAIN: Duration = Duration::from_secs(1);
/// How often turned-away requests are summarised in the log.
const SUMMARY_EVERY: Duration = Duration::from_secs(10);
/// Request head size cap.
const MAX_HEAD: usize = 16 * 1024;

/// Cancels a waiting receiver from another task (the UI's Cancel button).
#[derive(Clone)]
pub struct CancelHandle(Arc<watch::Sender<bool>>);

impl CancelHandle {
    pub fn new() -> (CancelHandle, watch::Receiver<bool>) {
        let (tx, rx) = watch::channel(false);
        (CancelHandle(Arc::new(tx)), rx)
    }
    pub fn cancel(&self) {
        self.0.send_replace(true);
    }
    /// Whether both handles cancel the same sign-in.
    pub fn same(&self, other: &CancelHandle) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// Checks that a redirect URI is one the receiver can serve (RFC 8252:
/// `http://` to 127.0.0.1, `[::1]` or localhost, with a port and a path) and
/// that ilert's exact string match sees it as written: no user info, scheme
/// and host in lower case (a URL parser would quietly lower them and send a
/// URI the person never registered). Every problem is named at once.
/// Returns the parsed URI, its port and the addresses to listen on.
pub fn check_redirect_uri(redirect_uri: &str) -> Result<(Url, u16, Vec<IpAddr>), Error> {
    let url = Url::parse(redirect_uri).map_err(|e| Error::Config(format!("redirect URI '{redirect_uri}' is not a URL: {e}")))?;
    let mut problems: Vec<String> = Vec::new();
    let hosts: Vec<IpAddr> = match url.host() {
        Some(url::Host::Ipv4(ip)) if ip.is_loopback() => vec![IpAddr::V4(ip)],
        Some(url::Host::Ipv6(ip)) if ip.is_loopback() => vec![IpAddr::V6(ip)],
        Some(url::Host::Domain(d)) if d.eq_ignore_ascii_case("localhost") => {
            vec![IpAddr::V4(Ipv4Addr::LOCALHOST), IpAddr::V6(Ipv6Addr::LOCALHOST)]
        }
        _ => {
            problems.push("its host must be 127.0.0.1, [::1] or localhost: the receiver never listens beyond loopback".into());
            vec![]
        }
    };
    if url.scheme() != "http" {
        problems.push("it must start with http:// (RFC 8252 loopback redirect)".into());
    }
    let written = WrittenParts::of(redirect_uri);
    if written.scheme.bytes().any(|b| b.is_ascii_uppercase()) || written.host.bytes().any(|b| b.is_ascii_uppercase()) {
        problems.push("write its scheme and host in lower case, as ilert matches the URI exactly".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        problems.push("it must not carry a user name or password".into());
    }
    if url.port().is_none() {
        problems.push("it needs an explicit port, e.g. http://localhost:4598/callback".into());
    }
    if !written.has_path {
        problems.push("it needs a path, e.g. /callback".into());
    }
    if url.query().is_some() || url.fragment().is_some() {
        problems.push("it must not carry a query or fragment".into());
    }
    if !problems.is_empty() {
        return Err(Error::Config(format!("redirect URI '{redirect_uri}': {}", problems.join("; "))));
    }
    Ok((url.clone(), url.port().expect("checked above"), hosts))
}

/// The scheme and host of a URI as the person wrote them (before a parser normalises them).
struct WrittenParts<'a> {
    scheme: &'a str,
    host: &'a str,
    has_path: bool,
}

impl<'a> WrittenParts<'a> {
    fn of(raw: &'a str) -> WrittenParts<'a> {
        let (scheme, rest) = raw.trim().split_once("://").unwrap_or(("", raw));
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let authority = &rest[..end];
        let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        let host = if host_port.starts_with('[') {
            host_port.split_inclusive(']').next().unwrap_or(host_port)
        } else {
            host_port.split(':').next().unwrap_or(host_port)
        };
        WrittenParts { scheme, host, has_path: rest[end..].starts_with('/') }
    }
}

/// A bound receiver, not yet waiting.
pub struct Receiver {
    listeners: Vec<TcpListener>,
    redirect_uri: Url,
}

impl Receiver {
    /// Binds the loopback address(es) and port of `redirect_uri`. Port 0
    /// picks a free port (tests); [`Receiver::redirect_uri`] then tells which.
    pub async fn bind(redirect_uri: &str) -> Result<Receiver, Error> {
        let (mut url, port, hosts) = check_redirect_uri(redirect_uri)?;
        let mut listeners = Vec::new();
        let mut port = port;
        for (i, ip) in hosts.iter().enumerate() {
            match TcpListener::bind(SocketAddr::new(*ip, port)).await {
                Ok(l) => {
                    port = l.local_addr().map_err(|e| Error::Listen(e.to_string()))?.port();
                    listeners.push(l);
                }
                Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
                    return Err(Error::PortInUse { host: ip.to_string(), port });
                }
                // `localhost` on a machine without IPv6: IPv4 alone will do.
                Err(_) if i > 0 && ip.is_ipv6() => {}
                Err(e) => return Err(Error::Listen(format!("{ip}:{port}: {e}"))),
            }
        }
        url.set_port(Some(port)).expect("http URLs take a port");
        Ok(Receiver { listeners, redirect_uri: url })
    }

    /// The redirect URI with the port actually bound.
    pub fn redirect_uri(&self) -> &Url {
        &self.redirect_uri
    }

    /// The local addresses listened on.
    pub fn local_addrs(&self) -> Vec<SocketAddr> {
        self.listeners.iter().filter_map(|l| l.local_addr().ok()).collect()
    }

    /// Waits for the one valid callback and returns its authorization code.
    /// Stops listening as soon as it has its answer, times out, or is cancelled.
    #[tracing::instrument(name = "loopback.wait", skip_all, fields(addrs = ?self.local_addrs()))]
    pub async fn wait(self, state: &Secret, timeout: Duration, mut cancel: watch::Receiver<bool>) -> Result<Secret, Error> {
        let deadline = tokio::time::Instant::now() + timeout;
        let (tx, mut rx) = mpsc::channel(1);
        let shared = Arc::new(Shared {
            path: self.redirect_uri.path().to_string(),
            state: state.clone(),
            done: AtomicBool::new(false),
            rejected: AtomicUsize::new(0),
            ignored: AtomicUsize::new(0),
            tx,
            open: std::sync::Mutex::new(std::collections::VecDeque::new()),
            next_id: AtomicUsize::new(0),
            closed: tokio::sync::Notify::new(),
        });
        let mut accepting = JoinSet::new();
        for listener in self.listeners {
            accepting.spawn(accept_loop(listener, shared.clone()));
        }
        // Rejected requests are logged as counts, one line per interval: a
        // flood of junk must not turn into a flood of log lines.
        let mut summary = tokio::time::interval_at(tokio::time::Instant::now() + SUMMARY_EVERY, SUMMARY_EVERY);
        let mut logged = (0, 0);
        let outcome = loop {
            tokio::select! {
                Some(outcome) = rx.recv() => break outcome,
                _ = tokio::time::sleep_until(deadline) => break Err(Error::TimedOut {
                    secs: timeout.as_secs(),
                    rejected: shared.rejected.load(Ordering::Relaxed),
                }),
                _ = cancel.wait_for(|c| *c) => break Err(Error::Cancelled),
                _ = summary.tick() => logged = shared.log_counts(logged),
            }
        };
        shared.log_counts(logged);
        // Close the listeners, and give the connections still answering (the
        // browser's page for the callback) a moment to finish, so a caller
        // that exits right away does not cut the browser's page off.
        accepting.abort_all();
        let drained = tokio::time::Instant::now() + DRAIN;
        loop {
            // Registered before the check, so a connection closing in between is not missed.
            let closed = shared.closed.notified();
            tokio::pin!(closed);
            closed.as_mut().enable();
            if shared.open.lock().unwrap_or_else(|e| e.into_inner()).is_empty() {
                break;
            }
            tokio::select! {
                _ = closed => {}
                _ = tokio::time::sleep_until(drained) => break,
            }
        }
        match &outcome {
            Ok(_) => tracing::info!("callback received"),
            Err(e) => tracing::warn!(error = %e, "no valid callback"),
        }
        outcome
    }
}

struct Shared {
    path: String,
    state: Secret,
    done: AtomicBool,
    /// Callbacks with a missing or wrong state.
    rejected: AtomicUsize,
    /// Other paths, methods and malformed queries.
    ignored: AtomicUsize,
    tx: mpsc::Sender<Result<Secret, Error>>,
    /// Open connections, oldest first, each with the switch that closes it.
    open: std::sync::Mutex<std::collections::VecDeque<(usize, oneshot::Sender<()>)>>,
    next_id: AtomicUsize,
    /// Signalled whenever a connection ends (the wait drains them at the end).
    closed: tokio::sync::Notify,
}

impl Shared {
    /// Logs what was turned away since the counts in `since`; returns the new counts.
    fn log_counts(&self, since: (usize, usize)) -> (usize, usize) {
        let now = (self.rejected.load(Ordering::Relaxed), self.ignored.load(Ordering::Relaxed));
        if now != since {
            tracing::warn!(wrong_state = now.0 - since.0, other = now.1 - since.1, "loopback: requests turned away since the last report");
        }
        now
    }

    /// Registers a new connection, closing the oldest when at the limit.
    fn admit(&self) -> (usize, oneshot::Receiver<()>) {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (close, closed) = oneshot::channel();
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        while open.len() >= MAX_CONNECTIONS {
            if let Some((_, oldest)) = open.pop_front() {
                let _ = oldest.send(());
            }
        }
        open.push_back((id, close));
        (id, closed)
    }

    fn leave(&self, id: usize) {
        self.open.lock().unwrap_or_else(|e| e.into_inner()).retain(|(i, _)| *i != id);
        self.closed.notify_waiters();
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else { continue };
        let (id, closed) = shared.admit();
        let shared = shared.clone();
        tokio::spawn(async move {
            let served = shared.clone();
            let service = hyper::service::service_fn(move |req| {
                let shared = served.clone();
                async move { Ok::<_, std::convert::Infallible>(handle(&shared, req)) }
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT)
                .max_buf_size(MAX_HEAD)
                .keep_alive(false)
                .serve_connection(TokioIo::new(stream), service);
            tokio::select! {
                _ = tokio::time::timeout(CONNECTION_TIMEOUT, conn) => {}
                _ = closed => {} // evicted by a newer connection
            }
            shared.leave(id);
        });
    }
}

/// What a request on the loopback port gets. Only a request on our path with
/// our state ends the wait.
fn handle(shared: &Shared, req: Request<Incoming>) -> Response<Full> {
    if req.method() != hyper::Method::GET || req.uri().path() != shared.path {
        shared.ignored.fetch_add(1, Ordering::Relaxed);
        return page(StatusCode::NOT_FOUND, "Not found", "Nothing here.");
    }
    let Some(CallbackParams { code, state, error, description }) = CallbackParams::parse(req.uri().query().unwrap_or("")) else {
        shared.ignored.fetch_add(1, Ordering::Relaxed);
        return page(StatusCode::BAD_REQUEST, "Invalid sign-in redirect", "A parameter appears twice.");
    };
    if shared.done.load(Ordering::SeqCst) {
        return page(StatusCode::OK, "Already done", "This sign-in is already complete. You can close this tab.");
    }
    let state_ok = state.as_deref().is_some_and(|s| shared.state.ct_eq(s));
    let outcome = match (error, code) {
        // ilert's refusal of this very sign-in: its words are shown.
        (Some(e), _) if state_ok => Err(Error::Denied { code: clip(&e), description: description.map(|d| clip(&d)) }),
        // ilert does not document whether `state` comes back with an error,
        // so an error without one must end the wait (else a real denial
        // would hang for minutes); but any local web page can send it, so
        // its text is never shown as ilert's.
        (Some(_), _) if state.is_none() => Err(Error::EndedWithoutState),
        (None, Some(c)) if state_ok => Ok(Secret::new(c)),
        _ => {
            shared.rejected.fetch_add(1, Ordering::Relaxed);
            return page(
                StatusCode::BAD_REQUEST,
                "Not this sign-in",
                "This redirect does not belong to the sign-in in progress. Start the sign-in again from ilert Desktop.",
            );
        }
    };
    if shared.done.swap(true, Ordering::SeqCst) {
        return page(StatusCode::OK, "Already done", "This sign-in is already complete. You can close this tab.");
    }
    let resp = match &outcome {
        Ok(_) => page(StatusCode::OK, "Signed in", "You are signed in to ilert Desktop. You can close this tab and return to the app."),
        Err(e) => page(StatusCode::BAD_REQUEST, "Sign-in failed", &format!("{e}. Return to ilert Desktop to try again.")),
    };
    let _ = shared.tx.try_send(outcome);
    resp
}

/// The parameters of a redirect that matter; the rest are ignored.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct CallbackParams {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
    pub description: Option<String>,
}

impl CallbackParams {
    /// Parses a query string (any bytes: invalid percent-encoding and
    /// non-UTF-8 are replaced, never a panic). `None` when a parameter that
    /// matters appears twice: which one to believe is not ours to guess.
    pub fn parse(query: &str) -> Option<CallbackParams> {
        let mut p = CallbackParams::default();
        for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
            let slot = match &*k {
                "code" => &mut p.code,
                "state" => &mut p.state,
                "error" => &mut p.error,
                "error_description" => &mut p.description,
                _ => continue,
            };
            if slot.replace(v.into_owned()).is_some() {
                return None;
            }
        }
        Some(p)
    }
}

/// ilert's error texts are short; a long one is somebody else's payload.
fn clip(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).take(200).collect()
}

fn page(status: StatusCode, title: &str, text: &str) -> Response<Full> {
    let esc = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;");
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
<title>{t} · ilert Desktop</title><style>body{{font:16px system-ui,sans-serif;max-width:30rem;margin:4rem auto;padding:0 1rem;color:#1f2937}}\
@media (prefers-color-scheme:dark){{body{{background:#111827;color:#e5e7eb}}}}h1{{font-size:1.3rem}}</style></head>\
<body><h1>{t}</h1><p>{x}</p></body></html>",
        t = esc(title),
        x = esc(text)
    );
    let mut resp = Response::new(Full::new(html.into()));
    *resp.status_mut() = status;
    let h = resp.headers_mut();
    h.insert(CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    h.insert(
        CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        ),
    );
    h.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(uri: &str) -> String {
        check_redirect_uri(uri).unwrap_err().to_string()
    }

    #[test]
    fn good_loopback_redirects_pass() {
        for ok in ["http://localhost:4598/callback", "http://127.0.0.1:1/", "http://[::1]:4598/cb"] {
            assert!(check_redirect_uri(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn what_ilerts_exact_match_would_not_see_as_written_is_refused() {
        assert!(problem("http://user:pw@localhost:4598/callback").contains("user name or password"));
        assert!(problem("HTTP://localhost:4598/callback").contains("lower case"));
        assert!(problem("http://LocalHost:4598/callback").contains("lower case"));
        assert!(problem("http://localhost:4598").contains("needs a path"));
        assert!(problem("http://localhost:4598?x=1").contains("needs a path"));
    }

    #[test]
    fn the_host_is_checked_first_and_every_problem_named() {
        let p = problem("http://example.com/cb");
        assert!(p.contains("127.0.0.1, [::1] or localhost") && p.contains("explicit port"), "{p}");
        assert!(p.find("host").unwrap() < p.find("port").unwrap(), "host first: {p}");
        let p = problem("https://Example.com");
        for want in ["loopback", "http://", "lower case", "port", "path"] {
            assert!(p.contains(want), "{want}: {p}");
        }
    }
}
