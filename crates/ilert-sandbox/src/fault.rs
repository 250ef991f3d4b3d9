//! What a test can make the sandbox do to a request (a [`Fault`]) and what
//! it records of the OAuth requests ([`OAuthEvent`]): plain data, set
//! through the knobs and read by the state that applies them.

use serde::{Deserialize, Serialize};

/// What an injected fault does to a matching request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FaultKind {
    /// Answer with this status and ilert's `{status, message}` body. A 429
    /// carries no `Retry-After`, as ilert sends it.
    Status { status: u16 },
    /// Send the headers, then drop the connection mid-body.
    Drop,
    /// Wait this long before handling the request normally.
    Delay { millis: u64 },
    /// 200 with a body that is not JSON.
    Garbled,
    /// 200 with a JSON body labelled `text/html`.
    WrongContentType,
    /// 429 with `Retry-After: secs` (ilert sends none; a proxy might).
    RetryAfter { secs: u64 },
    /// This status and JSON body, as given (an answer ilert might send).
    Json { status: u16, body: serde_json::Value },
}

/// A fault on requests whose path starts with `path` (and whose method is
/// `method`, when given), for the next `times` requests (all, when `None`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Fault {
    pub path: String,
    #[serde(default)]
    pub method: Option<String>,
    #[serde(flatten)]
    pub kind: FaultKind,
    #[serde(default)]
    pub times: Option<u32>,
}

impl Fault {
    pub fn new(path: impl Into<String>, kind: FaultKind) -> Fault {
        Fault { path: path.into(), method: None, kind, times: None }
    }
    pub fn times(mut self, n: u32) -> Fault {
        self.times = Some(n);
        self
    }
    pub fn status(path: impl Into<String>, status: u16) -> Fault {
        Fault::new(path, FaultKind::Status { status })
    }
}

/// One request to an OAuth endpoint, as the sandbox answered it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct OAuthEvent {
    /// `authorize`, `consent`, `token`, `token_info` or `revoke`.
    pub endpoint: String,
    /// For `token`: `authorization_code` or `refresh_token`.
    pub grant_type: Option<String>,
    pub status: u16,
    /// ilert's error code when the request failed.
    pub error: Option<String>,
}
