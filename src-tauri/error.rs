//! Errors as they cross the IPC boundary: `{ "kind": "...", "message": "..." }`.

use serde::Serialize;

/// What a command returns on failure. The message is for the person at the
/// screen; core errors never carry secrets, and internal ones get a generic text.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct IpcError {
    pub kind: &'static str,
    pub message: String,
}

impl From<ilert_oauth::Error> for IpcError {
    fn from(e: ilert_oauth::Error) -> Self {
        IpcError { kind: e.kind(), message: e.to_string() }
    }
}

impl From<ilert_api::ApiError> for IpcError {
    fn from(e: ilert_api::ApiError) -> Self {
        IpcError { kind: e.kind(), message: e.to_string() }
    }
}

impl IpcError {
    pub fn internal(what: &str) -> Self {
        tracing::error!(what, "internal error");
        IpcError { kind: "internal", message: "Something went wrong inside ilert Desktop; see the log file.".into() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_as_kind_and_message() {
        let e: IpcError = ilert_oauth::Error::SessionExpired.into();
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            serde_json::json!({ "kind": "sessionExpired", "message": "signed out: session expired. Sign in again" })
        );
    }
}
