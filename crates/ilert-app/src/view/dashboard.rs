//! The panels' model: each panel with its own outcome (ready, not granted,
//! failed with its last good data, loading), what one refresh round read
//! ([`Round`]), and the rules that make who is on call and my shifts out of
//! ilert's lists. Reading them is the engine's (`engine::fetch`).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use ilert_api::api::alert_sources::AlertSource;
use ilert_api::api::alerts::Alert;
use ilert_api::api::escalation_policies::EscalationPolicy;
use ilert_api::api::on_calls::OnCall;
use ilert_api::api::schedules::{Schedule, Shift};
use ilert_api::api::users::User;
use ilert_api::ApiError;

use crate::error::ErrorKind;

/// The group of on-call entries that name no escalation policy.
const NO_POLICY: i64 = i64::MIN;

/// How far ahead "my shifts" look.
pub const MY_SHIFTS_AHEAD_DAYS: i64 = 14;

/// One panel's outcome, as the UI renders it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
#[serde(tag = "state", rename_all = "camelCase")]
pub enum Panel<T> {
    /// `unreadable`: entries ilert sent that could not be read and were skipped.
    Ready {
        data: T,
        #[serde(skip_serializing_if = "is_zero")]
        #[cfg_attr(test, ts(type = "number | undefined"))]
        unreadable: usize,
    },
    /// The scope was not granted; signing in again with it added fixes it.
    #[serde(rename_all = "camelCase")]
    NotGranted { scope: String, message: String },
    /// Failed this time. `last`: what the panel showed before, kept and
    /// marked stale instead of replaced by the error.
    Error {
        kind: ErrorKind,
        message: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        #[cfg_attr(test, ts(optional))]
        last: Option<Stale<T>>,
    },
    /// Not fetched yet.
    Loading,
}

/// A panel's last good data and when it was fetched.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub struct Stale<T> {
    pub data: T,
    pub fetched_at: DateTime<Utc>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl<T> Panel<T> {
    pub(crate) fn from_result(r: Result<T, ApiError>) -> Panel<T> {
        Panel::with_unreadable(r.map(|data| (data, 0)))
    }

    /// Only a 403 that names its scope offers "Grant access": one that names
    /// none is shown as the refusal it is (asking again for a scope already
    /// granted would change nothing).
    pub(crate) fn with_unreadable(r: Result<(T, usize), ApiError>) -> Panel<T> {
        match r {
            Ok((data, unreadable)) => Panel::Ready { data, unreadable },
            Err(ApiError::ScopeNotGranted { scope: Some(scope), message }) => {
                let message = ApiError::ScopeNotGranted { scope: Some(scope.clone()), message }.to_string();
                Panel::NotGranted { scope, message }
            }
            Err(e) => Panel::error(&e),
        }
    }

    pub(crate) fn error(e: &ApiError) -> Panel<T> {
        Panel::Error { kind: ErrorKind::of_api(e), message: e.to_string(), last: None }
    }

    pub(crate) fn not_granted(scope: &str) -> Panel<T> {
        Panel::NotGranted { scope: scope.to_string(), message: format!("the '{scope}' scope was not granted to this sign-in") }
    }

    /// The same outcome over `f(data)` (stale data included).
    pub fn map<U>(self, f: impl Fn(T) -> U) -> Panel<U> {
        match self {
            Panel::Ready { data, unreadable } => Panel::Ready { data: f(data), unreadable },
            Panel::NotGranted { scope, message } => Panel::NotGranted { scope, message },
            Panel::Error { kind, message, last } => {
                Panel::Error { kind, message, last: last.map(|l| Stale { data: f(l.data), fetched_at: l.fetched_at }) }
            }
            Panel::Loading => Panel::Loading,
        }
    }

    /// The data to show: this refresh's, or else the stale data kept from before.
    pub fn latest(&self) -> Option<&T> {
        match self {
            Panel::Ready { data, .. } => Some(data),
            Panel::Error { last: Some(l), .. } => Some(&l.data),
            _ => None,
        }
    }

    pub fn data(&self) -> Option<&T> {
        match self {
            Panel::Ready { data, .. } => Some(data),
            _ => None,
        }
    }

    /// The session ended while fetching: the UI goes back to sign-in.
    pub fn is_session_expired(&self) -> bool {
        matches!(self, Panel::Error { kind: ErrorKind::SessionExpired, .. })
    }

    pub fn is_error(&self) -> bool {
        matches!(self, Panel::Error { .. })
    }

    /// This outcome, with `previous`'s data kept (as stale) where this one failed.
    pub fn keeping(self, previous: &Panel<T>, previous_at: Option<DateTime<Utc>>) -> Panel<T>
    where
        T: Clone,
    {
        match self {
            Panel::Error { kind, message, last: None } => {
                let last = match previous {
                    Panel::Ready { data, .. } => previous_at.map(|fetched_at| Stale { data: data.clone(), fetched_at }),
                    Panel::Error { last, .. } => last.clone(),
                    _ => None,
                };
                Panel::Error { kind, message, last }
            }
            other => other,
        }
    }
}

/// What one refresh round read: every panel, each with its data or why not.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Round {
    pub fetched_at: DateTime<Utc>,
    pub user: Panel<User>,
    pub on_call: Panel<OnCallNow>,
    pub schedules: Panel<Vec<ScheduleNow>>,
    pub alert_sources: Panel<Vec<AlertSource>>,
    /// The open ones (PENDING, ACCEPTED), every page.
    pub alerts: Panel<Vec<Alert>>,
}

/// Who is on call now, per escalation policy and level, and my shifts.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub struct OnCallNow {
    pub policies: Vec<PolicyNow>,
    pub my_shifts: Vec<MyShift>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub struct PolicyNow {
    pub id: i64,
    pub name: String,
    /// Levels with someone on call, lowest first; empty: nobody is.
    pub levels: Vec<LevelNow>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub struct LevelNow {
    pub level: i64,
    pub people: Vec<Person>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub struct Person {
    pub user_id: i64,
    pub name: String,
    pub mine: bool,
    /// The schedule that put them there; `None`: named in the policy directly.
    pub schedule: Option<String>,
    /// When their turn ends; `None` for people named directly (always on call).
    pub until: Option<DateTime<Utc>>,
}

/// One of my on-call intervals, merged across the policies that use it.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub struct MyShift {
    pub schedule: Option<String>,
    /// The schedule's id, for its hand-overs (`view::timeline`).
    pub schedule_id: Option<i64>,
    pub policies: Vec<String>,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub current: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub struct ScheduleNow {
    pub id: i64,
    pub name: String,
    pub current: Option<ShiftNow>,
    pub next: Option<ShiftNow>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub struct ShiftNow {
    pub user_id: Option<i64>,
    pub name: String,
    pub mine: bool,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Round {
    pub fn session_expired(&self) -> bool {
        self.user.is_session_expired()
            || self.on_call.is_session_expired()
            || self.schedules.is_session_expired()
            || self.alert_sources.is_session_expired()
            || self.alerts.is_session_expired()
    }

    /// Whether every panel that was asked for answered.
    pub fn all_ok(&self) -> bool {
        !(self.user.is_error()
            || self.on_call.is_error()
            || self.schedules.is_error()
            || self.alert_sources.is_error()
            || self.alerts.is_error())
    }

    /// The first failure, for the status line.
    pub fn first_error(&self) -> Option<(ErrorKind, &str)> {
        fn of<T>(p: &Panel<T>) -> Option<(ErrorKind, &str)> {
            match p {
                Panel::Error { kind, message, .. } => Some((*kind, message.as_str())),
                _ => None,
            }
        }
        of(&self.user).or(of(&self.on_call)).or(of(&self.schedules)).or(of(&self.alert_sources)).or(of(&self.alerts))
    }
}

/// Groups the on-call intervals that cover `now` by policy and level, lists
/// the policies nobody is on call for, and merges my intervals.
pub fn on_call_now(calls: &[OnCall], policies: Option<&[EscalationPolicy]>, me: Option<i64>, now: DateTime<Utc>) -> OnCallNow {
    let by_id: BTreeMap<i64, String> = policies.unwrap_or_default().iter().map(|p| (p.id, p.name.clone())).collect();
    let mut by_policy: BTreeMap<i64, (String, BTreeMap<i64, Vec<Person>>)> = BTreeMap::new();
    for p in policies.unwrap_or_default() {
        by_policy.entry(p.id).or_insert_with(|| (p.name.clone(), BTreeMap::new()));
    }
    for c in calls.iter().filter(|c| c.start <= now && now < c.end) {
        // An entry without a policy is grouped apart rather than dropped.
        let (policy_id, name) = match &c.escalation_policy {
            Some(p) => (p.id, p.name.clone().unwrap_or_else(|| format!("Policy #{}", p.id))),
            None => (NO_POLICY, "No escalation policy".to_string()),
        };
        let levels = &mut by_policy.entry(policy_id).or_insert_with(|| (name, BTreeMap::new())).1;
        let people = levels.entry(c.escalation_level.unwrap_or(1)).or_default();
        // No user: a gap; the level is listed with nobody on it.
        let Some(user) = &c.user else { continue };
        if people.iter().any(|p| p.user_id == user.id && p.schedule == c.schedule.as_ref().and_then(|s| s.name.clone())) {
            continue;
        }
        people.push(Person {
            user_id: user.id,
            name: user.name(),
            mine: Some(user.id) == me,
            schedule: c.schedule.as_ref().map(|s| s.name.clone().unwrap_or_else(|| format!("Schedule #{}", s.id))),
            until: c.schedule.as_ref().map(|_| c.end),
        });
    }
    let mut policies: Vec<PolicyNow> = by_policy
        .into_iter()
        .map(|(id, (name, levels))| PolicyNow {
            id,
            name,
            levels: levels.into_iter().map(|(level, people)| LevelNow { level, people }).collect(),
        })
        .collect();
    policies.sort_by_key(|p| p.name.to_lowercase());

    // My intervals: from schedules only (a direct rule has no shift), one
    // entry per schedule turn however many policies use that schedule.
    let mut mine: BTreeMap<(DateTime<Utc>, DateTime<Utc>, String), MyShift> = BTreeMap::new();
    for c in calls.iter().filter(|c| c.user.as_ref().map(|u| u.id) == me && me.is_some() && c.end > now) {
        let Some(s) = &c.schedule else { continue };
        let sched = s.name.clone().unwrap_or_else(|| format!("Schedule #{}", s.id));
        let policy = match &c.escalation_policy {
            Some(p) => p.name.clone().or_else(|| by_id.get(&p.id).cloned()).unwrap_or_else(|| format!("Policy #{}", p.id)),
            None => "No escalation policy".to_string(),
        };
        let entry = mine.entry((c.start, c.end, sched.clone())).or_insert_with(|| MyShift {
            schedule: Some(sched),
            schedule_id: Some(s.id),
            policies: Vec::new(),
            start: c.start,
            end: c.end,
            current: c.start <= now,
        });
        if !entry.policies.contains(&policy) {
            entry.policies.push(policy);
        }
    }
    OnCallNow { policies, my_shifts: mine.into_values().collect() }
}

fn shift_now(s: &Shift, me: Option<i64>) -> ShiftNow {
    ShiftNow {
        user_id: s.user.as_ref().map(|u| u.id),
        name: s.user.as_ref().map_or_else(|| "Nobody".to_string(), |u| u.name()),
        mine: s.user.as_ref().is_some_and(|u| Some(u.id) == me),
        start: s.start,
        end: s.end,
    }
}

pub fn schedules_now(schedules: &[Schedule], me: Option<i64>) -> Vec<ScheduleNow> {
    let mut out: Vec<ScheduleNow> = schedules
        .iter()
        .map(|s| ScheduleNow {
            id: s.id,
            name: s.name.clone().unwrap_or_else(|| format!("Schedule #{}", s.id)),
            current: s.current_shift.as_ref().map(|c| shift_now(c, me)),
            next: s.next_shift.as_ref().map(|n| shift_now(n, me)),
        })
        .collect();
    out.sort_by_key(|s| s.name.to_lowercase());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn call(user: i64, policy: i64, level: i64, schedule: Option<i64>, start: i64, end: i64) -> OnCall {
        let t0 = DateTime::parse_from_rfc3339("2026-05-01T12:00:00Z").unwrap().with_timezone(&Utc);
        serde_json::from_value(serde_json::json!({
            "user": {"id": user, "firstName": format!("U{user}")},
            "escalationPolicy": {"id": policy, "name": format!("P{policy}")},
            "schedule": schedule.map(|s| serde_json::json!({"id": s, "name": format!("S{s}")})),
            "start": (t0 + Duration::hours(start)).to_rfc3339(),
            "end": (t0 + Duration::hours(end)).to_rfc3339(),
            "escalationLevel": level,
        }))
        .unwrap()
    }

    #[test]
    fn now_groups_by_policy_and_level_and_merges_my_shifts() {
        let now = DateTime::parse_from_rfc3339("2026-05-01T12:00:00Z").unwrap().with_timezone(&Utc);
        let calls = [
            call(1, 10, 1, Some(7), -2, 6), // me, now, via S7, in two policies
            call(1, 11, 2, Some(7), -2, 6),
            call(2, 10, 2, None, -1, 300),   // named directly
            call(1, 10, 1, Some(7), 30, 38), // my next turn
            call(3, 10, 1, Some(8), 6, 14),  // not yet
        ];
        let v = on_call_now(&calls, None, Some(1), now);
        assert_eq!(v.policies.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), ["P10", "P11"]);
        let p10 = &v.policies[0];
        assert_eq!(p10.levels.iter().map(|l| l.level).collect::<Vec<_>>(), [1, 2]);
        assert_eq!(p10.levels[0].people[0].name, "U1");
        assert!(p10.levels[0].people[0].mine);
        assert_eq!(p10.levels[0].people[0].until, Some(now + Duration::hours(6)));
        assert_eq!(p10.levels[1].people[0].until, None, "direct: no end");
        assert_eq!(v.my_shifts.len(), 2, "one entry per turn, not per policy");
        assert!(v.my_shifts[0].current && !v.my_shifts[1].current);
        assert_eq!(v.my_shifts[0].policies, ["P10", "P11"]);
    }

    #[test]
    fn policies_with_nobody_on_call_are_listed_empty() {
        let now = Utc::now();
        let p: EscalationPolicy = serde_json::from_value(serde_json::json!({"id": 5, "name": "Quiet"})).unwrap();
        let v = on_call_now(&[], Some(&[p]), None, now);
        assert_eq!(v.policies.len(), 1);
        assert!(v.policies[0].levels.is_empty());
    }
}
