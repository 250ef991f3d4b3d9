//! The one error type of the API client. Each variant is something the UI
//! shows differently: a panel that was not granted, a session to sign in
//! again to, a retryable outage, or a bug-shaped answer.

/// Why an ilert API call failed.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 403 `OAUTH2_SCOPE_ERROR`, or the scope was never granted: signing in
    /// again with `scope` added is the way on.
    #[error("access to {} was not granted{}", scope.as_deref().unwrap_or("this data"), if message.is_empty() { String::new() } else { format!(": {message}") })]
    ScopeNotGranted { scope: Option<String>, message: String },
    /// The session ended (expired, revoked, or a second 401 inside ilert's
    /// five-minute refresh window).
    #[error("your ilert session has expired; sign in again")]
    SessionExpired,
    /// ilert answered 429 and the next try would not fit this call's time
    /// budget; the client waits `retry_in_secs` before asking again.
    #[error("ilert is rate-limiting; next try in {retry_in_secs} s")]
    RateLimited { retry_in_secs: u64 },
    /// A 403 that names no scope: ilert refuses this data to this user or
    /// app. Granting a scope again would not change it.
    #[error("ilert refused access to {resource} (403{})", code.as_deref().map(|c| format!(" {c}")).unwrap_or_default())]
    Forbidden { resource: String, code: Option<String>, message: String },
    /// 402: the feature is not in the ilert account's plan.
    #[error("{resource} is not part of your ilert account's plan (402{})", code.as_deref().map(|c| format!(" {c}")).unwrap_or_default())]
    PlanLimit { resource: String, code: Option<String>, message: String },
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
    /// Rate-limited for `wait` more, in whole seconds rounded up (0.3 s is "1 s").
    pub fn rate_limited(wait: std::time::Duration) -> ApiError {
        ApiError::RateLimited { retry_in_secs: wait.as_secs_f64().ceil() as u64 }
    }

    /// A stable machine-readable name for the IPC `{kind, message}`.
    pub fn kind(&self) -> &'static str {
        match self {
            ApiError::ScopeNotGranted { .. } => "scopeNotGranted",
            ApiError::SessionExpired => "sessionExpired",
            ApiError::RateLimited { .. } => "rateLimited",
            ApiError::Forbidden { .. } => "forbidden",
            ApiError::PlanLimit { .. } => "planLimit",
            ApiError::Unavailable { .. } => "unavailable",
            ApiError::Timeout { .. } => "timeout",
            ApiError::Http { .. } => "http",
            ApiError::UnexpectedResponse(_) => "unexpectedResponse",
            ApiError::Auth(e) => e.kind(),
        }
    }

    /// Whether a write may have reached ilert although it failed: the
    /// answer never came (timeout, dropped) or ilert failed inside (5xx).
    /// Then the real state must be read, and the write never repeated.
    pub fn is_uncertain(&self) -> bool {
        matches!(self, ApiError::Timeout { .. } | ApiError::Unavailable { .. })
    }

    /// A write ilert refused with a 4xx that is not about scope, session or
    /// rate (400, 404, 409, …): the request was read and declined, so the
    /// thing written may have changed meanwhile; reading it says how.
    pub fn is_refused_write(&self) -> bool {
        matches!(self, ApiError::Http { status: 400..=499, .. })
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
            E::RateLimited => ApiError::rate_limited(crate::rate::FIRST_WAIT),
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
    /// `resource`: what the request was for, in words ("on-calls").
    pub(crate) fn into_error(self, status: u16, resource: &str) -> ApiError {
        let message = self.message.unwrap_or_default();
        let resource = resource.to_string();
        match status {
            403 if self.code.as_deref() == Some("OAUTH2_SCOPE_ERROR") && self.scope.is_some() => {
                ApiError::ScopeNotGranted { scope: self.scope, message }
            }
            403 => ApiError::Forbidden { resource, code: self.code, message },
            402 => ApiError::PlanLimit { resource, code: self.code, message },
            _ => ApiError::Http { status, code: self.code, message },
        }
    }

    /// ilert's answer to an unknown or revoked key: treated like a 401.
    pub(crate) fn is_key_error(&self) -> bool {
        self.code.as_deref() == Some("KEY_ERROR")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(json: &str) -> RestError {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn a_403_offers_a_grant_only_when_it_names_the_scope() {
        let e = body(r#"{"code":"OAUTH2_SCOPE_ERROR","scope":"alert"}"#).into_error(403, "alerts");
        assert_eq!(e.missing_scope(), Some("alert"));
        let e = body(r#"{"code":"OAUTH2_SCOPE_ERROR","message":"Missing scope"}"#).into_error(403, "on-calls");
        assert_eq!(e.kind(), "forbidden");
        assert_eq!(e.to_string(), "ilert refused access to on-calls (403 OAUTH2_SCOPE_ERROR)");
        let e = body(r#"{}"#).into_error(403, "on-calls");
        assert_eq!(e.to_string(), "ilert refused access to on-calls (403)");
        let e = body(r#"{"code":"FEATURE_REQUIRED"}"#).into_error(402, "on-calls");
        assert_eq!(
            (e.kind(), e.to_string().as_str()),
            ("planLimit", "on-calls is not part of your ilert account's plan (402 FEATURE_REQUIRED)")
        );
    }
}
