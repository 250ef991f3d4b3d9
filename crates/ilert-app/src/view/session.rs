//! Who is signed in, as the Session panel shows it. No token, ever.

use chrono::{DateTime, Utc};
use ilert_oauth::Session;
use serde::Serialize;

#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub struct SessionInfo {
    pub username: String,
    pub tenant: String,
    pub issuer: String,
    pub scopes: Vec<String>,
    pub access_expires_at: Option<DateTime<Utc>>,
    /// Whether the refresh token is in the OS keyring (else: this run only).
    pub persistent: bool,
    pub demo: bool,
    /// Whether the granted scopes allow accepting and resolving alerts
    /// (`ilert_api::scope` decides, for every surface; no scope known: yes,
    /// and ilert's 403 tells otherwise).
    pub can_act: bool,
    /// Whether they allow a maintenance window on an alert source (`maintenance:w`).
    pub can_maintain: bool,
    /// Whether they allow covering a colleague's turn on a schedule (`schedule:w`).
    pub can_cover: bool,
}

/// Whether the granted scope lets the person act on alerts (an unknown
/// scope, ilert never said: yes, and ilert's 403 tells otherwise). The one
/// reading for the actions, the window, the tray and the notifications.
pub fn can_act(granted: &str) -> bool {
    may_write(granted, "alert")
}

/// Whether the granted scope lets the person start a maintenance window
/// (unknown: yes, and ilert's 403 tells otherwise), read as [`can_act`] is.
pub fn can_maintain(granted: &str) -> bool {
    may_write(granted, "maintenance")
}

/// Whether the granted scope lets the person add an override to a schedule
/// (take the pager), read as [`can_act`] is.
pub fn can_cover(granted: &str) -> bool {
    may_write(granted, "schedule")
}

/// The granted scope writes `resource`, or ilert never said what it granted.
fn may_write(granted: &str, resource: &str) -> bool {
    granted.is_empty() || ilert_api::scope::can_write(granted, resource)
}

impl SessionInfo {
    /// From what the sign-in or the last refresh learnt, without asking
    /// ilert (no token_info per call); when ilert never said which scopes it
    /// granted, `asked` (what was asked for).
    pub async fn of(session: &Session, demo: bool, asked: &str) -> SessionInfo {
        let mut scope = session.scope();
        if scope.is_empty() {
            scope = asked.to_string();
        }
        let account = session.account();
        let can_act = can_act(scope.trim());
        let can_maintain = can_maintain(scope.trim());
        let can_cover = can_cover(scope.trim());
        SessionInfo {
            username: account.username.clone(),
            tenant: account.tenant.clone(),
            issuer: account.issuer.clone(),
            scopes: scope.split_whitespace().map(str::to_string).collect(),
            access_expires_at: session.access_expires_in().await.and_then(|d| chrono::Duration::from_std(d).ok()).map(|d| Utc::now() + d),
            persistent: session.is_persistent(),
            demo,
            can_act,
            can_maintain,
            can_cover,
        }
    }
}
