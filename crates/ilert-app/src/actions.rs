//! Accept and resolve, from the window, the tray or a notification: shown
//! at once (the snapshot is amended, so every surface changes together),
//! then confirmed or taken back by what ilert says.
//!
//! Honest about writes: the REST client never repeats one that may have
//! reached ilert ([`ilert_api::ApiError::is_uncertain`]); then the alert is
//! read again and its real state shown. An alert somebody else already
//! accepted or resolved is not an error: the outcome says who.

use ilert_api::api::alerts::{Alert, AlertStatus};
use ilert_api::Client;
use serde::{Deserialize, Serialize};

use crate::engine::Engine;
use crate::error::AppError;
use crate::view::session::can_act;
use crate::view::{AlertRow, OpenAlerts, Panel};

/// The scope accept and resolve need, asked for the first time a person acts.
pub const WRITE_SCOPE: &str = "alert:w";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub enum AlertAction {
    Accept,
    Resolve,
}

impl AlertAction {
    fn target(self) -> &'static str {
        match self {
            AlertAction::Accept => "ACCEPTED",
            AlertAction::Resolve => "RESOLVED",
        }
    }
}

/// What became of an action, in a sentence for the person.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub struct ActionOutcome {
    pub id: i64,
    /// The alert's status at ilert afterwards.
    pub status: String,
    pub message: String,
}

fn status_of(a: &Alert) -> &str {
    a.status.as_ref().map_or("UNKNOWN", AlertStatus::as_str)
}

fn accepted_by(a: &Alert) -> Vec<String> {
    a.responders.iter().filter(|r| r.status.as_deref() == Some("ACCEPTED")).filter_map(|r| r.user.as_ref().map(|u| u.name())).collect()
}

fn amend(engine: &Engine, id: i64, status: &str, by: Option<&[String]>) {
    engine.amend(|s| {
        if let Panel::Ready { data, .. } = &s.alerts {
            let changed: OpenAlerts = data.with_status(id, status, by);
            s.alerts = Panel::Ready { data: changed, unreadable: 0 };
        }
    });
}

/// The row as it was before the action, with the status ilert has now: a
/// Resolve shown at once took the row out, and when it did not happen the
/// row must be back at once, not only after the next refresh.
fn put_back(engine: &Engine, row: &AlertRow, status: &str, by: Vec<String>) {
    let mut row = row.clone();
    row.status = status.to_string();
    row.accepted_by = by;
    show_row(engine, row);
}

/// Every surface shows the alert as `row` at once (a change made before
/// ilert answers, or taken back after).
pub(crate) fn show_row(engine: &Engine, row: AlertRow) {
    engine.amend(|s| {
        if let Panel::Ready { data, .. } = &s.alerts {
            let changed: OpenAlerts = data.with_row(row.clone());
            s.alerts = Panel::Ready { data: changed, unreadable: 0 };
        }
    });
}

/// Accepts or resolves alert `id` as `me` (`None`: not known).
#[tracing::instrument(name = "app.act", skip(client, engine))]
pub async fn act(client: &Client, engine: &Engine, id: i64, action: AlertAction, me: Option<&str>) -> Result<ActionOutcome, AppError> {
    let granted = client.session().granted_scope().await?;
    if !can_act(&granted) {
        return Err(AppError::scope_not_granted(WRITE_SCOPE, "accepting and resolving alerts needs permission to change alerts in ilert"));
    }
    let before = engine.latest().alerts.data().and_then(|a| a.get(id).cloned());
    if let Some(row) = &before {
        // Already done by somebody: nothing to send.
        let others: Vec<&String> = row.accepted_by.iter().filter(|n| Some(n.as_str()) != me).collect();
        if action == AlertAction::Accept && row.status == "ACCEPTED" && !others.is_empty() {
            let names = others.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ");
            return Ok(ActionOutcome { id, status: row.status.clone(), message: format!("Already accepted by {names}") });
        }
    }
    amend(engine, id, action.target(), None);
    let sent = match action {
        AlertAction::Accept => client.accept_alert(id).await,
        AlertAction::Resolve => client.resolve_alert(id).await,
    };
    // A 4xx to a write on an alert that changed meanwhile (accepting one
    // somebody resolved) is undocumented: 200, 400 and 409 are all allowed
    // readings. Whatever it was, the alert as ilert has it now is the answer.
    let mut already = false;
    let result = match sent {
        Ok(alert) => Ok(alert),
        Err(e) if e.is_refused_write() => match client.alert(id).await {
            Ok(alert) if status_of(&alert) == action.target() || status_of(&alert) == "RESOLVED" => {
                tracing::info!(error = %e, status = status_of(&alert), "the write was refused; the alert had changed already");
                already = true;
                Ok(alert)
            }
            _ => Err(e),
        },
        Err(e) if e.is_uncertain() => {
            tracing::warn!(error = %e, "the write may or may not have reached ilert; reading the alert");
            match client.alert(id).await {
                Ok(alert) if status_of(&alert) == action.target() => Ok(alert),
                Ok(alert) => {
                    match &before {
                        Some(row) if status_of(&alert) != "RESOLVED" => put_back(engine, row, status_of(&alert), accepted_by(&alert)),
                        _ => amend(engine, id, status_of(&alert), Some(&accepted_by(&alert))),
                    }
                    engine.refresh_now();
                    return Err(AppError::Api(e));
                }
                Err(_) => Err(e),
            }
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(alert) => {
            let status = status_of(&alert).to_string();
            // ilert's answer, published with the round it starts (two snapshots per action).
            let by = accepted_by(&alert);
            engine.confirm(|s| {
                if let Panel::Ready { data, .. } = &s.alerts {
                    s.alerts = Panel::Ready { data: data.with_status(id, &status, Some(&by)), unreadable: 0 };
                }
            });
            let others: Vec<String> = accepted_by(&alert).into_iter().filter(|n| Some(n.as_str()) != me).collect();
            let message = match (action, status.as_str(), already) {
                (_, "RESOLVED", true) | (AlertAction::Accept, "RESOLVED", _) => "Already resolved".to_string(),
                (AlertAction::Accept, _, true) if !others.is_empty() => format!("Already accepted by {}", others.join(", ")),
                (AlertAction::Accept, _, true) => "Already accepted".to_string(),
                (AlertAction::Accept, _, false) => "Accepted".to_string(),
                (AlertAction::Resolve, _, _) => "Resolved".to_string(),
            };
            tracing::info!(status, "done");
            Ok(ActionOutcome { id, status, message })
        }
        Err(e) => {
            // Refused or unreachable: show it as it was, and ask ilert again.
            if let Some(row) = &before {
                put_back(engine, row, &row.status, row.accepted_by.clone());
            }
            engine.refresh_now();
            Err(e.into())
        }
    }
}
