use serde::{Deserialize, Serialize};

use super::escalation_policies::PolicyRel;
use super::teams::TeamRel;
use crate::client::Listed;
use crate::open_enum::open_enum;
use crate::{ApiError, Client};

open_enum!(
    /// How an alert source stands (read-only in ilert).
    AlertSourceStatus {
        Pending = "PENDING",
        AllAccepted = "ALL_ACCEPTED",
        AllResolved = "ALL_RESOLVED",
        InMaintenance = "IN_MAINTENANCE",
        Disabled = "DISABLED",
    }
);

/// `GET /api/alert-sources` (scope `source`). `integrationType` has 144+
/// values in ilert's spec and grows, so it stays a string.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct AlertSource {
    #[serde(deserialize_with = "crate::lenient::int")]
    pub id: i64,
    pub name: String,
    /// Read-only at ilert and not `required` in its description.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "Option<String>"))]
    pub status: Option<AlertSourceStatus>,
    #[serde(default)]
    pub integration_type: Option<String>,
    #[serde(default)]
    pub escalation_policy: Option<PolicyRel>,
    #[serde(default, deserialize_with = "crate::lenient::vec")]
    pub teams: Vec<TeamRel>,
    #[serde(default)]
    pub active: Option<bool>,
}

impl Client {
    /// Every alert source, through all pages (ilert's maximum page is 50).
    pub async fn alert_sources(&self) -> Result<Listed<AlertSource>, ApiError> {
        self.get_all_prefetched("alert-sources", &[], 50).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_open() {
        for (text, known) in [
            ("PENDING", true),
            ("ALL_ACCEPTED", true),
            ("ALL_RESOLVED", true),
            ("IN_MAINTENANCE", true),
            ("DISABLED", true),
            ("SNOOZED", false),
        ] {
            let s: AlertSourceStatus = serde_json::from_value(serde_json::json!(text)).unwrap();
            assert_eq!(!matches!(s, AlertSourceStatus::Unknown(_)), known, "{text}");
            assert_eq!(serde_json::to_value(&s).unwrap(), text, "round trip keeps the text");
        }
    }
}
