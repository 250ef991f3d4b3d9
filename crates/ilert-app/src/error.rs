//! The app layer's one error type, and its form across IPC:
//! `{ "kind": "sessionExpired", "message": "…" }`, where `kind` is an
//! [`ErrorKind`] the UI can match on and `message` is for the person.

use serde::Serialize;

/// Everything that can go wrong above the OAuth and REST crates.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    OAuth(#[from] ilert_oauth::Error),
    #[error(transparent)]
    Api(#[from] ilert_api::ApiError),
    /// A setting is unusable, or the settings file cannot be read or written.
    #[error("{0}")]
    Settings(String),
    /// The embedded sandbox of demo mode could not start or receive.
    #[error("{0}")]
    Demo(String),
    #[error("not signed in")]
    NotSignedIn,
    /// A bug or an impossible state: logged in full, shown generically.
    #[error("internal error: {0}")]
    Internal(String),
}

/// What kind of failure, for the UI to choose what to show. Serialized
/// camelCase; the TypeScript union is generated from it. The lower crates'
/// error enums are matched exhaustively, so a new variant there does not
/// compile until it has a kind here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub enum ErrorKind {
    Config,
    NoClientId,
    PortInUse,
    Listen,
    Denied,
    EndedWithoutState,
    Timeout,
    Cancelled,
    InvalidGrant,
    SessionExpired,
    NotSignedIn,
    #[serde(rename = "oauth")]
    OAuth,
    RateLimited,
    Unavailable,
    UnexpectedResponse,
    Keyring,
    Browser,
    ScopeNotGranted,
    Forbidden,
    PlanLimit,
    Http,
    Demo,
    Internal,
}

impl ErrorKind {
    pub fn of_oauth(e: &ilert_oauth::Error) -> ErrorKind {
        use ilert_oauth::Error as E;
        match e {
            E::Config(_) => ErrorKind::Config,
            E::NoClientId => ErrorKind::NoClientId,
            E::PortInUse { .. } => ErrorKind::PortInUse,
            E::Listen(_) => ErrorKind::Listen,
            E::Denied { .. } => ErrorKind::Denied,
            E::EndedWithoutState => ErrorKind::EndedWithoutState,
            E::TimedOut { .. } => ErrorKind::Timeout,
            E::Cancelled => ErrorKind::Cancelled,
            E::InvalidGrant(_) => ErrorKind::InvalidGrant,
            E::SessionExpired => ErrorKind::SessionExpired,
            E::NotSignedIn => ErrorKind::NotSignedIn,
            E::OAuth { .. } => ErrorKind::OAuth,
            E::RateLimited => ErrorKind::RateLimited,
            E::Unavailable(_) => ErrorKind::Unavailable,
            E::UnexpectedResponse(_) => ErrorKind::UnexpectedResponse,
            E::Keyring(_) => ErrorKind::Keyring,
            E::Browser(_) => ErrorKind::Browser,
        }
    }

    pub fn of_api(e: &ilert_api::ApiError) -> ErrorKind {
        use ilert_api::ApiError as E;
        match e {
            E::ScopeNotGranted { .. } => ErrorKind::ScopeNotGranted,
            E::SessionExpired => ErrorKind::SessionExpired,
            E::RateLimited { .. } => ErrorKind::RateLimited,
            E::Forbidden { .. } => ErrorKind::Forbidden,
            E::PlanLimit { .. } => ErrorKind::PlanLimit,
            E::Unavailable { .. } => ErrorKind::Unavailable,
            E::Timeout { .. } => ErrorKind::Timeout,
            E::Http { .. } => ErrorKind::Http,
            E::UnexpectedResponse(_) => ErrorKind::UnexpectedResponse,
            // The session could not give a token: the reason is the OAuth one.
            E::Auth(e) => ErrorKind::of_oauth(e),
        }
    }
}

impl AppError {
    /// `scope` was not granted and `what` needs it: the window offers a
    /// sign-in that adds it (one shape for every write the app makes).
    pub fn scope_not_granted(scope: &str, what: &str) -> AppError {
        AppError::Api(ilert_api::ApiError::ScopeNotGranted { scope: Some(scope.into()), message: what.into() })
    }

    pub fn kind(&self) -> ErrorKind {
        match self {
            AppError::OAuth(e) => ErrorKind::of_oauth(e),
            AppError::Api(e) => ErrorKind::of_api(e),
            AppError::Settings(_) => ErrorKind::Config,
            AppError::Demo(_) => ErrorKind::Demo,
            AppError::NotSignedIn => ErrorKind::NotSignedIn,
            AppError::Internal(_) => ErrorKind::Internal,
        }
    }

    /// The session ended (revoked, expired, refused): sign in again.
    pub fn is_session_expired(&self) -> bool {
        self.kind() == ErrorKind::SessionExpired
    }
}

/// An error as the webview receives it. Core errors never carry secrets;
/// an internal one's text stays in the log and the person reads a generic line.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
pub struct IpcError {
    pub kind: ErrorKind,
    pub message: String,
}

impl From<AppError> for IpcError {
    fn from(e: AppError) -> IpcError {
        let kind = e.kind();
        let message = match &e {
            AppError::Internal(what) => {
                tracing::error!(what, "internal error");
                "Something went wrong inside ilert Desktop; see the log file.".to_string()
            }
            other => other.to_string(),
        };
        IpcError { kind, message }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crosses_ipc_as_kind_and_message() {
        let e: IpcError = AppError::from(ilert_oauth::Error::SessionExpired).into();
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            serde_json::json!({ "kind": "sessionExpired", "message": "signed out: session expired. Sign in again" })
        );
        let e: IpcError = AppError::Demo("the demo server could not start: no port".into()).into();
        assert_eq!(serde_json::to_value(&e).unwrap()["kind"], "demo");
        let e: IpcError = AppError::from(ilert_oauth::Error::OAuth { code: "x".into(), message: "y".into() }).into();
        assert_eq!(serde_json::to_value(&e).unwrap()["kind"], "oauth");
    }

    /// A panel whose token could not be had says why (ilert unreachable,
    /// the keyring), not "internal": the REST error wraps the OAuth one.
    #[test]
    fn a_token_failure_behind_a_rest_call_keeps_its_kind() {
        let e = AppError::from(ilert_api::ApiError::Auth(ilert_oauth::Error::Unavailable("ilert is down".into())));
        assert_eq!(e.kind(), ErrorKind::Unavailable);
        assert_eq!(ErrorKind::of_api(&ilert_api::ApiError::Auth(ilert_oauth::Error::SessionExpired)), ErrorKind::SessionExpired);
    }

    #[test]
    fn an_internal_error_shows_a_generic_message() {
        let e: IpcError = AppError::Internal("lock poisoned at engine.rs:12".into()).into();
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            serde_json::json!({ "kind": "internal", "message": "Something went wrong inside ilert Desktop; see the log file." })
        );
    }
}
