//! Bring help: hand an alert to somebody else ("Reassign to…", `PUT
//! /api/alerts/{id}/assign`) or pull somebody in beside the responders
//! ("Add responder…", `POST /api/alerts/{id}/responders`), from an alert's
//! detail with ilert's suggestions to search, and from the tray's
//! "Reassign to ‹next on call›". Scope `alert:w`, as accept.
//!
//! The same rule as accept ([`crate::actions`]): shown at once (the row
//! changes in every surface), then as ilert answers; a write that may have
//! reached ilert is read back, never sent again; a refusal puts the row
//! back and says why. ilert's 405 to a responder already there is not a
//! failure: the person is where they were wanted, and the answer says so.

use ilert_api::api::alerts::{Alert, Assignee, ResponderGroup, SuggestedResponder};
use ilert_api::{ApiError, Client};
use serde::{Deserialize, Serialize};

use crate::actions::{show_row, WRITE_SCOPE};
use crate::engine::Engine;
use crate::error::AppError;
use crate::view::session::can_act;
use crate::view::{AlertRow, Panel, Snapshot};

/// What a helper is: ilert tells it only by the group it lists them in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub enum HelperKind {
    Person,
    Policy,
    Schedule,
}

/// Somebody (or a policy, or a schedule) an alert can be handed to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub struct Helper {
    pub kind: HelperKind,
    pub id: i64,
    pub name: String,
    /// ilert suggests them, or they are on call for the alert's policy now:
    /// listed first.
    pub suggested: bool,
    /// Listed by ilert, not to be chosen.
    pub disabled: bool,
}

/// The two ways to bring help.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub enum BringHelp {
    /// Beside the responders there are.
    AddResponder,
    /// In place of them: the alert is theirs (a policy starts its rules again).
    Reassign,
}

/// What became of it, in a sentence for the person.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub struct HelpOutcome {
    pub id: i64,
    /// The alert's responders as ilert has them afterwards, where it said.
    pub responders: Vec<String>,
    pub message: String,
}

/// ilert's suggestions as the window lists them: people first (those ilert
/// suggests and those on call for the alert's policy, `on_call`, ahead of
/// the rest), then policies, then schedules; each once, in ilert's order
/// within a rank. A group ilert may add later names a kind the app cannot
/// assign: it is left out.
pub fn helpers_of(suggested: &[SuggestedResponder], on_call: &[i64]) -> Vec<Helper> {
    let mut helpers: Vec<Helper> = Vec::new();
    for s in suggested {
        let (kind, by_ilert) = match &s.group {
            Some(ResponderGroup::Suggested) => (HelperKind::Person, true),
            Some(ResponderGroup::User) => (HelperKind::Person, false),
            Some(ResponderGroup::EscalationPolicy) => (HelperKind::Policy, false),
            Some(ResponderGroup::OnCallSchedule) => (HelperKind::Schedule, false),
            Some(ResponderGroup::Unknown(group)) => {
                tracing::debug!(group, "a group of helpers the app does not know; left out");
                continue;
            }
            None => continue,
        };
        let suggested = by_ilert || (kind == HelperKind::Person && on_call.contains(&s.id));
        let name = s.name.clone().filter(|n| !n.trim().is_empty()).unwrap_or_else(|| format!("#{}", s.id));
        match helpers.iter_mut().find(|h| h.kind == kind && h.id == s.id) {
            Some(h) => {
                h.suggested |= suggested;
                h.disabled &= s.disabled;
            }
            None => helpers.push(Helper { kind, id: s.id, name, suggested, disabled: s.disabled }),
        }
    }
    let rank = |h: &Helper| match (h.kind, h.suggested) {
        (HelperKind::Person, true) => 0,
        (HelperKind::Person, false) => 1,
        (HelperKind::Policy, _) => 2,
        (HelperKind::Schedule, _) => 3,
    };
    helpers.sort_by_key(rank);
    helpers
}

/// The people on call now for `policy`, at any level, from the snapshot.
pub fn on_call_for(s: &Snapshot, policy: Option<i64>) -> Vec<i64> {
    let Some(now) = s.on_call.data().and_then(|b| b.on_call.as_ref()) else { return Vec::new() };
    now.policies
        .iter()
        .filter(|p| Some(p.id) == policy)
        .flat_map(|p| p.levels.iter().flat_map(|l| l.people.iter().map(|x| x.user_id)))
        .collect()
}

fn names(a: &Alert) -> Vec<String> {
    a.responders.iter().filter_map(|r| r.user.as_ref().map(|u| u.name())).collect()
}

/// The row as it shows once `how` is done with `who`.
fn expected(row: &AlertRow, how: BringHelp, who: &Helper) -> AlertRow {
    let mut row = row.clone();
    match how {
        BringHelp::AddResponder => {
            if !row.responders.contains(&who.name) {
                row.responders.push(who.name.clone());
            }
        }
        BringHelp::Reassign => {
            // A policy's or a schedule's people are known once ilert answers.
            row.responders = if who.kind == HelperKind::Person { vec![who.name.clone()] } else { Vec::new() };
            row.accepted_by.clear();
            row.status = "PENDING".into();
            row.next_escalation = None;
            row.next_escalation_user = None;
            row.next_escalation_user_id = None;
        }
    }
    row
}

/// Whether the alert as ilert has it shows `how` done with `who` (after an
/// answer that never came), told apart from how it was `before`: what was
/// already so before the write proves nothing. A schedule's on-call person
/// is not known here: it is never taken as done.
fn shows_done(a: &Alert, before: Option<&AlertRow>, how: BringHelp, who: &Helper) -> bool {
    let has = |id: i64| a.responders.iter().any(|r| r.user.as_ref().is_some_and(|u| u.id == id));
    let had = |f: &dyn Fn(&AlertRow) -> bool| before.is_some_and(f);
    match (how, who.kind) {
        (BringHelp::AddResponder, _) => has(who.id) && !had(&|r| r.responders.contains(&who.name)),
        (BringHelp::Reassign, HelperKind::Person) => {
            has(who.id) && a.responders.len() == 1 && !had(&|r| r.responders == [who.name.clone()])
        }
        (BringHelp::Reassign, HelperKind::Policy) => {
            a.escalation_policy.as_ref().is_some_and(|p| p.id == who.id) && !had(&|r| r.policy_id == Some(who.id))
        }
        (BringHelp::Reassign, HelperKind::Schedule) => false,
    }
}

fn done_message(how: BringHelp, who: &Helper) -> String {
    match how {
        BringHelp::AddResponder => format!("{} is now a responder", who.name),
        BringHelp::Reassign => format!("Reassigned to {}", who.name),
    }
}

/// Brings `who` to alert `id`, the way `how` says.
#[tracing::instrument(name = "app.bring_help", skip(client, engine, who), fields(kind = ?who.kind, who = who.id))]
pub async fn bring_help(client: &Client, engine: &Engine, id: i64, how: BringHelp, who: &Helper) -> Result<HelpOutcome, AppError> {
    let granted = client.session().granted_scope().await?;
    if !can_act(&granted) {
        return Err(AppError::scope_not_granted(
            WRITE_SCOPE,
            "bringing in or handing an alert to somebody needs permission to change alerts in ilert",
        ));
    }
    if how == BringHelp::AddResponder && who.kind != HelperKind::Person {
        return Err(AppError::Settings(format!("{} is not a person: only a person can be added as a responder", who.name)));
    }
    let before = engine.latest().alerts.data().and_then(|a| a.get(id).cloned());
    if let Some(row) = &before {
        show_row(engine, expected(row, how, who));
    }
    let sent = match (how, who.kind) {
        (BringHelp::AddResponder, _) => client.add_responder(id, who.id).await.map(|_| None),
        (BringHelp::Reassign, HelperKind::Person) => client.assign_alert(id, Assignee::User(who.id)).await.map(Some),
        (BringHelp::Reassign, HelperKind::Policy) => client.assign_alert(id, Assignee::Policy(who.id)).await.map(Some),
        (BringHelp::Reassign, HelperKind::Schedule) => client.assign_alert(id, Assignee::Schedule(who.id)).await.map(Some),
    };
    let put_back = || {
        if let Some(row) = &before {
            show_row(engine, row.clone());
        }
        engine.refresh_now();
    };
    let (alert, message) = match sent {
        Ok(alert) => (alert, done_message(how, who)),
        Err(ApiError::Http { status: 405, .. }) if how == BringHelp::AddResponder => {
            put_back();
            tracing::info!("already a responder");
            return Ok(HelpOutcome {
                id,
                responders: before.map(|r| r.responders).unwrap_or_default(),
                message: format!("{} is already a responder", who.name),
            });
        }
        Err(ApiError::Http { status: 404, .. }) => {
            put_back();
            let what = match who.kind {
                HelperKind::Person => "person",
                HelperKind::Policy => "escalation policy",
                HelperKind::Schedule => "schedule",
            };
            return Err(AppError::Api(ApiError::Http {
                status: 404,
                code: None,
                message: format!("ilert knows no {what} {} (or no alert {id}); nothing changed", who.name),
            }));
        }
        Err(e) if e.is_uncertain() => {
            tracing::warn!(error = %e, "the write may or may not have reached ilert; reading the alert");
            match client.alert(id).await {
                Ok(alert) if shows_done(&alert, before.as_ref(), how, who) => (Some(alert), done_message(how, who)),
                _ => {
                    put_back();
                    return Err(AppError::Api(e));
                }
            }
        }
        Err(e) => {
            put_back();
            return Err(AppError::Api(e));
        }
    };
    let responders = alert.as_ref().map(names);
    // ilert's answer, shown with the round it starts (the next read has the rest).
    engine.confirm(|s| {
        let (Panel::Ready { data, .. }, Some(names)) = (&s.alerts, &responders) else { return };
        if let Some(row) = data.get(id) {
            let mut row = row.clone();
            row.responders = names.clone();
            s.alerts = Panel::Ready { data: data.with_row(row), unreadable: 0 };
        }
    });
    tracing::info!("{message}");
    Ok(HelpOutcome { id, responders: responders.unwrap_or_default(), message })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn suggested(json: serde_json::Value) -> Vec<SuggestedResponder> {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn people_come_first_those_suggested_or_on_call_ahead_each_once() {
        let s = suggested(serde_json::json!([
            {"group": "ON_CALL_SCHEDULE", "id": 1, "name": "SRE Primary"},
            {"group": "USER", "id": 3, "name": "Alan Turing"},
            {"group": "USER", "id": 2, "name": "Grace Hopper"},
            {"group": "ESCALATION_POLICY", "id": 1, "name": "SRE Critical"},
            {"group": "SUGGESTED", "id": 2, "name": "Grace Hopper"},
            {"group": "USER", "id": 4, "name": "Margaret Hamilton", "disabled": true},
            {"group": "TEAM", "id": 9, "name": "SRE"},
        ]));
        let h = helpers_of(&s, &[4]);
        let listed: Vec<(HelperKind, i64, bool, bool)> = h.iter().map(|h| (h.kind, h.id, h.suggested, h.disabled)).collect();
        assert_eq!(
            listed,
            [
                (HelperKind::Person, 2, true, false),
                (HelperKind::Person, 4, true, true),
                (HelperKind::Person, 3, false, false),
                (HelperKind::Policy, 1, false, false),
                (HelperKind::Schedule, 1, false, false),
            ],
            "Grace once (suggested), Margaret on call (still disabled), the unknown group left out"
        );
    }

    #[test]
    fn what_shows_at_once_and_what_counts_as_done_after_a_lost_answer() {
        let row = AlertRow {
            responders: vec!["Ada Lovelace".into()],
            accepted_by: vec!["Ada Lovelace".into()],
            status: "ACCEPTED".into(),
            ..crate::surface::fixtures::alert_row(7, "ACCEPTED")
        };
        let grace = Helper { kind: HelperKind::Person, id: 2, name: "Grace Hopper".into(), suggested: false, disabled: false };
        let added = expected(&row, BringHelp::AddResponder, &grace);
        assert_eq!(
            (added.responders.as_slice(), added.status.as_str()),
            (&["Ada Lovelace".to_string(), "Grace Hopper".into()][..], "ACCEPTED")
        );
        let handed = expected(&row, BringHelp::Reassign, &grace);
        assert_eq!(
            (handed.responders.as_slice(), handed.accepted_by.len(), handed.status.as_str()),
            (&["Grace Hopper".to_string()][..], 0, "PENDING")
        );

        let alert: Alert = serde_json::from_value(serde_json::json!({"id": 7, "escalationPolicy": {"id": 5, "name": "Ops"},
            "responders": [{"user": {"id": 1, "firstName": "Ada"}}, {"user": {"id": 2, "firstName": "Grace"}}]}))
        .unwrap();
        assert!(shows_done(&alert, Some(&row), BringHelp::AddResponder, &grace));
        assert!(!shows_done(&alert, Some(&added), BringHelp::AddResponder, &grace), "already there before: proves nothing");
        assert!(!shows_done(&alert, Some(&row), BringHelp::Reassign, &grace), "Ada is still on it");
        let ops = Helper { kind: HelperKind::Policy, id: 5, name: "Ops".into(), suggested: false, disabled: false };
        assert!(shows_done(&alert, Some(&row), BringHelp::Reassign, &ops));
        let on_ops = AlertRow { policy_id: Some(5), ..row.clone() };
        assert!(!shows_done(&alert, Some(&on_ops), BringHelp::Reassign, &ops), "on that policy before: proves nothing");
        let schedule = Helper { kind: HelperKind::Schedule, ..ops };
        assert!(!shows_done(&alert, Some(&row), BringHelp::Reassign, &schedule), "a schedule's person is not known: never assumed");
    }
}
