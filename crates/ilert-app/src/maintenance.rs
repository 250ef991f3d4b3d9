//! "Quiet a source for a deploy": a maintenance window on one alert source,
//! from now for 30 minutes, an hour or two (`POST /api/maintenance-windows`,
//! scope `maintenance:w`, asked for the first time it is used). Shown at
//! once (the source turns "in maintenance" in every surface), then as ilert
//! has it; never sent twice (a write that may have reached ilert is read
//! back, not repeated). A source with a page of mine still pending is not
//! quieted without the person's yes: the window asks first.

use chrono::{DateTime, Duration, Utc};
use ilert_api::api::alert_sources::{AlertSource, AlertSourceStatus};
use ilert_api::api::maintenance_windows::{NewMaintenanceWindow, SourceRef};
use ilert_api::Client;
use serde::{Deserialize, Serialize};

use crate::engine::Engine;
use crate::error::AppError;
use crate::view::session::can_maintain;
use crate::view::{Panel, Snapshot};

/// The scope a maintenance window needs.
pub const MAINTENANCE_SCOPE: &str = "maintenance:w";

/// How long a source is quieted: the lengths offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub enum MaintainFor {
    HalfHour,
    Hour,
    TwoHours,
}

impl MaintainFor {
    pub const ALL: [MaintainFor; 3] = [MaintainFor::HalfHour, MaintainFor::Hour, MaintainFor::TwoHours];

    pub fn length(self) -> Duration {
        match self {
            MaintainFor::HalfHour => Duration::minutes(30),
            MaintainFor::Hour => Duration::hours(1),
            MaintainFor::TwoHours => Duration::hours(2),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            MaintainFor::HalfHour => "30 min",
            MaintainFor::Hour => "1 h",
            MaintainFor::TwoHours => "2 h",
        }
    }
}

/// What became of it, in a sentence for the person.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub struct MaintenanceOutcome {
    pub source: i64,
    pub until: DateTime<Utc>,
    /// "Checkout API is in maintenance until 14:30".
    pub message: String,
}

/// The source as the latest snapshot has it.
pub fn source_of(s: &Snapshot, id: i64) -> Option<&AlertSource> {
    s.alert_sources.data()?.iter().find(|x| x.id == id)
}

/// Whether a page of mine on this source still waits for an answer: then
/// quieting the source asks first. By the source's id, or by its name where
/// ilert sent an alert's source without one.
pub fn pages_pending(s: &Snapshot, source: &AlertSource) -> bool {
    let on_it = |r: &crate::view::AlertRow| r.source_id.map_or(r.source == source.name, |id| id == source.id);
    s.alerts.data().is_some_and(|a| a.alerts.iter().any(|r| r.rings() && on_it(r)))
}

fn set_status(engine: &Engine, id: i64, status: Option<AlertSourceStatus>) {
    engine.amend(|s| {
        if let Panel::Ready { data, unreadable } = &s.alert_sources {
            let data = data.iter().cloned().map(|mut x| {
                if x.id == id {
                    x.status = status.clone();
                }
                x
            });
            s.alert_sources = Panel::Ready { data: data.collect(), unreadable: *unreadable };
        }
    });
}

/// Starts maintenance on `source` for `length` from `now`, as `me` (named in
/// the window's summary, so ilert's web app says who quieted it and why).
#[tracing::instrument(name = "app.maintain", skip(client, engine, source), fields(source = source.id))]
pub async fn maintain(
    client: &Client,
    engine: &Engine,
    source: &AlertSource,
    length: MaintainFor,
    me: &str,
    now: DateTime<Utc>,
) -> Result<MaintenanceOutcome, AppError> {
    let granted = client.session().granted_scope().await?;
    if !can_maintain(&granted) {
        return Err(AppError::scope_not_granted(
            MAINTENANCE_SCOPE,
            "a maintenance window needs permission to change maintenance windows in ilert",
        ));
    }
    let until = now + length.length();
    let window = NewMaintenanceWindow {
        summary: format!("{} quieted from ilert Desktop by {me}", source.name),
        description: format!("Started from ilert Desktop by {me} for {} (a deploy, or work on {}).", length.label(), source.name),
        start: now,
        end: until,
        timezone: "UTC".into(),
        alert_sources: vec![SourceRef { id: source.id }],
    };
    let before = source.status.clone();
    set_status(engine, source.id, Some(AlertSourceStatus::InMaintenance));
    match client.create_maintenance_window(&window).await {
        Ok(answer) => {
            let until = answer.and_then(|w| w.end).unwrap_or(until);
            // Shown as ilert has it with the round this starts (the sources are read again).
            engine.confirm(|_| {});
            let clock = until.with_timezone(&chrono::Local).format("%H:%M");
            tracing::info!(%until, "in maintenance");
            Ok(MaintenanceOutcome { source: source.id, until, message: format!("{} is in maintenance until {clock}", source.name) })
        }
        Err(e) => {
            if e.is_uncertain() {
                // It may exist at ilert: not sent again; the next read says.
                tracing::warn!(error = %e, "the maintenance window may or may not have been made; reading the sources again");
            } else {
                set_status(engine, source.id, before);
            }
            engine.refresh_now();
            Err(AppError::Api(e))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lengths_and_the_scope_are_read_as_ilert_reads_them() {
        assert_eq!(MaintainFor::ALL.map(|m| m.length().num_minutes()), [30, 60, 120]);
        assert!(can_maintain("profile maintenance:w") && can_maintain("wildcard:d") && can_maintain(""));
        assert!(!can_maintain("profile maintenance") && !can_maintain("profile alert:w"), "read-only or another resource");
        assert_eq!(serde_json::to_value(MaintainFor::TwoHours).unwrap(), "twoHours");
    }
}
