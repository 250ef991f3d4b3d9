use serde::{Deserialize, Serialize};

use super::schedules::ScheduleRel;
use super::teams::TeamRel;
use super::users::UserRel;
use crate::client::Listed;
use crate::{ApiError, Client};

/// An escalation policy as other objects reference it (on-calls and alert
/// sources embed the whole policy; only these fields matter here).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct PolicyRel {
    #[serde(deserialize_with = "crate::lenient::int")]
    pub id: i64,
    #[serde(default)]
    pub name: Option<String>,
}

/// One level of a policy: after `escalation_timeout` minutes the next one is notified.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct EscalationRule {
    #[serde(default, deserialize_with = "crate::lenient::opt_int")]
    pub escalation_timeout: Option<i64>,
    #[serde(default, deserialize_with = "crate::lenient::vec")]
    pub users: Vec<UserRel>,
    #[serde(default, deserialize_with = "crate::lenient::vec")]
    pub schedules: Vec<ScheduleRel>,
}

/// `GET /api/escalation-policies` (scope `policy`).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct EscalationPolicy {
    #[serde(deserialize_with = "crate::lenient::int")]
    pub id: i64,
    pub name: String,
    #[serde(default, deserialize_with = "crate::lenient::vec")]
    pub escalation_rules: Vec<EscalationRule>,
    #[serde(default, deserialize_with = "crate::lenient::vec")]
    pub teams: Vec<TeamRel>,
    #[serde(default)]
    pub routing_key: Option<String>,
}

impl Client {
    /// Every escalation policy (ilert pages them by at most 50).
    pub async fn escalation_policies(&self) -> Result<Listed<EscalationPolicy>, ApiError> {
        self.get_all("escalation-policies", &[], 50).await
    }
}
