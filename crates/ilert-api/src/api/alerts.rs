use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::api::escalation_policies::PolicyRel;
use crate::api::users::UserRel;
use crate::client::Listed;
use crate::open_enum::open_enum;
use crate::{ApiError, Client};

open_enum!(
    /// An alert's state.
    AlertStatus { Pending = "PENDING", Accepted = "ACCEPTED", Resolved = "RESOLVED" }
);

open_enum!(
    /// How ilert reached someone about an alert.
    NotificationMethod { Push = "PUSH", Voice = "VOICE", Sms = "SMS", Email = "EMAIL", Whatsapp = "WHATSAPP" }
);

open_enum!(
    /// Whether a notification went out.
    NotificationStatus { Scheduled = "SCHEDULED", Success = "SUCCESS", Error = "ERROR" }
);

/// `GET /api/alerts/{id}/notifications` (scope `alert`): one message ilert
/// sent (or will send) someone about the alert. The description spells the
/// user's names `firstname`/`lastname`, ilert's other objects `firstName`:
/// [`UserRel`] reads either.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AlertNotification {
    #[serde(default, deserialize_with = "crate::lenient::opt_int")]
    pub id: Option<i64>,
    #[serde(default)]
    pub method: Option<NotificationMethod>,
    #[serde(default, deserialize_with = "crate::lenient::rel")]
    pub user: Option<UserRel>,
    #[serde(default)]
    pub notification_time: Option<DateTime<Utc>>,
    #[serde(default)]
    pub status: Option<NotificationStatus>,
    #[serde(default)]
    pub error_message: Option<String>,
}

open_enum!(
    /// How ilert groups whom an alert can be handed to.
    ResponderGroup { Suggested = "SUGGESTED", User = "USER", EscalationPolicy = "ESCALATION_POLICY", OnCallSchedule = "ON_CALL_SCHEDULE" }
);

/// `GET /api/alerts/{id}/suggested-responders` (scope `alert`): one person,
/// escalation policy or on-call schedule the alert can be handed to. Which
/// it is, ilert says only by the group; `SUGGESTED` ones are people.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SuggestedResponder {
    #[serde(deserialize_with = "crate::lenient::int")]
    pub id: i64,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub group: Option<ResponderGroup>,
    /// Offered, but not to be chosen (ilert does not say why).
    #[serde(default, deserialize_with = "crate::lenient::flag")]
    pub disabled: bool,
}

/// Whom `PUT /api/alerts/{id}/assign` hands an alert to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Assignee {
    User(i64),
    Policy(i64),
    Schedule(i64),
}

impl Assignee {
    /// Its query, under both names ilert is known by: the description's
    /// parameters are `user`, `policy`, `schedule`; its own text and every
    /// official client (ilert-go, ilert-js) send `user-id`, `policy-id`,
    /// `schedule-id`. A server ignores the query parameters it does not
    /// take, so sending both sets reaches either reading.
    pub fn query(self) -> String {
        let (name, id) = match self {
            Assignee::User(id) => ("user", id),
            Assignee::Policy(id) => ("policy", id),
            Assignee::Schedule(id) => ("schedule", id),
        };
        format!("{name}={id}&{name}-id={id}")
    }
}

/// What `POST /api/alerts/{id}/responders` is sent. ilert documents no body;
/// the one sent has the shape of the `AlertResponder` it answers with
/// (`{"user": {"id": N}}`), so a server that reads its own model reads it.
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
struct NewResponder {
    user: UserId,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
struct UserId {
    id: i64,
}

/// The alert source an alert came from (ilert embeds the whole source).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SourceRel {
    #[serde(deserialize_with = "crate::lenient::int")]
    pub id: i64,
    #[serde(default)]
    pub name: Option<String>,
}

/// One person an alert notifies, and whether they accepted it.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AlertResponder {
    #[serde(default, deserialize_with = "crate::lenient::rel")]
    pub user: Option<UserRel>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub accepted_at: Option<DateTime<Utc>>,
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
    pub details: Option<String>,
    #[serde(default)]
    pub status: Option<AlertStatus>,
    #[serde(default)]
    pub priority: Option<String>,
    #[serde(default)]
    pub report_time: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "crate::lenient::rel")]
    pub alert_source: Option<SourceRel>,
    #[serde(default, deserialize_with = "crate::lenient::rel")]
    pub escalation_policy: Option<PolicyRel>,
    #[serde(default, deserialize_with = "crate::lenient::vec")]
    pub responders: Vec<AlertResponder>,
    /// Deprecated by ilert in favour of `responders`, still sent by some tenants.
    #[serde(default, deserialize_with = "crate::lenient::rel")]
    pub assigned_to: Option<UserRel>,
    #[serde(default)]
    pub next_escalation: Option<DateTime<Utc>>,
    /// Sent with `include=nextEscalationUser`.
    #[serde(default, deserialize_with = "crate::lenient::rel")]
    pub next_escalation_user: Option<UserRel>,
    /// Which rule of the policy notifies next. ilert types it `number` and
    /// says nothing of its base (0 or 1), so nothing here reads a rule by it.
    #[serde(default, deserialize_with = "crate::lenient::opt_int")]
    pub next_escalation_rule_index: Option<i64>,
    /// Set on an alert folded into another (ilert's newer description):
    /// it is the parent's, and is neither shown nor rung apart from it.
    #[serde(default, deserialize_with = "crate::lenient::opt_int")]
    pub merged_into_id: Option<i64>,
    #[serde(default)]
    pub merge_state: Option<String>,
}

/// `GET /api/alerts/{id}/log-entries`: what happened to an alert.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct LogEntry {
    #[serde(default, deserialize_with = "crate::lenient::opt_int")]
    pub id: Option<i64>,
    #[serde(default)]
    pub timestamp: Option<DateTime<Utc>>,
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub log_entry_type: Option<String>,
}

impl Alert {
    /// Folded into another alert: the parent stands for it.
    pub fn is_merged(&self) -> bool {
        self.merged_into_id.is_some() || self.merge_state.as_deref().is_some_and(|s| s.eq_ignore_ascii_case("MERGED"))
    }

    /// Whether `user` is among the people this alert notifies.
    pub fn has_responder(&self, user: i64) -> bool {
        self.responders.iter().any(|r| r.user.as_ref().is_some_and(|u| u.id == user))
            || self.assigned_to.as_ref().is_some_and(|u| u.id == user)
    }
}

/// The filters `GET /api/alerts` and `/api/alerts/count` share, by the
/// names of ilert's OpenAPI description. Empty lists filter nothing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AlertFilter {
    pub states: Vec<AlertStatus>,
    pub sources: Vec<i64>,
    pub policies: Vec<i64>,
    /// User ids (ilert also takes usernames).
    pub responders: Vec<String>,
}

impl AlertFilter {
    /// PENDING and ACCEPTED: what still needs somebody.
    pub fn open() -> AlertFilter {
        AlertFilter { states: vec![AlertStatus::Pending, AlertStatus::Accepted], ..AlertFilter::default() }
    }

    fn query(&self) -> Vec<(&'static str, String)> {
        let states = self.states.iter().map(|s| ("states", s.as_str().to_string()));
        let sources = self.sources.iter().map(|s| ("sources", s.to_string()));
        let policies = self.policies.iter().map(|p| ("policies", p.to_string()));
        let responders = self.responders.iter().map(|r| ("responders", r.clone()));
        states.chain(sources).chain(policies).chain(responders).collect()
    }
}

#[derive(Deserialize)]
struct Count {
    /// `{"count": n}` as ilert's description has it; `totalCount` is read too.
    #[serde(alias = "totalCount", deserialize_with = "crate::lenient::int")]
    count: i64,
}

impl Client {
    /// Alerts matching `filter`, newest first as ilert sends them; ilert
    /// pages alerts by at most 100. Each page is asked with the `ETag` it
    /// last had, so an unchanged list costs ilert a 304.
    pub async fn alerts(&self, filter: &AlertFilter) -> Result<Listed<Alert>, ApiError> {
        let owned = filter.query();
        let mut query: Vec<(&str, &str)> = owned.iter().map(|(k, v)| (*k, v.as_str())).collect();
        query.push(("include", "nextEscalationUser"));
        self.get_all("alerts", &query, 100).await
    }

    /// One alert, as it is now, with who it escalates to next.
    pub async fn alert(&self, id: i64) -> Result<Alert, ApiError> {
        self.get(&format!("alerts/{id}"), &[("include", "nextEscalationUser")]).await
    }

    /// Every log entry of an alert (ilert pages them by at most 100).
    pub async fn alert_log(&self, id: i64) -> Result<Listed<LogEntry>, ApiError> {
        self.get_all(&format!("alerts/{id}/log-entries"), &[("lang", "en")], 100).await
    }

    /// Whom ilert told about alert `id`, and how (one unpaged list).
    pub async fn alert_notifications(&self, id: i64) -> Result<Vec<AlertNotification>, ApiError> {
        self.get(&format!("alerts/{id}/notifications"), &[]).await
    }

    /// `PUT /api/alerts/{id}/accept` (scope `alert:w`): the alert as ilert
    /// has it afterwards (a resolved one stays resolved).
    pub async fn accept_alert(&self, id: i64) -> Result<Alert, ApiError> {
        self.put_empty(&format!("alerts/{id}/accept")).await
    }

    /// `PUT /api/alerts/{id}/resolve` (scope `alert:w`).
    pub async fn resolve_alert(&self, id: i64) -> Result<Alert, ApiError> {
        self.put_empty(&format!("alerts/{id}/resolve")).await
    }

    /// `GET /api/alerts/{id}/suggested-responders` (scope `alert`): whom the
    /// alert can be handed to, in ilert's order. An entry that cannot be
    /// read is left out, not the whole list.
    pub async fn suggested_responders(&self, id: i64) -> Result<Vec<SuggestedResponder>, ApiError> {
        let raw: Vec<serde_json::Value> = self.get(&format!("alerts/{id}/suggested-responders"), &[("lang", "en")]).await?;
        Ok(raw.into_iter().filter_map(|v| serde_json::from_value(v).ok()).collect())
    }

    /// `PUT /api/alerts/{id}/assign` (scope `alert:w`): the alert as ilert
    /// has it afterwards. Written as accept is (never repeated once it may
    /// have reached ilert).
    pub async fn assign_alert(&self, id: i64, to: Assignee) -> Result<Alert, ApiError> {
        self.put_empty(&format!("alerts/{id}/assign?{}", to.query())).await
    }

    /// `POST /api/alerts/{id}/responders` (scope `alert:w`): ilert's 201
    /// with the responder added (`None`: answered without one). 404: no
    /// such user; 405: already a responder.
    pub async fn add_responder(&self, id: i64, user: i64) -> Result<Option<AlertResponder>, ApiError> {
        self.post_json(&format!("alerts/{id}/responders"), &NewResponder { user: UserId { id: user } }).await
    }

    /// How many alerts match `filter`, without listing them.
    pub async fn alert_count(&self, filter: &AlertFilter) -> Result<u64, ApiError> {
        // ilert's description lists no `policies` for the count: a count
        // that ignored it would count every policy's alerts, so those are
        // counted from the list, which takes it.
        if !filter.policies.is_empty() {
            return Ok(self.alerts(filter).await?.len() as u64);
        }
        let owned = filter.query();
        let query: Vec<(&str, &str)> = owned.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let c: Count = self.get("alerts/count", &query).await?;
        Ok(c.count.max(0) as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both spellings of a user's names, a method ilert may add later, and
    /// a notification without a user all read.
    #[test]
    fn notifications_read_whichever_way_ilert_spells_them() {
        let got: Vec<AlertNotification> = serde_json::from_value(serde_json::json!([
            {"id": 1, "method": "PUSH", "user": {"id": 7, "firstname": "Ada", "lastname": "Lovelace"}, "notificationTime": "2026-05-01T10:00:00Z", "status": "SUCCESS"},
            {"id": 2, "method": "VOICE", "user": {"id": 8, "firstName": "Grace", "lastName": "Hopper"}, "status": "ERROR", "errorMessage": "busy"},
            {"id": 3, "method": "PIGEON", "status": "SCHEDULED"},
        ]))
        .unwrap();
        let names: Vec<Option<String>> = got.iter().map(|n| n.user.as_ref().map(UserRel::name)).collect();
        assert_eq!(names, [Some("Ada Lovelace".into()), Some("Grace Hopper".into()), None]);
        assert_eq!(got[1].status, Some(NotificationStatus::Error));
        assert_eq!(got[2].method, Some(NotificationMethod::Unknown("PIGEON".into())));
    }
}
