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
    /// Who is on call now, for every policy. Users and schedules come expanded (without `expand` ilert
    /// sends bare `{id}`s); policies only when `expand_policy`: the full
    /// policy objects are large, and the names also come from
    /// `/escalation-policies` when that scope was granted. The scope of
    /// `/on-calls` is undocumented: `schedule` or `policy`.
    pub async fn on_calls_now(&self, expand_policy: bool) -> Result<Listed<OnCall>, ApiError> {
        // A one-minute window rather than ilert's default [now, now]: people
        // named in a rule directly come back with the window as their
        // interval, which must still contain "now" by this machine's clock.
        let now = Utc::now();
        let fmt = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let (from, until) = (fmt(now - chrono::Duration::seconds(30)), fmt(now + chrono::Duration::seconds(30)));
        let mut q = vec![("from", from.as_str()), ("until", until.as_str()), ("expand", "user"), ("expand", "schedule")];
        if expand_policy {
            q.push(("expand", "escalationPolicy"));
        }
        self.get_all("on-calls", &q, 250).await
    }

    /// One user's on-call intervals from now until `until` (ilert allows at
    /// most 3 months): "my shifts", without pulling everyone's.
    pub async fn on_calls_of(&self, user: i64, until: DateTime<Utc>, expand_policy: bool) -> Result<Listed<OnCall>, ApiError> {
        let fmt = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let (from, until, user) = (fmt(Utc::now()), fmt(until), user.to_string());
        let mut q = vec![("users", user.as_str()), ("from", from.as_str()), ("until", until.as_str()), ("expand", "schedule")];
        if expand_policy {
            q.push(("expand", "escalationPolicy"));
        }
        self.get_all("on-calls", &q, 250).await
    }
}
