//! Hand over at the end of my shift: when I stop being on call while
//! alerts I accepted are still open, one notification (and the window)
//! says "You hand over 2 open alerts to Grace Hopper (on call now)" with
//! "Reassign to Grace Hopper" (one assign per alert, see [`crate::help`])
//! and "Keep them". Nothing when nothing is open.
//!
//! The end is seen in who is on call now, which every refresh round reads:
//! a turn of mine on a schedule (a policy's level I was at through it) that
//! is gone — its time ran out, or somebody covers me from now. A shift moved
//! later is still there, so nothing is said until its new end; a rule that
//! names me directly is no shift and never ends.

use serde::Serialize;

use ilert_api::Client;

use crate::engine::Engine;
use crate::help::{bring_help, BringHelp, Helper, HelperKind};
use crate::view::Snapshot;

/// What I hand over, and to whom.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub struct Handover {
    /// Who is on call now where my shift was (`None`: nobody, then only "Keep them").
    pub to: Option<Successor>,
    /// The open alerts I accepted, newest first.
    pub alerts: Vec<HandedAlert>,
    /// The schedule my shift was on, where ilert said.
    pub schedule: Option<String>,
    /// What the notification and the window say (see [`Handover::title_of`]).
    pub title: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub struct Successor {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub struct HandedAlert {
    pub id: i64,
    pub summary: String,
}

impl Handover {
    /// "You hand over 2 open alerts to Grace Hopper (on call now)".
    fn title_of(to: Option<&Successor>, alerts: usize) -> String {
        let what = if alerts == 1 { "1 open alert".to_string() } else { format!("{alerts} open alerts") };
        match to {
            Some(to) => format!("You hand over {what} to {} (on call now)", to.name),
            None => format!("Your shift ended with {what}; nobody else is on call there now"),
        }
    }

    /// The alerts' summaries, at most three and how many more.
    pub fn body(&self) -> String {
        let mut lines: Vec<String> = self.alerts.iter().take(3).map(|a| a.summary.clone()).collect();
        if self.alerts.len() > 3 {
            lines.push(format!("and {} more", self.alerts.len() - 3));
        }
        lines.join("\n")
    }
}

/// One turn of mine: at `level` of `policy`, through `schedule`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Turn {
    pub policy: i64,
    pub level: i64,
    pub schedule: String,
}

/// My turns now, from who is on call (`None`: not known in this snapshot).
pub fn my_turns(s: &Snapshot) -> Option<Vec<Turn>> {
    let board = s.on_call.data()?.on_call.as_ref()?;
    let mut turns = Vec::new();
    for p in &board.policies {
        for l in &p.levels {
            for x in l.people.iter().filter(|x| x.mine) {
                if let Some(schedule) = &x.schedule {
                    turns.push(Turn { policy: p.id, level: l.level, schedule: schedule.clone() });
                }
            }
        }
    }
    Some(turns)
}

/// The hand-over when my turns `ended`: the open alerts I accepted and that
/// are still mine (one reassigned or accepted by somebody else meanwhile is
/// theirs), except those of a policy I am still on call for (another turn,
/// or a rule naming me), and who is at the level I was at now. `me`: my
/// name as ilert spells it. `None`: nothing is open.
pub fn at_turns_end(s: &Snapshot, ended: &[Turn], me: &str) -> Option<Handover> {
    let board = s.on_call.data()?.on_call.as_ref()?;
    let still_on: Vec<i64> =
        board.policies.iter().filter(|p| p.levels.iter().any(|l| l.people.iter().any(|x| x.mine))).map(|p| p.id).collect();
    let alerts: Vec<HandedAlert> = s
        .alerts
        .data()?
        .alerts
        .iter()
        .filter(|r| r.status == "ACCEPTED" && r.accepted_by.iter().any(|n| n == me) && r.responders.iter().any(|n| n == me))
        .filter(|r| r.policy_id.is_none_or(|p| !still_on.contains(&p)))
        .map(|r| HandedAlert { id: r.id, summary: r.summary.clone() })
        .collect();
    if alerts.is_empty() {
        return None;
    }
    let to = ended.iter().find_map(|t| {
        let level = board.policies.iter().find(|p| p.id == t.policy)?.levels.iter().find(|l| l.level == t.level)?;
        let next = level
            .people
            .iter()
            .find(|x| !x.mine && x.schedule.as_ref() == Some(&t.schedule))
            .or_else(|| level.people.iter().find(|x| !x.mine))?;
        Some(Successor { id: next.user_id, name: next.name.clone() })
    });
    let title = Handover::title_of(to.as_ref(), alerts.len());
    Some(Handover { to, alerts, schedule: ended.first().map(|t| t.schedule.clone()), title })
}

/// "Reassign to ‹who›" (the caller checked it names the person the
/// hand-over did): each of its alerts that is still mine (accepted by `me`,
/// open) goes to them with one assign (see [`crate::help`]); one that is
/// not mine any more is left as it is. The sentence says how it went.
pub async fn reassign(client: &Client, engine: &Engine, handover: &Handover, me: Option<&str>) -> String {
    let Some(who) = &handover.to else { return "Nobody to hand over to; nothing was sent".into() };
    let helper = Helper { kind: HelperKind::Person, id: who.id, name: who.name.clone(), suggested: true, disabled: false };
    let (mut done, mut failed) = (0, Vec::new());
    for a in &handover.alerts {
        let latest = engine.latest();
        let still_mine =
            latest.alerts.data().and_then(|l| l.get(a.id)).is_some_and(|r| me.is_some_and(|me| r.accepted_by.iter().any(|n| n == me)));
        if !still_mine {
            tracing::info!(alert = a.id, "no longer mine; left as it is");
            continue;
        }
        match bring_help(client, engine, a.id, BringHelp::Reassign, &helper).await {
            Ok(_) => done += 1,
            Err(e) => failed.push(format!("{}: {e}", a.summary)),
        }
    }
    let mut message = match done {
        1 => format!("Reassigned 1 alert to {}", who.name),
        n => format!("Reassigned {n} alerts to {}", who.name),
    };
    if !failed.is_empty() {
        message = format!("{message}; not reassigned: {}", failed.join("; "));
    }
    message
}

/// Sees my turns end, across the snapshots the app's loop reads.
#[derive(Debug, Default)]
pub struct HandoverWatch {
    /// My turns in the last snapshot that said (`None`: not known yet).
    turns: Option<Vec<Turn>>,
}

impl HandoverWatch {
    /// The hand-over this snapshot brings: once, when all my turns on a
    /// schedule are gone. A snapshot without who is on call (loading,
    /// failed) changes nothing; the first one that has it only learns.
    pub fn observe(&mut self, s: &Snapshot) -> Option<Handover> {
        let now = my_turns(s)?;
        let before = self.turns.replace(now.clone())?;
        let ended: Vec<Turn> = before.into_iter().filter(|t| !now.iter().any(|n| n.schedule == t.schedule)).collect();
        if ended.is_empty() {
            return None;
        }
        let me = s.user.data()?.name();
        at_turns_end(s, &ended, &me)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::surface::fixtures::{alert_row, board, snapshot};
    use crate::view::dashboard::{LevelNow, Panel, Person, PolicyNow};
    use crate::view::OpenAlerts;

    fn person(id: i64, name: &str, mine: bool, schedule: Option<&str>) -> Person {
        Person { user_id: id, name: name.into(), mine, schedule: schedule.map(str::to_string), until: None }
    }

    /// SRE Critical (policy 1) at level 1 through SRE Primary: me or Grace;
    /// Payments (policy 3) names me directly at level 2.
    fn on_call(me_on_shift: bool, rows: Vec<crate::view::AlertRow>) -> Snapshot {
        let mut b = board(vec![]);
        let level1 = if me_on_shift {
            person(1, "Ada Lovelace", true, Some("SRE Primary"))
        } else {
            person(2, "Grace Hopper", false, Some("SRE Primary"))
        };
        b.on_call.as_mut().unwrap().policies = vec![
            PolicyNow { id: 1, name: "SRE Critical".into(), levels: vec![LevelNow { level: 1, people: vec![level1] }] },
            PolicyNow {
                id: 3,
                name: "Payments".into(),
                levels: vec![LevelNow { level: 2, people: vec![person(1, "Ada Lovelace", true, None)] }],
            },
        ];
        let mut s = snapshot(Panel::Ready { data: b, unreadable: 0 }, Some(0), chrono::Utc::now());
        s.alerts = Panel::Ready { data: OpenAlerts { alerts: rows, ..Default::default() }, unreadable: 0 };
        s.user = Panel::Ready {
            data: serde_json::from_value(serde_json::json!({"id": 1, "firstName": "Ada", "lastName": "Lovelace"})).unwrap(),
            unreadable: 0,
        };
        s
    }

    fn accepted(id: i64, by: &str, policy: i64) -> crate::view::AlertRow {
        crate::view::AlertRow {
            accepted_by: vec![by.into()],
            responders: vec![by.into()],
            summary: format!("Disk {id}"),
            policy_id: Some(policy),
            ..alert_row(id, "ACCEPTED")
        }
    }

    #[test]
    fn my_open_alerts_on_the_policy_go_to_whoever_is_at_my_level_now() {
        let ended = [Turn { policy: 1, level: 1, schedule: "SRE Primary".into() }];
        let rows =
            vec![accepted(1, "Ada Lovelace", 1), accepted(2, "Grace Hopper", 1), alert_row(3, "PENDING"), accepted(4, "Ada Lovelace", 3)];
        let h = at_turns_end(&on_call(false, rows), &ended, "Ada Lovelace").expect("one open alert of mine");
        assert_eq!(
            h.alerts,
            [HandedAlert { id: 1, summary: "Disk 1".into() }],
            "Grace's, the pending one and one on a policy I am still on are not handed over"
        );
        assert_eq!(h.to, Some(Successor { id: 2, name: "Grace Hopper".into() }));
        assert_eq!(h.title, "You hand over 1 open alert to Grace Hopper (on call now)");
        assert_eq!(
            at_turns_end(&on_call(false, vec![accepted(2, "Grace Hopper", 1)]), &ended, "Ada Lovelace"),
            None,
            "nothing open: nothing said"
        );
        // Reassigned meanwhile: accepted by me once, but no longer a responder.
        let reassigned = crate::view::AlertRow { responders: vec!["Grace Hopper".into()], ..accepted(1, "Ada Lovelace", 1) };
        assert_eq!(at_turns_end(&on_call(false, vec![reassigned]), &ended, "Ada Lovelace"), None);
    }

    #[test]
    fn a_turn_that_ends_is_handed_over_once_and_a_direct_rule_never_ends() {
        let rows = || vec![accepted(1, "Ada Lovelace", 1)];
        let mut w = HandoverWatch::default();
        assert_eq!(w.observe(&on_call(false, rows())), None, "the first snapshot only learns");
        assert_eq!(w.observe(&on_call(true, rows())), None, "on call");
        let mut loading = on_call(true, rows());
        loading.on_call = Panel::Loading;
        assert_eq!(w.observe(&loading), None, "no data: nothing changes");
        assert_eq!(w.observe(&on_call(true, rows())), None, "still on (a shift moved later is still there)");
        let ended = w.observe(&on_call(false, rows())).expect("ended");
        assert_eq!(ended.to.map(|t| t.id), Some(2));
        assert_eq!(w.observe(&on_call(false, rows())), None, "said once");
        assert_eq!(my_turns(&on_call(false, rows())), Some(vec![]), "the rule naming me directly is no turn");
    }
}
