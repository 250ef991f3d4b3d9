use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::client::Listed;
use crate::open_enum::open_enum;
use crate::{ApiError, Client};

open_enum!(
    /// An alert's state.
    AlertStatus { Pending = "PENDING", Accepted = "ACCEPTED", Resolved = "RESOLVED" }
);

/// The alert source an alert came from (ilert embeds the whole source).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SourceRel {
    #[serde(deserialize_with = "crate::lenient::int")]
    pub id: i64,
    #[serde(default)]
    pub name: Option<String>,
}

/// `GET /api/alerts` (scope `alert`).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Alert {
    #[serde(deserialize_with = "crate::lenient::int")]
    pub id: i64,
    #[serde(default)]
    pub summary: Option<String>,
    #[serde(default)]
    pub status: Option<AlertStatus>,
    #[serde(default)]
    pub priority: Option<String>,
    #[serde(default)]
    pub report_time: Option<DateTime<Utc>>,
    #[serde(default)]
    pub alert_source: Option<SourceRel>,
}

impl Client {
    /// Alerts in the given states (all states when empty), newest first as
    /// ilert sends them; ilert pages alerts by at most 100.
    pub async fn alerts(&self, states: &[AlertStatus]) -> Result<Listed<Alert>, ApiError> {
        let query: Vec<(&str, &str)> = states.iter().map(|s| ("states", s.as_str())).collect();
        self.get_all("alerts", &query, 100).await
    }
}
