//! The one error type of the sign-in core. Messages are written for the
//! person at the screen and never carry a token, code, verifier or state.

/// Why a sign-in, refresh, or token-store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The settings are unusable (bad URL, plain http to a remote host, bad tenant).
    #[error("configuration: {0}")]
    Config(String),
    /// No client id is configured, so a real sign-in cannot start.
    #[error("no ilert client id is configured: set one in the settings (or ILERT_CLIENT_ID)")]
    NoClientId,
    /// The redirect port is taken; ilert matches the redirect URI exactly, so
    /// another port means registering another URI.
    #[error("port {port} on {host} is in use, so the sign-in redirect cannot be received. Close the program using it, or register another redirect URI in your ilert app and set it in the settings (ILERT_REDIRECT_URI)")]
    PortInUse { host: String, port: u16 },
    /// The loopback receiver could not listen.
    #[error("cannot listen for the sign-in redirect: {0}")]
    Listen(String),
    /// ilert (or the person) refused: the redirect carried `error=`.
    #[error("sign-in refused by ilert: {code}{}", description.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    Denied { code: String, description: Option<String> },
    /// A redirect with `error` but without `state` ended the sign-in. It may
    /// be ilert's (whether ilert echoes `state` on errors is undocumented)
    /// or any local web page's, so its text is not shown.
    #[error("the sign-in was ended by a redirect that did not carry this sign-in's state, so its message is not shown (it may not be ilert's). If you did not cancel in the browser, sign in again")]
    EndedWithoutState,
    /// Nobody completed the sign-in in time.
    #[error("sign-in timed out after {secs} s without a valid redirect{}", if *rejected > 0 { format!(" ({rejected} request(s) without this sign-in's state were ignored)") } else { String::new() })]
    TimedOut { secs: u64, rejected: usize },
    /// The sign-in was cancelled.
    #[error("sign-in cancelled")]
    Cancelled,
    /// ilert rejected the grant: the code or refresh token is unknown,
    /// expired or revoked. Signing in again is the only way on.
    #[error("ilert rejected the sign-in grant: {0}")]
    InvalidGrant(String),
    /// The session ended: expired, revoked, or a second 401 within ilert's
    /// five-minute refresh window.
    #[error("signed out: session expired. Sign in again")]
    SessionExpired,
    /// Nobody is signed in.
    #[error("not signed in")]
    NotSignedIn,
    /// ilert answered with another OAuth error (`invalid_request`, …).
    #[error("ilert refused the request: {code}: {message}")]
    OAuth { code: String, message: String },
    /// ilert is rate limiting (HTTP 429); retry later.
    #[error("ilert is rate limiting requests (HTTP 429); try again in a minute")]
    RateLimited,
    /// ilert could not be reached or answered 5xx; nothing was lost.
    #[error("ilert is unreachable: {0}")]
    Unavailable(String),
    /// ilert answered something this client does not understand.
    #[error("unexpected answer from ilert: {0}")]
    UnexpectedResponse(String),
    /// The OS keyring failed; the session can go on without being persisted.
    /// The text is one sentence that names the cause ("the keyring is locked; …").
    #[error("{0}")]
    Keyring(String),
    /// The system browser could not be opened.
    #[error("cannot open the browser: {0}")]
    Browser(String),
}

impl Error {
    /// Whether trying again later may succeed (and so nothing stored must go).
    pub fn is_transient(&self) -> bool {
        matches!(self, Error::RateLimited | Error::Unavailable(_))
    }

    /// A stable machine-readable name, for the IPC `{kind, message}` and exit codes.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Config(_) => "config",
            Error::NoClientId => "noClientId",
            Error::PortInUse { .. } => "portInUse",
            Error::Listen(_) => "listen",
            Error::Denied { .. } => "denied",
            Error::EndedWithoutState => "endedWithoutState",
            Error::TimedOut { .. } => "timeout",
            Error::Cancelled => "cancelled",
            Error::InvalidGrant(_) => "invalidGrant",
            Error::SessionExpired => "sessionExpired",
            Error::NotSignedIn => "notSignedIn",
            Error::OAuth { .. } => "oauth",
            Error::RateLimited => "rateLimited",
            Error::Unavailable(_) => "unavailable",
            Error::UnexpectedResponse(_) => "unexpectedResponse",
            Error::Keyring(_) => "keyring",
            Error::Browser(_) => "browser",
        }
    }
}

/// reqwest errors can carry the request URL; ours never hold secrets in the
/// URL, but strip it anyway so no future query parameter leaks into a message.
pub(crate) fn transport(e: reqwest::Error) -> Error {
    let e = e.without_url();
    if e.is_timeout() {
        Error::Unavailable("the request timed out".into())
    } else if e.is_decode() {
        Error::UnexpectedResponse(e.to_string())
    } else {
        Error::Unavailable(describe_transport(&e))
    }
}

/// What went wrong on the way to ilert, in words: reqwest's own text
/// ("error sending request") names no cause, so the innermost one is added,
/// and an untrusted certificate says what to do about it. The causes are
/// connection and TLS errors, which carry no token (those travel in headers
/// and bodies, never in these messages).
pub fn describe_transport(e: &reqwest::Error) -> String {
    let mut cause: Option<String> = None;
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        cause = Some(s.to_string());
        source = s.source();
    }
    match cause {
        Some(c) if c.contains("certificate") => format!(
            "the server's TLS certificate is not trusted ({c}); if your network inspects TLS, install its CA in the system's certificate store"
        ),
        Some(c) if !e.to_string().contains(&c) => format!("{e} ({c})"),
        _ => e.to_string(),
    }
}
