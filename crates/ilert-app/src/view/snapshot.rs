//! The latest state of one account, as the refresh engine publishes it:
//! every panel (stale ones keep their last data), the session, and when it
//! was fetched and will be again. The window renders it as it comes; the
//! tray and the notifier will read the same.

use chrono::{DateTime, Utc};
use ilert_api::api::alert_sources::AlertSource;
use ilert_api::api::users::User;
use serde::Serialize;

use super::alerts::{NotifyAlerts, OpenAlerts};
use super::board::{self, OnCallBoard};
use super::dashboard::{Panel, Round};
use super::session::SessionInfo;

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub struct Snapshot {
    /// The account's key (tenant, user, issuer): which account this is.
    pub account: String,
    pub session: SessionInfo,
    /// Counts completed refreshes, so a subscriber can tell a new one.
    pub seq: u64,
    /// When the last refresh completed; `None` before the first.
    pub fetched_at: Option<DateTime<Utc>>,
    /// When the last refresh in which every panel answered completed: how old the data is.
    pub fresh_at: Option<DateTime<Utc>>,
    pub next_refresh_at: Option<DateTime<Utc>>,
    /// A refresh is under way (the panels still show the previous one).
    pub refreshing: bool,
    /// ilert ended the session: the engine has stopped; sign in again.
    pub session_ended: bool,
    pub user: Panel<User>,
    pub on_call: Panel<OnCallBoard>,
    pub alert_sources: Panel<Vec<AlertSource>>,
    pub alerts: Panel<OpenAlerts>,
    /// The first failure of the last refresh, for the status line.
    pub problem: Option<String>,
}

impl Snapshot {
    /// Before the first refresh: every panel loading.
    pub fn loading(account: String, session: SessionInfo) -> Snapshot {
        Snapshot {
            account,
            session,
            seq: 0,
            fetched_at: None,
            fresh_at: None,
            next_refresh_at: None,
            refreshing: true,
            session_ended: false,
            user: Panel::Loading,
            on_call: Panel::Loading,
            alert_sources: Panel::Loading,
            alerts: Panel::Loading,
            problem: None,
        }
    }

    /// The snapshot after this one, from a new fetch: where a panel failed,
    /// the data it had is kept and marked stale.
    pub fn next(&self, d: Round, session: SessionInfo, next_refresh_at: Option<DateTime<Utc>>, scope: NotifyAlerts) -> Snapshot {
        let at = self.fetched_at;
        let on_call = board::join(&d.on_call, &d.schedules);
        let me = d.user.data().map(|u| u.id).or_else(|| self.user.data().map(|u| u.id));
        let now = d.on_call.data();
        let alerts = d.alerts.clone().map(|a| OpenAlerts::of(&a, me, now, scope));
        Snapshot {
            account: self.account.clone(),
            session,
            seq: self.seq + 1,
            fetched_at: Some(d.fetched_at),
            fresh_at: if d.all_ok() { Some(d.fetched_at) } else { self.fresh_at },
            next_refresh_at,
            refreshing: false,
            session_ended: d.session_expired(),
            problem: d.first_error().map(|(_, m)| m.to_string()),
            user: d.user.keeping(&self.user, at),
            on_call: on_call.keeping(&self.on_call, at),
            alert_sources: d.alert_sources.keeping(&self.alert_sources, at),
            alerts: alerts.keeping(&self.alerts, at),
        }
    }

    /// Whether I am on call now: in a shift, or named in a policy directly.
    /// When my current shift ends (the latest end of those under way).
    pub fn my_shift_ends(&self, now: chrono::DateTime<chrono::Utc>) -> Option<chrono::DateTime<chrono::Utc>> {
        let board = self.on_call.latest()?.on_call.as_ref()?;
        board.my_shifts.iter().filter(|m| m.start <= now && now < m.end).map(|m| m.end).max()
    }

    pub fn on_call_now(&self) -> bool {
        self.on_call.latest().and_then(|b| b.on_call.as_ref()).is_some_and(|o| {
            o.my_shifts.iter().any(|m| m.current) || o.policies.iter().any(|p| p.levels.iter().any(|l| l.people.iter().any(|x| x.mine)))
        })
    }
}
