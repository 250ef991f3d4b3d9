//! Snapshots in each state the surfaces tell apart, for their unit tests.

use chrono::{DateTime, Duration, Utc};

use crate::view::board::OnCallBoard;
use crate::view::dashboard::{MyShift, OnCallNow, Panel};
use crate::view::{SessionInfo, Snapshot};

pub const MINUTE: std::time::Duration = std::time::Duration::from_secs(60);

pub fn snapshot(on_call: Panel<OnCallBoard>, fresh_secs_ago: Option<i64>, now: DateTime<Utc>) -> Snapshot {
    let session = SessionInfo {
        username: "ada".into(),
        tenant: "t".into(),
        issuer: "i".into(),
        scopes: vec![],
        access_expires_at: None,
        persistent: true,
        demo: false,
        can_act: true,
        can_maintain: true,
        can_cover: true,
    };
    let mut s = Snapshot::loading("k".into(), session);
    s.seq = 1;
    s.fetched_at = Some(now);
    s.fresh_at = fresh_secs_ago.map(|a| now - Duration::seconds(a));
    s.on_call = on_call;
    s
}

pub fn board(shifts: Vec<MyShift>) -> OnCallBoard {
    OnCallBoard::new(Some(OnCallNow { policies: vec![], my_shifts: shifts }), None, None)
}

pub fn shift(start_h: i64, end_h: i64, now: DateTime<Utc>) -> MyShift {
    MyShift {
        schedule: Some("Primary".into()),
        schedule_id: None,
        policies: vec!["SRE Critical".into()],
        start: now + Duration::hours(start_h),
        end: now + Duration::hours(end_h) + Duration::minutes(12),
        current: start_h <= 0,
    }
}

/// An open alert of mine, `PENDING` or `ACCEPTED`.
pub fn alert_row(id: i64, status: &str) -> crate::view::AlertRow {
    crate::view::AlertRow {
        id,
        summary: format!("Alert {id}"),
        source: "Checkout API".into(),
        source_id: None,
        priority: "HIGH".into(),
        status: status.into(),
        report_time: None,
        responders: vec!["Ada Lovelace".into()],
        accepted_by: Vec::new(),
        next_escalation: None,
        next_escalation_user: None,
        next_escalation_user_id: None,
        policy_id: None,
        escalates_to_me: false,
        responder: true,
        concerns_me: true,
        page: false,
    }
}

/// An escalation policy with these people on call at its first level.
pub fn policy(name: &str, people: &[&str]) -> crate::view::dashboard::PolicyNow {
    use crate::view::dashboard::{LevelNow, Person, PolicyNow};
    let people = people
        .iter()
        .enumerate()
        .map(|(i, p)| Person { user_id: i as i64, name: p.to_string(), mine: false, schedule: None, until: None })
        .collect();
    PolicyNow { id: 1, name: name.into(), levels: vec![LevelNow { level: 1, people }] }
}
