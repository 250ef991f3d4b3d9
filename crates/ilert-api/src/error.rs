//! The one error type of the API client. Each variant is something the UI
//! shows differently: a panel that was not granted, a session to sign in
//! again to, a retryable outage, or a bug-shaped answer.

/// Why an ilert API call failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// 403 `OAUTH2_SCOPE_ERROR`, or the scope was never granted: signing in
    /// again with `scope` added is the way on.
    #[error("access to {} was not granted{}", scope.as_deref().unwrap_or("this data"), if message.is_empty() { String::new() } else { format!(": {message}") })]
    ScopeNotGranted { scope: Option<String>, message: String },
    /// The session ended (expired, revoked, or a second 401 inside ilert's
    /// five-minute refresh window).
    #[error("your ilert session has expired; sign in again")]
    SessionExpired,
    /// Still 429 after the retries (ilert sends no Retry-After).
    #[error("ilert is rate limiting requests (HTTP 429) and still was after {attempts} tries; try again in a minute")]
    RateLimited { attempts: u32 },
    /// 502/503/504 or no connection, still after the retries.
    #[error("ilert is unavailable: {message}")]
    Unavailable { message: String },
    /// The call took longer than its time budget.
    #[error("ilert did not answer within {secs} s")]
    Timeout { secs: u64 },
    /// Any other non-success answer, with ilert's `{status, message, code}`.
    #[error("ilert answered HTTP {status}{}: {message}", code.as_deref().map(|c| format!(" {c}")).unwrap_or_default())]
    Http { status: u16, code: Option<String>, message: String },
    /// A success status whose body is not what ilert documents.
    #[error("unexpected answer from ilert: {0}")]
    UnexpectedResponse(String),
    /// The sign-in core failed in another way (configuration, keyring).
    #[error(transparent)]
    Auth(ilert_oauth::Error),
}

impl ApiError {
    /// A stable machine-readable name for the IPC `{kind, message}`.
    pub fn kind(&self) -> &'static str {
        match self {
            ApiError::ScopeNotGranted { .. } => "scopeNotGranted",
            ApiError::SessionExpired => "sessionExpired",
            ApiError::RateLimited { .. } => "rateLimited",
            ApiError::Unavailable { .. } => "unavailable",
            ApiError::Timeout { .. } => "timeout",
            ApiError::Http { .. } => "http",
            ApiError::UnexpectedResponse(_) => "unexpectedResponse",
            ApiError::Auth(e) => e.kind(),
        }
    }

    /// The scope a [`ApiError::ScopeNotGranted`] names.
    pub fn missing_scope(&self) -> Option<&str> {
        match self {
            ApiError::ScopeNotGranted { scope, .. } => scope.as_deref(),
            _ => None,
        }
    }
}

impl From<ilert_oauth::Error> for ApiError {
    fn from(e: ilert_oauth::Error) -> ApiError {
        use ilert_oauth::Error as E;
        match e {
            E::SessionExpired | E::InvalidGrant(_) | E::NotSignedIn => ApiError::SessionExpired,
            E::RateLimited => ApiError::RateLimited { attempts: 1 },
            E::Unavailable(message) => ApiError::Unavailable { message },
            other => ApiError::Auth(other),
        }
    }
}

/// ilert's error body on every non-2xx answer: `{status, message, code}`,
/// plus `scope` on `OAUTH2_SCOPE_ERROR`. Every field may be absent.
#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct RestError {
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub scope: Option<String>,
}

impl RestError {
    pub(crate) fn into_error(self, status: u16) -> ApiError {
        let message = self.message.unwrap_or_default();
        if status == 403 && self.code.as_deref() == Some("OAUTH2_SCOPE_ERROR") {
            return ApiError::ScopeNotGranted { scope: self.scope, message };
        }
        ApiError::Http { status, code: self.code, message }
    }
}
