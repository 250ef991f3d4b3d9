use serde::{Deserialize, Serialize};

use super::schedules::ScheduleRel;
use super::teams::TeamRel;
use super::users::UserRel;
use crate::{ApiError, Client};

/// An escalation policy as other objects reference it (on-calls and alert
/// sources embed the whole policy; only these fields matter here).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PolicyRel {
    pub id: i64,
    #[serde(default)]
    pub name: Option<String>,
}

/// One level of a policy: after `escalation_timeout` minutes the next one is notified.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct EscalationRule {
    #[serde(default)]
    pub escalation_timeout: Option<i64>,
    #[serde(default)]
    pub users: Vec<UserRel>,
    #[serde(default)]
    pub schedules: Vec<ScheduleRel>,
}

/// `GET /api/escalation-policies` (scope `policy`).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct EscalationPolicy {
    pub id: i64,
    pub name: String,
    #[serde(default)]
    pub escalation_rules: Vec<EscalationRule>,
    #[serde(default)]
    pub teams: Vec<TeamRel>,
    #[serde(default)]
    pub routing_key: Option<String>,
}

impl Client {
    /// Every escalation policy (ilert pages them by at most 50).
    pub async fn escalation_policies(&self) -> Result<Vec<EscalationPolicy>, ApiError> {
        self.get_all("escalation-policies", &[], 50).await
    }
}
