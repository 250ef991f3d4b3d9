use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::teams::TeamRel;
use super::users::UserRel;
use crate::client::Listed;
use crate::open_enum::open_enum;
use crate::{ApiError, Client};

open_enum!(
    /// `STATIC` or `RECURRING`.
    ScheduleType { Static = "STATIC", Recurring = "RECURRING" }
);

/// A schedule as other objects reference it.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ScheduleRel {
    #[serde(deserialize_with = "crate::lenient::int")]
    pub id: i64,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default, rename = "type")]
    pub kind: Option<ScheduleType>,
}

/// Someone's turn on a schedule.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Shift {
    #[serde(default)]
    pub user: Option<UserRel>,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// `GET /api/schedules` with `include=currentShift&include=nextShift`.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Schedule {
    #[serde(deserialize_with = "crate::lenient::int")]
    pub id: i64,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub timezone: Option<String>,
    #[serde(default, rename = "type")]
    pub kind: Option<ScheduleType>,
    #[serde(default, deserialize_with = "crate::lenient::vec")]
    pub teams: Vec<TeamRel>,
    #[serde(default)]
    pub current_shift: Option<Shift>,
    #[serde(default)]
    pub next_shift: Option<Shift>,
}

/// What `PUT /api/schedules/{id}/overrides` is sent: a `Shift` whose user
/// is named by id (ilert documents the whole `User`; its id is what names
/// one, as in every reference ilert's own clients send).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct NewOverride {
    pub user: UserRef,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct UserRef {
    pub id: i64,
}

impl Client {
    /// `PUT /api/schedules/{id}/overrides` (scope `schedule:w`): the user
    /// covers the shift's time ("must not be in the past", says ilert).
    /// ilert answers with the schedule (`None`: without a body). Written as
    /// accept is: never repeated once it may have reached ilert.
    pub async fn add_override(&self, schedule: i64, shift: &NewOverride) -> Result<Option<ScheduleRel>, ApiError> {
        self.put_json(&format!("schedules/{schedule}/overrides"), shift).await
    }

    /// Every schedule with its current and next shift (scope `schedule`;
    /// ilert pages schedules by at most 20).
    pub async fn schedules(&self) -> Result<Listed<Schedule>, ApiError> {
        self.get_all("schedules", &[("include", "currentShift"), ("include", "nextShift")], 20).await
    }

    /// One schedule's shifts between `from` and `until` (ilert's default is
    /// last month to three months on; overrides are in them), unpaged.
    pub async fn schedule_shifts(&self, schedule: i64, from: DateTime<Utc>, until: DateTime<Utc>) -> Result<Vec<Shift>, ApiError> {
        let fmt = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let (from, until) = (fmt(from), fmt(until));
        self.get(&format!("schedules/{schedule}/shifts"), &[("from", from.as_str()), ("until", until.as_str())]).await
    }

    /// One schedule's overrides (someone covering a turn), as shifts.
    pub async fn schedule_overrides(&self, schedule: i64) -> Result<Vec<Shift>, ApiError> {
        self.get(&format!("schedules/{schedule}/overrides"), &[]).await
    }

    /// Who is on call on one schedule now; `None` is ilert's 204 "nobody".
    pub async fn user_on_call(&self, schedule: i64) -> Result<Option<Shift>, ApiError> {
        self.get_opt(&format!("schedules/{schedule}/user-on-call"), &[]).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variable_precision_dates_and_unknown_types_parse() {
        let s: Schedule = serde_json::from_str(
            r#"{"id":7,"name":"Nights","type":"FOLLOW_THE_SUN","currentShift":{"user":{"id":1},"start":"2026-05-01T08:00:00Z","end":"2026-05-08T08:00:00.123456Z"}}"#,
        )
        .unwrap();
        assert_eq!(s.kind, Some(ScheduleType::Unknown("FOLLOW_THE_SUN".into())));
        assert_eq!(s.current_shift.unwrap().end.timestamp_subsec_micros(), 123456);
        assert!(s.next_shift.is_none() && s.teams.is_empty());
    }
}
