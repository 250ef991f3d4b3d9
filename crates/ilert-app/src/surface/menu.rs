//! The tray's menu as data: a pure function of what the tray says and of
//! the update state, each item carrying the [`Intent`] it asks for. The glue
//! draws these entries with the platform's menu and sends a press back as
//! the item's id; nothing about what is in the menu is decided there (as in
//! ksni's `Tray::menu`). On Linux the AppIndicator tray sends no clicks, so
//! everything the tray does is in here.

use crate::intent::{Grant, Intent};
use crate::notify::PauseFor;
use crate::updates::UpdateView;

use super::tray::TrayView;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// A line that tells, greyed out; `id` only names it for the menu.
    Line {
        id: String,
        text: String,
    },
    /// An action; a disabled one is shown but cannot be pressed.
    Item {
        intent: Intent,
        text: String,
        enabled: bool,
    },
    Submenu {
        id: String,
        text: String,
        entries: Vec<Entry>,
    },
    Separator,
}

impl Entry {
    fn line(id: impl Into<String>, text: impl Into<String>) -> Entry {
        Entry::Line { id: id.into(), text: text.into() }
    }

    fn item(intent: Intent, text: impl Into<String>) -> Entry {
        Entry::Item { intent, text: text.into(), enabled: true }
    }

    /// The id the menu knows the entry by: an item's intent's id (what a press sends back).
    pub fn id(&self) -> Option<String> {
        match self {
            Entry::Line { id, .. } | Entry::Submenu { id, .. } => Some(id.clone()),
            Entry::Item { intent, .. } => Some(intent.id()),
            Entry::Separator => None,
        }
    }

    /// Every item's intent, in the submenus too (an enabled item's only).
    pub fn intents(entries: &[Entry]) -> Vec<Intent> {
        entries
            .iter()
            .flat_map(|e| match e {
                Entry::Item { intent, enabled: true, .. } => vec![*intent],
                Entry::Submenu { entries, .. } => Entry::intents(entries),
                _ => Vec::new(),
            })
            .collect()
    }
}

/// Silence the alarm (while a page rings); Open; the on-call line, who is
/// on call (submenu), the alerts line or the offer to grant them, my open
/// alerts with their actions; Refresh now; Will it ring?; Do Not Disturb;
/// Pause (or Resume); Sign out; a newer version and what to do about it; Quit.
pub fn tray_menu(view: &TrayView, update: &UpdateView) -> Vec<Entry> {
    let mut menu = Vec::new();
    if view.ringing {
        menu.push(Entry::item(Intent::Silence, "Silence the alarm"));
    }
    menu.extend([Entry::item(Intent::Open, "Open ilert Desktop"), Entry::Separator, Entry::line("on-call", &view.on_call_line)]);
    if !view.policies.is_empty() || !view.take.is_empty() {
        let mut lines: Vec<Entry> = view.policies.iter().enumerate().map(|(i, l)| Entry::line(format!("policy-{i}"), l)).collect();
        for offer in &view.take {
            let lengths = offer
                .lengths
                .iter()
                .map(|(length, text)| Entry::item(Intent::TakePager { schedule: offer.schedule, length: *length }, text))
                .collect();
            lines.push(Entry::Submenu { id: format!("take-{}", offer.schedule), text: offer.line.clone(), entries: lengths });
        }
        menu.push(Entry::Submenu { id: "who".into(), text: "Who is on call".into(), entries: lines });
    }
    if let Some(line) = &view.alerts_line {
        menu.push(Entry::line("alerts", line));
    }
    if view.grant_alerts {
        menu.push(Entry::item(Intent::Grant(Grant::Alerts), "Grant access to alerts…"));
    }
    if !view.alerts.is_empty() {
        let alerts = view
            .alerts
            .iter()
            .map(|a| {
                let mut actions = vec![Entry::item(Intent::ShowAlert(a.id), "Show in ilert Desktop")];
                actions.push(Entry::item(Intent::OpenInIlert(a.id), "Open in ilert"));
                if view.can_act && a.pending {
                    actions.push(Entry::item(Intent::Accept(a.id), "Accept"));
                }
                if let Some((user, name)) = a.next.as_ref().filter(|_| view.can_act) {
                    actions.push(Entry::item(Intent::ReassignToNext { alert: a.id, user: *user }, format!("Reassign to {name}")));
                }
                if view.can_act {
                    actions.push(Entry::item(Intent::AskResolve(a.id), "Resolve…"));
                }
                let mark = if a.pending { "● " } else { "✓ " };
                Entry::Submenu { id: format!("alert-{}", a.id), text: format!("{mark}{}", a.line), entries: actions }
            })
            .collect();
        menu.push(Entry::Submenu { id: "my-alerts".into(), text: "My open alerts".into(), entries: alerts });
        if !view.can_act {
            menu.push(Entry::item(Intent::Grant(Grant::AlertWrite), "Allow accepting and resolving alerts…"));
        }
    }
    menu.push(Entry::Separator);
    menu.push(Entry::Item { intent: Intent::Refresh, text: "Refresh now".into(), enabled: view.signed_in });
    menu.push(Entry::item(Intent::WillItRing, "Will it ring?…"));
    if let Some(line) = &view.dnd_line {
        menu.push(Entry::line("dnd", line));
    }
    match &view.paused_line {
        Some(line) => {
            menu.push(Entry::line("paused", line));
            menu.push(Entry::item(Intent::Resume, "Resume notifications"));
        }
        None if view.signed_in => {
            let choices = PauseFor::ALL
                .iter()
                .filter(|p| view.shift_snooze || **p != PauseFor::EndOfShift)
                .map(|p| Entry::item(Intent::Pause(*p), p.label()))
                .collect();
            menu.push(Entry::Submenu { id: "pause".into(), text: "Pause notifications".into(), entries: choices });
        }
        None => {}
    }
    menu.push(Entry::Item { intent: Intent::AskSignOut, text: "Sign out…".into(), enabled: view.signed_in });
    if let Some(line) = update.tray_line() {
        menu.push(Entry::Separator);
        menu.push(Entry::line("update", line));
        match update {
            UpdateView::Available { version, .. } => {
                menu.push(Entry::item(Intent::AskInstallUpdate, format!("Install version {version}…")))
            }
            UpdateView::Failed { .. } => menu.push(Entry::item(Intent::AskInstallUpdate, "Try again…")),
            UpdateView::Installed { .. } => menu.push(Entry::item(Intent::Restart, "Restart to use it")),
            UpdateView::Installing { .. } | UpdateView::None => {}
        }
        if matches!(update, UpdateView::Available { .. } | UpdateView::Failed { .. }) {
            menu.push(Entry::item(Intent::UpdateLater, "Later"));
        }
    }
    menu.push(Entry::Separator);
    menu.push(Entry::item(Intent::Quit, "Quit"));
    menu
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, Utc};

    use super::*;
    use crate::notify::Quiet;
    use crate::surface::fixtures::{alert_row, board, policy, shift, snapshot, MINUTE};
    use crate::surface::{Dnd, Quietness};
    use crate::view::dashboard::{Panel, Stale};
    use crate::view::{OpenAlerts, Snapshot};

    /// The labels as the desktop lists them (submenus opened in place), with
    /// `-` for a disabled item and `=` for a line.
    fn labels(entries: &[Entry]) -> Vec<String> {
        entries
            .iter()
            .flat_map(|e| match e {
                Entry::Line { text, .. } => vec![format!("={text}")],
                Entry::Item { text, enabled: true, .. } => vec![text.clone()],
                Entry::Item { text, enabled: false, .. } => vec![format!("-{text}")],
                Entry::Submenu { text, entries, .. } => std::iter::once(format!("{text} >")).chain(labels(entries)).collect(),
                Entry::Separator => Vec::new(),
            })
            .collect()
    }

    fn menu(s: Option<&Snapshot>, q: Quietness, update: &UpdateView) -> Vec<Entry> {
        tray_menu(&TrayView::now(s, MINUTE, q, None), update)
    }

    fn on_call() -> Snapshot {
        let now = Utc::now();
        snapshot(Panel::Ready { data: board(vec![shift(-1, 3, now)]), unreadable: 0 }, Some(0), now)
    }

    fn with_alerts(mut s: Snapshot, rows: &[(i64, &str)], can_act: bool) -> Snapshot {
        let alerts = rows.iter().map(|(id, status)| alert_row(*id, status)).collect::<Vec<_>>();
        let pending = rows.iter().filter(|(_, st)| *st == "PENDING").count();
        let data = OpenAlerts { alerts, pending, accepted: rows.len() - pending, ..Default::default() };
        s.alerts = Panel::Ready { data, unreadable: 0 };
        s.session.can_act = can_act;
        s
    }

    fn no_quiet() -> Quietness {
        Quietness::default()
    }

    #[test]
    fn signed_out_offers_what_needs_no_session() {
        let m = menu(None, no_quiet(), &UpdateView::None);
        assert_eq!(labels(&m), ["Open ilert Desktop", "=Signed out", "-Refresh now", "Will it ring?…", "-Sign out…", "Quit"]);
        assert_eq!(Entry::intents(&m), [Intent::Open, Intent::WillItRing, Intent::Quit], "only enabled items can be pressed");
    }

    #[test]
    fn loading_pauses_without_a_shift_to_end() {
        let loading = snapshot(Panel::Loading, None, Utc::now());
        let l = labels(&menu(Some(&loading), no_quiet(), &UpdateView::None));
        assert_eq!(l[1], "=Loading…");
        assert!(l.contains(&"Pause notifications >".to_string()) && !l.contains(&"Until the end of my shift".to_string()), "{l:?}");
    }

    #[test]
    fn on_call_lists_who_and_offers_a_snooze_to_the_shifts_end() {
        let mut s = on_call();
        if let Panel::Ready { data, .. } = &mut s.on_call {
            let policy = policy("SRE Critical", &["Ada Lovelace", "Grace Hopper"]);
            data.on_call.as_mut().unwrap().policies.push(policy);
        }
        let m = menu(Some(&s), no_quiet(), &UpdateView::None);
        let l = labels(&m);
        assert!(l[1].starts_with("=On call for SRE Critical · until "), "{l:?}");
        let who = l.iter().position(|x| x == "Who is on call >").expect("the submenu");
        assert_eq!(l[who + 1], "=SRE Critical: Ada Lovelace, Grace Hopper");
        assert!(Entry::intents(&m).contains(&Intent::Pause(crate::notify::PauseFor::EndOfShift)));
        assert!(Entry::intents(&m).contains(&Intent::Refresh) && Entry::intents(&m).contains(&Intent::AskSignOut));
    }

    #[test]
    fn pending_alerts_carry_accept_and_resolve_with_their_ids() {
        let s = with_alerts(on_call(), &[(11, "PENDING"), (12, "ACCEPTED")], true);
        let m = menu(Some(&s), no_quiet(), &UpdateView::None);
        let l = labels(&m);
        assert!(l.contains(&"=1 pending · 1 accepted".to_string()), "{l:?}");
        let intents = Entry::intents(&m);
        for i in [Intent::ShowAlert(11), Intent::OpenInIlert(11), Intent::Accept(11), Intent::AskResolve(11)] {
            assert!(intents.contains(&i), "{i:?} in {intents:?}");
        }
        assert!(intents.contains(&Intent::AskResolve(12)) && !intents.contains(&Intent::Accept(12)), "accepted: no Accept");
        let ids: Vec<String> = m.iter().filter_map(Entry::id).collect();
        assert!(ids.contains(&"my-alerts".to_string()), "{ids:?}");
    }

    /// A pending alert whose policy has a next level offers to hand it to
    /// that person; an accepted one, one with no next level, or no `alert:w`: not.
    #[test]
    fn a_pending_alert_offers_to_reassign_to_the_next_on_call() {
        let mut s = with_alerts(on_call(), &[(11, "PENDING"), (12, "ACCEPTED"), (13, "PENDING")], true);
        if let Panel::Ready { data, .. } = &mut s.alerts {
            for r in data.alerts.iter_mut().filter(|r| r.id != 13) {
                (r.next_escalation_user_id, r.next_escalation_user) = (Some(2), Some("Grace Hopper".into()));
            }
        }
        let m = menu(Some(&s), no_quiet(), &UpdateView::None);
        let reassign: Vec<Intent> = Entry::intents(&m).into_iter().filter(|i| matches!(i, Intent::ReassignToNext { .. })).collect();
        assert_eq!(reassign, [Intent::ReassignToNext { alert: 11, user: 2 }]);
        assert!(labels(&m).contains(&"Reassign to Grace Hopper".to_string()), "{:?}", labels(&m));
        s.session.can_act = false;
        let m = menu(Some(&s), no_quiet(), &UpdateView::None);
        assert!(!Entry::intents(&m).iter().any(|i| matches!(i, Intent::ReassignToNext { .. })), "no alert:w: not offered");
    }

    /// A schedule with somebody else on call offers "Take on-call" with the
    /// lengths that end before their shift does; mine, or without
    /// `schedule:w`, offers nothing.
    #[test]
    fn who_is_on_call_offers_to_take_the_pager_where_somebody_else_has_it() {
        use crate::view::dashboard::{ScheduleNow, ShiftNow};
        let now = Utc::now();
        let current = |user: i64, name: &str, mine: bool, hours: i64| {
            Some(ShiftNow {
                user_id: Some(user),
                name: name.into(),
                mine,
                start: now - Duration::hours(1),
                end: now + Duration::hours(hours),
            })
        };
        let mut s = on_call();
        if let Panel::Ready { data, .. } = &mut s.on_call {
            data.schedules = Some(vec![
                ScheduleNow { id: 3, name: "Payments Static".into(), current: current(7, "Donald Knuth", false, 5), next: None },
                ScheduleNow { id: 1, name: "SRE Primary".into(), current: current(1, "Ada Lovelace", true, 5), next: None },
            ]);
        }
        let m = menu(Some(&s), no_quiet(), &UpdateView::None);
        let l = labels(&m);
        let at = l.iter().position(|x| x == "Take on-call for Payments Static (Donald Knuth) >").expect("the offer, in Who is on call");
        assert_eq!(&l[at + 1..at + 3], ["For 30 min", "For 1 h"]);
        assert!(l[at + 3].starts_with("Until "), "{l:?}");
        let taken: Vec<Intent> = Entry::intents(&m).into_iter().filter(|i| matches!(i, Intent::TakePager { .. })).collect();
        assert_eq!(taken, crate::pager::TakeFor::ALL.map(|length| Intent::TakePager { schedule: 3, length }), "mine is not offered");
        s.session.can_cover = false;
        assert!(!Entry::intents(&menu(Some(&s), no_quiet(), &UpdateView::None)).iter().any(|i| matches!(i, Intent::TakePager { .. })));
    }

    #[test]
    fn without_alert_write_the_alerts_only_open_and_the_scope_is_offered() {
        let s = with_alerts(on_call(), &[(11, "PENDING")], false);
        let m = menu(Some(&s), no_quiet(), &UpdateView::None);
        let intents = Entry::intents(&m);
        assert!(!intents.iter().any(|i| matches!(i, Intent::Accept(_) | Intent::AskResolve(_))), "{intents:?}");
        assert!(intents.contains(&Intent::ShowAlert(11)) && intents.contains(&Intent::Grant(Grant::AlertWrite)));
        let mut ng = on_call();
        ng.alerts = Panel::NotGranted { scope: "alert".into(), message: "m".into() };
        assert!(Entry::intents(&menu(Some(&ng), no_quiet(), &UpdateView::None)).contains(&Intent::Grant(Grant::Alerts)));
    }

    #[test]
    fn stale_and_problem_say_so_in_the_first_line() {
        let now = Utc::now();
        let last = Stale { data: board(vec![shift(-1, 3, now)]), fetched_at: now - Duration::minutes(12) };
        let failing = Panel::Error { kind: crate::ErrorKind::Unavailable, message: "down".into(), last: Some(last) };
        let stale = snapshot(failing, Some(12 * 60), now);
        assert!(labels(&menu(Some(&stale), no_quiet(), &UpdateView::None))[1].ends_with("offline, updated 12 m ago"));
        let problem = snapshot(Panel::NotGranted { scope: "schedule".into(), message: "m".into() }, Some(0), now);
        assert!(labels(&menu(Some(&problem), no_quiet(), &UpdateView::None))[1].starts_with("=On-call data not granted"));
    }

    #[test]
    fn paused_and_quiet_hours_offer_resume_instead_of_pause() {
        let until = Utc::now() + Duration::minutes(15);
        for quiet in [Quiet::Snoozed { until }, Quiet::QuietHours { until }] {
            let m = menu(Some(&on_call()), Quietness { quiet: Some(quiet), ..no_quiet() }, &UpdateView::None);
            let l = labels(&m);
            let line = l.iter().find(|x| x.starts_with("=Notifications paused until") || x.starts_with("=Quiet hours until"));
            assert!(line.is_some(), "{l:?}");
            assert!(Entry::intents(&m).contains(&Intent::Resume) && !l.contains(&"Pause notifications >".to_string()), "{l:?}");
        }
    }

    #[test]
    fn do_not_disturb_is_a_line_and_a_ringing_alarm_comes_first() {
        let m = menu(Some(&on_call()), Quietness { dnd: Dnd::On, ringing: true, ..no_quiet() }, &UpdateView::None);
        let l = labels(&m);
        assert_eq!(l[0], "Silence the alarm");
        assert_eq!(m[0].id().as_deref(), Some("silence"));
        assert!(l.contains(&"=Do Not Disturb is on · pages still ring".to_string()), "{l:?}");
    }

    #[test]
    fn an_update_offers_what_fits_its_state() {
        let v = |s: &str| s.to_string();
        let tail = |u: UpdateView| {
            let l = labels(&menu(Some(&on_call()), no_quiet(), &u));
            let at = l.iter().position(|x| x.starts_with("=Version ") || x.starts_with("=Installing ")).expect("the update's line");
            l[at..l.len() - 1].to_vec()
        };
        assert_eq!(
            tail(UpdateView::Available { version: v("0.2.0"), notes: None }),
            ["=Version 0.2.0 is available", "Install version 0.2.0…", "Later"]
        );
        assert_eq!(tail(UpdateView::Installing { version: v("0.2.0") }), ["=Installing version 0.2.0…"]);
        assert_eq!(tail(UpdateView::Installed { version: v("0.2.0") }), ["=Version 0.2.0 is installed", "Restart to use it"]);
        let failed = UpdateView::Failed { version: v("0.2.0"), message: v("m"), reason: v("bad signature") };
        assert_eq!(tail(failed), ["=Version 0.2.0 not installed: bad signature", "Try again…", "Later"]);
        let m = menu(Some(&on_call()), no_quiet(), &UpdateView::Available { version: v("0.2.0"), notes: None });
        assert!(Entry::intents(&m).contains(&Intent::AskInstallUpdate) && Entry::intents(&m).contains(&Intent::UpdateLater));
    }

    /// Every item's id is its intent's, and reads back as that intent.
    #[test]
    fn every_item_id_reads_back_as_its_intent() {
        let s = with_alerts(on_call(), &[(11, "PENDING")], true);
        let m = menu(Some(&s), Quietness { ringing: true, ..no_quiet() }, &UpdateView::Installed { version: "0.2.0".into() });
        for intent in Entry::intents(&m) {
            assert_eq!(Intent::from_id(&intent.id()), Ok(intent));
        }
    }
}
