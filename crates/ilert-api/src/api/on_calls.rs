use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::escalation_policies::PolicyRel;
use super::schedules::ScheduleRel;
use super::users::UserRel;
use crate::client::Listed;
use crate::{ApiError, Client};

/// `GET /api/on-calls`: someone on call for a policy level, through a
/// schedule or directly, between `start` and `end`.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct OnCall {
    /// Absent in ilert's answers for a gap (nobody on call).
    #[serde(default)]
    pub user: Option<UserRel>,
    #[serde(default)]
    pub escalation_policy: Option<PolicyRel>,
    #[serde(default)]
    pub schedule: Option<ScheduleRel>,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    #[serde(default, deserialize_with = "crate::lenient::opt_int")]
    pub escalation_level: Option<i64>,
}

impl Client {
    /// Who is on call now, for every policy, with names expanded (without
    /// `expand` ilert sends bare `{id}`s). The scope is undocumented:
    /// `schedule` or `policy`.
    pub async fn on_calls_now(&self) -> Result<Listed<OnCall>, ApiError> {
        self.on_calls_between(None).await
    }

    /// Everyone's on-call intervals from now until `until` (ilert allows at
    /// most 3 months): who is on call now and, in the same answer, my
    /// coming shifts.
    pub async fn on_calls_between(&self, until: Option<DateTime<Utc>>) -> Result<Listed<OnCall>, ApiError> {
        let (from, until) = match until {
            Some(u) => (Some(Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)), Some(u.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))),
            None => (None, None),
        };
        let mut q = vec![("expand", "user"), ("expand", "escalationPolicy"), ("expand", "schedule")];
        if let (Some(f), Some(u)) = (&from, &until) {
            q.push(("from", f));
            q.push(("until", u));
        }
        self.get_all("on-calls", &q, 250).await
    }
}
