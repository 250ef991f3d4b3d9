//! The open alerts as every surface shows them: rows for the window, the
//! counts for the tray's badge, and which of them are the person's to
//! answer (the notifier's "mine"), decided once here.

use chrono::{DateTime, Utc};
use ilert_api::api::alerts::{Alert, AlertStatus};
use serde::{Deserialize, Serialize};

use super::dashboard::OnCallNow;

/// Which new alerts concern the person: what the notifier tells and the
/// tray counts. A setting (`notifyAlerts`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub enum NotifyAlerts {
    /// Alerts of the escalation policies I am on call for now, and those I
    /// am a responder of.
    #[default]
    OnCall,
    /// Every open alert I can see (all my alert sources).
    All,
    /// Only alerts I am a responder of.
    Mine,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub struct AlertRow {
    pub id: i64,
    pub summary: String,
    pub source: String,
    /// The source's id, where ilert said (maintenance from the detail).
    pub source_id: Option<i64>,
    pub priority: String,
    /// PENDING or ACCEPTED in the list (RESOLVED ones are not open; an
    /// alert's detail may be RESOLVED).
    pub status: String,
    pub report_time: Option<DateTime<Utc>>,
    pub responders: Vec<String>,
    /// Who accepted it (responders whose status is ACCEPTED).
    pub accepted_by: Vec<String>,
    pub next_escalation: Option<DateTime<Utc>>,
    /// Who it escalates to then, where ilert says.
    pub next_escalation_user: Option<String>,
    /// Their user id (the tray's "Reassign to ‹next on call›").
    pub next_escalation_user_id: Option<i64>,
    /// The escalation policy it is on (whose on-call people are offered
    /// first when bringing help).
    pub policy_id: Option<i64>,
    /// Its next escalation is to me (the heads-up).
    pub escalates_to_me: bool,
    /// I am one of its responders (the Alerts panel's default view).
    pub responder: bool,
    /// Within the person's [`NotifyAlerts`] (or a page): notified, and
    /// counted in the tray.
    pub concerns_me: bool,
    /// HIGH priority, and on a policy I am on call for or waiting for me
    /// as a responder: while it is pending, a page (the alarm rings).
    pub page: bool,
}

impl AlertRow {
    pub fn of(a: &Alert, responder: bool, concerns_me: bool, page: bool) -> AlertRow {
        let names = |accepted: bool| {
            a.responders
                .iter()
                .filter(|r| !accepted || r.status.as_deref() == Some("ACCEPTED"))
                .filter_map(|r| r.user.as_ref().map(|u| u.name()))
                .collect()
        };
        AlertRow {
            id: a.id,
            summary: a.summary.clone().unwrap_or_else(|| format!("Alert #{}", a.id)),
            source: a
                .alert_source
                .as_ref()
                .map(|s| s.name.clone().unwrap_or_else(|| format!("Alert source #{}", s.id)))
                .unwrap_or_default(),
            source_id: a.alert_source.as_ref().map(|s| s.id),
            priority: a.priority.clone().unwrap_or_default(),
            status: a.status.as_ref().map(|s| s.as_str().to_string()).unwrap_or_default(),
            report_time: a.report_time,
            responders: names(false),
            accepted_by: names(true),
            next_escalation: a.next_escalation,
            next_escalation_user: a.next_escalation_user.as_ref().map(|u| u.name()),
            next_escalation_user_id: a.next_escalation_user.as_ref().map(|u| u.id),
            policy_id: a.escalation_policy.as_ref().map(|p| p.id),
            escalates_to_me: false,
            responder,
            concerns_me,
            page,
        }
    }

    /// A page still waiting for an answer: it rings.
    pub fn rings(&self) -> bool {
        self.page && self.status == "PENDING"
    }
}

/// The open alerts, newest first.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub struct OpenAlerts {
    pub alerts: Vec<AlertRow>,
    /// Of those that concern me: still pending, and accepted.
    pub pending: usize,
    pub accepted: usize,
    /// "2 pending, 1 accepted" of every row, and of the rows I am a
    /// responder of: the Alerts panel's two views.
    pub counted_all: String,
    pub counted_responder: String,
}

impl OpenAlerts {
    /// `me`: the person's user id (unknown: only "all" can say anything);
    /// `on_call`: who is on call now, for the policies I am on call for.
    pub fn of(alerts: &[Alert], me: Option<i64>, on_call: Option<&OnCallNow>, scope: NotifyAlerts) -> OpenAlerts {
        let my_policies: Vec<i64> = on_call
            .map(|o| o.policies.iter().filter(|p| p.levels.iter().any(|l| l.people.iter().any(|x| x.mine))).map(|p| p.id).collect())
            .unwrap_or_default();
        // ilert promises no order for /api/alerts, and a list that changes
        // between its pages may repeat a row: newest first (report time,
        // then id) and each id once, decided here for every surface; an
        // alert merged into another is its parent's.
        let mut seen = std::collections::HashSet::new();
        let mut rows: Vec<AlertRow> = alerts
            .iter()
            .filter(|a| matches!(a.status, Some(AlertStatus::Pending) | Some(AlertStatus::Accepted)))
            .filter(|a| !a.is_merged())
            .filter(|a| seen.insert(a.id))
            .map(|a| {
                let responder = me.is_some_and(|me| a.has_responder(me));
                let on_my_policy = a.escalation_policy.as_ref().is_some_and(|p| my_policies.contains(&p.id));
                // A page concerns me whatever the scope says: it must not be missed.
                let page = a.priority.as_deref() == Some("HIGH") && (responder || on_my_policy);
                let concerns_me = page
                    || match scope {
                        NotifyAlerts::All => true,
                        NotifyAlerts::Mine => responder,
                        NotifyAlerts::OnCall => responder || on_my_policy,
                    };
                let escalates_to_me = me.is_some_and(|me| a.next_escalation_user.as_ref().is_some_and(|u| u.id == me));
                AlertRow { escalates_to_me, ..AlertRow::of(a, responder, concerns_me, page) }
            })
            .collect();
        rows.sort_by(newest_first);
        OpenAlerts::counted(rows)
    }

    fn counted(alerts: Vec<AlertRow>) -> OpenAlerts {
        let mine = alerts.iter().filter(|r| r.concerns_me);
        let pending = mine.clone().filter(|r| r.status == "PENDING").count();
        let accepted = mine.filter(|r| r.status == "ACCEPTED").count();
        let words = |rows: &mut dyn Iterator<Item = &AlertRow>| {
            let (p, a) = rows.fold((0, 0), |(p, a), r| (p + usize::from(r.status == "PENDING"), a + usize::from(r.status == "ACCEPTED")));
            format!("{p} pending, {a} accepted")
        };
        let counted_all = words(&mut alerts.iter());
        let counted_responder = words(&mut alerts.iter().filter(|r| r.responder));
        OpenAlerts { alerts, pending, accepted, counted_all, counted_responder }
    }

    /// This list with one alert's status changed (RESOLVED: gone from it),
    /// the counts with it; `accepted_by` adds who accepted.
    pub fn with_status(&self, id: i64, status: &str, accepted_by: Option<&[String]>) -> OpenAlerts {
        let rows = self
            .alerts
            .iter()
            .filter(|r| !(r.id == id && status == "RESOLVED"))
            .cloned()
            .map(|mut r| {
                if r.id == id {
                    r.status = status.to_string();
                    if let Some(by) = accepted_by {
                        r.accepted_by = by.to_vec();
                    }
                }
                r
            })
            .collect();
        OpenAlerts::counted(rows)
    }

    /// This list with `row` in it (in place of the row of its id, if any),
    /// in the list's order, the counts with it.
    pub fn with_row(&self, row: AlertRow) -> OpenAlerts {
        let mut rows: Vec<AlertRow> = self.alerts.iter().filter(|r| r.id != row.id).cloned().collect();
        rows.push(row);
        rows.sort_by(newest_first);
        OpenAlerts::counted(rows)
    }

    pub fn get(&self, id: i64) -> Option<&AlertRow> {
        self.alerts.iter().find(|r| r.id == id)
    }

    /// The alerts that concern me, newest first.
    pub fn mine(&self) -> impl Iterator<Item = &AlertRow> {
        self.alerts.iter().filter(|r| r.concerns_me)
    }
}

/// The order of every list of open alerts: newest report first, then the
/// highest id (ilert's own order is not promised).
fn newest_first(a: &AlertRow, b: &AlertRow) -> std::cmp::Ordering {
    b.report_time.cmp(&a.report_time).then(b.id.cmp(&a.id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view::dashboard::{LevelNow, Person, PolicyNow};

    fn alert(id: i64, status: &str, policy: i64, responder: i64) -> Alert {
        serde_json::from_value(serde_json::json!({
            "id": id, "summary": format!("A{id}"), "status": status, "priority": "HIGH",
            "alertSource": {"id": 1, "name": "Checkout"}, "escalationPolicy": {"id": policy},
            "responders": [{"user": {"id": responder, "firstName": "U"}, "status": "PENDING"}],
        }))
        .unwrap()
    }

    fn on_call_for(policy: i64, me: i64) -> OnCallNow {
        let person = Person { user_id: me, name: "Me".into(), mine: true, schedule: None, until: None };
        OnCallNow {
            policies: vec![PolicyNow { id: policy, name: "P".into(), levels: vec![LevelNow { level: 1, people: vec![person] }] }],
            my_shifts: vec![],
        }
    }

    #[test]
    fn the_scope_decides_what_concerns_me_and_the_counts() {
        let alerts = [alert(1, "PENDING", 10, 2), alert(2, "ACCEPTED", 11, 1), alert(3, "PENDING", 12, 2), alert(4, "RESOLVED", 10, 1)];
        let oc = on_call_for(10, 1);
        let ids = |o: &OpenAlerts| o.mine().map(|r| r.id).collect::<Vec<_>>();
        let on_call = OpenAlerts::of(&alerts, Some(1), Some(&oc), NotifyAlerts::OnCall);
        assert_eq!(on_call.alerts.len(), 3, "resolved is not open");
        // No report times: newest first falls back on the id, highest first.
        assert_eq!(ids(&on_call), [2, 1], "my policy's, and where I am a responder");
        assert_eq!((on_call.pending, on_call.accepted), (1, 1));
        assert_eq!(
            on_call.alerts.iter().filter(|r| r.responder).map(|r| r.id).collect::<Vec<_>>(),
            [2],
            "the panel's default: mine as a responder"
        );
        assert_eq!(ids(&OpenAlerts::of(&alerts, Some(1), Some(&oc), NotifyAlerts::Mine)), [2, 1], "1 is a page: HIGH on my policy");
        assert_eq!(ids(&OpenAlerts::of(&alerts, Some(1), Some(&oc), NotifyAlerts::All)), [3, 2, 1]);
        assert_eq!(ids(&OpenAlerts::of(&alerts, None, None, NotifyAlerts::OnCall)), Vec::<i64>::new(), "unknown me: nothing is mine");
        let pages = |o: &OpenAlerts| o.alerts.iter().filter(|r| r.rings()).map(|r| r.id).collect::<Vec<_>>();
        assert_eq!(pages(&on_call), [1], "2 is accepted, 3 neither on my policy nor mine");
        let mut low = alert(5, "PENDING", 10, 1);
        low.priority = Some("LOW".into());
        assert_eq!(pages(&OpenAlerts::of(&[low], Some(1), Some(&oc), NotifyAlerts::OnCall)), Vec::<i64>::new(), "LOW never pages");
    }

    #[test]
    fn a_row_taken_out_comes_back_in_its_place_with_the_counts() {
        let alerts = [alert(1, "PENDING", 10, 1), alert(2, "ACCEPTED", 10, 1), alert(3, "PENDING", 10, 1)];
        let all = OpenAlerts::of(&alerts, Some(1), None, NotifyAlerts::All);
        let row = all.get(2).unwrap().clone();
        let without = all.with_status(2, "RESOLVED", None);
        assert!(without.get(2).is_none() && without.accepted == 0);
        let back = without.with_row(row);
        assert_eq!(back, all, "the same list, the same order and counts");
    }
}
